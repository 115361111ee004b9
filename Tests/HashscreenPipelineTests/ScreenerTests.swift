import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// Screening one sample: what it matches and how it fails, every record carrying the sample's
/// key and identity.
final class ScreenerTests: XCTestCase {
    /// An identity a reader could give (fifth input, shard 7, a row-less image): records must
    /// carry it whatever it is.
    static let id = SampleID(input: 4, shard: 7, .member(2))

    func screener(_ tmp: TemporaryDirectory, list: [String], signals: [SignalKind]) throws -> Screener {
        let config = ScanConfiguration(inputs: [], listPath: try makeList(tmp, list), outputDirectory: tmp.file("out"),
                                       signals: signals, jobs: 1)
        return try Screener(config: config, known: try KnownHashes.load(listPath: config.listPath, signals: Set(signals)))
    }

    func testRecordedURLAndFileValuesEachMatch() throws {
        let tmp = try TemporaryDirectory()
        let image = fixtureImage("0001.jpg")
        let sha256 = try coreutilsDigest("sha256sum", image)
        let recorded = String(repeating: "5a", count: 16)
        let s = try screener(tmp, list: ["sha256 \(sha256)", "md5 \(recorded)", "url http://example.org/a.jpg"],
                             signals: [.md5, .sha256, .urlSHA256])
        let sample = Sample(key: "k", url: "http://example.org/a.jpg", path: image, displayPath: "imgs/0001.jpg",
                            recorded: [RecordedHash(signal: .md5, value: HashValue(hex: recorded)!, column: "md5")], id: Self.id)
        let out = s.screen(sample, problems: [])
        XCTAssertEqual(out.failures, [])
        let found = out.matches.map { "\($0.signal.name):\($0.source.rawValue):\($0.value.hex)" }.sorted()
        XCTAssertEqual(found.count, 3, "\(found)")
        XCTAssertTrue(found.contains("md5:manifest:\(recorded)"), "a recorded value matches without reading the file")
        XCTAssertTrue(found.contains("sha256:computed:\(sha256)"), "the file's bytes are digested")
        XCTAssertTrue(found.contains { $0.hasPrefix("url_sha256:computed:") })
        for m in out.matches {
            XCTAssertEqual(m.key, "k"); XCTAssertEqual(m.sampleID, Self.id)
            XCTAssertEqual(m.path, "imgs/0001.jpg", "outputs print the path as the manifest wrote it")
            XCTAssertEqual(m.list, ListRef(name: "L", version: "1"))
        }
        XCTAssertEqual(Set(out.screenedSignals), [.md5, .sha256, .urlSHA256])
        XCTAssertGreaterThan(out.bytesRead, 0)
    }

    func testProblemsAndUnreadableOrUndecodableFilesAreFailuresOfTheSample() throws {
        let tmp = try TemporaryDirectory()
        let s = try screener(tmp, list: ["md5 " + String(repeating: "0", count: 32)], signals: [.md5, .pdq])
        let missing = s.screen(Sample(key: "gone", path: tmp.file("nothing.jpg"), id: Self.id), problems: ["column md5: not hex"])
        XCTAssertEqual(missing.failures.map(\.stage), [.manifest, .read])
        XCTAssertEqual(missing.failures.first?.message, "column md5: not hex")
        XCTAssertTrue(missing.failures.allSatisfy { $0.sampleID == Self.id && $0.key == "gone" })

        let junk = try tmp.write("junk.jpg", "not an image at all")
        let undecodable = s.screen(Sample(key: "junk", path: junk, id: Self.id), problems: [])
        XCTAssertEqual(undecodable.failures.map(\.stage), [.decode])
        XCTAssertEqual(undecodable.failures.first?.sampleID, Self.id)
        XCTAssertTrue(undecodable.screenedSignals.contains(.md5), "the bytes were still digested")
    }

