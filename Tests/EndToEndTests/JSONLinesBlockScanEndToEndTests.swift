/// End-to-end: a metadata-only scan of a JSON lines manifest parses its lines in the workers,
/// in blocks (docs/manifests.md, "JSON lines in blocks"); every output is the same bytes as
/// the per-row path's (`HASHSCREEN_ROW_PATH=1`), run times aside, for lines of every awkward
/// kind: blank lines, CRLF and lone CR, a line over the 64 MiB limit, invalid JSON, a
/// duplicate key, nested values, escapes (`\/` in a URL, `\u00e9`, surrogate pairs, a lone
/// surrogate, `\u0000`, an unknown escape), bytes that are not UTF-8, a BOM, a raw control
/// character, numbers where strings are expected, an escaped key, upper-case and short hashes,
/// keys that change.
import Foundation
import HashscreenTestSupport
import XCTest

final class JSONLinesBlockScanEndToEndTests: XCTestCase, ComparesScanOutputs {
    /// Writes the fixture with Python (json, hashlib) and the lists' digests with hashlib and
    /// python-threatexchange: more than 4096 lines (several blocks), with the awkward lines
    /// spread through them; `big` adds a line over the limit (64 MiB of base64-free text).
    static let fixture = #"""
    import hashlib, json, sys
    from threatexchange.signal_type.url_md5 import UrlMD5Signal
    out, big = sys.argv[1], sys.argv[2] == "1"
    n = 9000
    rows = []
    f = open(out + "/m.jsonl", "wb")
    urls = []
    for i in range(n):
        base = "https://img%d.example.com/p/%d/image.jpg?w=%d" % (i % 7, i, i % 3)
        k = i % 19
        u = {0: None, 1: "", 2: "  " + base + " ", 3: base.upper(), 4: "https://ex\u00e4mple.com/\u00fc/%d" % i,
             5: base + "/" + "a" * 500, 6: "\t" + base, 7: base + "\n", 8: "HTTP://Example.COM:80/%d#frag" % i,
             10: "   ", 11: base + "\u00a0", 12: 12345 + i}.get(k, base)
        h = hashlib.md5(b"image %d" % i).hexdigest()
        m = i % 23
        md5 = {0: None, 1: "", 2: h[:30], 3: h.upper(), 4: "zz" + h[2:], 5: " " + h + " ", 6: h + "0"}.get(m, h)
        o = {"key": "key-%05d" % i, "url": u, "md5": md5}
        if i % 29 == 3: del o["key"]                        # row-NNNNNNNNN keys
        if i % 37 == 4: o = {"md5": md5, "url": u, "caption": "c %d" % i}   # another key order
        if i % 41 == 5: o["key"] = 1.5                      # a number Foundation writes
        if i % 43 == 6: o["extra"] = [1, 2]                 # a nested value (not mapped)
        if i % 47 == 7: o["url"] = [u]                      # a mapped array: a failure
        if i % 3 == 0: o["caption"] = "caf\u00e9 \"q\" \\ \U0001F600 \t %d" % i   # escapes, a surrogate pair, UTF-8
        line = json.dumps(o, ensure_ascii=(i % 2 == 0)).encode()
        awkward = i % 97 == 20 or i % 101 == 21 or i % 103 == 22 or i % 107 == 23 or i % 109 == 24 or i % 113 == 25 \
            or i % 127 == 26 or i % 131 == 27 or i % 137 == 28 or i % 139 == 29 or i % 149 == 30 or i % 151 == 31
        screened = isinstance(o.get("url"), (str, int)) and i % 53 != 8 and i % 59 != 9 and i % 61 != 10 and i % 67 != 11 and i % 71 != 12 and not awkward
        urls.append(str(o["url"]) if screened else None)
        if i % 53 == 8: line = b"{\"url\": \"x\", \"url\": \"y\"}"       # a duplicate key
        if i % 59 == 9: line = b"{not json"
        if i % 61 == 10: line = b"[1, 2]"
        if i % 67 == 11: line = b"{\"nothing\": 1}"
        if i % 71 == 12 and not awkward: line = b"{\"url\": \"https://e.example/\\u00e9\\/%d\"}" % i; urls.append("https://e.example/\u00e9/%d" % i)
        h2 = hashlib.md5(b"image %d" % i).hexdigest().encode()
        if i % 97 == 20: line = b'{"key": "e%d", "url": "https:\\/\\/esc.example\\/%d", "md5": "%s"}' % (i, i, h2)
        if i % 101 == 21: line = b'{"key": "n%d", "url": "https://s.example/%d", "caption": "\\ud83d\\ude00 \\u0000"}' % (i, i)
        if i % 103 == 22: line = b'{"key": "s%d", "url": "https://s.example/%d", "caption": "lone \\ud800 x"}' % (i, i)
        if i % 107 == 23: line = b'{"key": "b%d", "url": "https://b.example/%d", "caption": "\xff\xfe"}' % (i, i)
        if i % 109 == 24: line = b'{"key": "c%d", "url": "https://b.example/\xc3\x28/%d"}' % (i, i)
        if i % 113 == 25: line = b'\xef\xbb\xbf{"key": "bom%d", "url": "https://bom.example/%d"}' % (i, i)
        if i % 127 == 26: line = b'{"key": "t%d", "url": "https://t.example/%d", "caption": "raw\ttab"}' % (i, i)
        if i % 131 == 27: line = b'{"key": %d, "url": "https://i.example/%d", "md5": "%s"}' % (i, i, h2)
        if i % 137 == 28: line = b'{"key": "m%d", "url": "https://m.example/%d", "md5": 12345678901234567890123456789012}' % (i, i)
        if i % 139 == 29: line = b'{"key": "k%d", "\\u0075rl": "https://k.example/%d"}' % (i, i)
        if i % 149 == 30: line = b'{"key": "u%d", "url": "https://u.example/caf\\u00e9/%d", "md5": "%s"}' % (i, i, h2)
        if i % 151 == 31: line = b'{"key": "w%d", "url": "https://w.example/%d", "md5": "%s", "caption": "\\q"}' % (i, i, h2)
        if line.startswith(b'{"key": "e%d", ' % i): urls.append("https://esc.example/%d" % i)   # the last awkward line set
        end = b"\r\n" if i % 5 == 0 else b"\n"
        if i % 73 == 13: line = line + b"\r"                # a CR before CRLF/LF
        f.write(line + end)
        if i % 83 == 14: f.write(b"\n")                     # blank lines
        if i % 89 == 15: f.write(b"  \t \r\n")
        if big and i == 5000: f.write(b"{\"url\": \"" + b"a" * (64 << 20) + b"\"}\n")
    f.write(b"{\"url\": \"https://last.example/no-newline\"}")
    f.close()
    def strip(u):
        return u.strip()
    good = [strip(u) for u in urls if u is not None and strip(u)]
    raw = sorted({hashlib.md5(u.encode()).hexdigest() for i, u in enumerate(good) if i % 11 == 0} | {hashlib.md5(b"https://last.example/no-newline").hexdigest()})
    tx = sorted({UrlMD5Signal.hash_from_str(u) for i, u in enumerate(good) if i % 13 == 0})
    md5 = sorted({hashlib.md5(b"image %d" % i).hexdigest() for i in range(n) if i % 17 == 0})
    print(json.dumps({"raw": raw, "tx": tx, "md5": md5}))
    """#

    struct Dataset { var tmp: TemporaryDirectory; var inputs: [String]; var list: String; var digests: [String: [String]] }

    /// `lists`: the lists imported (of raw, tx, md5).
    func dataset(big: Bool = false, lists: Set<String> = ["raw", "tx", "md5"]) throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let out = try runPython(Self.fixture, [tmp.url.path, big ? "1" : "0"])
        let digests = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String]])
        let db = tmp.file("lists.sqlite")
        for (name, type, convention) in [("raw", "url_md5", "raw"), ("tx", "url_md5", "threatexchange"), ("md5", "md5", nil)] where lists.contains(name) {
            let f = try tmp.write("\(name).txt", digests[name]!.map { "\(type) \($0)" }.joined(separator: "\n") + "\n")
            let r = try hashscreen(["list", "import", "--list", db, "--name", name, "--version", "1"]
                                   + (convention.map { ["--url-convention", $0] } ?? []) + [f])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return Dataset(tmp: tmp, inputs: [tmp.file("m.jsonl")], list: db, digests: digests)
    }

    func scanBothWays(_ d: Dataset, _ name: String, _ extra: [String]) throws -> (String, String) {
        var folders: [String] = [], statuses: [Int32] = []
        for (way, env) in [("blocks", "0"), ("rows", "1")] {
            let out = d.tmp.file("\(name)-\(way)")
            let r = try runProcess(TestPaths.executable.path, ["scan"] + d.inputs + ["--list", d.list, "--out", out, "--jobs", "2", "--quiet"] + extra,
                                   environment: ["HASHSCREEN_ROW_PATH": env])
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(name) \(way): \(r.stderr)")
            folders.append(out)
            statuses.append(r.status)
        }
        XCTAssertEqual(statuses[0], statuses[1], name)
        return (folders[0], folders[1])
    }

    func testURLScanIsTheRowPathsBytes() throws {
        let d = try dataset()
        let (a, b) = try scanBothWays(d, "url", ["--signals", "url_md5"])
        try assertSameOutputs(a, b)
        // Every planted digest is found, each list under its own convention.
        let found = try found(a)
        let planted = Set(d.digests["raw"]!.map { "raw \($0)" } + d.digests["tx"]!.map { "tx \($0)" })
        XCTAssertEqual(found.subtracting(planted).count, 0)
        XCTAssertEqual(planted.subtracting(found).sorted().prefix(5), [])
        let errors = try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8)
        for message in ["invalid JSON", "not a JSON object", "appears twice", "no image, path, hash or url field", "an array"] {
            XCTAssertTrue(errors.contains(message), message)
        }
        XCTAssertTrue(try String(contentsOfFile: a + "/report.jsonl", encoding: .utf8).contains("row-0"))
    }

    /// Raw URL digests only: the plain lines' URLs are digested in batches from the blocks'
    /// bytes (`Screener.gatherURLs`), an escaped one (read as text) alone, in the same runs.
    func testRawURLListScanIsTheRowPathsBytes() throws {
        let d = try dataset(lists: ["raw"])
        let (a, b) = try scanBothWays(d, "raw", ["--signals", "url_md5"])
        try assertSameOutputs(a, b)
        let planted = Set(d.digests["raw"]!.map { "raw \($0)" })
        XCTAssertEqual(try found(a), planted)
        XCTAssertTrue(planted.count > 50, "\(planted.count)")
    }

    func testRecordedMD5ScanIsTheRowPathsBytes() throws {
        let d = try dataset()
        let (a, b) = try scanBothWays(d, "md5", ["--signals", "md5,url_md5"])
        try assertSameOutputs(a, b)
        XCTAssertTrue(try found(a).contains { $0.hasPrefix("md5 ") })
    }

    func testShardedScansAreTheRowPathsBytes() throws {
        var d = try dataset()
        // Two inputs: the whole file is one unit, so a part screens it whole or not at all.
        let second = d.tmp.file("n.jsonl")
        try FileManager.default.copyItem(atPath: d.inputs[0], toPath: second)
        d.inputs.append(second)
        for i in 0..<2 {
            let (a, b) = try scanBothWays(d, "shard\(i)", ["--signals", "url_md5", "--shard", "\(i)/2"])
            try assertSameOutputs(a, b)
        }
    }

    func testLineOverTheLimitIsTheRowPathsBytes() throws {
        let d = try dataset(big: true)
        let (a, b) = try scanBothWays(d, "big", ["--signals", "url_md5"])
        try assertSameOutputs(a, b)
        XCTAssertTrue(try String(contentsOfFile: a + "/errors.jsonl", encoding: .utf8).contains("over the limit"))
    }
}
