import Foundation
import HashscreenCore
@testable import HashscreenReport
import HashscreenTestSupport
import XCTest

/// The spool findings go to as they are found (issue 11): sorted runs, merged back in
/// `RecordOrder` (through several merge passes when there are many runs), the outputs
/// byte-identical to sorting in memory; the file private, exclusive and removed.
final class RecordSpoolTests: XCTestCase {
    /// Matches of random samples, two per sample (of different signals: a sample's records
    /// differ in what `RecordOrder` compares, as a scan's do): repeated keys, several inputs,
    /// rows and members, lists, variants, notes, keys that CSV must quote.
    static func randomMatches(_ n: Int, seed: UInt64) -> [MatchRecord] {
        var rng = SplitMix64(seed: seed)
        let signals: [SignalKind] = [.md5, .sha256, .pdq, .phash, .urlMD5]
        var sample: (key: String, url: String?, path: String?, id: SampleID)? = nil
        return (0..<n).map { i in
            let j = i / 2
            if i % 2 == 0 || sample == nil {
                let key = "k\(rng.next() % 300)" + (rng.next() % 7 == 0 ? " é,\"x\"\n" : "")
                sample = (key, rng.next() % 3 == 0 ? nil : "http://x.invalid/\(j)", rng.next() % 4 == 0 ? nil : "p/\(key).jpg",
                          SampleID(input: UInt32(rng.next() % 3), shard: UInt32(rng.next() % 2),
                                   rng.next() % 4 == 0 ? .member(UInt64(j)) : .row(UInt64(j))))
            }
            let s = sample!
            let signal = signals[i % 2 == 0 ? 0 : 1 + j % 4]
            return MatchRecord(
                key: s.key, url: s.url, path: s.path,
                signal: signal, value: HashValue(bytes: (0..<signal.byteCount).map { _ in UInt8(truncatingIfNeeded: rng.next()) }),
                source: rng.next() % 2 == 0 ? .computed : .manifest, list: ListRef(name: "L\(rng.next() % 3)", version: "1"),
                distance: Int(rng.next() % 32), variant: signal.isPerceptual ? "rot90" : nil,
                notes: rng.next() % 5 == 0 ? ["padding removed", "n\(i)"] : [], sampleID: s.id)
        }
    }

    /// Failures of distinct samples with repeated keys.
    static func randomFailures(_ n: Int, seed: UInt64) -> [FailureRecord] {
        var rng = SplitMix64(seed: seed)
        let stages = FailureStage.allCases
        return (0..<n).map { i in
            FailureRecord(key: "k\(rng.next() % 200)", path: rng.next() % 3 == 0 ? nil : "p/\(i).jpg",
                          stage: stages[Int(rng.next() % UInt64(stages.count))], message: "message \(rng.next() % 5)",
                          sampleID: SampleID(input: UInt32(rng.next() % 2), row: i))
        }
    }

    /// 1,000 records in runs of 7: 143 runs, more than one merge can take (64), so a merge
    /// pass writes longer runs first; the result is exactly the records sorted in memory.
    func testManyRunsMergeBackIntoRecordOrder() throws {
        let tmp = try TemporaryDirectory()
        let matches = Self.randomMatches(1000, seed: 11)
        let spool = try RecordSpool<MatchRecord>(folder: tmp.path, name: "matches", bufferRecords: 7)
        for m in matches { try spool.append(m) }
        XCTAssertEqual(spool.runs.count, 1000 / 7, "full buffers became runs")
        XCTAssertGreaterThan(spool.runs.count, RecordSpool<MatchRecord>.mergeFanIn)
        var back: [MatchRecord] = []
        try spool.forEachSorted { back.append($0) }
        XCTAssertEqual(back, RecordOrder.sorted(matches))

        let failures = Self.randomFailures(500, seed: 12)
        let fspool = try RecordSpool<FailureRecord>(folder: tmp.path, name: "errors", bufferRecords: 3)
        for f in failures { try fspool.append(f) }
        var fback: [FailureRecord] = []
        try fspool.forEachSorted { fback.append($0) }
        XCTAssertEqual(fback, RecordOrder.sorted(failures))
    }

