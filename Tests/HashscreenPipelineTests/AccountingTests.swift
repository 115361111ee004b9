import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// Every sample accounted for (issue 11): what `summary.json` counts per input and per signal,
/// the exit rule (a requested image signal not computed is a failure; not applicable is not),
/// and list databases a scan cannot use.
final class AccountingTests: XCTestCase {
    /// A 1x1 JPEG: PDQ quality 0 (too flat), still digested.
    static let flatImage = TestPaths.fixtures.appendingPathComponent("decode/images/jpeg_odd_1x1.jpg").path

    /// Warnings a scan printed, collected in process.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [String] = []
        func add(_ s: String) { lock.lock(); stored.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return stored }
    }

    func scan(_ tmp: TemporaryDirectory, _ inputs: [String], list: String, signals: [SignalKind],
              out: String = "out", warnings: Lines = Lines()) throws -> (ScanResult, [String: Any]) {
        let r = try Scanner.run(ScanConfiguration(inputs: inputs.map { .init(path: $0) }, listPath: list,
                                                  outputDirectory: tmp.file(out), signals: signals, jobs: 2),
                                warn: { warnings.add($0) })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp.file(out + "/summary.json"))))
        return (r, (summary as! [String: Any])["counts"] as! [String: Any])
    }

    static func perSignal(_ counts: [String: Any]) -> [String: [String: Int]] { counts["per_signal"] as! [String: [String: Int]] }

    /// Each requested signal puts every sample in exactly one of its four buckets.
    func assertEverySampleAccounted(_ counts: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let samples = counts["samples"] as! Int
        for (signal, c) in Self.perSignal(counts) {
            XCTAssertEqual(c["screened"]! + c["not_computed"]! + c["skipped_low_quality"]! + c["not_applicable"]!, samples,
                           "\(signal): \(c)", file: file, line: line)
        }
    }

    /// One sample per case: screened, image missing, not a regular file, undecodable, no image
    /// reference, too flat for PDQ. Each lands where docs/summary.md says, and only the four
    /// whose requested signal could not be computed are failures.
    func testEverySampleIsAccountedForByEverySignal() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)])
        try tmp.write("corrupt.jpg", "not an image at all")
        try FileManager.default.createDirectory(atPath: tmp.file("folder.jpg"), withIntermediateDirectories: true)
        try tmp.write("m.csv", """
            key,url,path
            ok,http://x.invalid/ok,\(fixtureImage("0001.jpg"))
            missing,http://x.invalid/missing,missing.jpg
            folder,,folder.jpg
            corrupt,http://x.invalid/corrupt,corrupt.jpg
            noimage,http://x.invalid/noimage,
            flat,,\(Self.flatImage)

            """)
        let warnings = Lines()
        let (r, counts) = try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.md5, .pdq, .urlMD5], warnings: warnings)
        XCTAssertEqual(r.exitCode, 3)
        XCTAssertEqual(counts["samples"] as? Int, 6)
        XCTAssertEqual(counts["errors"] as? Int, 4)
        XCTAssertEqual(counts["scanned"] as? Int, 2, "ok and flat: low PDQ quality is not a failure")
        XCTAssertEqual(counts["not_computed"] as? [String: Int],
                       ["image_missing": 1, "unreadable": 1, "undecodable": 1, "no_image_reference": 1, "row_unreadable": 0])
        XCTAssertEqual(Self.perSignal(counts)["md5"], ["screened": 3, "matched": 0, "not_computed": 3, "skipped_low_quality": 0, "not_applicable": 0])
        XCTAssertEqual(Self.perSignal(counts)["pdq"], ["screened": 1, "matched": 0, "not_computed": 4, "skipped_low_quality": 1, "not_applicable": 0])
        XCTAssertEqual(Self.perSignal(counts)["url_md5"], ["screened": 4, "matched": 0, "not_computed": 0, "skipped_low_quality": 0, "not_applicable": 2])
        assertEverySampleAccounted(counts)
        // One input: its counts are the totals, with its path and layout.
        let input = (counts["per_input"] as! [[String: Any]])[0]
        XCTAssertEqual(input["path"] as? String, tmp.file("m.csv"))
        XCTAssertEqual(input["layout"] as? String, "csv")
        for k in ["samples", "scanned", "errors", "matched", "decoded"] { XCTAssertEqual(input[k] as? Int, counts[k] as? Int, k) }
        XCTAssertEqual(input["not_computed"] as? [String: Int], counts["not_computed"] as? [String: Int])
        XCTAssertEqual(Self.perSignal(input), Self.perSignal(counts))

        let errors = try outputLines(tmp.file("out"), "errors.jsonl").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(errors.map { $0["key"] as! String }, ["corrupt", "folder", "missing", "noimage"])
        XCTAssertEqual(errors.map { $0["stage"] as! String }, ["decode", "read", "read", "manifest"])
        XCTAssertEqual(errors[3]["error"] as? String, Screener.noImageReferenceMessage + ": md5, pdq not computed")
        XCTAssertEqual(warnings.all.count, 1, "\(warnings.all)")
        XCTAssertTrue(warnings.all.first?.contains(tmp.file("m.csv")) == true, "\(warnings.all)")
        XCTAssertTrue(warnings.all.first?.contains("--signals url_md5,url_sha256") == true, "\(warnings.all)")
    }

    /// A clean dataset with flat images exits 0: a PDQ hash below the quality gate is skipped
    /// (counted), not an `errors.jsonl` record, and the image is still digested (issue 11, 9).
    func testLowPDQQualityIsSkippedNotAFailure() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)])
        try tmp.write("m.csv", "key,path\nflat,\(Self.flatImage)\nok,\(fixtureImage("0001.jpg"))\n")
        let (r, counts) = try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.md5, .pdq, .phash])
        XCTAssertEqual(r.exitCode, 0)
        XCTAssertEqual(try outputLines(tmp.file("out"), "errors.jsonl"), [])
        XCTAssertEqual(Self.perSignal(counts)["pdq"]?["skipped_low_quality"], 1)
        XCTAssertEqual(Self.perSignal(counts)["pdq"]?["screened"], 1)
        XCTAssertEqual(Self.perSignal(counts)["md5"]?["screened"], 2)
        XCTAssertEqual(Self.perSignal(counts)["phash"]?["screened"], 2)
        // And the flat image still matches by its digest.
        let md5 = try coreutilsDigest("md5sum", Self.flatImage)
        let hitList = try makeList(tmp, ["md5 \(md5)"], name: "flatlist")
        XCTAssertEqual(try scan(tmp, [tmp.file("m.csv")], list: hitList, signals: [.md5, .pdq], out: "o2").0.exitCode, 1)
    }

    /// Rows without an image: an error naming the signals not computed, unless only URL
    /// signals are asked, or recorded hashes stand in for every requested image signal.
    func testRowsWithoutImageFailOnlyTheImageSignalsNotComputed() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["sha256 " + String(repeating: "ab", count: 32), "md5 " + String(repeating: "0", count: 32),
                                      "url http://example.org/"])
        let recorded = String(repeating: "cd", count: 32)
        try tmp.write("m.csv", "key,url,sha256\na,http://x.invalid/a,\(recorded)\nb,http://x.invalid/b,\n")
        let urlOnly = try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.urlMD5, .urlSHA256], out: "o1")
        XCTAssertEqual(urlOnly.0.exitCode, 0, "metadata only: nothing requested needs an image")
        XCTAssertEqual(urlOnly.1["errors"] as? Int, 0)

        let sha = try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.sha256], out: "o2")
        XCTAssertEqual(sha.0.exitCode, 3, "row b has no image and no recorded sha256")
        let errors = try outputLines(tmp.file("o2"), "errors.jsonl")
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors[0].contains(#""key":"b""#) && errors[0].contains("sha256 not computed"), errors[0])
        XCTAssertEqual(Self.perSignal(sha.1)["sha256"], ["screened": 1, "matched": 0, "not_computed": 1, "skipped_low_quality": 0, "not_applicable": 0])

        let both = try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.md5, .sha256], out: "o3")
        let lines = try outputLines(tmp.file("o3"), "errors.jsonl")
        XCTAssertEqual(lines.count, 2, "one record per row")
        XCTAssertTrue(lines[0].contains(#""key":"a""#) && lines[0].hasSuffix(#"md5 not computed"}"#), lines[0])
        XCTAssertTrue(lines[1].contains(#""key":"b""#) && lines[1].hasSuffix(#"md5, sha256 not computed"}"#), lines[1])
        assertEverySampleAccounted(both.1)
    }

    /// Each input is counted apart, and every counter a reader reports is printed for it.
    func testCountsPerInputWithEachReadersCounters() throws {
        let tmp = try TemporaryDirectory()
        let list = try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)])
        try FileManager.default.createDirectory(atPath: tmp.file("imgs"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtureImage("0001.jpg"), toPath: tmp.file("imgs/a.jpg"))
        try tmp.write("imgs/notes.txt", "not an image")
        try tmp.write("m.csv", "key,path\nmissing,missing.jpg\n")
        let (r, counts) = try scan(tmp, [tmp.file("imgs"), tmp.file("m.csv")], list: list, signals: [.md5])
        XCTAssertEqual(r.exitCode, 3)
        let inputs = counts["per_input"] as! [[String: Any]]
        XCTAssertEqual(inputs.map { $0["layout"] as? String }, ["folder", "csv"])
        XCTAssertEqual(inputs.map { $0["samples"] as? Int }, [1, 1])
        XCTAssertEqual(inputs.map { $0["errors"] as? Int }, [0, 1])
        XCTAssertEqual(inputs[0]["non_image_files_ignored"] as? Int, 1)
        XCTAssertNil(inputs[1]["non_image_files_ignored"], "a CSV reader passes nothing over")
        XCTAssertEqual(counts["non_image_files_ignored"] as? Int, 1)
        XCTAssertEqual(counts["rows_not_success"] as? Int, 0, "always in the totals")
        XCTAssertEqual((inputs[1]["not_computed"] as? [String: Int])?["image_missing"], 1)
        assertEverySampleAccounted(counts)
        for i in inputs { assertEverySampleAccounted(i) }
    }

    // MARK: - List databases a scan cannot use

    /// A failed first import leaves a database without lists: scanning it is a setup error
    /// that says so, not a clean exit 0 (issue 11, 6).
    func testEmptyListDatabaseIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("empty.sqlite")
        let bad = try tmp.write("bad.txt", "md5 not-a-hash\n")
        XCTAssertThrowsError(try ListOperations.importList(database: db, name: "L", version: "1", files: [bad], defaultType: nil,
                                                           skipInvalid: false, replace: false, json: false))
        XCTAssertTrue(FileManager.default.fileExists(atPath: db), "the failed import left the database")
        try tmp.write("m.csv", "key,url\na,http://x.invalid/a\n")
        XCTAssertThrowsError(try scan(tmp, [tmp.file("m.csv")], list: db, signals: [.urlMD5])) { e in
            let h = e as? HashscreenError
            XCTAssertEqual(h?.code, .list, "\(e)")
            XCTAssertTrue(h?.message.contains("holds no lists") == true, "\(e)")
            XCTAssertTrue(h?.remedy?.contains("hashscreen list import") == true, "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("out/summary.json")), "nothing was scanned")
    }

    /// Lists with entries of other signals only: nothing could match, a setup error naming
    /// what the lists hold (counts, never values).
    func testListWithoutEntriesForTheRequestedSignalsIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        let value = String(repeating: "ab", count: 32)
        let list = try makeList(tmp, ["sha256 \(value)"])
        try tmp.write("m.csv", "key,url\na,http://x.invalid/a\n")
        XCTAssertThrowsError(try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.md5, .urlMD5])) { e in
            let h = e as? HashscreenError
            XCTAssertEqual(h?.code, .list, "\(e)")
            XCTAssertTrue(h?.message.contains("no entries for the requested signals (md5, url_md5)") == true, "\(e)")
            XCTAssertTrue(h?.remedy?.contains("sha256 1") == true, "\(e)")
            XCTAssertFalse("\(e)".contains(value), "list values are never echoed")
        }
        XCTAssertEqual(try scan(tmp, [tmp.file("m.csv")], list: list, signals: [.sha256, .urlMD5], out: "o2").0.exitCode, 3,
                       "one requested signal with entries is enough (the row has no image: 3)")
    }

    /// A file that is not a list database: the message names it, the cause stays apart in
    /// `underlying` (not pasted into the message).
    func testUnusableListDatabaseKeepsItsCauseApart() throws {
        let tmp = try TemporaryDirectory()
        let notADatabase = try tmp.write("junk.sqlite", String(repeating: "not sqlite ", count: 100))
        try tmp.write("m.csv", "key,url\na,http://x.invalid/a\n")
        XCTAssertThrowsError(try scan(tmp, [tmp.file("m.csv")], list: notADatabase, signals: [.urlMD5])) { e in
            let h = e as? HashscreenError
            XCTAssertEqual(h?.message, "cannot use list database \(notADatabase)", "\(e)")
            XCTAssertNotNil(h?.underlying, "\(e)")
        }
        XCTAssertThrowsError(try ListOperations.info(database: notADatabase, json: false)) { e in
            let h = e as? HashscreenError
            XCTAssertEqual(h?.code, .list, "\(e)")
            XCTAssertFalse(h?.message.isEmpty ?? true, "\(e)")
        }
    }
}
