/// End-to-end: `hashscreen verify` re-checks a release against an earlier scan: releases cleaned
/// by `scan --write-cleaned` and by pyarrow / DuckDB pass; a flagged row left in, a flagged image
/// left in under a renamed key, a flagged URL left in under a renamed key, and a newer list
/// version matching a release row fail with verify's own exit statuses; `flagged.jsonl` holds
/// digests an independent implementation (Python's hashlib) recomputes, never a list value.
import Foundation
import HashscreenTestSupport
import XCTest

final class VerifyEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let fixtures = TestPaths.fixtures
    var embedded: URL { fixtures.appendingPathComponent("embedded") }
    var images: String { fixtures.appendingPathComponent("demo/images").path }

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    /// The demo list (md5 of 0002, sha256 of 0005, sha1 of 0006, PDQ/pHash of 0004 ~ 0009).
    func demoList() throws -> String {
        let db = tmp.file("demo.sqlite")
        if !FileManager.default.fileExists(atPath: db) {
            let r = try hashscreen(["list", "import", "--list", db, "--name", "demo-list", "--version", "1",
                                    fixtures.appendingPathComponent("demo/demo-list.csv").path])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return db
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func check(_ verdict: [String: Any], _ name: String) -> [String: Any] {
        (verdict["checks"] as! [String: Any])[name] as! [String: Any]
    }

    func verify(_ release: [String], db: String, against: String, _ out: String, _ extra: [String] = []) throws -> ProcessOutput {
        try hashscreen(["verify"] + release + ["--list", db, "--against", against, "--out", out] + extra)
    }

    // MARK: - Releases cleaned by hashscreen

    /// A CSV cleaned by `scan --write-cleaned` passes; the same rows with one flagged row left in
    /// fail (exit 1, by key and content); the flagged image under a renamed key fails by content.
    func testCleanedManifestPassesAndAFlaggedRowLeftInFails() throws {
        let db = try demoList()
        let m = try tmp.write("m.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\nk3,\(images)/0003.png\nk5,\(images)/0005.png\n")
        let earlier = tmp.file("earlier")
        var r = try hashscreen(["scan", m, "--list", db, "--out", earlier, "--write-cleaned", "--quiet", "--jobs", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try read(earlier + "/removals.csv"), "key,url,path,reasons\nk2,,\(images)/0002.jpg,md5:demo-list\nk5,,\(images)/0005.png,sha256:demo-list\n")

        r = try verify([earlier + "/cleaned/m.csv"], db: db, against: earlier, tmp.file("v1"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("hashscreen verify: verified (exit 0)"), r.stderr)
        var v = try json(tmp.file("v1") + "/verify.json")
        XCTAssertEqual(v["verdict"] as? String, "verified")
        XCTAssertEqual(check(v, "earlier_flagged_gone")["remaining"] as? Int, 0)
        XCTAssertEqual((v["earlier"] as! [String: Any])["flagged"] as? Int, 2)
        XCTAssertEqual((v["release"] as! [String: Any])["samples"] as? Int, 2)
        // The release differs from what was screened (it was cleaned): listed, not a failure.
        let diffs = v["differences"] as! [[String: Any]]
        XCTAssertEqual(diffs.map { $0["field"] as? String }, ["inputs.1.sha256"])
        XCTAssertEqual(diffs.first?["affects_screening"] as? Bool, false)
        // The re-screening's own outputs, summary last.
        for f in ["removals.csv", "report.jsonl", "errors.jsonl", "flagged.jsonl", "summary.json", "verify.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.file("v1") + "/" + f), f)
        }
        // --same-inputs: the cleaned release is not the screened input: provenance not reproduced.
        r = try verify([earlier + "/cleaned/m.csv"], db: db, against: earlier, tmp.file("v1s"), ["--same-inputs"])
        XCTAssertEqual(r.status, 5, r.stderr)
        // The screened dataset itself, with --same-inputs: the digests agree, the flagged rows are there.
        r = try verify([m], db: db, against: earlier, tmp.file("v1m"), ["--same-inputs"])
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v1m") + "/verify.json")
        XCTAssertEqual((v["differences"] as! [Any]).count, 0)

        // One flagged row left in.
        let leftIn = try tmp.write("left.csv", "key,path\nk1,\(images)/0001.jpg\nk3,\(images)/0003.png\nk5,\(images)/0005.png\n")
        r = try verify([leftIn], db: db, against: earlier, tmp.file("v2"))
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("hashscreen verify: not verified (exit 1)"), r.stderr)
        v = try json(tmp.file("v2") + "/verify.json")
        XCTAssertEqual(v["exit_status"] as? Int, 1)
        let remaining = v["remaining"] as! [[String: Any]]
        XCTAssertEqual(remaining.map { $0["key"] as? String }, ["k5"])
        XCTAssertEqual(remaining.first?["by"] as? [String], ["key", "content"])

        // The flagged image of k2 left in under a renamed key: recognised by its content digest.
        let renamed = try tmp.write("renamed.csv", "key,path\nk1,\(images)/0001.jpg\nk3,\(images)/0003.png\nrenamed,\(images)/0002.jpg\n")
        r = try verify([renamed], db: db, against: earlier, tmp.file("v3"))
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v3") + "/verify.json")
        let row = (v["remaining"] as! [[String: Any]]).first
        XCTAssertEqual(row?["key"] as? String, "renamed")
        XCTAssertEqual(row?["by"] as? [String], ["content"])
        XCTAssertEqual(row?["earlier_keys"] as? [String], ["k2"])
        XCTAssertEqual(check(v, "earlier_flagged_gone")["by_content"] as? Int, 1)
        XCTAssertTrue(r.stderr.contains("remaining renamed (by content; flagged earlier as k2)"), r.stderr)

        // --out may not be the folder verify checks against.
        r = try verify([m], db: db, against: earlier, earlier)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: earlier + "/summary.json"))
    }

    /// The content digest even when the list does not flag the image any more: the earlier scan
    /// flagged it, so a release holding it fails whatever the database now says.
    func testARenamedFlaggedImageIsCaughtByContentWithoutTheListEntry() throws {
        let db = try demoList()
        let m = try tmp.write("m.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\n")
        let earlier = tmp.file("earlier")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", earlier, "--quiet"]).status, 1)
        // A database now whose lists hold nothing of this release (another list, same signals).
        let other = tmp.file("other.sqlite")
        let t = try tmp.write("other.txt", "md5 00000000000000000000000000000000\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", other, "--name", "other", "--version", "1", t]).status, 0)
        let renamed = try tmp.write("r.csv", "key,path\nk1,\(images)/0001.jpg\nnew-name,\(images)/0002.jpg\n")
        let r = try verify([renamed], db: other, against: earlier, tmp.file("v"))
        XCTAssertEqual(r.status, 1, r.stderr)
        let v = try json(tmp.file("v") + "/verify.json")
        XCTAssertEqual(check(v, "no_match_now")["matched"] as? Int, 0)
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).first?["by"] as? [String], ["content"])
        // The earlier list is gone from this database: listed as missing, affecting the screening.
        let lists = v["lists"] as! [[String: Any]]
        XCTAssertEqual(lists.map { "\($0["name"]!)@\($0["version"]!):\($0["status"]!)" }, ["other@1:new", "demo-list@1:missing"])
        XCTAssertEqual(check(v, "provenance_reproduced")["passed"] as? Bool, false)
    }

    // MARK: - Releases cleaned by other tools

    /// A Parquet with images inside, cleaned from removals.csv by the documented pyarrow line,
    /// passes; cleaned by DuckDB with one flagged row kept, fails.
    func testParquetCleanedWithPyarrowPassesAndDuckDBWithARowLeftFails() throws {
        let db = try demoList()
        let input = embedded.appendingPathComponent("binary_jpg.parquet").path
        let earlier = tmp.file("earlier")
        XCTAssertEqual(try hashscreen(["scan", input, "--list", db, "--out", earlier, "--quiet"]).status, 1)
        let cleaned = tmp.file("cleaned.parquet")
        _ = try runProcess(TestPaths.python, TestPaths.pythonArguments + ["-c", """
            import sys, csv, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); drop = pa.array([r["key"] for r in csv.DictReader(open(sys.argv[2], newline=""))], pa.string()); pq.write_table(t.filter(pc.invert(pc.is_in(pc.cast(t["key"], pa.string()), value_set=drop))), sys.argv[3])
            """, input, earlier + "/removals.csv", cleaned])
        // The fixture's row without an image (b-none) could not be screened, earlier or now: the
        // release is incomplete (3), every other check passes.
        var r = try verify([cleaned], db: db, against: earlier, tmp.file("v1"))
        XCTAssertEqual(r.status, 3, r.stderr)
        var v = try json(tmp.file("v1") + "/verify.json")
        for c in ["earlier_flagged_gone", "no_match_now", "provenance_reproduced"] { XCTAssertEqual(check(v, c)["passed"] as? Bool, true, c) }
        // Dropping the rows the earlier scan could not screen too (errors.jsonl): verified.
        let complete = tmp.file("complete.parquet")
        _ = try runPython(Self.dropErrorRows, [cleaned, earlier + "/errors.jsonl", complete])
        r = try verify([complete], db: db, against: earlier, tmp.file("v1c"))
        XCTAssertEqual(r.status, 0, r.stderr)

        // DuckDB, keeping b-0005 (the sha256 match).
        let kept = tmp.file("kept.parquet")
        let sql = "COPY (SELECT * FROM read_parquet('\(input)') WHERE CAST(key AS VARCHAR) NOT IN (SELECT key FROM read_csv('\(earlier)/removals.csv', all_varchar = true) WHERE key <> 'b-0005')) TO '\(kept)' (FORMAT parquet);"
        let py = try runProcess(TestPaths.python, TestPaths.pythonArguments + ["-c", "import duckdb, sys; duckdb.sql(sys.argv[1])", sql])
        XCTAssertEqual(py.status, 0, py.stderr)
        r = try verify([kept], db: db, against: earlier, tmp.file("v2"))
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v2") + "/verify.json")
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).map { $0["key"] as? String }, ["b-0005"])
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).first?["by"] as? [String], ["key", "content", "url"])
    }

    /// Keys that are row numbers (a Hugging Face Parquet without a key column) name positions,
    /// which removal shifts: they are not compared (the cleaned release's row-000000002 is another
    /// image than the flagged row-000000002), and a flagged image left in is caught by its content.
    func testRowNumberKeysAreNotComparedButContentIs() throws {
        let db = tmp.file("sha1.sqlite")
        let entry = try tmp.write("sha1.txt", "sha1 cfe6a54895d654cc966a9e48326ac577c7eb20f5\n")  // 0006.jpg, row 2
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "one", "--version", "1", entry]).status, 0)
        let input = embedded.appendingPathComponent("hf_image.parquet").path
        let earlier = tmp.file("earlier")
        XCTAssertEqual(try hashscreen(["scan", input, "--list", db, "--out", earlier, "--quiet"]).status, 1)
        XCTAssertEqual(try read(earlier + "/removals.csv"), "key,url,path,reasons\nrow-000000002,,0006.jpg,sha1:one\n")
        XCTAssertTrue(try read(earlier + "/flagged.jsonl").contains("\"key_is_row_number\":true"))
        let cleaned = tmp.file("cleaned.parquet")
        let line = """
            import sys, csv, pyarrow as pa, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); drop = {int(r["key"][4:]) - 1 for r in csv.DictReader(open(sys.argv[2], newline=""))}; pq.write_table(t.filter(pa.array([i not in drop for i in range(t.num_rows)])), sys.argv[3])
            """
        _ = try runProcess(TestPaths.python, TestPaths.pythonArguments + ["-c", line, input, earlier + "/removals.csv", cleaned])
        // Its last row has no image (incomplete earlier and now): dropped as well, by position.
        let complete = tmp.file("complete.parquet")
        _ = try runPython("""
            import sys, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1]); pq.write_table(t.slice(0, t.num_rows - 1), sys.argv[2])
            """, [cleaned, complete])
        var r = try verify([complete], db: db, against: earlier, tmp.file("v1"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual((try json(tmp.file("v1") + "/verify.json")["release"] as! [String: Any])["samples"] as? Int, 2)
        // Only the image-less row removed: the flagged 0006 is now row-000000002 again, and also
        // caught by content alone when it moves (first row removed).
        let moved = tmp.file("moved.parquet")
        _ = try runPython("""
            import sys, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1]); pq.write_table(t.slice(1, 2), sys.argv[2])
            """, [input, moved])
        r = try verify([moved], db: db, against: earlier, tmp.file("v2"))
        XCTAssertEqual(r.status, 1, r.stderr)
        let v = try json(tmp.file("v2") + "/verify.json")
        let row = (v["remaining"] as! [[String: Any]]).first
        XCTAssertEqual(row?["key"] as? String, "row-000000001")
        XCTAssertEqual(row?["by"] as? [String], ["content"])
        XCTAssertEqual(row?["earlier_keys"] as? [String], ["row-000000002"])
    }

    /// Drops the rows whose key errors.jsonl names (a Parquet with a `key` column).
    static let dropErrorRows = """
        import sys, json, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
        t = pq.read_table(sys.argv[1])
        drop = pa.array([json.loads(l)["key"] for l in open(sys.argv[2]) if l.strip()], pa.string())
        pq.write_table(t.filter(pc.invert(pc.is_in(t["key"], value_set=drop))), sys.argv[3])
        """

    // MARK: - Newer lists

    /// A list version imported after the earlier scan, with an entry matching a kept row: exit 4,
    /// the new version named with its match count; no list value in any output.
    func testANewerListVersionMatchingAReleaseRowFailsAndIsNamed() throws {
        let db = try demoList()
        let m = try tmp.write("m.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\nk3,\(images)/0003.png\n")
        let earlier = tmp.file("earlier")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", earlier, "--write-cleaned", "--quiet"]).status, 1)
        XCTAssertEqual(try verify([earlier + "/cleaned/m.csv"], db: db, against: earlier, tmp.file("v0")).status, 0)
        let value = try runProcess("/usr/bin/sha256sum", [images + "/0003.png"]).stdout.prefix(64)
        // Version 2: version 1's md5 entry (0002's, kept) and two new ones, one matching 0003.
        let kept = try runProcess("/usr/bin/md5sum", [images + "/0002.jpg"]).stdout.prefix(32)
        let entry = try tmp.write("v2.txt", "sha256 \(value)\nmd5 \(kept)\nmd5 \(String(repeating: "ab", count: 16))\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "demo-list", "--version", "2", entry]).status, 0)
        let r = try verify([earlier + "/cleaned/m.csv"], db: db, against: earlier, tmp.file("v"))
        XCTAssertEqual(r.status, 4, r.stderr)
        XCTAssertTrue(r.stderr.contains("list demo-list@2: new, 3 entries, 2 new since version 1, 1 matched"), r.stderr)
        XCTAssertTrue(r.stderr.contains("1 by lists new since the earlier scan"), r.stderr)
        let v = try json(tmp.file("v") + "/verify.json")
        XCTAssertEqual(check(v, "no_match_now")["matched_by_new_lists"] as? Int, 1)
        XCTAssertEqual(check(v, "earlier_flagged_gone")["passed"] as? Bool, true)
        let lists = v["lists"] as! [[String: Any]]
        XCTAssertEqual(lists.map { "\($0["name"]!)@\($0["version"]!):\($0["status"]!):\($0["matched"]!)" },
                       ["demo-list@1:same:0", "demo-list@2:new:1"])
        XCTAssertNil(lists[0]["newer_version_of"])
        XCTAssertEqual(lists[1]["newer_version_of"] as? String, "1")
        XCTAssertEqual(lists[1]["entries_new"] as? Int, 2, "counted in the database, never listed")
        // The verdict never holds the list's value (report.jsonl, as for scan, holds the sample's own).
        XCTAssertFalse(try read(tmp.file("v") + "/verify.json").contains(String(value)))
        XCTAssertFalse(r.stderr.contains(String(value)))
    }

    // MARK: - flagged.jsonl

    /// Rows flagged only by URL (no image read): the URL digest, recomputed by hashlib over the
    /// normalised URL; a flagged URL left in under a renamed key fails by URL.
    func testURLOnlyFlagsAreRecordedAndCheckedByURLDigest() throws {
        let db = tmp.file("u.sqlite")
        let l = try tmp.write("u.txt", "url http://a.invalid/2\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "urls", "--version", "1",
                                       "--url-convention", "hashscreen", l]).status, 0)
        let m = try tmp.write("m.csv", "key,url\nk1,http://a.invalid/1\nk2,HTTP://A.invalid:80/2#x\n")
        let earlier = tmp.file("earlier")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", earlier, "--signals", "url_md5,url_sha256", "--quiet"]).status, 1)
        let expected = try runPython("""
            import hashlib
            print(hashlib.sha256(b"hashscreen flagged url v1" + b"http://a.invalid/2").hexdigest())
            """).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try read(earlier + "/flagged.jsonl"),
                       "{\"key\":\"k2\",\"key_is_row_number\":false,\"content_digests\":[],\"url_digest\":\"\(expected)\"}\n")
        let renamed = try tmp.write("r.csv", "key,url\nk1,http://a.invalid/1\nk9,http://a.invalid/2\n")
        let r = try verify([renamed], db: db, against: earlier, tmp.file("v"))
        XCTAssertEqual(r.status, 1, r.stderr)
        let v = try json(tmp.file("v") + "/verify.json")
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).first?["by"] as? [String], ["url"])
        // The earlier options (URL signals only) were adopted: no image is asked for.
        XCTAssertEqual(check(v, "complete")["errors"] as? Int, 0)
        XCTAssertEqual(check(v, "earlier_flagged_gone")["content_checked"] as? Bool, false)
        // A one-character relative --out (Foundation trapped on its parent once).
        let short = try hashscreen(["verify", m, "--list", db, "--against", earlier, "--out", "v", "--quiet"], cwd: tmp.path)
        XCTAssertEqual(short.status, 1, short.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.file("v/verify.json")))
    }

    /// The content digest is SHA-256("hashscreen flagged content v1" || SHA-256(bytes)) as
    /// hashlib computes it, also when sha256 is not a requested signal, and never the image's
    /// own digest (which the list holds); an img2dataset row's recorded sha256 gives a digest too.
    func testContentDigestsMatchAnIndependentImplementationAndHoldNoListValue() throws {
        let db = try demoList()
        let m = try tmp.write("m.csv", "key,path\nk2,\(images)/0002.jpg\nk5,\(images)/0005.png\n")
        for signals in ["md5,sha1,sha256", "md5,sha1"] {
            let out = tmp.file("o-\(signals)")
            XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", out, "--signals", signals, "--quiet"]).status, 1)
            let expected = try runPython("""
                import hashlib, sys
                for p in sys.argv[1:]:
                    inner = hashlib.sha256(open(p, "rb").read()).digest()
                    print(hashlib.sha256(b"hashscreen flagged content v1" + inner).hexdigest())
                """, [images + "/0002.jpg", images + "/0005.png"]).split(separator: "\n").map(String.init)
            let lines = try read(out + "/flagged.jsonl").split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, signals == "md5,sha1" ? 1 : 2, signals)
            XCTAssertEqual(lines.first, "{\"key\":\"k2\",\"key_is_row_number\":false,\"content_digests\":[\"\(expected[0])\"],\"url_digest\":null}")
            let text = try read(out + "/flagged.jsonl")
            for listValue in ["844c581a2c36c97d9e586bf99103bae9", "8308d33f7785d2df4f11e0c4afa7dbbd7fa1f09331916d6d0449689ce84b5346"] {
                XCTAssertFalse(text.contains(listValue), signals)
            }
        }
        // img2dataset: 0012 is flagged by its recorded sha256 (original download).
        let out = tmp.file("wds")
        let wds = fixtures.appendingPathComponent("img2dataset/webdataset").path
        let known = tmp.file("known.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", known, "--name", "known", "--version", "1",
                                       fixtures.appendingPathComponent("img2dataset/known.csv").path]).status, 0)
        XCTAssertEqual(try hashscreen(["scan", wds, "--list", known, "--out", out, "--quiet"]).status, 1)
        let flagged = try read(out + "/flagged.jsonl")
        let removals = try read(out + "/removals.csv").split(separator: "\n").dropFirst()
        XCTAssertEqual(flagged.split(separator: "\n").count, removals.count)
        XCTAssertTrue(flagged.contains("\"content_digests\":[\""), flagged)
    }
}
