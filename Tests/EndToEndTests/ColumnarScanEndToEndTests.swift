/// End-to-end: a metadata-only scan of Parquet inputs reads row groups as columns in the
/// workers (docs/parquet.md, "Columnar metadata scan"); every output is the same bytes as the
/// per-row path's (`HASHSCREEN_ROW_PATH=1`), run times aside, for rows of every awkward kind.
import Foundation
import HashscreenTestSupport
import XCTest

final class ColumnarScanEndToEndTests: XCTestCase, ComparesScanOutputs {
    /// Writes the fixture Parquet files with pyarrow and the lists' digests with hashlib and
    /// python-threatexchange: a file with dictionary pages and an integer key, one with plain
    /// v2 pages, a binary key and an unannotated binary URL column, one whose URL column is
    /// DELTA_BYTE_ARRAY (not read as bytes: its row groups go through the row reader).
    static let fixture = #"""
    import hashlib, json, sys
    import pyarrow as pa, pyarrow.parquet as pq
    from threatexchange.signal_type.url_md5 import UrlMD5Signal
    out = sys.argv[1]
    n = 600
    urls, md5s, keys = [], [], []
    for i in range(n):
        base = "https://img%d.example.com/p/%d/image.jpg?w=%d" % (i % 7, i, i % 3)
        k = i % 19
        u = {0: None, 1: "", 2: "  " + base + " ", 3: base.upper(), 4: "https://ex\u00e4mple.com/\u00fc/%d" % i,
             5: base + "/" + "a" * 5000, 6: "\t" + base, 7: base + "\n", 8: "HTTP://Example.COM:80/%d#frag" % i,
             9: "http://x.example/a;p?q#f%d" % i, 10: "   ", 11: base + "\u00a0", 12: "http://x.example/?%d" % i}.get(k, base)
        urls.append(u)
        h = hashlib.md5(b"image %d" % i).hexdigest()
        m = i % 23
        md5s.append({0: None, 1: "", 2: h[:30], 3: h.upper(), 4: "zz" + h[2:], 5: " " + h + " ", 6: h + "0", 7: "\u00e9" * 16}.get(m, h))
        keys.append(b"\xff\xfe" if i == 77 else (None if i % 31 == 5 else b"key-%04d" % i))
    def strip(u):
        return u.strip()   # Unicode white space, as hashscreen trims a manifest's text
    raw = sorted({hashlib.md5(strip(u).encode()).hexdigest() for i, u in enumerate(urls) if u and strip(u) and i % 11 == 0})
    tx = sorted({UrlMD5Signal.hash_from_str(strip(u)) for i, u in enumerate(urls) if u and strip(u) and i % 13 == 0})
    md5 = sorted({hashlib.md5(b"image %d" % i).hexdigest() for i in range(n) if i % 17 == 0})
    a = pa.table({"SAMPLE_ID": pa.array(range(n), pa.int64()), "URL": pa.array(urls, pa.string()),
                  "TEXT": pa.array(["caption %d" % i for i in range(n)]), "md5": pa.array(md5s, pa.string())})
    pq.write_table(a, out + "/a.parquet", row_group_size=70, compression="snappy")
    b = pa.table({"key": pa.array(keys, pa.binary()), "url": pa.array([None if u is None else u.encode() for u in urls], pa.binary()),
                  "md5": pa.array(md5s, pa.string())})
    pq.write_table(b, out + "/b.parquet", row_group_size=128, use_dictionary=False, data_page_version="2.0", compression="zstd")
    c = pa.table({"SAMPLE_ID": pa.array(range(n), pa.int64()), "URL": pa.array(urls, pa.string())})
    pq.write_table(c, out + "/c.parquet", row_group_size=100, use_dictionary=False, column_encoding={"URL": "DELTA_BYTE_ARRAY"})
    # For the recorded-md5-only scan: a binary URL column holding bytes that are not UTF-8
    # (rows whose md5 is listed among them), nulls, padding, and dictionary pages; and a file
    # with no URL column at all.
    durls = [b"\xff\xfehttp://x.example/%d" % i if i % 5 == 0 else (None if i % 7 == 0 else
             (b"  " + (u or "").encode() + b" " if i % 3 == 0 else (u or "").encode())) for i, u in enumerate(urls)]
    d = pa.table({"SAMPLE_ID": pa.array(range(n), pa.int64()), "URL": pa.array(durls, pa.binary()),
                  "md5": pa.array(md5s, pa.string())})
    pq.write_table(d, out + "/d.parquet", row_group_size=90, compression="snappy")
    e = pa.table({"uid": pa.array(["u%d" % i for i in range(n)]), "md5": pa.array(md5s, pa.string())})
    pq.write_table(e, out + "/e.parquet", row_group_size=250, use_dictionary=False, compression="gzip")
    # Two recorded columns whose defects fall on other rows (a row plain in one, not the other).
    s256 = [hashlib.sha256(b"image %d" % i).hexdigest() for i in range(n)]
    s256s = [{0: None, 1: s[:60], 2: s.upper(), 3: " " + s, 4: "g" + s[1:]}.get(i % 29, s) for i, s in enumerate(s256)]
    f = pa.table({"SAMPLE_ID": pa.array(range(n), pa.int64()), "URL": pa.array(urls, pa.string()),
                  "md5": pa.array(md5s, pa.string()), "sha256": pa.array(s256s, pa.string())})
    pq.write_table(f, out + "/f.parquet", row_group_size=110, compression="snappy")
    sha256 = sorted({s256[i] for i in range(n) if i % 19 == 0})
    # Row groups of 40 whose URLs are all printable ASCII but for one row of a kind per group
    # (a space, a tab, DEL, non-ASCII UTF-8, bytes that are not UTF-8, empty, null): the reader
    # finds a column's byte classes as it decodes it; dictionary pages (g) and plain v2 (h).
    bases = ["https://img%d.example.com/p/%d/image.jpg?w=%d" % (i % 7, i, i % 3) for i in range(n)]
    odd = {1: b"http://x.example/a b", 2: b"\tHTTP://x.example/t", 3: b"http://x.example/\x7f",
           4: "https://ex\u00e4mple.com/\u00fc".encode(), 5: b"\xff\xfehttp://x.example/", 6: b"", 7: None}
    gurls = [odd.get((i // 40) % 10, b"") if i % 40 == 17 and (i // 40) % 10 in odd else bases[i].encode() for i in range(n)]
    g = pa.table({"SAMPLE_ID": pa.array(range(n), pa.int64()), "URL": pa.array(gurls, pa.binary()),
                  "md5": pa.array([hashlib.md5(b"image %d" % i).hexdigest() for i in range(n)], pa.string())})
    pq.write_table(g, out + "/g.parquet", row_group_size=40, compression="snappy")
    pq.write_table(g, out + "/h.parquet", row_group_size=40, use_dictionary=False, data_page_version="2.0", compression="snappy")
    # The md5 list's values found through a recorded md5 that parses (case and padding aside).
    md5found = sorted({hashlib.md5(b"image %d" % i).hexdigest() for i in range(n)
                       if i % 17 == 0 and md5s[i] and md5s[i].strip().lower() == hashlib.md5(b"image %d" % i).hexdigest()})
    print(json.dumps({"raw": raw, "tx": tx, "md5": md5, "md5found": md5found, "sha256": sha256}))
    """#

    struct Dataset { var tmp: TemporaryDirectory; var inputs: [String]; var list: String; var digests: [String: [String]] }

    func dataset() throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let out = try runPython(Self.fixture, [tmp.url.path])
        let digests = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String]])
        let db = tmp.file("lists.sqlite")
        XCTAssertFalse(digests["md5found"]!.isEmpty)
        for (name, type, convention) in [("raw", "url_md5", "raw"), ("tx", "url_md5", "threatexchange"), ("md5", "md5", nil),
                                         ("sha256", "sha256", nil)] {
            let f = try tmp.write("\(name).txt", digests[name]!.map { "\(type) \($0)" }.joined(separator: "\n") + "\n")
            let r = try hashscreen(["list", "import", "--list", db, "--name", name, "--version", "1"]
                                   + (convention.map { ["--url-convention", $0] } ?? []) + [f])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return Dataset(tmp: tmp, inputs: ["a", "b", "c"].map { tmp.file("\($0).parquet") }, list: db, digests: digests)
    }

    /// Scans with the columnar path and with the row path; returns both output folders.
    func scanBothWays(_ d: Dataset, _ name: String, _ extra: [String], status: Int32?) throws -> (String, String) {
        var folders: [String] = [], statuses: [Int32] = []
        for (way, env) in [("columns", "0"), ("rows", "1")] {
            let out = d.tmp.file("\(name)-\(way)")
            let r = try runProcess(TestPaths.executable.path, ["scan"] + d.inputs + ["--list", d.list, "--out", out, "--jobs", "2", "--quiet"] + extra,
                                   environment: ["HASHSCREEN_ROW_PATH": env])
            if let status { XCTAssertEqual(r.status, status, "\(name) \(way): \(r.stderr)") }
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(name) \(way): \(r.stderr)")
            folders.append(out)
            statuses.append(r.status)
        }
        XCTAssertEqual(statuses[0], statuses[1], name)
        return (folders[0], folders[1])
    }

    func testURLScanIsTheRowPathsBytes() throws {
        let d = try dataset()
        let (a, b) = try scanBothWays(d, "url", ["--signals", "url_md5"], status: 1)
        try assertSameOutputs(a, b)
        // Every planted digest is found, each list matched under its own convention.
        XCTAssertEqual(try found(a), Set(d.digests["raw"]!.map { "raw \($0)" } + d.digests["tx"]!.map { "tx \($0)" }))
        // The awkward rows are there: errors (an invalid key, unparsable md5s) in both.
        let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
        XCTAssertFalse(errors.isEmpty)
    }

    /// One list of raw URL digests (the Re-LAION case): each URL is digested once, by its bytes.
    func testRawListOnlyScanIsTheRowPathsBytes() throws {
        var d = try dataset()
        d.list = d.tmp.file("raw-only.sqlite")
        let r = try hashscreen(["list", "import", "--list", d.list, "--name", "raw", "--version", "1", "--url-convention", "raw", d.tmp.file("raw.txt")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (a, b) = try scanBothWays(d, "raw-only", ["--signals", "url_md5"], status: 1)
        try assertSameOutputs(a, b)
        XCTAssertEqual(try found(a), Set(d.digests["raw"]!.map { "raw \($0)" }))
        // The columnar path's URLs digested one at a time (OpenSSL, `HASHSCREEN_URL_MD5X=0`)
        // instead of in batches (`MultiMD5`): the same bytes.
        let c = d.tmp.file("raw-only-one-at-a-time")
        let r1 = try runProcess(TestPaths.executable.path, ["scan"] + d.inputs + ["--list", d.list, "--out", c, "--jobs", "2", "--quiet", "--signals", "url_md5"],
                                environment: ["HASHSCREEN_ROW_PATH": "0", "HASHSCREEN_URL_MD5X": "0"])
        XCTAssertEqual(r1.status, 1, r1.stderr)
        try assertSameOutputs(a, c)
    }

    func testRecordedMD5ScanIsTheRowPathsBytes() throws {
        let d = try dataset()
        // md5 requested: rows without a usable recorded md5 cannot be screened by it (errors).
        let (a, b) = try scanBothWays(d, "md5", ["--signals", "md5,url_md5"], status: 1)
        try assertSameOutputs(a, b)
        XCTAssertEqual(try found(a), Set(d.digests["raw"]!.map { "raw \($0)" } + d.digests["tx"]!.map { "tx \($0)" }
                                         + d.digests["md5found"]!.map { "md5 \($0)" }))
    }

    /// `--signals md5` alone: the URL is not screened, only carried into a flagged row's
    /// records; plain rows are sorted without looking at its text (but for being UTF-8), and
    /// their md5s decoded in bulk. Upper-case, short, long, non-hex, padded, non-ASCII and null
    /// md5s, URLs that are not UTF-8 (row errors both ways, matched md5 or not), a file without
    /// a URL column; whole and per --shard.
    func testRecordedMD5OnlyScanIsTheRowPathsBytes() throws {
        var d = try dataset()
        d.inputs = ["a", "b", "d", "e"].map { d.tmp.file("\($0).parquet") }
        let (a, b) = try scanBothWays(d, "md5-only", ["--signals", "md5"], status: 1)
        try assertSameOutputs(a, b)
        XCTAssertEqual(try found(a), Set(d.digests["md5found"]!.map { "md5 \($0)" }))
        let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
        XCTAssertTrue(errors.contains("binary value that is not UTF-8 text"), errors)
        // Row 2 of the file without a URL column (uid u2) has a short md5: an error.
        XCTAssertTrue(errors.contains("\"u2\""), errors)
        let removals = try String(contentsOfFile: a + "/removals.csv", encoding: .utf8)
        XCTAssertTrue(removals.contains("http"), "flagged rows carry their URLs")
        for i in 0..<2 {
            let (x, y) = try scanBothWays(d, "md5-only-shard\(i)", ["--signals", "md5", "--shard", "\(i)/2"], status: nil)
            try assertSameOutputs(x, y)
        }
    }

    /// Two recorded hash columns (md5 and sha256) whose bad values fall on different rows: a
    /// row plain in one column and not in the other goes the per-row way, and the digests of
    /// the plain rows stay in step across the columns.
    func testTwoRecordedColumnsScanIsTheRowPathsBytes() throws {
        var d = try dataset()
        d.inputs = [d.tmp.file("f.parquet")]
        let (a, b) = try scanBothWays(d, "two-recorded", ["--signals", "md5,sha256"], status: 1)
        try assertSameOutputs(a, b)
        let hits = try found(a)
        XCTAssertTrue(hits.isSuperset(of: Set(d.digests["md5found"]!.map { "md5 \($0)" })), "\(hits)")
        XCTAssertTrue(hits.contains { $0.hasPrefix("sha256 ") }, "\(hits)")
        let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
        XCTAssertTrue(errors.contains("sha256"), errors)
    }

    /// Row groups whose URLs are all printable ASCII, and groups with one URL of each other
    /// kind (white space, DEL, non-ASCII, not UTF-8, empty, null): the classes the reader finds
    /// as it decodes a column (`ParquetByteColumn.allPrintable`, `allASCII`) decide which rows
    /// are looked at one by one; screened by URL and by the recorded md5 alone.
    func testRowGroupsOfEveryURLClassAreTheRowPathsBytes() throws {
        var d = try dataset()
        d.inputs = [d.tmp.file("g.parquet"), d.tmp.file("h.parquet")]
        for signals in ["url_md5", "md5"] {
            let (a, b) = try scanBothWays(d, "classes-\(signals)", ["--signals", signals], status: 1)
            try assertSameOutputs(a, b)
            let hits = try found(a)
            XCTAssertFalse(hits.isEmpty, signals)
            let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
            XCTAssertTrue(errors.contains("not UTF-8"), "\(signals): \(errors)")
        }
    }

    func testShardedScansAreTheRowPathsBytes() throws {
        let d = try dataset()
        for i in 0..<3 {
            let (a, b) = try scanBothWays(d, "shard\(i)", ["--signals", "url_md5", "--shard", "\(i)/3"], status: nil)
            try assertSameOutputs(a, b)
        }
    }
}
