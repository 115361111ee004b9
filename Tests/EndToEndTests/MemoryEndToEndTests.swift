/// End-to-end: findings go to disk as they are found (issue 11), so a scan's peak resident
/// memory does not grow with its number of errors or matches. The built CLI scans generated
/// manifests (a clean one, one whose every row names a missing file, one whose every row
/// matches) and each run's own peak RSS is read from `wait4` by a small launcher.
///
/// Sizes: `HASHSCREEN_RSS_ROWS` (default 200,000 rows; the errors manifest has that many
/// errors, the matches manifest half as many matches). The 1M-error figure of docs/spool.md is
/// this test run once with `HASHSCREEN_RSS_ROWS=1000000` against the release binary
/// (`HASHSCREEN_BIN=.build/release/hashscreen`).
import Foundation
import HashscreenTestSupport
import XCTest

final class MemoryEndToEndTests: XCTestCase {
    /// How far a scan's peak may be from the clean scan's (issue 11: ± 20 MB).
    static let toleranceKiB = 20 * 1024
    static var rows: Int { ProcessInfo.processInfo.environment["HASHSCREEN_RSS_ROWS"].flatMap { Int($0) } ?? 200_000 }

    /// Runs the CLI with its output discarded; returns its exit status and its own peak RSS in
    /// KiB. A small Python launcher forks and `wait4`s it: a child spawned straight from this
    /// test process would carry the test's own resident size as its peak (Linux keeps the
    /// pre-`exec` high-water mark of a `vfork`ed child), and `RUSAGE_CHILDREN` is a running
    /// maximum over every child so far. The launcher's own ~10 MB is the floor.
    func peakRSS(_ arguments: [String]) throws -> (status: Int32, kib: Int) {
        let out = try runPython("""
            import os, sys
            pid = os.fork()
            if pid == 0:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1); os.dup2(null, 2)
                os.execv(sys.argv[1], sys.argv[1:])
            _, status, usage = os.wait4(pid, 0)
            print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
            """, [TestPaths.executable.path] + arguments)
        let f = out.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(f.count, 2, out)
        return (Int32(f.first ?? -1), f.last ?? -1)
    }

    /// Writes a manifest of `rows` lines made by `line(i)` under `header`.
    func manifest(_ tmp: TemporaryDirectory, _ name: String, header: String, rows: Int, _ line: (Int) -> String) throws -> String {
        var text = header + "\n"
        text.reserveCapacity(rows * 80)
        for i in 0..<rows { text += line(i); text += "\n" }
        return try tmp.write(name, text)
    }

