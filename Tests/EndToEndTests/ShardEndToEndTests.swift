/// End-to-end: sharded scans (`scan --shard I/N`, `--shard auto` from a Kubernetes Indexed Job's
/// or a Slurm array's environment) and `merge`, against the unsharded scan of the same inputs
/// (docs/sharding.md): the merged outputs are byte-identical (summary.json's times and
/// throughput, prevalence.json's `run` and report.html's marked run-times section aside), the parts cover every sample once whatever the order of the inputs, and
/// merge refuses parts that are missing, overlapping, unfinished or of another scan.
import Foundation
import HashscreenTestSupport
import XCTest

final class ShardEndToEndTests: XCTestCase {
    /// 20 rows: images cycling over the demo images (one truncated: a decode error), two failed
    /// downloads without an image, one image the parquet has no row for.
    static func table() throws -> [FixtureRow] {
        let names = ["0001.jpg", "0002.jpg", "0003.png", "0004.jpg", "0005.png", "0006.jpg", "0011.jpg"]
        var rows: [FixtureRow] = []
        for i in 0..<20 {
            let key = String(format: "s%03d", (i * 7) % 20)   // keys out of input order
            if i == 5 || i == 13 {
                rows.append(FixtureRow(key: key, url: "https://example.com/\(i).jpg", status: "failed_to_download"))
                continue
            }
            rows.append(FixtureRow(key: key, url: "https://example.com/\(i).jpg", caption: "c\(i)",
                                   image: try DatasetFixture.image(names[i % names.count]), status: "success", listed: i != 17))
        }
        return rows
    }

    struct Dataset {
        let tmp: TemporaryDirectory
        let inputs: [String]
        let list: String
    }