    /// The output files printed from spools are the same bytes as from the records in memory.
    func testOutputsFromTheSpoolAreByteIdenticalToSortingInMemory() throws {
        let tmp = try TemporaryDirectory()
        let matches = Self.randomMatches(400, seed: 21)
        let failures = Self.randomFailures(300, seed: 22)
        // One flagged record per matched sample, some with digests, some with a URL digest.
        var seen = Set<SampleID>()
        let flagged = matches.filter { seen.insert($0.sampleID).inserted }.enumerated().map { i, m in
            FlaggedRecord(key: m.key, keyIsRowNumber: i % 5 == 0,
                          content: (0..<(i % 3)).map { j in HashValue(bytes: (0..<32).map { UInt8(truncatingIfNeeded: i * 7 + j * 13 + $0) }) },
                          url: i % 2 == 0 ? HashValue(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 32)) : nil,
                          sampleID: m.sampleID)
        }
        let inMemory = try OutputFolder(directory: tmp.file("a"))
        try inMemory.write(matches: matches, failures: failures, flagged: flagged)
        let spooled = try OutputFolder(directory: tmp.file("b"))
        let ms = try RecordSpool<MatchRecord>(folder: spooled.directory, name: "matches", bufferRecords: 5)
        let fs = try RecordSpool<FailureRecord>(folder: spooled.directory, name: "errors", bufferRecords: 5)
        let gs = try RecordSpool<FlaggedRecord>(folder: spooled.directory, name: "flagged", bufferRecords: 5)
        for m in matches { try ms.append(m) }
        for f in failures { try fs.append(f) }
        for g in flagged.reversed() { try gs.append(g) }
        let removed = try spooled.write(matches: ms, failures: fs, flagged: gs, keepingRemovedIDs: true)
        for f in [OutputFolder.File.removals, OutputFolder.File.report, OutputFolder.File.errors, OutputFolder.File.flagged] {
            let a = try Data(contentsOf: URL(fileURLWithPath: inMemory.path(f)))
            XCTAssertEqual(a, try Data(contentsOf: URL(fileURLWithPath: spooled.path(f))), f)
            XCTAssertFalse(a.isEmpty, f)
        }
        XCTAssertEqual(removed, Set(matches.map(\.sampleID)), "every matched sample's identity, for --write-cleaned")
    }

    /// `--export-reporting`'s facts ride on the flagged record: they survive the spool, and
    /// `reporting.jsonl` from the spool is the bytes from memory; a record without them is
    /// encoded as before (the `g` body ends at the sample identity).
    func testReportingFactsSurviveTheSpool() throws {
        let tmp = try TemporaryDirectory()
        let h = { (n: Int, b: UInt8) in HashValue(bytes: [UInt8](repeating: b, count: n)) }
        let facts = ReportingFacts(fileName: "a/b.jpg", container: "s.tar", url: "http://x/y",
                                   storedFile: [(.md5, h(16, 1)), (.sha1, h(20, 2)), (.sha256, h(32, 3))],
                                   recorded: [(.sha256, h(32, 4))], modified: -5,
                                   matches: [ReportingMatch(signal: .pdq, source: .computed, list: "l", listVersion: "2",
                                                            distance: 7, variant: "rot90")])
        let records = (0..<9).map { i in
            FlaggedRecord(key: "k\(8 - i)", keyIsRowNumber: false, content: [h(32, UInt8(i))], url: nil,
                          sampleID: SampleID(input: 0, row: i),
                          reporting: i == 3 ? nil : facts)
        }
        let context = ReportingContext(scannedAt: Date(timeIntervalSince1970: 0), inputs: ["m.csv"], shards: [[]])
        let a = try OutputFolder(directory: tmp.file("a"))
        _ = try a.write(matches: SortedArray([MatchRecord]()), failures: SortedArray([FailureRecord]()),
                        flagged: SortedArray(records), reporting: context)
        let b = try OutputFolder(directory: tmp.file("b"))
        let gs = try RecordSpool<FlaggedRecord>(folder: b.directory, name: "flagged", bufferRecords: 2)
        for g in records { try gs.append(g) }
        var back: [FlaggedRecord] = []
        try gs.forEachSorted { back.append($0) }
        XCTAssertEqual(back, records.sorted(by: RecordOrder.precedes))
        _ = try b.write(matches: SortedArray([MatchRecord]()), failures: SortedArray([FailureRecord]()), flagged: gs, reporting: context)
        let text = try String(contentsOfFile: a.path(OutputFolder.File.reporting), encoding: .utf8)
        XCTAssertEqual(text, try String(contentsOfFile: b.path(OutputFolder.File.reporting), encoding: .utf8))
        XCTAssertEqual(text.split(separator: "\n").count, 8, "one line per record with facts")
        XCTAssertTrue(text.hasPrefix("{\"key\":\"k0\",\"key_is_row_number\":false,\"file_name\":\"a/b.jpg\",\"container\":\"s.tar\","), text)
        XCTAssertTrue(text.contains("\"timestamps\":{\"scanned_at\":\"1970-01-01T00:00:00Z\",\"file_modified\":\"1969-12-31T23:59:55Z\"},\"viewed\":false,\"input\":\"m.csv\",\"shard\":null}"), text)
        // Without facts the body is the earlier format's: the facts only follow it.
        var plain = SpoolEncoder(); records[3].encode(into: &plain)
        var with = SpoolEncoder()
        var r = records[3]; r.reporting = facts; r.encode(into: &with)
        XCTAssertGreaterThan(with.bytes.count, plain.bytes.count)
        XCTAssertEqual(Array(with.bytes.prefix(plain.bytes.count)), plain.bytes)
        var sid = SpoolEncoder(); sid.sampleID(records[3].sampleID)
        XCTAssertEqual(Array(plain.bytes.suffix(sid.bytes.count)), sid.bytes, "a plain body ends with the sample identity")
    }

    /// Created 0600 under a hidden `.NAME.PID.RANDOM.spool` name, never reused, and gone once
    /// removed or dropped.
    func testSpoolFileIsPrivateNewAndRemoved() throws {
        let tmp = try TemporaryDirectory()
        let old = umask(0)
        defer { umask(old) }
        var spool: RecordSpool<FailureRecord>? = try RecordSpool(folder: tmp.path, name: "errors", bufferRecords: 2)
        let path = spool!.path
        XCTAssertTrue((path as NSString).lastPathComponent.hasPrefix(".errors.\(getpid())."), path)
        XCTAssertTrue(path.hasSuffix(".spool"), path)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        for f in Self.randomFailures(5, seed: 3) { try spool!.append(f) }
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertGreaterThan(st.st_size, 0, "full buffers reach the disk as they fill")
        spool = nil
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a dropped spool removes its file")
        let other = try RecordSpool<MatchRecord>(folder: tmp.path, name: "matches")
        other.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
    }

    /// A spool whose file was cut short while the scan ran is an output error, not a silent
    /// loss of records.
    func testDamagedSpoolIsAnOutputError() throws {
        let tmp = try TemporaryDirectory()
        let spool = try RecordSpool<FailureRecord>(folder: tmp.path, name: "errors", bufferRecords: 10)
        for f in Self.randomFailures(30, seed: 5) { try spool.append(f) }
        XCTAssertEqual(truncate(spool.path, 100), 0)
        XCTAssertThrowsError(try spool.forEachSorted { _ in }) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .output, "\(e)")
            XCTAssertTrue("\(e)".contains("damaged"), "\(e)")
        }
    }

    /// The run header is the documented one (docs/spool.md): magic, kind, count, length.
    func testRunHeaderIsTheDocumentedFormat() throws {
        let tmp = try TemporaryDirectory()
        let spool = try RecordSpool<MatchRecord>(folder: tmp.path, name: "matches", bufferRecords: 2)
        for m in Self.randomMatches(2, seed: 9) { try spool.append(m) }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: spool.path)))
        XCTAssertEqual(Array(bytes[0..<8]), Array("hsrun1m".utf8) + [0])
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) } }
        XCTAssertEqual(u64(8), 2, "record count")
        XCTAssertEqual(u64(16), UInt64(bytes.count - 24), "payload length")
    }
}
