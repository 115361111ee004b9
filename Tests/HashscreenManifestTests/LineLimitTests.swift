// Memory stays bounded whatever a manifest holds: a JSON line or CSV record over
// `ByteReader.maxLineBytes` (64 MiB) is one row's error, its bytes are never held whole, and the
// rows after it are read as usual.

import Foundation
import HashscreenCore
@testable import HashscreenManifest
import HashscreenTestSupport
import XCTest

final class LineLimitTests: XCTestCase {
    func items(_ path: String) throws -> [ManifestItem] {
        var out: [ManifestItem] = []
        try Manifest.open(path: path).forEachItem { out.append($0) }
        return out
    }

    /// A file of `head`, then `filler` bytes of `fill`, then `tail`.
    static func write(_ path: String, head: String, fill: UInt8, filler: Int, tail: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.write(Data(head.utf8))
        let chunk = Data(repeating: fill, count: 1 << 20)
        for _ in 0..<(filler >> 20) { h.write(chunk) }
        h.write(Data(tail.utf8))
        try h.close()
    }

    func testAJSONLineOverTheLimitIsOneRowErrorAndTheNextRowIsRead() throws {
        let tmp = try TemporaryDirectory()
        let p = tmp.file("m.jsonl")
        let over = ByteReader.maxLineBytes + (2 << 20)
        try Self.write(p, head: "{\"key\":\"k1\",\"path\":\"a.jpg\"}\n{\"key\":\"big\",\"image\":\"", fill: UInt8(ascii: "A"),
                  filler: over, tail: "\"}\n{\"key\":\"k3\",\"path\":\"c.jpg\"}\n")
        let got = try items(p)
        XCTAssertEqual(got.count, 3)
        guard got.count == 3 else { return }
        if case .sample(let s, _) = got[0] { XCTAssertEqual(s.key, "k1") } else { XCTFail("row 1: \(got[0])") }
        if case .failure(_, _, let m, let id) = got[1] {
            XCTAssertTrue(m.contains(":2:") && m.contains("over the limit"), m)
            XCTAssertEqual(id, SampleID(input: 0, row: 1))
        } else { XCTFail("row 2: \(got[1])") }
        if case .sample(let s, _) = got[2] { XCTAssertEqual(s.key, "k3"); XCTAssertEqual(s.id, SampleID(input: 0, row: 2)) } else { XCTFail("row 3: \(got[2])") }
    }

    func testAJSONLastLineOverTheLimitWithoutALineEndIsOneRowError() throws {
        let tmp = try TemporaryDirectory()
        let p = tmp.file("m.jsonl")
        try Self.write(p, head: "{\"key\":\"k1\",\"path\":\"a.jpg\"}\n{\"image\":\"", fill: UInt8(ascii: "B"),
                  filler: ByteReader.maxLineBytes + (1 << 20), tail: "")
        let got = try items(p)
        XCTAssertEqual(got.count, 2)
        if got.count == 2, case .failure(_, _, let m, _) = got[1] { XCTAssertTrue(m.contains("over the limit"), m) } else { XCTFail("\(got)") }
    }

    func testACSVQuoteNeverClosedIsOneBadRecordNotTheRestOfTheFileInMemory() throws {
        let tmp = try TemporaryDirectory()
        let p = tmp.file("m.csv")
        // A quote opened in row 2 and closed only after the limit; rows 3 and 4 follow on their lines.
        try Self.write(p, head: "key,path\nk1,a.jpg\nk2,\"b", fill: UInt8(ascii: "x"),
                  filler: ByteReader.maxLineBytes + (1 << 20), tail: "\"\nk3,c.jpg\nk4,d.jpg\n")
        let got = try items(p)
        let keys = got.compactMap { if case .sample(let s, _) = $0 { return s.key } else { return nil } }
        let failures = got.compactMap { if case .failure(_, _, let m, _) = $0 { return m } else { return nil } }
        XCTAssertEqual(keys, ["k1", "k3", "k4"])
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures.first?.contains("over the limit") ?? false, "\(failures)")
    }
}

final class JSONLinesLineEndTests: XCTestCase {
    func testJSONLinesEndAtLFOrCRLFAndACRAloneIsJSONWhitespace() throws {
        let tmp = try TemporaryDirectory()
        let rows = ["{\"key\":\"k1\",\"path\":\"a.jpg\"}", "{\"key\":\"k2\",\r\"path\":\"b.jpg\"}", "{\"key\":\"k3\",\"path\":\"c.jpg\"}"]
        for (name, sep) in [("crlf", "\r\n"), ("lf", "\n")] {
            let p = try tmp.write("\(name).jsonl", rows.joined(separator: sep) + sep)
            var keys: [String] = []
            try Manifest.open(path: p).forEachItem { if case .sample(let s, _) = $0 { keys.append(s.key) } else { XCTFail("\(name): \($0)") } }
            XCTAssertEqual(keys, ["k1", "k2", "k3"], name)
        }
    }

    func testACleanedCopyOfAJSONLinesManifestWithALineOverTheLimitIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let p = tmp.file("m.jsonl")
        try LineLimitTests.write(p, head: "{\"key\":\"k1\",\"path\":\"a.jpg\"}\n{\"key\":\"big\",\"blob\":\"", fill: UInt8(ascii: "A"),
                                   filler: ByteReader.maxLineBytes + (1 << 20), tail: "\"}\n")
        XCTAssertThrowsError(try CleanedManifestWriter.refuseEmbeddedImages(inputPath: p, layout: .jsonl, options: ManifestOptions())) { e in
            XCTAssertTrue("\(e)".contains("over \(ByteReader.maxLineBytes) bytes"), "\(e)")
        }
    }
}
