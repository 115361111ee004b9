/// End-to-end: `hashscreen list import|info` through the built CLI.
import Foundation
import HashscreenTestSupport
import XCTest

final class ListEndToEndTests: XCTestCase {
    func testAMissingListDatabaseIsAFatalErrorNamedOnce() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("absent.sqlite")
        let m = try tmp.write("m.jsonl", "{\"key\": \"a\", \"url\": \"https://example.com/a.jpg\"}\n")
        let r = try hashscreen(["scan", m, "--list", db, "--out", tmp.file("o"), "--signals", "url_md5", "--quiet"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "hashscreen: error: cannot use list database \(db) (no such file)\n")
        let info = try hashscreen(["list", "info", "--list", db])
        XCTAssertEqual(info.status, 2)
        XCTAssertEqual(info.stderr, "hashscreen: error: no such file: list database \(db)\n")
    }

    func testMalformedLineRefusesTheWholeImportAndStoresNothing() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("l.sqlite")
        let good = try tmp.write("good.txt", "md5 \(String(repeating: "a", count: 32))\n")
        let bad = try tmp.write("bad.csv", "hash_type,hash_value\nsha256,\(String(repeating: "b", count: 64))\nsha256,\(String(repeating: "c", count: 63))\ncrc32,1234\n")
        var r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", good, bad])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(bad):3:"), r.stderr)
        // Nothing of that import is stored (the database may exist, with no list in it).
        if FileManager.default.fileExists(atPath: db) {
            r = try hashscreen(["list", "info", "--list", db, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            XCTAssertEqual((info["lists"] as! [Any]).count, 0)
        }
        // --skip-invalid stores the valid lines and says how many were skipped.
        r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", "--skip-invalid", good, bad])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 invalid lines skipped"), r.stdout)
        // Re-import of the same name+version is refused unless --replace.
        r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", good])
        XCTAssertEqual(r.status, 2)
        r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", "--replace", good])
        XCTAssertEqual(r.status, 0, r.stderr)

        r = try hashscreen(["list", "info", "--list", db, "--json"])
        let info = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let lists = info["lists"] as! [[String: Any]]
        XCTAssertEqual(lists.count, 1)
        XCTAssertEqual(lists[0]["name"] as? String, "L")
        XCTAssertEqual(lists[0]["entries"] as? Int, 1)
        XCTAssertEqual((lists[0]["counts_by_type"] as? [String: Int])?["md5"], 1)
        let sources = lists[0]["sources"] as! [[String: Any]]
        let sha = try runProcess("/usr/bin/sha256sum", [good]).stdout.prefix(64)
        XCTAssertEqual(sources.first?["file"] as? String, "good.txt")
        XCTAssertEqual(sources.first?["sha256"] as? String, String(sha))
        var st = stat()
        XCTAssertEqual(stat(db, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "list databases are created 0600")
    }

    /// A list's provenance has one shape: `list info --json` prints each list exactly as
    /// `summary.json` names the lists a scan used.
    func testListInfoAndTheScanSummaryShowTheSameProvenance() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("l.sqlite")
        let a = try tmp.write("lists/a.txt", "md5 \(String(repeating: "a", count: 32))\n")
        let b = try tmp.write("b.csv", "type,hash\npdq,\(String(repeating: "0f", count: 32))\nmd5,\(String(repeating: "b", count: 32))\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "one", "--version", "1", a, b]).status, 0)
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "two", a]).status, 0)
        let img = TestPaths.fixtures.appendingPathComponent("demo/images/0003.png").path
        try tmp.write("m.jsonl", "{\"key\":\"x\",\"path\":\"\(img)\"}\n")
        let scan = try hashscreen(["scan", tmp.file("m.jsonl"), "--list", db, "--out", tmp.file("o"), "--signals", "md5"])
        XCTAssertEqual(scan.status, 0, scan.stderr)
        let info = try hashscreen(["list", "info", "--list", db, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let infoLists = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["lists"] as! [[String: Any]]
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp.file("o/summary.json")))) as! [String: Any]
        let summaryLists = (summary["provenance"] as! [String: Any])["lists"] as! [[String: Any]]
        XCTAssertEqual(infoLists.count, 2)
        XCTAssertEqual(infoLists as NSArray, summaryLists as NSArray)
        XCTAssertEqual(infoLists[0].keys.sorted(), ["counts_by_type", "duplicates", "entries", "imported_at", "imported_by", "name", "other_type_counts", "skipped_invalid", "sources", "url_convention", "url_convention_recorded", "version"])
        XCTAssertEqual((infoLists[0]["sources"] as! [[String: Any]]).map { $0["file"] as? String }, ["a.txt", "b.csv"])
        XCTAssertEqual(infoLists[0]["counts_by_type"] as? [String: Int], ["md5": 2, "pdq": 1])
        // And the same bytes: the info's list blocks, indented one level deeper, are the summary's.
        let summaryText = try String(contentsOfFile: tmp.file("o/summary.json"), encoding: .utf8)
        let first = try XCTUnwrap(info.stdout.range(of: "    {\n      \"name\": \"one\"")).lowerBound
        let end = try XCTUnwrap(info.stdout.range(of: "\n  ]\n}\n", options: .backwards)).lowerBound
        let block = "  " + info.stdout[first..<end].replacingOccurrences(of: "\n", with: "\n  ")
        XCTAssertTrue(summaryText.contains("\"lists\": [\n" + block + "\n    ],\n    \"list_database\""), "\(block)\n---\n\(summaryText)")
    }

    func testEveryTypeAndFormatImportsAndMatchesInAScan() throws {
        let tmp = try TemporaryDirectory()
        let img = TestPaths.fixtures.appendingPathComponent("demo/images/0003.png").path
        let out = try hashscreen(["hash", img]).stdout
        let h = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: String]
        try tmp.write("ds/m.jsonl", "{\"key\":\"x\",\"path\":\"\(img)\",\"url\":\"HTTP://Example.invalid:80/a.png#f\"}\n")
        let db = tmp.file("l.sqlite")
        try tmp.write("tx.txt", "# ThreatExchange style\nmd5 \(h["md5"]!.uppercased())\n")
        try tmp.write("bare.txt", "\(h["sha1"]!)\n\n")
        try tmp.write("t.tsv", "type\thash\tlabel\nsha256\t\(h["sha256"]!)\tsome label\n")
        try tmp.write("urls.txt", "http://example.invalid/a.png\n")
        for (args, file) in [([], "tx.txt"), (["--type", "sha1"], "bare.txt"), ([], "t.tsv"), (["--type", "url", "--url-convention", "hashscreen"], "urls.txt")] {
            let r = try hashscreen(["list", "import", "--list", db, "--name", file, "--version", "v"] + args + [tmp.file(file)])
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
        }
        let r = try hashscreen(["scan", tmp.file("ds/m.jsonl"), "--list", db, "--out", tmp.file("o"),
                                "--signals", "md5,sha1,sha256,url_md5,url_sha256"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let removals = try String(contentsOfFile: tmp.file("o/removals.csv"), encoding: .utf8)
        XCTAssertTrue(removals.hasSuffix(",md5:tx.txt;sha1:bare.txt;sha256:t.tsv;url_md5:urls.txt;url_sha256:urls.txt\n"), removals)
    }
}
