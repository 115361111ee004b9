/// End-to-end: the input files' SHA-256, taken beside the scan (docs/decisions.md, "Input
/// digests beside the scan"), are those an independent implementation (Python's hashlib)
/// computes: in summary.json and the attestation, for one input and several, in the parts of a
/// sharded scan and their merge, and in a scan killed and resumed (whose checkpoint names them:
/// a changed input is refused).
import Foundation
import HashscreenTestSupport
import XCTest

final class InputDigestEndToEndTests: XCTestCase {
    struct Dataset { let tmp: TemporaryDirectory; let parquet: String; let csv: String; let jsonl: String; let list: String }

    /// Metadata rows: a Parquet of `rowGroups` row groups of `perGroup` rows, a CSV and a JSON
    /// lines file; the list holds a few of their URLs' MD5 (raw convention).
    func dataset(rowGroups: Int = 10, perGroup: Int = 50) throws -> Dataset {
        let tmp = try TemporaryDirectory()
        let parquet = tmp.file("a.parquet")
        try ParquetFixture.writeStrings(path: parquet, columns: ["key", "url"], rowCount: rowGroups * perGroup, rowGroupSize: perGroup) { c, r in
            c == 0 ? String(format: "p%06d", r) : "http://p.invalid/\(r)"
        }
        var csv = "key,url\n", jsonl = ""
        for i in 0..<200 {
            csv += "c\(i),http://c.invalid/\(i)\n"
            jsonl += "{\"key\": \"j\(i)\", \"url\": \"http://j.invalid/\(i)\"}\n"
        }
        let listed = ["http://p.invalid/3", "http://p.invalid/\(rowGroups * perGroup - 1)", "http://c.invalid/7", "http://j.invalid/9"]
        let digests = try runPython("import hashlib, sys\nfor u in sys.argv[1:]: print('url_md5', hashlib.md5(u.encode()).hexdigest())", listed)
        try tmp.write("list.txt", digests)
        let db = tmp.file("l.sqlite")
        let r = try hashscreen(["list", "import", "--list", db, "--name", "known", "--version", "1", "--url-convention", "raw", tmp.file("list.txt")])
        XCTAssertEqual(r.status, 0, r.stderr)
        return Dataset(tmp: tmp, parquet: parquet, csv: try tmp.write("b.csv", csv), jsonl: try tmp.write("c.jsonl", jsonl), list: db)
    }

    func scanArguments(_ d: Dataset, _ inputs: [String], out: String, _ extra: [String] = []) -> [String] {
        ["scan"] + inputs + ["--list", d.list, "--out", out, "--signals", "url_md5", "--jobs", "2", "--quiet"] + extra
    }

    /// hashlib's SHA-256 of each file.
    func hashlib(_ paths: [String]) throws -> [String] {
        try runPython("import hashlib, sys\nfor p in sys.argv[1:]: print(hashlib.sha256(open(p, 'rb').read()).hexdigest())", paths)
            .split(separator: "\n").map(String.init)
    }

    /// summary.json's `provenance.inputs[].sha256` (nil: null).
    func summaryDigests(_ out: String) throws -> [String?] {
        let s = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let inputs = (s["provenance"] as! [String: Any])["inputs"] as! [[String: Any]]
        return inputs.map { $0["sha256"] as? String }
    }

    /// The attestation's subjects' SHA-256, in order.
    func attestedDigests(_ out: String) throws -> [String] {
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/attestation.intoto.json"))) as! [String: Any]
        let statement = try JSONSerialization.jsonObject(with: Data(base64Encoded: env["payload"] as! String)!) as! [String: Any]
        return (statement["subject"] as! [[String: Any]]).map { ($0["digest"] as! [String: String])["sha256"]! }
    }

    func testSummaryAndAttestationDigestsAreHashlibsForOneAndSeveralInputs() throws {
        let d = try dataset()
        let key = d.tmp.file("signer")
        XCTAssertEqual(try hashscreen(["key", "generate", "--out", key]).status, 0)
        for inputs in [[d.parquet], [d.csv], [d.parquet, d.csv, d.jsonl], [d.jsonl, d.parquet]] {
            let out = d.tmp.file("out-\(inputs.count)-\((inputs[0] as NSString).lastPathComponent)")
            let r = try runProcess(TestPaths.executable.path, scanArguments(d, inputs, out: out, ["--attest", key]))
            XCTAssertEqual(r.status, 1, r.stderr)
            let expected = try hashlib(inputs)
            XCTAssertEqual(try summaryDigests(out), expected, "\(inputs)")
            XCTAssertEqual(try attestedDigests(out), expected, "\(inputs)")
        }
    }