    func testPeakMemoryIsFlatInTheNumberOfErrorsAndMatches() throws {
        let tmp = try TemporaryDirectory()
        let n = Self.rows
        let listed = String(repeating: "ab", count: 32)
        let db = tmp.file("l.sqlite")
        let list = try tmp.write("list.txt", "sha256 \(listed)\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", list]).status, 0)
        func unlisted(_ i: Int) -> String { let h = String(i, radix: 16); return String(repeating: "0", count: 64 - h.count) + h }
        let clean = try manifest(tmp, "clean.csv", header: "key,sha256", rows: n) { "k\($0),\(unlisted($0))" }
        let missing = try manifest(tmp, "errors.csv", header: "key,path", rows: n) { "k\($0),missing/\($0).jpg" }
        let matching = try manifest(tmp, "matches.csv", header: "key,sha256", rows: n / 2) { "k\($0),\(listed)" }
        func scan(_ input: String, _ out: String) throws -> (status: Int32, kib: Int) {
            try peakRSS(["scan", input, "--list", db, "--signals", "sha256", "--jobs", "2", "--quiet", "--out", tmp.file(out)])
        }
        let base = try scan(clean, "clean")
        XCTAssertEqual(base.status, 0)
        let errors = try scan(missing, "errors")
        XCTAssertEqual(errors.status, 3)
        let matches = try scan(matching, "matches")
        XCTAssertEqual(matches.status, 1)
        // The findings are all there: one errors.jsonl line per row, one report line per match.
        XCTAssertEqual(try lineCount(tmp.file("errors/errors.jsonl")), n)
        XCTAssertEqual(try lineCount(tmp.file("matches/report.jsonl")), n / 2)
        XCTAssertEqual(try lineCount(tmp.file("matches/removals.csv")), n / 2 + 1)
        // The same matches in one Parquet row group, read by a worker as columns (docs/parquet.md,
        // "Columnar metadata scan"): its findings are merged every 1024 rows, not per row group.
        _ = try runPython("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            n = int(sys.argv[2])
            pq.write_table(pa.table({"key": ["k%d" % i for i in range(n)], "sha256": [sys.argv[3]] * n}), sys.argv[1], row_group_size=n)
            """, [tmp.file("matches.parquet"), String(n / 2), listed])
        let columnar = try scan(tmp.file("matches.parquet"), "columnar")
        XCTAssertEqual(columnar.status, 1)
        XCTAssertEqual(try lineCount(tmp.file("columnar/report.jsonl")), n / 2)
        let summary = "peak RSS: clean \(base.kib) KiB, \(n) errors \(errors.kib) KiB, \(n / 2) matches \(matches.kib) KiB, in Parquet \(columnar.kib) KiB"
        print(summary)
        XCTAssertLessThanOrEqual(abs(errors.kib - base.kib), Self.toleranceKiB, summary)
        XCTAssertLessThanOrEqual(abs(matches.kib - base.kib), Self.toleranceKiB, summary)
        XCTAssertLessThanOrEqual(abs(columnar.kib - base.kib), Self.toleranceKiB, summary)
        // No spool is left behind.
        for out in ["clean", "errors", "matches", "columnar"] {
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.file(out)).filter { $0.hasSuffix(".spool") }, [], out)
        }
    }

    /// verify keeps the earlier scan's flagged rows on disk (docs/verify.md "Memory"): its peak
    /// RSS against an earlier `flagged.jsonl` of `rows` (at least 100,000) synthetic rows (key,
    /// two content digests, a URL digest each) is within the tolerance of its peak against 1,000,
    /// and it still finds the one real flagged row left in the release, written last.
    func testVerifysPeakMemoryIsFlatInTheNumberOfEarlierFlaggedRows() throws {
        let tmp = try TemporaryDirectory()
        let n = max(100_000, Self.rows)
        let images = TestPaths.fixtures.appendingPathComponent("demo/images").path
        let db = tmp.file("demo.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "demo-list", "--version", "1",
                                       TestPaths.fixtures.appendingPathComponent("demo/demo-list.csv").path]).status, 0)
        let m = try tmp.write("m.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\n")
        XCTAssertEqual(try hashscreen(["scan", m, "--list", db, "--out", tmp.file("earlier"), "--quiet"]).status, 1)
        let real = try String(contentsOfFile: tmp.file("earlier/flagged.jsonl"), encoding: .utf8)
        XCTAssertEqual(real.split(separator: "\n").count, 1)
        func earlier(_ name: String, rows: Int) throws -> String {
            let dir = tmp.file(name)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: tmp.file("earlier/summary.json"), toPath: dir + "/summary.json")
            _ = try runPython("""
                import hashlib, sys
                with open(sys.argv[1], "w") as f:
                    for i in range(int(sys.argv[2])):
                        h = lambda t: hashlib.sha256(("%s %d" % (t, i)).encode()).hexdigest()
                        f.write('{"key":"synthetic-%d","key_is_row_number":false,"content_digests":["%s","%s"],"url_digest":"%s"}\\n'
                                % (i, h("a"), h("b"), h("u")))
                    f.write(sys.argv[3])
                """, [dir + "/flagged.jsonl", String(rows), real])
            return dir
        }
        let small = try earlier("small", rows: 1_000), large = try earlier("large", rows: n)
        func verify(_ against: String, _ out: String) throws -> (status: Int32, kib: Int) {
            try peakRSS(["verify", m, "--list", db, "--against", against, "--out", tmp.file(out), "--jobs", "2", "--quiet"])
        }
        let base = try verify(small, "v-small")
        let big = try verify(large, "v-large")
        XCTAssertEqual(base.status, 1)
        XCTAssertEqual(big.status, 1)
        for (out, rows) in [("v-small", 1_001), ("v-large", n + 1)] {
            let v = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp.file(out) + "/verify.json"))) as! [String: Any]
            XCTAssertEqual((v["earlier"] as? [String: Any])?["flagged"] as? Int, rows, out)
            XCTAssertEqual((v["earlier"] as? [String: Any])?["with_url_digest"] as? Int, rows - 1, out)
            let remaining = v["remaining"] as? [[String: Any]]
            XCTAssertEqual(remaining?.map { $0["key"] as? String }, ["k2"], out)
            XCTAssertEqual(remaining?.first?["earlier_keys"] as? [String], ["k2"], out)
            XCTAssertEqual(remaining?.first?["by"] as? [String], ["key", "content"], out)
            // Nothing of the on-disk index is left in --out.
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.file(out)).filter { $0.hasPrefix(".earlier") }, [], out)
        }
        let summary = "verify peak RSS: 1,000 earlier flagged rows \(base.kib) KiB, \(n) rows \(big.kib) KiB"
        print(summary)
        XCTAssertLessThanOrEqual(abs(big.kib - base.kib), Self.toleranceKiB, summary)
    }

    /// Lines of a file, by coreutils `wc -l`.
    func lineCount(_ path: String) throws -> Int {
        Int(try runProcess("/usr/bin/wc", ["-l", path]).stdout.split(separator: " ").first ?? "") ?? -1
    }
}
