/// End-to-end: crash safety. A scan killed with SIGKILL at random moments and resumed with
/// `--resume` (same arguments) ends with the outputs of a scan that was never stopped
/// (summary.json's times and throughput, prevalence.json's `run` and report.html's run-times
/// section aside); a resume with other options, inputs or a
/// changed input is refused, naming the difference (docs/sharding.md, "Checkpoints").
import Foundation
import HashscreenTestSupport
import XCTest

final class ResumeEndToEndTests: XCTestCase {
    /// 2,000 demo images in 40 webdataset shards (50 a shard: 40 work units), with parquets;
    /// a list of one image's MD5 and one URL. Cryptographic and URL signals only, to keep the
    /// 20 kills within a minute or two of a debug build.
    struct Dataset { let tmp: TemporaryDirectory; let input: String; let list: String }
    static let signals = ["--signals", "md5,sha1,sha256,url_md5"]

    func dataset(shards: Int = 40, perShard: Int = 50) throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let names = ["0001.jpg", "0002.jpg", "0003.png", "0004.jpg", "0005.png"]
        let images = try names.map { try DatasetFixture.image($0) }
        var rows: [FixtureRow] = []
        for i in 0..<(shards * perShard) {
            // Keys out of order, so that every unit's findings interleave in the outputs.
            let key = String(format: "k%05d", (i * 7919) % (shards * perShard))
            rows.append(i % 97 == 0
                ? FixtureRow(key: key, url: "https://example.com/\(i)", status: "failed_to_download")
                : FixtureRow(key: key, url: "https://example.com/\(i)", image: images[i % images.count], status: "success"))
        }
        let input = try DatasetFixture.write(rows, as: .webdataset, in: tmp.file("data"), shardSize: perShard)
        let md5 = try runPython("import hashlib,sys; print(hashlib.md5(open(sys.argv[1],'rb').read()).hexdigest())",
                                [TestPaths.fixtures.appendingPathComponent("demo/images/0002.jpg").path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let url = try runPython("import hashlib; print(hashlib.md5(b'https://example.com/5').hexdigest())")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try tmp.write("list.csv", "hash_type,hash_value\nmd5,\(md5)\nurl_md5,\(url)\n")
        let db = tmp.file("l.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "known", "--version", "1",
                                       "--url-convention", "raw", tmp.file("list.csv")]).status, 0)
        return Dataset(tmp: tmp, input: input, list: db)
    }

    func arguments(_ d: Dataset, out: String, _ extra: [String] = []) -> [String] {
        ["scan", d.input, "--list", d.list, "--out", out, "--jobs", "2", "--quiet"] + Self.signals + extra
    }

    /// Starts a scan; returns the process (not waited for).
    func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = TestPaths.executable
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func kill9(_ p: Process) {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    func sameOutputs(_ a: String, _ b: String) throws -> Bool {
        for name in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            guard let x = FileManager.default.contents(atPath: a + "/" + name),
                  let y = FileManager.default.contents(atPath: b + "/" + name), x == y else { return false }
        }
        let x = ShardEndToEndTests.timeless(try String(contentsOfFile: a + "/summary.json", encoding: .utf8))
        let y = ShardEndToEndTests.timeless(try String(contentsOfFile: b + "/summary.json", encoding: .utf8))
        // The prevalence figures count every unit, those before the kill included.
        let pa = try String(contentsOfFile: a + "/prevalence.json", encoding: .utf8)
        let pb = try String(contentsOfFile: b + "/prevalence.json", encoding: .utf8)
        let ha = try String(contentsOfFile: a + "/report.html", encoding: .utf8)
        let hb = try String(contentsOfFile: b + "/report.html", encoding: .utf8)
        let sameHTML = try ShardEndToEndTests.runless(html: ha) == ShardEndToEndTests.runless(html: hb)
        return x == y && ShardEndToEndTests.runless(prevalence: pa) == ShardEndToEndTests.runless(prevalence: pb) && sameHTML
    }

    /// 20 kills at random moments of one scan (a chain: each resume is killed in turn). After
    /// each kill a copy of the folder is resumed to the end and compared with the
    /// uninterrupted scan; the chain itself is finished and compared last.
    func testTwentyKillsThenResumeGiveTheUninterruptedOutputs() throws {
        let d = try dataset()
        let reference = d.tmp.file("reference")
        let t0 = Date()
        let r = try runProcess(TestPaths.executable.path, arguments(d, out: reference))
        let duration = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reference + "/.hashscreen-checkpoint"))
        let chain = d.tmp.file("chain")
        var rng = SplitMix64(seed: 13)
        var identical = 0, withCheckpoint = 0
        var progress: [Int] = []
        var last = 0   // units done at the previous kill; 0 when it found no checkpoint
        for k in 0..<20 {
            let p = try start(arguments(d, out: chain, ["--resume"]))
            // Anywhere from start-up to (about) the end of an uninterrupted run.
            usleep(UInt32(Double(rng.next() % 1000) / 1000 * duration * 0.9 * 1e6))
            kill9(p)
            let checkpoint = chain + "/.hashscreen-checkpoint"
            if let text = try? String(contentsOfFile: checkpoint, encoding: .utf8) {
                withCheckpoint += 1
                let u = Int(text.split(separator: ",").first { $0.hasPrefix("\"units_done\":") }!.split(separator: ":")[1])!
                progress.append(u)
                // A resume goes on from the checkpoint: never back (a scan that found none, or
                // ran to its end, starts over).
                XCTAssertGreaterThanOrEqual(u, last, "kill \(k): a resume went back")
                last = u
            } else {
                last = 0
            }
            let copy = d.tmp.file("trial-\(k)")
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: chain, toPath: copy)
            let resumed = try runProcess(TestPaths.executable.path, arguments(d, out: copy, ["--resume"]))
            XCTAssertEqual(resumed.status, 1, resumed.stderr)
            if try sameOutputs(reference, copy) { identical += 1 } else { XCTFail("trial \(k): the resumed outputs differ") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: copy + "/.hashscreen-checkpoint"))
            try FileManager.default.removeItem(atPath: copy)
        }
        let finish = try runProcess(TestPaths.executable.path, arguments(d, out: chain, ["--resume"]))
        XCTAssertEqual(finish.status, 1, finish.stderr)
        XCTAssertTrue(try sameOutputs(reference, chain))
        print("ResumeEndToEndTests: \(identical)/20 resumed after kill -9 byte-identical; \(withCheckpoint) kills found a checkpoint, units done then: \(progress) of 40")
        XCTAssertEqual(identical, 20)
        XCTAssertGreaterThan(withCheckpoint, 3, "the kills should land mid-scan (a checkpoint written)")
    }

    /// A scan killed once it has a checkpoint; then resumes that differ are refused (exit 64,
    /// the folder left as it is), and the right one finishes.
    func testAResumeThatDiffersIsRefused() throws {
        let d = try dataset(shards: 30, perShard: 40)
        let out = d.tmp.file("out")
        let p = try start(arguments(d, out: out))
        let checkpoint = out + "/.hashscreen-checkpoint"
        var waited = 0
        while !FileManager.default.fileExists(atPath: checkpoint) && waited < 60_000 && p.isRunning { usleep(5_000); waited += 5 }
        kill9(p)
        guard FileManager.default.fileExists(atPath: checkpoint) else { return XCTFail("the scan wrote no checkpoint") }
        let saved = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        func refused(_ args: [String], _ message: String, line: UInt = #line) throws {
            let r = try runProcess(TestPaths.executable.path, args)
            XCTAssertEqual(r.status, 64, r.stderr, line: line)
            XCTAssertTrue(r.stderr.contains(message), r.stderr, line: line)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), saved, line: line)
        }
        try refused(arguments(d, out: out, ["--resume", "--max-file-bytes", "1000000"]),
                    "scan.options.max_file_bytes is 536870912 there and 1000000 here")
        try refused(["scan", d.input, "--list", d.list, "--out", out, "--quiet", "--resume", "--signals", "md5,url_md5"],
                    "scan.options.signals")
        let other = try DatasetFixture.write([FixtureRow(key: "x", image: try DatasetFixture.image("0001.jpg"))], as: .csv, in: d.tmp.file("other"))
        try refused(["scan", d.input, other, "--list", d.list, "--out", out, "--quiet", "--resume"] + Self.signals, "scan.inputs")
        try refused(arguments(d, out: out, ["--resume", "--shard", "0/2"]), "scan.shard is \"none\" there and \"0/2\" here")
        // The list changed (another version in a database at the same path).
        let moved = d.list + ".saved"
        try FileManager.default.moveItem(atPath: d.list, toPath: moved)
        XCTAssertEqual(try hashscreen(["list", "import", "--list", d.list, "--name", "known", "--version", "2",
                                       "--url-convention", "raw", d.tmp.file("list.csv")]).status, 0)
        try refused(arguments(d, out: out, ["--resume"]), "scan.lists[0].version is \"1\" there and \"2\" here")
        try FileManager.default.removeItem(atPath: d.list)
        try FileManager.default.moveItem(atPath: moved, toPath: d.list)
        // The same scan resumes and ends as an uninterrupted one; a second --resume (no
        // checkpoint left) scans again from the start, to the same outputs.
        let r = try runProcess(TestPaths.executable.path, arguments(d, out: out, ["--resume", "--jobs", "1"]))
        XCTAssertEqual(r.status, 1, r.stderr)
        let reference = d.tmp.file("reference")
        XCTAssertEqual(try runProcess(TestPaths.executable.path, arguments(d, out: reference)).status, 1)
        for name in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            XCTAssertEqual(FileManager.default.contents(atPath: reference + "/" + name), FileManager.default.contents(atPath: out + "/" + name), name)
        }
    }
}
