import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// A whole scan in process: exit codes, the order of outputs (key, then sample identity), and
/// setup failures that stop the run before any sample is screened.
final class ScannerTests: XCTestCase {
    func testExitCodes() {
        XCTAssertEqual(ScanResult.exitCode(matched: 0, failed: 0), 0)
        XCTAssertEqual(ScanResult.exitCode(matched: 0, failed: 2), 3)
        XCTAssertEqual(ScanResult.exitCode(matched: 1, failed: 0), 1)
        XCTAssertEqual(ScanResult.exitCode(matched: 1, failed: 5), 1, "a match outranks unscreened samples")
    }

    func run(_ tmp: TemporaryDirectory, _ inputs: [String], list: String, out: String = "out") throws -> ScanResult {
        try Scanner.run(ScanConfiguration(inputs: inputs.map { .init(path: $0) }, listPath: list,
                                          outputDirectory: tmp.file(out), signals: [.sha256], jobs: 2))
    }

    func testScansExitWithWhatTheyFound() throws {
        let tmp = try TemporaryDirectory()
        let hit = String(repeating: "ab", count: 32)
        let list = try makeList(tmp, ["sha256 \(hit)"])
        try tmp.write("clean.csv", "key,sha256\na,\(String(repeating: "cd", count: 32))\n")
        try tmp.write("bad.csv", "key,path\nb,missing.jpg\n")
        try tmp.write("hit.csv", "key,sha256\nc,\(hit)\n")
        XCTAssertEqual(try run(tmp, [tmp.file("clean.csv")], list: list, out: "o1").exitCode, 0)
        XCTAssertEqual(try run(tmp, [tmp.file("clean.csv"), tmp.file("bad.csv")], list: list, out: "o2").exitCode, 3)
        let r = try run(tmp, [tmp.file("bad.csv"), tmp.file("hit.csv")], list: list, out: "o3")
        XCTAssertEqual(r.exitCode, 1)
        XCTAssertEqual([r.samples, r.matchedSamples, r.failedSamples], [2, 1, 1])
    }

    /// Samples that share a key are kept apart and ordered by identity: input order, then row
    /// order; each is its own line of removals.csv (its own URL), whatever the URLs' order.
    func testOutputsAreSortedByKeyThenSampleIdentity() throws {
        let tmp = try TemporaryDirectory()
        let hit = String(repeating: "ab", count: 32)
        let list = try makeList(tmp, ["sha256 \(hit)"])
        try tmp.write("first.csv", "key,url,sha256\ndup,http://z.invalid/1,\(hit)\nb,http://z.invalid/2,\(hit)\ndup,http://y.invalid/3,\(hit)\n")
        try tmp.write("second.jsonl", "{\"key\":\"dup\",\"url\":\"http://a.invalid/4\",\"sha256\":\"\(hit)\"}\n")
        _ = try run(tmp, [tmp.file("first.csv"), tmp.file("second.jsonl")], list: list)
        XCTAssertEqual(try outputLines(tmp.file("out"), "removals.csv"), [
            "key,url,path,reasons",
            "b,http://z.invalid/2,,sha256:L",
            "dup,http://z.invalid/1,,sha256:L",
            "dup,http://y.invalid/3,,sha256:L",
            "dup,http://a.invalid/4,,sha256:L",
        ])
        let urls = try outputLines(tmp.file("out"), "report.jsonl").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["url"] as! String
        }
        XCTAssertEqual(urls, ["http://z.invalid/2", "http://z.invalid/1", "http://y.invalid/3", "http://a.invalid/4"])
    }

    /// A row that cannot be read keeps its own identity: two inputs' bad rows under the same key
    /// (`m.csv:2`, the file name and line) are reported in input order.
    func testUnreadableRowsAreReportedInInputOrder() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["sha256 " + String(repeating: "ab", count: 32)])
        try tmp.write("z/m.csv", "key,url\nonly one field\n")
        try tmp.write("a/m.csv", "key,url\nanother bad row\n")
        let r = try run(tmp, [tmp.file("z/m.csv"), tmp.file("a/m.csv")], list: list)
        XCTAssertEqual(r.exitCode, 3)
        let errors = try outputLines(tmp.file("out"), "errors.jsonl").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(errors.map { $0["key"] as? String }, ["m.csv:2", "m.csv:2"])
        XCTAssertEqual(errors.map { ($0["error"] as? String)?.hasPrefix(tmp.file("z/m.csv")) }, [true, false],
                       "the first input's row first: \(errors)")
    }

    func testSetupFailuresStopTheRunBeforeScanning() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["sha256 " + String(repeating: "ab", count: 32)])
        try tmp.write("m.csv", "key,url\nk,http://example.org/\n")
        XCTAssertThrowsError(try run(tmp, [tmp.file("m.csv"), tmp.file("missing.csv")], list: list)) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .input, "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("out/removals.csv")), "nothing was scanned")
        XCTAssertThrowsError(try run(tmp, [tmp.file("m.csv")], list: tmp.file("no-list.sqlite")))
    }
}