    func testASampleWithNothingToScreenIsNeitherMatchedNorFailed() throws {
        let tmp = try TemporaryDirectory()
        let s = try screener(tmp, list: ["url http://example.org/"], signals: [.md5, .urlMD5])
        let out = s.screen(Sample(key: "empty", id: Self.id), problems: [])
        XCTAssertEqual(out.matches, [])
        XCTAssertEqual(out.failures, [])
        XCTAssertEqual(out.screenedSignals, [])
    }
}

/// Images a manifest carries: screened in memory exactly like the same bytes in a file.
final class EmbeddedScreenerTests: XCTestCase {
    static let id = SampleID(input: 0, row: 3)

    func screener(_ tmp: TemporaryDirectory, list: [String], signals: [SignalKind], maxFileBytes: Int = ScanConfiguration.defaultMaxFileBytes) throws -> Screener {
        let config = ScanConfiguration(inputs: [], listPath: try makeList(tmp, list), outputDirectory: tmp.file("out"),
                                       signals: signals, jobs: 1, maxFileBytes: maxFileBytes)
        return try Screener(config: config, known: try KnownHashes.load(listPath: config.listPath, signals: Set(signals)))
    }

    func testEmbeddedBytesGiveTheSameValuesAsTheFile() throws {
        let tmp = try TemporaryDirectory()
        let image = fixtureImage("0004.jpg")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        let s = try screener(tmp, list: ["md5 \(try coreutilsDigest("md5sum", image))"], signals: [.md5, .sha1, .pdq, .phash])
        let fromFile = s.screen(Sample(key: "f", path: image, id: Self.id), problems: [])
        var sample = Sample(key: "e", displayPath: "0004.jpg", id: Self.id)
        sample.embedded = .bytes(bytes)
        let fromRow = s.screen(sample, problems: [])
        XCTAssertEqual(fromRow.failures, [])
        XCTAssertEqual(fromRow.matches.map(\.signal), [.md5])
        XCTAssertEqual(fromRow.matches.first?.path, "0004.jpg")
        XCTAssertEqual(Set(fromRow.screenedSignals), Set(fromFile.screenedSignals))
        XCTAssertEqual(Set(fromRow.screenedSignals), [.md5, .sha1, .pdq, .phash])
        XCTAssertTrue(fromRow.decoded)
        XCTAssertEqual(fromRow.bytesRead, bytes.count)
    }

    func testEmbeddedImageOverTheLimitEmptyOrUndecodableFailsLikeAFile() throws {
        let tmp = try TemporaryDirectory()
        let s = try screener(tmp, list: ["md5 " + String(repeating: "0", count: 32)], signals: [.md5, .pdq], maxFileBytes: 100)
        var over = Sample(key: "big", id: Self.id)
        over.embedded = .overLimit(length: 5000)
        var big = Sample(key: "big2", id: Self.id)
        big.embedded = .bytes([UInt8](repeating: 0xFF, count: 101))
        var empty = Sample(key: "empty", id: Self.id)
        empty.embedded = .bytes([])
        var junk = Sample(key: "junk", id: Self.id)
        junk.embedded = .bytes(Array("not an image".utf8))
        let outs = [over, big, empty, junk].map { s.screen($0, problems: []) }
        XCTAssertEqual(outs.map { $0.failures.map(\.stage) }, [[.read], [.read], [.read], [.decode]])
        XCTAssertTrue(outs[0].failures[0].message.contains("5000 bytes, over the limit of 100 (--max-file-bytes)"), outs[0].failures[0].message)
        XCTAssertTrue(outs[1].failures[0].message.contains("101 bytes, over the limit"), outs[1].failures[0].message)
        XCTAssertTrue(outs[2].failures[0].message.contains("empty"), outs[2].failures[0].message)
        XCTAssertEqual(outs[3].screenedSignals, [.md5], "undecodable bytes are still digested")
    }

    func testHasImageReferenceIncludesEmbeddedBytes() {
        var s = Sample(key: "k", id: Self.id)
        XCTAssertFalse(s.hasImageReference)
        s.embedded = .overLimit(length: 1)
        XCTAssertTrue(s.hasImageReference)
    }
}
