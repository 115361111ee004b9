/// End-to-end: a metadata-only scan of a CSV or TSV manifest screens its records in the
/// workers, in blocks (docs/manifests.md, "CSV and TSV in blocks"); every output is the same
/// bytes as the per-row path's (`HASHSCREEN_ROW_PATH=1`), run times aside, for records of every
/// awkward kind: quoted line ends (LF, CRLF, CR) across block ends, CRLF and CR record ends, a
/// BOM, blank lines and `""` lines, wrong field counts, text after a closing quote, bytes that
/// are not UTF-8, upper-case, short and padded hashes, an unterminated quote at the end, a
/// file of a header only, and records cut across the producer's reads (`HASHSCREEN_CSV_READ_BYTES`).
import Foundation
import HashscreenTestSupport
import XCTest

final class DelimitedBlockScanEndToEndTests: XCTestCase, ComparesScanOutputs {
    /// Writes m.csv and m.tsv (the same rows) with Python, and prints the lists' digests
    /// (hashlib, python-threatexchange) of URLs as the row reader reads them (unquoted, trimmed).
    static let fixture = #"""
    import hashlib, json, sys
    from threatexchange.signal_type.url_md5 import UrlMD5Signal
    out = sys.argv[1]
    n = 3000
    urls, md5s = [], []
    def q(s, d):
        # quoted when it must be (or every third field), RFC 4180
        if d.encode() in s or b'"' in s or b"\n" in s or b"\r" in s or len(s) % 3 == 0:
            return b'"' + s.replace(b'"', b'""') + b'"'
        return s
    for d in [",", "\t"]:
        D = d.encode()
        rows = [b"\xef\xbb\xbfkey" + D + b"url" + D + b"text" + D + b"md5" + b"\r\n"]
        for i in range(n):
            base = b"https://img%d.example.com/p/%d/image.jpg?w=%d" % (i % 7, i, i % 3)
            k = i % 17
            url = {0: b"", 1: b"  " + base + b" ", 2: base.upper(), 3: b"https://ex\xc3\xa4mple.com/%d" % i,
                   4: base + b'?q="x"', 5: b"https://bad\xff.example/%d" % i, 6: b"\t" + base}.get(k, base)
            text = {0: b"line\nbreak %d" % i, 1: b"cr\r\nlf %d" % i, 2: b"lone\rcr", 3: b"a, b\tc",
                    4: b'say ""hi""', 5: b"caf\xe9"}.get(i % 11, b"caption %d" % i)
            h = hashlib.md5(b"image %d" % i).hexdigest().encode()
            md5 = {0: b"", 1: h[:30], 2: h.upper(), 3: b" " + h + b" ", 4: b"zz" + h[2:]}.get(i % 19, h)
            key = {0: b"", 1: b"k\xfe%d" % i}.get(i % 23, b"key-%05d" % i)
            fields = [q(key, d), q(url, d), q(text, d), q(md5, d)]
            if i % 29 == 5: fields = fields[:3]                    # a field short
            if i % 31 == 6: fields = fields + [b"extra"]           # a field over
            line = D.join(fields)
            if i % 37 == 7: line = b'"text"after' + D + line[line.index(D) + 1:]   # text after a closing quote
            end = {0: b"\r\n", 1: b"\r"}.get(i % 5, b"\n")
            rows.append(line + end)
            if i % 41 == 8: rows.append(b"\n")                     # blank lines, counted in line numbers
            if i % 43 == 9: rows.append(b'""\r\n')                 # one empty quoted field: blank too
            ok = len(fields) == 4 and i % 37 != 7
            if d == "," and ok:
                u = url.decode("utf-8", "replace").strip()
                if u and i % 5 == 0: urls.append(u)
                if md5 == h and i % 7 == 0: md5s.append(h.decode())
        rows.append(b'"https://never.example/closed' + D + b'x\n')   # an unterminated quote at the end
        open(out + "/m." + ("csv" if d == "," else "tsv"), "wb").write(b"".join(rows))
    open(out + "/h.csv", "wb").write(b"key,url,md5\r\n")
    raw = sorted({hashlib.md5(u.encode()).hexdigest() for u in urls})
    tx = sorted({UrlMD5Signal.hash_from_str(u) for i, u in enumerate(urls) if i % 2 == 0})
    print(json.dumps({"raw": raw, "tx": tx, "md5": sorted(set(md5s))}))
    """#

    struct Dataset { var tmp: TemporaryDirectory; var raw: String; var all: String; var digests: [String: [String]] }

    /// The fixture and two lists: raw URL digests only (digested in batches), and raw,
    /// threatexchange and md5 (digested one by one per convention).
    func dataset() throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let out = try runPython(Self.fixture, [tmp.url.path])
        let digests = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String]])
        var dbs: [String] = []
        for (db, lists) in [("raw.sqlite", [("raw", "url_md5", "raw")]),
                            ("all.sqlite", [("raw", "url_md5", "raw"), ("tx", "url_md5", "threatexchange"), ("md5", "md5", "")])] {
            let path = tmp.file(db)
            for (name, type, convention) in lists {
                let f = try tmp.write("\(db)-\(name).txt", digests[name]!.map { "\(type) \($0)" }.joined(separator: "\n") + "\n")
                let r = try hashscreen(["list", "import", "--list", path, "--name", name, "--version", "1"]
                                       + (convention.isEmpty ? [] : ["--url-convention", convention]) + [f])
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            dbs.append(path)
        }
        return Dataset(tmp: tmp, raw: dbs[0], all: dbs[1], digests: digests)
    }

    /// Scans `inputs` the block way (with blocks of `blockRecords` records when given) and the
    /// row way; the two output folders.
    func scanBothWays(_ d: Dataset, _ name: String, _ inputs: [String], list: String, _ extra: [String],
                      blockRecords: Int? = nil, readBytes: Int? = nil) throws -> (String, String) {
        var folders: [String] = [], statuses: [Int32] = []
        for (way, env) in [("blocks", "0"), ("rows", "1")] {
            let out = d.tmp.file("\(name)-\(way)")
            var environment = ["HASHSCREEN_ROW_PATH": env]
            if let blockRecords { environment["HASHSCREEN_CSV_BLOCK_RECORDS"] = "\(blockRecords)" }
            if let readBytes, way == "blocks" { environment["HASHSCREEN_CSV_READ_BYTES"] = "\(readBytes)" }
            let r = try runProcess(TestPaths.executable.path, ["scan"] + inputs + ["--list", list, "--out", out, "--jobs", "2", "--quiet"] + extra,
                                   environment: environment)
            XCTAssertTrue(r.status == 0 || r.status == 1 || r.status == 3, "\(name) \(way): \(r.stderr)")
            folders.append(out)
            statuses.append(r.status)
        }
        XCTAssertEqual(statuses[0], statuses[1], name)
        return (folders[0], folders[1])
    }

    func testCSVURLScanIsTheRowPathsBytes() throws {
        let d = try dataset()
        for blocks in [nil, 7] as [Int?] {
            let (a, b) = try scanBothWays(d, "csv\(blocks ?? 0)", [d.tmp.file("m.csv")], list: d.raw, ["--signals", "url_md5"], blockRecords: blocks)
            try assertSameOutputs(a, b)
            // Every planted digest is found.
            let planted = Set(d.digests["raw"]!.map { "raw \($0)" })
            XCTAssertEqual(planted.subtracting(try found(a)).sorted().prefix(5), [])
            let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
            for message in ["fields, header has 4", "unterminated quoted field"] {
                XCTAssertTrue(errors.contains(message), message)
            }
        }
    }

    func testTSVAndEveryListAreTheRowPathsBytes() throws {
        let d = try dataset()
        for blocks in [nil, 5] as [Int?] {
            for (i, signals) in ["url_md5", "md5,url_md5"].enumerated() {
                let (a, b) = try scanBothWays(d, "tsv\(i)-\(blocks ?? 0)", [d.tmp.file("m.tsv")], list: d.all, ["--signals", signals],
                                              blockRecords: blocks)
                try assertSameOutputs(a, b)
                let found = try found(a)
                XCTAssertTrue(found.contains { $0.hasPrefix("tx ") }, signals)
                if signals.hasPrefix("md5") { XCTAssertTrue(found.contains { $0.hasPrefix("md5 ") }) }
            }
        }
    }

    func testRecordedMD5AndShardsAreTheRowPathsBytes() throws {
        let d = try dataset()
        let inputs = [d.tmp.file("m.csv"), d.tmp.file("m.tsv"), d.tmp.file("h.csv")]
        let (a, b) = try scanBothWays(d, "md5", inputs, list: d.all, ["--signals", "md5,url_md5"], blockRecords: 3)
        try assertSameOutputs(a, b)
        for i in 0..<2 {
            let (a, b) = try scanBothWays(d, "shard\(i)", inputs, list: d.raw, ["--signals", "url_md5", "--shard", "\(i)/2"])
            try assertSameOutputs(a, b)
        }
    }

    func testHeaderOnlyFileIsTheRowPathsBytes() throws {
        let d = try dataset()
        let (a, b) = try scanBothWays(d, "header", [d.tmp.file("h.csv")], list: d.raw, ["--signals", "url_md5"])
        try assertSameOutputs(a, b)
    }

    /// A quote never closed within 64 MiB: one failure, passed over up to the next line end,
    /// and the records after it read as usual, both ways.
    func testRecordOverTheLimitIsTheRowPathsBytes() throws {
        let d = try dataset()
        let path = d.tmp.file("big.csv")
        FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.write(Data("key,url\nk1,https://a.example/1\nk2,\"https://a.example/".utf8))
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<65 { h.write(chunk) }
        h.write(Data("\nk3,https://a.example/3\r\n\nk4,\"x\"\n".utf8))
        try h.close()
        let (a, b) = try scanBothWays(d, "big", [path], list: d.raw, ["--signals", "url_md5"], blockRecords: 2)
        try assertSameOutputs(a, b)
        XCTAssertTrue(try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8).contains("over the limit"))
    }

    /// A closed quoted field of 65 MiB holding line ends (over the limit: one failure, its
    /// lines counted) in the middle of ordinary records: the records after it, cut from the
    /// long read's buffer, are read and matched as the row path reads them (lines and rows).
    func testClosedRecordOverTheLimitThenRecordsAreTheRowPathsBytes() throws {
        let d = try dataset()
        let path = d.tmp.file("long.csv")
        FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        // The first 301 records of m.csv (its header dropped): awkward ones among them.
        let m = try Data(contentsOf: URL(fileURLWithPath: d.tmp.file("m.csv")))
        let from = m.firstIndex(of: UInt8(ascii: "\n"))! + 1
        var to = try XCTUnwrap(m.range(of: Data("key-00301".utf8))).lowerBound
        if m[to - 1] == UInt8(ascii: "\"") { to -= 1 }
        let records = m[from..<to]
        h.write(Data("key,url,text,md5\nk1,https://a.example/1,x,\n".utf8))
        h.write(records)
        h.write(Data("k2,https://a.example/2,\"".utf8))
        var chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
        chunk[1000] = UInt8(ascii: "\n"); chunk[2000] = UInt8(ascii: "\r")
        for _ in 0..<65 { h.write(chunk) }
        h.write(Data("\",\n".utf8))
        h.write(records)
        try h.close()
        for blocks in [nil, 3] as [Int?] {
            let (a, b) = try scanBothWays(d, "long\(blocks ?? 0)", [path], list: d.raw, ["--signals", "url_md5"], blockRecords: blocks)
            try assertSameOutputs(a, b)
            XCTAssertTrue(try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8).contains("over the limit"))
            XCTAssertFalse(try found(a).isEmpty)
        }
    }

    /// The producer's reads cut short (a few bytes each): records, quoted line ends, doubled
    /// quotes and CRLFs cut across reads (and across blocks) read as the row path reads them.
    func testRecordsCutAcrossReadsAreTheRowPathsBytes() throws {
        let d = try dataset()
        for (readBytes, blocks) in [(1, 3), (7, nil), (64, 5)] as [(Int, Int?)] {
            for (file, list, signals) in [("m.csv", d.raw, "url_md5"), ("m.tsv", d.all, "md5,url_md5")] {
                let (a, b) = try scanBothWays(d, "\(file)-read\(readBytes)", [d.tmp.file(file)], list: list, ["--signals", signals],
                                              blockRecords: blocks, readBytes: readBytes)
                try assertSameOutputs(a, b)
            }
        }
    }
}
