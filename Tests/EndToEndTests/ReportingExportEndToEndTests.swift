/// End-to-end: `scan --export-reporting` writes `reporting.jsonl` (docs/reporting.md): one line
/// per flagged sample, in `removals.csv`'s order, 0600, whose every field an independent
/// implementation checks — Python's hashlib on the same bytes (a file, a tar member read with
/// tarfile), the original download's SHA-256 from the img2dataset fixture's Parquet (pyarrow),
/// the file's mtime (os.stat), the matches against `report.jsonl`. Without the flag no file
/// changes and none is added.
import Foundation
import HashscreenTestSupport
import XCTest

final class ReportingExportEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let fixtures = TestPaths.fixtures
    var images: String { fixtures.appendingPathComponent("demo/images").path }

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    func importList(_ csv: String, name: String, _ extra: [String] = []) throws -> String {
        let db = tmp.file(name + ".sqlite")
        let r = try hashscreen(["list", "import", "--list", db, "--name", name, "--version", "1", csv] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return db
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Checks every line of OUT/reporting.jsonl against the bytes, the manifest and report.jsonl;
    /// prints the number of lines checked. `originals` is a Parquet whose `sha256` column is the
    /// original download's, by key (or "" for none: then the CSV manifest's `sha256` column is).
    static let checker = """
    import hashlib, json, os, sys, tarfile, datetime, csv
    out, manifest, originals = sys.argv[1], sys.argv[2], sys.argv[3]
    lines = [json.loads(l) for l in open(os.path.join(out, "reporting.jsonl"))]
    removals = [r["key"] for r in csv.DictReader(open(os.path.join(out, "removals.csv")))]
    assert [l["key"] for l in lines] == removals, ([l["key"] for l in lines], removals)
    report = {}
    for r in map(json.loads, open(os.path.join(out, "report.jsonl"))):
        report.setdefault(r["key"], []).append(r)
    started = json.load(open(os.path.join(out, "summary.json")))["provenance"]["started"]
    if originals:
        import pyarrow.parquet as pq
        t = pq.read_table(originals).to_pylist()
        recorded = {r["key"]: r["sha256"] for r in t}
        urls = {r["key"]: r["url"] for r in t}
    else:
        rows = list(csv.DictReader(open(manifest)))
        recorded = {r["key"]: r.get("sha256") or None for r in rows}
        urls = {r["key"]: r.get("url") or None for r in rows}
    for l in lines:
        k = l["key"]
        assert l["viewed"] is False, l
        assert l["location_url"] == urls[k], (l, urls[k])
        if l["container"]:
            with tarfile.open(l["container"]) as tf:
                data = tf.extractfile(l["file_name"]).read()
            assert l["timestamps"]["file_modified"] is None, l
            assert l["shard"] == os.path.splitext(os.path.basename(l["container"]))[0], l
        else:
            data = open(l["file_name"], "rb").read()
            mtime = datetime.datetime.fromtimestamp(int(os.stat(l["file_name"]).st_mtime), datetime.timezone.utc)
            assert l["timestamps"]["file_modified"] == mtime.strftime("%Y-%m-%dT%H:%M:%SZ"), l
        assert l["input"] == manifest, (l["input"], manifest)
        assert l["timestamps"]["scanned_at"] == started[:19] + "Z", (l, started)
        want = [{"type": "MD5", "of": "stored_file", "value": hashlib.md5(data).hexdigest()},
                {"type": "SHA1", "of": "stored_file", "value": hashlib.sha1(data).hexdigest()},
                {"type": "SHA256", "of": "stored_file", "value": hashlib.sha256(data).hexdigest()}]
        if recorded.get(k):
            want.append({"type": "SHA256", "of": "original_download", "value": recorded[k]})
        assert l["hashes"] == want, (l["hashes"], want)
        got = sorted((m["signal"], m["source"], m["list"], m["list_version"], m["distance"], m.get("variant")) for m in l["matches"])
        exp = sorted((r["signal"], r["source"], r["list"], r["list_version"], r["distance"], r.get("variant")) for r in report[k])
        assert got == exp, (got, exp)
        assert all("value" not in m for m in l["matches"]), l
    print(len(lines))
    """

    func assertPrivate(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600, path, file: file, line: line)
    }

    /// A CSV of the demo images: flagged by MD5 (k2), SHA-256 (k5), SHA-1 (k6), PDQ/pHash (k4, and
    /// k9 near it) and a recorded original-download SHA-256 (k12, whose stored file is clean): each
    /// line carries the stored file's MD5/SHA-1/SHA-256 whatever matched, and k12 also the recorded
    /// one, marked as the original download's.
    func testCSVEveryFieldAgainstHashlib() throws {
        let db = try importList(fixtures.appendingPathComponent("demo/demo-list.csv").path, name: "demo-list")
        var rows = "key,url,path,sha256\n"
        for n in ["0001.jpg", "0002.jpg", "0004.jpg", "0005.png", "0006.jpg", "0009.jpg", "0010.jpg"] {
            rows += "k\(Int(n.prefix(4))!),http://example.com/\(n),\(images)/\(n),\n"
        }
        rows += "k12,http://example.com/12,\(images)/0003.png,4b7253a9e5c30d491326bbc3e62322579b0e5b96b18e078a11ffc8846fc62da3\n"
        let m = try tmp.write("m.csv", rows)
        let out = tmp.file("out")
        let old = umask(0)
        defer { umask(old) }
        let r = try hashscreen(["scan", m, "--list", db, "--out", out, "--quiet", "--jobs", "2", "--export-reporting"])
        XCTAssertEqual(r.status, 1, r.stderr)
        try assertPrivate(out + "/reporting.jsonl")
        let checked = try runPython(Self.checker, [out, m, ""]).trimmingCharacters(in: .whitespacesAndNewlines)
        let keys = try read(out + "/reporting.jsonl").split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["key"] as! String
        }
        XCTAssertEqual(checked, String(keys.count))
        XCTAssertTrue(Set(["k12", "k2", "k4", "k5", "k6"]).isSubset(of: Set(keys)), "\(keys)")
        XCTAssertFalse(keys.contains("k1"))
        XCTAssertEqual(keys, keys.sorted())

        // Without the flag: no reporting.jsonl, every other record file the same bytes, the summary
        // the same but for its times.
        let plain = tmp.file("plain")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", plain, "--quiet", "--jobs", "1"]).status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: plain + "/reporting.jsonl"))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: out)).subtracting(["reporting.jsonl"]),
                       Set(try FileManager.default.contentsOfDirectory(atPath: plain)))
        for f in ["removals.csv", "report.jsonl", "errors.jsonl", "flagged.jsonl"] {
            XCTAssertEqual(try read(out + "/" + f), try read(plain + "/" + f), f)
        }
        let same = try runPython("""
        import json, sys
        a, b = (json.load(open(p + "/summary.json")) for p in sys.argv[1:3])
        for d in (a, b):
            d.pop("throughput")
            for k in ("started", "finished"): d["provenance"].pop(k)
            d["provenance"]["options"].pop("jobs")
        pa, pb = (json.load(open(p + "/prevalence.json")) for p in sys.argv[1:3])
        print(a == b, pa.get("prevalence", pa.keys()) == pb.get("prevalence", pb.keys()))
        """, [out, plain])
        XCTAssertEqual(same.trimmingCharacters(in: .whitespacesAndNewlines), "True True")

        // --jobs does not change the export (but for the scan time).
        let one = tmp.file("one")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", one, "--quiet", "--jobs", "1", "--export-reporting"]).status, 1)
        func untimed(_ p: String) throws -> String {
            try read(p + "/reporting.jsonl").replacingOccurrences(of: #""scanned_at":"[^"]*""#, with: "", options: .regularExpression)
        }
        XCTAssertEqual(try untimed(one), try untimed(out))

        // URL signals only (nothing reads the images): a sample flagged by its URL still gets its
        // stored file's hashes, read for the export alone.
        let urlList = try tmp.write("urls.csv", "hash_type,hash_value\nurl_md5,\(try Self.md5Hex("http://example.com/0001.jpg"))\n")
        let udb = try importList(urlList, name: "urls", ["--url-convention", "raw"])
        let u = tmp.file("u")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", udb, "--out", u, "--quiet", "--signals", "url_md5", "--export-reporting"]).status, 1,
                       u)
        XCTAssertEqual(try runPython(Self.checker, [u, m, ""]).trimmingCharacters(in: .whitespacesAndNewlines), "1")
    }

    static func md5Hex(_ s: String) throws -> String {
        try runPython("import hashlib, sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())", [s])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The img2dataset webdataset: each line names the tar member and its shard, its stored
    /// (re-encoded) file's hashes from the member's bytes, and the original download's SHA-256
    /// from the shard's Parquet, each marked as which it is.
    func testImg2datasetStoredAndOriginalHashes() throws {
        let db = try importList(fixtures.appendingPathComponent("img2dataset/known.csv").path, name: "known")
        let wds = fixtures.appendingPathComponent("img2dataset/webdataset").path
        let out = tmp.file("wds")
        let old = umask(0)
        defer { umask(old) }
        XCTAssertEqual(try hashscreen(["scan", wds, "--list", db, "--out", out, "--quiet", "--export-reporting"]).status, 1)
        try assertPrivate(out + "/reporting.jsonl")
        let checked = try runPython(Self.checker, [out, wds, wds + "/00000.parquet"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let removals = try read(out + "/removals.csv").split(separator: "\n").count - 1
        XCTAssertEqual(checked, String(removals))
        XCTAssertGreaterThan(removals, 3)
        let text = try read(out + "/reporting.jsonl")
        XCTAssertTrue(text.contains("\"of\":\"original_download\""), text)
        XCTAssertTrue(text.contains("\"container\":\"\(wds)/00000.tar\""), text)
    }
}