    /// The table as webdataset (7 shards), files (7 shards), Parquet (10 row groups), CSV and a
    /// folder (26 work units), and a list of one image's MD5 and one URL's.
    func dataset() throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let rows = try Self.table()
        var inputs: [String] = []
        for layout in [FixtureLayout.webdataset, .parquet, .csv, .folder, .files] {
            inputs.append(try DatasetFixture.write(rows, as: layout, in: tmp.file(layout.rawValue)))
        }
        let demo = TestPaths.fixtures.appendingPathComponent("demo/images")
        let md5 = try runPython("import hashlib,sys; print(hashlib.md5(open(sys.argv[1],'rb').read()).hexdigest())",
                                [demo.appendingPathComponent("0002.jpg").path]).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = try runPython("import hashlib; print(hashlib.md5(b'https://example.com/13.jpg').hexdigest())")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try tmp.write("list.csv", "hash_type,hash_value\nmd5,\(md5)\nurl_md5,\(url)\n")
        let db = tmp.file("l.sqlite")
        let imp = try hashscreen(["list", "import", "--list", db, "--name", "known", "--version", "1",
                                  "--url-convention", "raw", tmp.file("list.csv")])
        XCTAssertEqual(imp.status, 0, imp.stderr)
        return Dataset(tmp: tmp, inputs: inputs, list: db)
    }

    func scan(_ d: Dataset, _ inputs: [String], out: String, _ extra: [String] = [], environment: [String: String]? = nil) throws -> ProcessOutput {
        try runProcess(TestPaths.executable.path, ["scan"] + inputs + ["--list", d.list, "--out", out, "--jobs", "2", "--quiet"] + extra,
                       environment: environment)
    }

    /// summary.json without its times and throughput (what may differ between runs).
    static func timeless(_ summary: String) -> String {
        var out: [Substring] = []
        var inThroughput = false
        for line in summary.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  \"throughput\": {") { inThroughput = true; continue }
            if inThroughput { if line.hasPrefix("  }") { inThroughput = false }; continue }
            if line.contains("\"started\": ") || line.contains("\"finished\": ") { continue }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

    /// prevalence.json up to its last key, `run` (times, throughput, --jobs).
    static func runless(prevalence p: String) -> String {
        XCTAssertEqual(p.components(separatedBy: "\n  \"run\": {").count, 2, "one run section, last")
        return p.components(separatedBy: "\n  \"run\": {")[0]
    }

    /// report.html without its marked run-times section.
    static func runless(html h: String) throws -> String {
        let begin = try XCTUnwrap(h.range(of: "<!-- hashscreen:run-times:begin -->"))
        let end = try XCTUnwrap(h.range(of: "<!-- hashscreen:run-times:end -->"))
        XCTAssertLessThan(begin.upperBound, end.lowerBound)
        return String(h[..<begin.lowerBound]) + String(h[end.upperBound...])
    }

    /// prevalence.json and report.html of the folders `a` and `b` are the same bytes outside
    /// their run sections.
    static func assertSameReports(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let pa = try String(contentsOfFile: a + "/prevalence.json", encoding: .utf8)
        let pb = try String(contentsOfFile: b + "/prevalence.json", encoding: .utf8)
        XCTAssertEqual(runless(prevalence: pa), runless(prevalence: pb), "prevalence.json differs", file: file, line: line)
        let ha = try String(contentsOfFile: a + "/report.html", encoding: .utf8)
        let hb = try String(contentsOfFile: b + "/report.html", encoding: .utf8)
        XCTAssertEqual(try runless(html: ha), try runless(html: hb), "report.html differs", file: file, line: line)
    }

    func assertSameOutputs(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try Self.assertSameReports(a, b, file: file, line: line)
        for name in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            let x = try String(contentsOfFile: a + "/" + name, encoding: .utf8)
            let y = try String(contentsOfFile: b + "/" + name, encoding: .utf8)
            XCTAssertEqual(x, y, "\(name) differs", file: file, line: line)
        }
        let x = Self.timeless(try String(contentsOfFile: a + "/summary.json", encoding: .utf8))
        let y = Self.timeless(try String(contentsOfFile: b + "/summary.json", encoding: .utf8))
        XCTAssertEqual(x, y, "summary.json differs", file: file, line: line)
    }

    func merge(_ parts: [String], out: String) throws -> ProcessOutput {
        try hashscreen(["merge"] + parts + ["--out", out, "--quiet"])
    }

    func testMergedPartsEqualTheUnshardedScan() throws {
        let d = try dataset()
        let whole = d.tmp.file("whole")
        let w = try scan(d, d.inputs, out: whole)
        XCTAssertEqual(w.status, 1, w.stderr)   // the listed MD5 matches
        let report = try String(contentsOfFile: whole + "/report.jsonl", encoding: .utf8)
        XCTAssertTrue(report.contains("\"signal\":\"md5\"") && report.contains("\"signal\":\"url_md5\""), report)
        XCTAssertFalse(try String(contentsOfFile: whole + "/errors.jsonl", encoding: .utf8).isEmpty)
        for n in [1, 3, 4, 30] {   // 30 > the 26 units: some parts screen nothing
            var parts: [String] = []
            for i in 0..<n {
                let out = d.tmp.file("p\(n)-\(i)")
                let r = try scan(d, d.inputs, out: out, ["--shard", "\(i)/\(n)"])
                XCTAssertEqual(r.status, 0, r.stderr)   // a finished part exits 0
                parts.append(out)
            }
            let merged = d.tmp.file("m\(n)")
            let m = try merge(parts.reversed(), out: merged)   // the order of the parts does not matter
            XCTAssertEqual(m.status, w.status, m.stderr)
            try assertSameOutputs(whole, merged)
            XCTAssertFalse(FileManager.default.fileExists(atPath: merged + "/part-matches.run"))
        }
        try assertShardFigures(whole: whole, merged: d.tmp.file("m4"))
        let part = try String(contentsOfFile: d.tmp.file("p4-1") + "/summary.json", encoding: .utf8)
        XCTAssertTrue(part.contains("\"shard\": {\n      \"index\": 1,\n      \"count\": 4,"), part)
        XCTAssertTrue(part.contains("\"units_total\": 26"), part)
    }

    /// The merged prevalence.json's shards (names and figures) are the unsharded scan's, and
    /// not those of one part: every webdataset shard named and counted, each once.
    func assertShardFigures(whole: String, merged: String) throws {
        func shards(_ dir: String) throws -> [[[String: Any]]] {
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/prevalence.json"))) as? [String: Any]
            let inputs = try XCTUnwrap(doc?["per_input"] as? [[String: Any]])
            return try inputs.map { try XCTUnwrap($0["shards"] as? [[String: Any]]) }
        }
        let w = try shards(whole), m = try shards(merged)
        XCTAssertEqual(w.count, 5)
        XCTAssertEqual(w.map(\.count), m.map(\.count))
        // webdataset: 7 shards named 00000 ... 00006, 20 samples, the flagged one counted.
        XCTAssertEqual(m[0].compactMap { $0["name"] as? String }, (0..<7).map { String(format: "%05d", $0) })
        XCTAssertEqual(m[0].map { $0["samples"] as? Int ?? -1 }, w[0].map { $0["samples"] as? Int ?? -2 })
        XCTAssertEqual(m[0].reduce(0) { $0 + ($1["samples"] as? Int ?? 0) }, 20)
        XCTAssertEqual(m[0].map { $0["flagged"] as? Int ?? -1 }, w[0].map { $0["flagged"] as? Int ?? -2 })
        XCTAssertGreaterThan(m[0].reduce(0) { $0 + ($1["flagged"] as? Int ?? 0) }, 0)
        // parquet: its row groups in 4 parts, summed into its one shard 0 (19 rows: one image
        // has no row).
        XCTAssertEqual(m[1].count, 1)
        XCTAssertEqual(m[1].first?["samples"] as? Int, 19)
        XCTAssertEqual(m[1].first?["samples"] as? Int, w[1].first?["samples"] as? Int)
    }

    /// A part's progress total is its own units' rows (the Parquet footer's row counts of the
    /// row groups it screens), not the whole input's: the final line's samples equal the total,
    /// and the parts' totals add up to the input's rows.
    func testProgressTotalOfAPartIsItsOwnRows() throws {
        let d = try dataset()
        let parquet = d.inputs[1]
        XCTAssertTrue(parquet.hasSuffix(".parquet"), parquet)
        var totals: [Int] = []
        for i in 0..<3 {
            let r = try runProcess(TestPaths.executable.path, ["scan", parquet, "--list", d.list, "--out", d.tmp.file("p\(i)"),
                                                              "--jobs", "2", "--shard", "\(i)/3", "--progress", "json",
                                                              "--progress-interval", "0.01"])
            XCTAssertTrue([0, 1, 3].contains(r.status), r.stderr)
            let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("{") }
            let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let final = try XCTUnwrap(objects.last { $0["final"] as? Bool == true }, r.stderr)
            let total = try XCTUnwrap(final["total"] as? Int, "the total is known from the footer")
            XCTAssertEqual(final["samples"] as? Int, total, "part \(i)")
            for o in objects { XCTAssertEqual(o["total"] as? Int, total) }
            totals.append(total)
        }
        XCTAssertEqual(totals.reduce(0, +), 19)
        XCTAssertTrue(totals.allSatisfy { $0 < 19 }, "\(totals)")
    }

    /// A part screens the same samples whatever the order of the inputs on the command line.
    func testPartsDoNotDependOnTheOrderOfTheInputs() throws {
        let d = try dataset()
        let shuffled = [d.inputs[3], d.inputs[0], d.inputs[4], d.inputs[2], d.inputs[1]]
        for i in 0..<3 {
            let a = d.tmp.file("a\(i)"), b = d.tmp.file("b\(i)")
            _ = try scan(d, d.inputs, out: a, ["--shard", "\(i)/3"])
            _ = try scan(d, shuffled, out: b, ["--shard", "\(i)/3"])
            func samplesByInput(_ folder: String) throws -> [String: Int] {
                let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
                let perInput = (s["counts"] as! [String: Any])["per_input"] as! [[String: Any]]
                return Dictionary(uniqueKeysWithValues: perInput.map { ($0["path"] as! String, $0["samples"] as! Int) })
            }
            XCTAssertEqual(try samplesByInput(a), try samplesByInput(b))
            let removals = { (f: String) in Set(try String(contentsOfFile: f + "/removals.csv", encoding: .utf8).split(separator: "\n")) }
            XCTAssertEqual(try removals(a), try removals(b))
        }
        // And the parts of each order together hold every sample once.
        var total = 0
        for i in 0..<3 {
            let s = try String(contentsOfFile: d.tmp.file("b\(i)") + "/summary.json", encoding: .utf8)
            total += Int(s.split(separator: "\n").first { $0.contains("\"samples\"") }!.filter(\.isNumber))!
        }
        let w = try scan(d, d.inputs, out: d.tmp.file("whole"))
        XCTAssertTrue([0, 1, 3].contains(w.status))
        let s = try String(contentsOfFile: d.tmp.file("whole") + "/summary.json", encoding: .utf8)
        XCTAssertEqual(total, Int(s.split(separator: "\n").first { $0.contains("\"samples\"") }!.filter(\.isNumber))!)
    }

    /// The Kubernetes path: N processes at once, each with the environment of an Indexed Job's
    /// pod (JOB_COMPLETION_INDEX; the count from HASHSCREEN_SHARD_COUNT, as
    /// deploy/kubernetes/hashscreen-indexed-job.yaml sets it), then merge. And a Slurm array
    /// that starts at 1 and steps by 2 (--array=1-7:2), by its environment.
    func testKubernetesIndexedJobAndSlurmArrayEnvironments() throws {
        let d = try dataset()
        let whole = d.tmp.file("whole")
        _ = try scan(d, d.inputs, out: whole)
        let n = 3
        var results = [ProcessOutput?](repeating: nil, count: n)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let r = try? self.scan(d, d.inputs, out: d.tmp.file("k8s-\(i)"), ["--shard", "auto"],
                                   environment: ["JOB_COMPLETION_INDEX": String(i), "HASHSCREEN_SHARD_COUNT": String(n)])
            lock.lock(); results[i] = r; lock.unlock()
        }
        for r in results { XCTAssertEqual(r?.status, 0, r?.stderr ?? "did not run") }
        let m = try merge((0..<n).map { d.tmp.file("k8s-\($0)") }, out: d.tmp.file("k8s"))
        XCTAssertEqual(m.status, 1, m.stderr)
        try assertSameOutputs(whole, d.tmp.file("k8s"))

        var parts: [String] = []
        for id in [1, 3, 5, 7] {
            let out = d.tmp.file("slurm-\(id)")
            let r = try scan(d, d.inputs, out: out, ["--shard", "auto", "--shard-count", "4"],
                             environment: ["SLURM_ARRAY_TASK_ID": String(id), "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7",
                                           "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"])
            XCTAssertEqual(r.status, 0, r.stderr)   // a finished part exits 0
            parts.append(out)
        }
        let s = try String(contentsOfFile: d.tmp.file("slurm-5") + "/summary.json", encoding: .utf8)
        XCTAssertTrue(s.contains("\"index\": 2,\n      \"count\": 4"), s)
        XCTAssertEqual(try merge(parts, out: d.tmp.file("slurm")).status, 1)
        try assertSameOutputs(whole, d.tmp.file("slurm"))
    }

    func testBadShardValuesAreUsageErrors() throws {
        let d = try dataset()
        let cases: [([String], [String: String]?, String)] = [
            (["--shard", "4/4"], nil, "0-based"),
            (["--shard=-1/4"], nil, "expected I/N"),
            (["--shard", "1/0"], nil, "count must be"),
            (["--shard", "one/4"], nil, "expected I/N"),
            (["--shard", "1/4/2"], nil, "expected I/N"),
            (["--shard", "auto"], nil, "neither JOB_COMPLETION_INDEX"),
            (["--shard", "auto"], ["JOB_COMPLETION_INDEX": "0"], "--shard-count"),
            (["--shard", "auto", "--shard-count", "4"], ["JOB_COMPLETION_INDEX": "4"], "0 to 3"),
            (["--shard", "auto", "--shard-count", "64"], ["SLURM_ARRAY_TASK_ID": "17", "SLURM_ARRAY_TASK_MIN": "17",
                                                          "SLURM_ARRAY_TASK_MAX": "17", "SLURM_ARRAY_TASK_COUNT": "1"], "has 1 task"),
            (["--shard-count", "4"], nil, "--shard auto only"),
            (["--shard", "0/2", "--write-cleaned"], nil, "--write-cleaned cannot"),
        ]
        for (args, env, message) in cases {
            let out = d.tmp.file("bad")
            let r = try scan(d, d.inputs, out: out, args, environment: env)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/summary.json"))
        }
    }

    func testMergeRefusesPartsThatDoNotMakeOneScan() throws {
        let d = try dataset()
        var parts: [String] = []
        for i in 0..<3 {
            parts.append(d.tmp.file("p\(i)"))
            _ = try scan(d, d.inputs, out: parts[i], ["--shard", "\(i)/3"])
        }
        func refused(_ folders: [String], _ message: String, line: UInt = #line) throws {
            let out = d.tmp.file("m")
            let r = try merge(folders, out: out)
            XCTAssertEqual(r.status, 2, r.stderr, line: line)
            XCTAssertTrue(r.stderr.contains(message), r.stderr, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/summary.json"), line: line)
        }
        try refused([parts[0], parts[2]], "1 of the 3 parts is missing: 1/3")
        try refused([parts[0], parts[1], parts[2], parts[1]], "are both part 1/3: they overlap")
        // Another split, another option, another list version, other inputs.
        let four = d.tmp.file("four")
        _ = try scan(d, d.inputs, out: four, ["--shard", "1/4"])
        try refused([parts[0], four, parts[2]], "is part 1/4")
        let option = d.tmp.file("option")
        _ = try scan(d, d.inputs, out: option, ["--shard", "1/3", "--pdq-threshold", "10"])
        try refused([parts[0], option, parts[2]], "provenance.options.pdq_threshold is 31 in the first and 10 in the second")
        let v2 = d.tmp.file("v2.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", v2, "--name", "known", "--version", "2",
                                       "--url-convention", "raw", d.tmp.file("list.csv")]).status, 0)
        let listed = d.tmp.file("listed")
        _ = try runProcess(TestPaths.executable.path, ["scan"] + d.inputs + ["--list", v2, "--out", listed, "--jobs", "2", "--quiet", "--shard", "1/3"])
        try refused([parts[0], listed, parts[2]], "provenance.lists[0].version is \"1\" in the first and \"2\" in the second")
        let fewer = d.tmp.file("fewer")
        _ = try scan(d, Array(d.inputs.dropLast()), out: fewer, ["--shard", "1/3"])
        try refused([parts[0], fewer, parts[2]], "work units")
        // A whole scan, an unfinished part, a part whose run file is gone.
        let whole = d.tmp.file("whole")
        _ = try scan(d, d.inputs, out: whole)
        try refused([parts[0], whole, parts[2]], "holds a whole scan")
        try FileManager.default.removeItem(atPath: parts[1] + "/summary.json")
        try refused(parts, "has no summary.json")
        _ = try scan(d, d.inputs, out: parts[1], ["--shard", "1/3"])
        try FileManager.default.removeItem(atPath: parts[1] + "/part-errors.run")
        try refused(parts, "has no part-errors.run")
    }
}
