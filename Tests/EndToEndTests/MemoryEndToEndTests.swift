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

    /// Lines of a file, by coreutils `wc -l`.
    func lineCount(_ path: String) throws -> Int {
        Int(try runProcess("/usr/bin/wc", ["-l", path]).stdout.split(separator: " ").first ?? "") ?? -1
    }
}