    /// Each part digests the inputs it reads (null for the others); the merged summary has
    /// every input's, hashlib's, and equals the unsharded scan's but for times.
    func testShardedScanPartsAndMergeRecordHashlibsDigests() throws {
        let d = try dataset()
        let inputs = [d.parquet, d.csv, d.jsonl]   // 10 + 1 + 1 units, in path order: b.csv in part 0, c.jsonl in part 1
        let expected = try hashlib(inputs)
        var parts: [String] = []
        for k in 0..<2 {
            let out = d.tmp.file("part\(k)")
            let r = try runProcess(TestPaths.executable.path, scanArguments(d, inputs, out: out, ["--shard", "\(k)/2"]))
            XCTAssertLessThanOrEqual(r.status, 1, r.stderr)
            XCTAssertEqual(try summaryDigests(out), k == 0 ? [expected[0], expected[1], nil] : [expected[0], nil, expected[2]])
            parts.append(out)
        }
        let merged = d.tmp.file("merged")
        let m = try hashscreen(["merge"] + parts + ["--out", merged, "--quiet"])
        XCTAssertEqual(m.status, 1, m.stderr)
        XCTAssertEqual(try summaryDigests(merged), expected)
        let whole = d.tmp.file("whole")
        XCTAssertEqual(try runProcess(TestPaths.executable.path, scanArguments(d, inputs, out: whole)).status, 1)
        XCTAssertEqual(try summaryDigests(whole), expected)
    }

    /// A scan of many units (a checkpoint after each) killed once it has written a checkpoint:
    /// the checkpoint names the inputs' digests (a resume after an input changed is refused,
    /// naming its sha256, and the checkpoint is kept); the resume of the unchanged inputs
    /// ends with the uninterrupted scan's outputs and hashlib's digests.
    func testResumedScanRecordsHashlibsDigestsAndRefusesAChangedInput() throws {
        let d = try dataset(rowGroups: 1500, perGroup: 4)
        let inputs = [d.csv, d.parquet]
        let args = { (out: String, extra: [String]) in self.scanArguments(d, inputs, out: out, ["--checkpoint-interval", "0"] + extra) }
        let reference = d.tmp.file("reference")
        let r = try runProcess(TestPaths.executable.path, args(reference, []))
        XCTAssertEqual(r.status, 1, r.stderr)
        let out = d.tmp.file("out")
        let p = Process()
        p.executableURL = TestPaths.executable
        p.arguments = args(out, [])
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = out + "/.hashscreen-checkpoint"
        var waited = 0
        while !FileManager.default.fileExists(atPath: checkpoint) && waited < 60_000 && p.isRunning { usleep(500); waited += 1 }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        guard let saved = FileManager.default.contents(atPath: checkpoint) else { return XCTFail("the scan wrote no checkpoint before its end") }
        let text = String(decoding: saved, as: UTF8.self)
        let expected = try hashlib(inputs)
        for digest in expected { XCTAssertTrue(text.contains("\"sha256\":\"\(digest)\""), "the checkpoint names \(digest)") }
        // The CSV changed since the checkpoint: refused before anything in --out changes.
        let original = try Data(contentsOf: URL(fileURLWithPath: d.csv))
        try (original + Data("c-new,http://c.invalid/new\n".utf8)).write(to: URL(fileURLWithPath: d.csv))
        let refused = try runProcess(TestPaths.executable.path, args(out, ["--resume"]))
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("scan.inputs[0].sha256"), refused.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: checkpoint), saved)
        try original.write(to: URL(fileURLWithPath: d.csv))
        let resumed = try runProcess(TestPaths.executable.path, args(out, ["--resume"]))
        XCTAssertEqual(resumed.status, 1, resumed.stderr)
        XCTAssertEqual(try summaryDigests(out), expected)
        for name in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            XCTAssertEqual(FileManager.default.contents(atPath: out + "/" + name), FileManager.default.contents(atPath: reference + "/" + name), name)
        }
        let a = ShardEndToEndTests.timeless(try String(contentsOfFile: out + "/summary.json", encoding: .utf8))
        let b = ShardEndToEndTests.timeless(try String(contentsOfFile: reference + "/summary.json", encoding: .utf8))
        XCTAssertEqual(a, b)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint))
    }
}
