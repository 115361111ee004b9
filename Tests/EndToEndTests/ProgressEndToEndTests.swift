/// End-to-end: progress on standard error (docs/progress.md). The terminal line is read from a
/// real terminal (tmux, `capture-pane`), the JSON lines are parsed, and the outputs are the
/// same bytes with and without progress. Inputs: the REAL img2dataset shard of
/// Fixtures/img2dataset (25 rows in its parquet: the total is known from its footer).
import Foundation
import HashscreenTestSupport
import XCTest

final class ProgressEndToEndTests: XCTestCase {
    static let fixtures = TestPaths.fixtures.appendingPathComponent("img2dataset")
    var tmp: TemporaryDirectory!
    var list: String!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        list = tmp.file("known.sqlite")
        let r = try hashscreen(["list", "import", "--list", list, "--name", "originals", "--version", "1",
                                Self.fixtures.appendingPathComponent("known.csv").path])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func fixture(_ rel: String) -> String { Self.fixtures.appendingPathComponent(rel).path }

    func outputs(_ dir: String) -> [String: String] {
        var out: [String: String] = [:]
        for f in ["removals.csv", "report.jsonl", "errors.jsonl"] { out[f] = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8) }
        // summary.json without its times (started, finished, throughput).
        if let d = try? Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")),
           var o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] {
            o["throughput"] = nil
            if var p = o["provenance"] as? [String: Any] { p["started"] = nil; p["finished"] = nil; o["provenance"] = p }
            out["summary.json"] = String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
                .replacingOccurrences(of: dir, with: "OUT")
        }
        return out
    }

    func counts(_ dir: String) throws -> [String: Any] {
        let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))
        return (try JSONSerialization.jsonObject(with: d) as! [String: Any])["counts"] as! [String: Any]
    }

    /// `--progress json`: every line on standard error parses, has the documented fields,
    /// counts only grow, the total is the parquet's row count, and the last line (final) holds
    /// the summary's counts. Nothing on standard output; outputs identical to `--progress none`.
    func testJSONLinesAndIdenticalOutputs() throws {
        let input = fixture("webdataset")
        let quiet = tmp.file("quiet"), json = tmp.file("json")
        let a = try hashscreen(["scan", input, "--list", list, "--out", quiet, "--progress", "none", "--jobs", "1"])
        let b = try hashscreen(["scan", input, "--list", list, "--out", json, "--progress", "json", "--progress-interval", "0.01", "--jobs", "1"])
        XCTAssertEqual(a.status, 1, a.stderr)
        XCTAssertEqual(b.status, 1, b.stderr)
        XCTAssertEqual(a.stdout, "")
        XCTAssertEqual(b.stdout, "")
        XCTAssertEqual(outputs(json), outputs(quiet))
        XCTAssertFalse(a.stderr.contains("\"progress\""))
        let lines = b.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
        XCTAssertGreaterThanOrEqual(lines.count, 1)
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let fields = ["type", "elapsed_seconds", "samples", "total", "rate", "eta_seconds", "matched", "errors", "final"]
        var last = -1
        for o in objects {
            XCTAssertEqual(Set(o.keys), Set(fields))
            XCTAssertEqual(o["type"] as? String, "progress")
            let n = o["samples"] as! Int
            XCTAssertGreaterThanOrEqual(n, last)
            last = n
            XCTAssertEqual(o["total"] as? Int, 25, "the shard parquet's num_rows")
        }
        XCTAssertEqual(objects.filter { $0["final"] as? Bool == true }.count, 1)
        let final = objects.last!
        XCTAssertEqual(final["final"] as? Bool, true)
        let c = try counts(json)
        XCTAssertEqual(final["samples"] as? Int, c["samples"] as? Int)
        XCTAssertEqual(final["matched"] as? Int, c["matched"] as? Int)
        XCTAssertEqual(final["errors"] as? Int, c["errors"] as? Int)
        // --quiet silences it, whatever --progress says.
        let q = try hashscreen(["scan", input, "--list", list, "--out", tmp.file("q"), "--progress", "json", "--quiet"])
        XCTAssertEqual(q.stderr, "")
    }

    /// Errors count in the progress as in the summary (a truncated shard: error rows).
    func testErrorsAreCounted() throws {
        let dir = tmp.file("cut")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(contentsOf: URL(fileURLWithPath: fixture("webdataset/00000.tar"))).prefix(300_000).write(to: URL(fileURLWithPath: dir + "/00000.tar"))
        try FileManager.default.copyItem(atPath: fixture("webdataset/00000.parquet"), toPath: dir + "/00000.parquet")
        let out = tmp.file("out")
        let r = try hashscreen(["scan", dir, "--list", list, "--out", out, "--progress", "json"])
        let final = try JSONSerialization.jsonObject(with: Data(r.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }.last!.utf8)) as! [String: Any]
        let c = try counts(out)
        XCTAssertGreaterThan(c["errors"] as! Int, 0)
        XCTAssertEqual(final["errors"] as? Int, c["errors"] as? Int)
        XCTAssertEqual(final["samples"] as? Int, c["samples"] as? Int)
    }

    // MARK: - A real terminal

    func tmux(_ socket: String, _ args: [String]) throws -> ProcessOutput {
        try runProcess("/usr/bin/tmux", ["-L", socket] + args)
    }

    /// Runs `path` with `args`, standard streams on /dev/null and no other descriptor
    /// inherited; its exit status.
    func spawnDetached(_ path: String, _ args: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 && fcntl(fd, F_GETFD) >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return (status >> 8) & 0xff
    }

    /// The pane's text, lines without trailing blanks.
    func pane(_ socket: String) throws -> [String] {
        try tmux(socket, ["capture-pane", "-p", "-t", "t"]).stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
    }

    /// The scan runs in a tmux terminal (standard error a TTY, `--progress` left at auto),
    /// reading a tar from standard input that the test holds back half way: the status line is
    /// on screen while the scan runs, then, once the rest is let through, one final line with
    /// the summary's counts. Redrawn in place: never more than one status line on screen.
    /// Standard output stays empty.
    func testStatusLineInARealTerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            return XCTFail("tmux is not installed: run `make deps`")
        }
        let socket = "hs-\(getpid())-\(UUID().uuidString.prefix(8))"
        let tar = fixture("webdataset/00000.tar"), go = tmp.file("go"), out = tmp.file("out"), stdout = tmp.file("stdout")
        let feed = "{ head -c 200000 '\(tar)'; while [ ! -e '\(go)' ]; do sleep 0.1; done; tail -c +200001 '\(tar)'; }"
        let scan = "'\(TestPaths.executable.path)' scan - --stdin-parquet '\(fixture("webdataset/00000.parquet"))' --list '\(list!)' --out '\(out)' --jobs 1"
        let command = "\(feed) | \(scan) > '\(stdout)'; echo EXIT=$?; sleep 600"
        // Started without Foundation's Process: the tmux server it forks would inherit the
        // descriptors Process watches the child with, and waitUntilExit would never return.
        XCTAssertEqual(try spawnDetached("/usr/bin/tmux", ["-L", socket, "new-session", "-d", "-s", "t", "-x", "150", "-y", "30", command]), 0)
        defer { _ = try? tmux(socket, ["kill-server"]) }

        func waitFor(_ what: String, _ ok: ([String]) -> Bool) throws -> [String] {
            let deadline = Date().addingTimeInterval(180)
            while Date() < deadline {
                let p = try pane(socket)
                if ok(p) { return p }
                usleep(100_000)
            }
            XCTFail("timed out waiting for \(what): \(try pane(socket).joined(separator: "\n"))")
            return []
        }
        // Half way: the line shows the known total and no more than the samples held back allow.
        let running = try waitFor("the status line") { $0.contains { $0.hasPrefix("scan: ") && $0.contains("/25 samples") } }
        XCTAssertFalse(running.contains { $0.hasPrefix("EXIT=") }, "the scan waits for the rest of its input")
        let midLine = running.first { $0.hasPrefix("scan: ") }!
        XCTAssertFalse(midLine.contains("25/25"), midLine)
        XCTAssertTrue(midLine.contains("ETA") || midLine.contains("scan: 0/25"), midLine)
        FileManager.default.createFile(atPath: go, contents: Data())

        let done = try waitFor("the end of the scan") { $0.contains { $0.hasPrefix("EXIT=") } }
        let statusLines = done.filter { $0.hasPrefix("scan: ") }
        XCTAssertEqual(statusLines.count, 1, done.joined(separator: "\n"))
        let c = try counts(out)
        let samples = c["samples"] as! Int, matched = c["matched"] as! Int, errors = c["errors"] as! Int
        XCTAssertEqual(samples, 25)
        let final = statusLines[0]
        XCTAssertTrue(final.hasPrefix("scan: 25/25 samples (100.0%)"), final)
        XCTAssertTrue(final.hasSuffix("matched \(matched)  errors \(errors)"), final)
        XCTAssertTrue(final.contains(" in "), "the final line says how long it took: \(final)")
        // The final line ends with a newline: the closing line comes on the next row.
        let i = done.firstIndex(of: final)!
        XCTAssertTrue(done[i + 1].hasPrefix("hashscreen: 25 samples"), done.joined(separator: "\n"))
        XCTAssertEqual(done[i + 2], "EXIT=1")
        XCTAssertEqual(try String(contentsOfFile: stdout, encoding: .utf8), "")
    }
}
