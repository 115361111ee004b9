/// End-to-end: outputs are safe (issue 11): the `--out` policy, one scan at a time per folder,
/// planted links, checks before the scan, and CSV formula neutralisation.
import Foundation
import HashscreenTestSupport
import XCTest

final class OutputSafetyEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let images = TestPaths.fixtures.appendingPathComponent("demo/images").path

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    // MARK: - Helpers

    func list(_ lines: String) throws -> String {
        let db = tmp.file("list-\(UUID().uuidString).sqlite")
        let src = try tmp.write("list-\(UUID().uuidString).txt", lines)
        let r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", src])
        XCTAssertEqual(r.status, 0, r.stderr)
        return db
    }

    func sha256(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    /// A manifest of two demo images, the first on the list `db` returns.
    func manifestAndList(_ name: String = "m.csv") throws -> (manifest: String, db: String) {
        let m = try tmp.write("in/\(name)", "key,path\nhit,\(images)/0001.jpg\nclean,\(images)/0002.jpg\n")
        return (m, try list("sha256 \(try sha256(images + "/0001.jpg"))\n"))
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func names(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    func scan(_ inputs: [String], _ db: String, _ out: String, _ extra: [String] = []) throws -> ProcessOutput {
        try hashscreen(["scan"] + inputs + ["--list", db, "--out", out, "--signals", "sha256", "--quiet"] + extra)
    }

    // MARK: - The --out policy

    func testANonEmptyOutThatHoldsNoScanIsRefusedWithExitTwoAndLeftAsItWas() throws {
        let (m, db) = try manifestAndList()
        try tmp.write("here/report.docx", "the user's\n")
        let r = try scan([m], db, tmp.file("here"))
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("is not empty and holds no earlier scan"), r.stderr)
        XCTAssertEqual(try names(tmp.file("here")), ["report.docx"])
    }

    func testTheModeOfAnExistingOutIsLeftAloneAndItsFilesAre0600() throws {
        let (m, db) = try manifestAndList()
        XCTAssertEqual(mkdir(tmp.file("shared"), 0o700), 0)
        XCTAssertEqual(chmod(tmp.file("shared"), 0o1777), 0)
        let r = try scan([m], db, tmp.file("shared"))
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(mode(tmp.file("shared")), 0o1777, "chmod'ed to 0700 before issue 11")
        for f in ["removals.csv", "report.jsonl", "errors.jsonl", "summary.json", "prevalence.json", "report.html", ".hashscreen.lock"] {
            XCTAssertEqual(mode(tmp.file("shared/" + f)), 0o600, f)
        }
    }

    func testARescanReplacesTheEarlierScanWholeAndKeepsOtherFiles() throws {
        let (m, db) = try manifestAndList()
        let out = tmp.file("o")
        XCTAssertEqual(try scan([m], db, out, ["--write-cleaned"]).status, 1)
        XCTAssertEqual(try read(out + "/cleaned/m.csv"), "key,path\nclean,\(images)/0002.jpg\n")
        try tmp.write("o/notes.txt", "the user's\n")
        // Now a clean input, without --write-cleaned: nothing of the first scan may remain.
        let clean = try tmp.write("in/clean.csv", "key,path\nclean,\(images)/0002.jpg\n")
        let r = try scan([clean], db, out)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try names(out), [".hashscreen.lock", "errors.jsonl", "flagged.jsonl", "notes.txt", "prevalence.json", "removals.csv", "report.html", "report.jsonl", "summary.json"])
        XCTAssertEqual(try read(out + "/removals.csv"), "key,url,path,reasons\n")
        XCTAssertTrue(try read(out + "/summary.json").contains("clean.csv"))
        XCTAssertEqual(try read(out + "/notes.txt"), "the user's\n")
    }

    // MARK: - One scan at a time

    /// Whether process `pid` holds a `flock` (Linux /proc/locks: "N: FLOCK ADVISORY WRITE PID ...").
    func holdsFlock(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { line in
            let f = line.split(separator: " ")
            return f.count > 4 && f[1] == "FLOCK" && f[4] == "\(pid)"
        }
    }

    func testASecondScanIntoTheSameOutExitsTwoAtOnceWhileTheFirstRuns() throws {
        // The first scan: 50k URL rows, long enough to be caught holding the lock, then stopped
        // (SIGSTOP) so that it holds it for as long as the second one takes.
        var rows = "key,url\n"
        for i in 0..<50_000 { rows += "k\(i),http://example.invalid/\(i)\n" }
        let big = try tmp.write("in/big.csv", rows)
        let db = try list("url http://not-in-the-manifest.invalid/\n")
        let out = tmp.file("o")
        let first = Process()
        first.executableURL = TestPaths.executable
        first.arguments = ["scan", big, "--list", db, "--out", out, "--signals", "url_md5", "--quiet"]
        let firstErr = tmp.file("first.stderr")
        FileManager.default.createFile(atPath: firstErr, contents: nil)
        first.standardError = FileHandle(forWritingAtPath: firstErr)
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        let pid = first.processIdentifier
        var stopped = false
        let deadline = Date().addingTimeInterval(60)
        while !stopped && first.isRunning && Date() < deadline {
            if holdsFlock(pid) {
                kill(pid, SIGSTOP)
                stopped = holdsFlock(pid)   // still held once frozen
                if !stopped { kill(pid, SIGCONT) }
            } else {
                usleep(200)
            }
        }
        XCTAssertTrue(stopped, "the first scan was never seen holding the lock")
        guard stopped else { first.waitUntilExit(); return }
        defer { kill(pid, SIGCONT) }

        let small = try tmp.write("in/small.csv", "key,url\na,http://example.invalid/a\n")
        let started = Date()
        let second = try hashscreen(["scan", small, "--list", db, "--out", out, "--signals", "url_md5", "--quiet"])
        XCTAssertEqual(second.status, 2, second.stderr)
        XCTAssertTrue(second.stderr.contains("another scan is writing to output folder \(out)"), second.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "at once, not after waiting for the first")

        kill(pid, SIGCONT)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, (try? read(firstErr)) ?? "")
        let summary = try JSONSerialization.jsonObject(with: Data(try read(out + "/summary.json").utf8)) as! [String: Any]
        XCTAssertEqual((summary["counts"] as? [String: Any])?["samples"] as? Int, 50_000, "the first scan's outputs, whole")
        // Released: a third scan may use the folder.
        XCTAssertEqual(try hashscreen(["scan", small, "--list", db, "--out", out, "--signals", "url_md5", "--quiet"]).status, 0)
    }

    // MARK: - Planted links

    func testLinksPlantedInOutAreNeverFollowed() throws {
        let (m, db) = try manifestAndList()
        let out = tmp.file("o")
        XCTAssertEqual(try scan([m], db, out).status, 1)
        let victim = try tmp.write("victims/m.csv", "precious\n")
        for f in ["removals.csv", "report.jsonl", "errors.jsonl", "summary.json", "prevalence.json", "report.html"] {
            XCTAssertEqual(unlink(out + "/" + f), 0)
            XCTAssertEqual(symlink(victim, out + "/" + f), 0, f)
        }
        XCTAssertEqual(symlink(tmp.file("victims"), out + "/cleaned"), 0)
        let r = try scan([m], db, out, ["--write-cleaned"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try read(victim), "precious\n")
        XCTAssertEqual(try names(tmp.file("victims")), ["m.csv"])
        for f in ["removals.csv", "report.jsonl", "errors.jsonl", "summary.json", "prevalence.json", "report.html", "cleaned/m.csv"] {
            var st = stat()
            XCTAssertEqual(lstat(out + "/" + f, &st), 0, f)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG, f)
        }
        XCTAssertEqual(mode(out + "/cleaned"), 0o700)
    }

    // MARK: - Checks before the scan

    func testAnInputInsideOutIsRefusedBeforeAnythingIsRemoved() throws {
        let (m, db) = try manifestAndList()
        let out = tmp.file("o")
        XCTAssertEqual(try scan([m], db, out, ["--write-cleaned"]).status, 1)
        let summary = try read(out + "/summary.json")
        // Before issue 11 this scan ran whole, then found its cleaned copy would replace its input.
        let r = try scan([out + "/cleaned/m.csv"], db, out, ["--write-cleaned"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("is inside the output folder"), r.stderr)
        XCTAssertEqual(try read(out + "/cleaned/m.csv"), "key,path\nclean,\(images)/0002.jpg\n")
        XCTAssertEqual(try read(out + "/summary.json"), summary, "the earlier scan is left whole")
    }

    func testAnOutInsideAFolderInputIsRefused() throws {
        let db = try list("sha256 \(try sha256(images + "/0001.jpg"))\n")
        try FileManager.default.copyItem(atPath: images + "/0001.jpg", toPath: tmp.file("ds-0001.jpg"))
        try FileManager.default.createDirectory(atPath: tmp.file("ds"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: tmp.file("ds-0001.jpg"), toPath: tmp.file("ds/a.jpg"))
        let r = try scan([tmp.file("ds")], db, tmp.file("ds/out"))
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("would read its own outputs"), r.stderr)
    }

    func testACleanedCopyThatCannotBeWrittenIsRefusedBeforeTheScan() throws {
        _ = try runPython("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            pq.write_table(pa.table({"url": ["http://a.invalid/1"], "tags": [[1, 2]]}), sys.argv[1])
            """, [tmp.file("nested.parquet")])
        let db = try list("url http://a.invalid/1\n")
        let out = tmp.file("o")
        let r = try hashscreen(["scan", tmp.file("nested.parquet"), "--list", db, "--out", out, "--signals", "url_md5",
                                "--write-cleaned", "--quiet"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot write a cleaned copy"), r.stderr)
        XCTAssertEqual(try names(out), [".hashscreen.lock"], "refused before the scan: no outputs at all")
    }

    // MARK: - CSV formulas

    func testFormulaKeysAreNeutralisedInRemovalsAndCopiedExactlyIntoTheCleanedManifest() throws {
        let hit = images + "/0001.jpg", clean = images + "/0002.jpg"
        let manifest = """
            key,path
            =cmd|' /C calc'!A0,\(hit)
            +1,\(hit)
            -2,\(hit)
            @SUM(1),\(hit)
            "=HYPERLINK(""http://x.invalid"")",\(clean)

            """
        let m = try tmp.write("in/m.csv", manifest)
        let db = try list("sha256 \(try sha256(hit))\n")
        let out = tmp.file("o")
        let r = try scan([m], db, out, ["--write-cleaned"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try read(out + "/removals.csv"), """
            key,url,path,reasons
            "'+1",,\(hit),sha256:L
            "'-2",,\(hit),sha256:L
            "'=cmd|' /C calc'!A0",,\(hit),sha256:L
            "'@SUM(1)",,\(hit),sha256:L

            """)
        // For machines: report.jsonl carries the keys as they are, and the cleaned manifest is
        // the input's own bytes.
        XCTAssertTrue(try read(out + "/report.jsonl").contains(#""key":"=cmd|' /C calc'!A0""#))
        XCTAssertEqual(try read(out + "/cleaned/m.csv"), "key,path\n\"=HYPERLINK(\"\"http://x.invalid\"\")\",\(clean)\n")
    }
}
