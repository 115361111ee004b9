/// End-to-end: webdataset input conventions through the built CLI, on the REAL img2dataset
/// shard of Fixtures/img2dataset (docs/img2dataset.md): a tar piped into standard input (`-`,
/// through `cat` and a real pipe: no seeking possible) and brace ranges of shard names.
import Foundation
import HashscreenTestSupport
import XCTest

final class WebdatasetInputEndToEndTests: XCTestCase {
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

    struct Outputs {
        var status: Int32
        var stderr: String
        var files: [String: String]
        var summary: [String: Any]
        var counts: [String: Any] { summary["counts"] as! [String: Any] }
        var inputs: [[String: Any]] { (summary["provenance"] as! [String: Any])["inputs"] as! [[String: Any]] }
    }

    /// Runs `scan` with `stdin` (a file piped in by `cat`, or nothing) and reads its outputs.
    func scan(_ args: [String], stdin: String? = nil) throws -> Outputs {
        let out = tmp.file("out-\(UUID().uuidString)")
        let command = ([TestPaths.executable.path, "scan"] + args + ["--list", list, "--out", out, "--quiet"])
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let r = try runProcess("/bin/sh", ["-c", stdin.map { "cat '\($0)' | \(command)" } ?? command])
        var files: [String: String] = [:]
        for f in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            files[f] = try? String(contentsOfFile: out + "/" + f, encoding: .utf8)
        }
        let summary = (try? Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        return Outputs(status: r.status, stderr: r.stderr, files: files, summary: summary)
    }

    /// Counts without the per-input list (whose paths differ).
    func counts(_ o: Outputs) -> String {
        var c = o.counts
        c["per_input"] = nil
        return String(decoding: try! JSONSerialization.data(withJSONObject: c, options: [.sortedKeys]), as: UTF8.self)
    }

    // MARK: - Standard input

    /// `cat 00000.tar | hashscreen scan - --stdin-parquet 00000.parquet`: the same outputs,
    /// byte for byte, as scanning the tar in place, and the input digest is the tar's SHA-256
    /// (by coreutils).
    func testTarOnStandardInputWithItsParquetEqualsTheShardInPlace() throws {
        let args = ["--signals", "md5,sha256,pdq,phash,url_md5"]
        let inPlace = try scan([fixture("webdataset/00000.tar")] + args)
        let piped = try scan(["-", "--stdin-parquet", fixture("webdataset/00000.parquet")] + args, stdin: fixture("webdataset/00000.tar"))
        XCTAssertEqual(inPlace.status, 1, inPlace.stderr)
        XCTAssertEqual(piped.status, 1, piped.stderr)
        XCTAssertFalse((inPlace.files["removals.csv"] ?? "").isEmpty)
        XCTAssertEqual(piped.files, inPlace.files)
        XCTAssertEqual(counts(piped), counts(inPlace))
        XCTAssertEqual(piped.summary["bytes_read"] as? Int, inPlace.summary["bytes_read"] as? Int)
        let sha = String(try runProcess("/usr/bin/sha256sum", [fixture("webdataset/00000.tar")]).stdout.prefix(64))
        XCTAssertEqual(piped.inputs.first?["path"] as? String, "-")
        XCTAssertEqual(piped.inputs.first?["layout"] as? String, "webdataset")
        XCTAssertEqual(piped.inputs.first?["sha256"] as? String, sha)
    }

    /// Without a parquet, each image takes its row from its `KEY.json` sidecar: the same outputs
    /// as the tar alone in place (which reads the same sidecars), the shard shown as `stdin`.
    func testTarOnStandardInputWithSidecarsEqualsTheTarAlone() throws {
        try FileManager.default.createDirectory(atPath: tmp.file("alone"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("webdataset/00000.tar"), toPath: tmp.file("alone/00000.tar"))
        let inPlace = try scan([tmp.file("alone/00000.tar")])
        let piped = try scan(["-"], stdin: fixture("webdataset/00000.tar"))
        XCTAssertEqual(inPlace.status, 1, inPlace.stderr)
        XCTAssertEqual(piped.status, 1, piped.stderr)
        var expected = inPlace.files
        for (k, v) in expected { expected[k] = v.replacingOccurrences(of: "00000.tar:", with: "stdin:") }
        XCTAssertEqual(piped.files, expected)
        XCTAssertEqual(counts(piped), counts(inPlace))
        XCTAssertTrue((piped.files["report.jsonl"] ?? "").contains("\"url\":\"http"), "URLs come from the sidecars")
    }

    /// A stream cut short (a failed download): what was read whole is screened, the rest are
    /// error records, and the accounting is the same as for the same bytes scanned in place.
    func testTruncatedStreamIsAccountedAsTheSameBytesInPlace() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("webdataset/00000.tar")))
        try FileManager.default.createDirectory(atPath: tmp.file("cut"), withIntermediateDirectories: true)
        let cut = tmp.file("cut/00000.tar")
        try bytes.prefix(300_000).write(to: URL(fileURLWithPath: cut))
        try FileManager.default.copyItem(atPath: fixture("webdataset/00000.parquet"), toPath: tmp.file("cut/00000.parquet"))
        let inPlace = try scan([cut])
        let piped = try scan(["-", "--stdin-parquet", tmp.file("cut/00000.parquet")], stdin: cut)
        XCTAssertEqual(piped.status, inPlace.status, piped.stderr)
        XCTAssertEqual(counts(piped), counts(inPlace))
        XCTAssertEqual(piped.files["removals.csv"], inPlace.files["removals.csv"])
        XCTAssertEqual(piped.files["report.jsonl"], inPlace.files["report.jsonl"])
        let errors = (piped.files["errors.jsonl"] ?? "").split(separator: "\n")
        XCTAssertEqual(errors.count, (inPlace.files["errors.jsonl"] ?? "").split(separator: "\n").count)
        XCTAssertTrue(errors.contains { $0.contains("the stream ends inside a member (truncated)") }, errors.joined(separator: "\n"))
        let samples = (piped.counts["samples"] as? Int) ?? 0
        XCTAssertEqual(samples, (piped.counts["scanned"] as? Int ?? -1) + (piped.counts["errors"] as? Int ?? -1))
        let sha = String(try runProcess("/usr/bin/sha256sum", [cut]).stdout.prefix(64))
        XCTAssertEqual(piped.inputs.first?["sha256"] as? String, sha)
    }

    /// A member over --max-file-bytes is never held: a `read` error, the scan goes on.
    func testMembersOverTheSizeLimitAreErrorsNotHeld() throws {
        let piped = try scan(["-", "--signals", "sha256", "--max-file-bytes", "20000"], stdin: fixture("webdataset/00000.tar"))
        let errors = (piped.files["errors.jsonl"] ?? "").split(separator: "\n")
        XCTAssertFalse(errors.isEmpty)
        XCTAssertTrue(errors.allSatisfy { $0.contains("over the limit of 20000") }, errors.joined(separator: "\n"))
        XCTAssertGreaterThan(piped.counts["scanned"] as? Int ?? 0, 0)
    }

    func testStandardInputMisuseIsAUsageError() throws {
        for (args, message) in [(["-", "-"], "named 2 times"),
                                (["-", "--write-cleaned"], "--write-cleaned cannot copy standard input"),
                                ([fixture("webdataset/00000.tar"), "--stdin-parquet", fixture("webdataset/00000.parquet")], "no input is '-'"),
                                (["-", "--layout", "csv"], "not --layout csv")] {
            let r = try scan(args, stdin: fixture("webdataset/00000.tar"))
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
        let r = try scan(["-", "--stdin-parquet", tmp.file("nope.parquet")], stdin: fixture("webdataset/00000.tar"))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("nope.parquet"), r.stderr)
    }

    // MARK: - Brace ranges

    /// `shards/{00000..00002}.tar` (quoted: hashscreen expands it, not the shell) gives the
    /// same outputs as the three names given one by one.
    func testBraceRangeEqualsTheNamesGiven() throws {
        let dir = tmp.file("shards")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<3 {
            for ext in ["tar", "parquet"] {
                try FileManager.default.copyItem(atPath: fixture("webdataset/00000.\(ext)"), toPath: dir + String(format: "/%05d.\(ext)", i))
            }
        }
        let names = (0..<3).map { dir + String(format: "/%05d.tar", $0) }
        let listed = try scan(names)
        let ranged = try scan([dir + "/{00000..00002}.tar"])
        XCTAssertEqual(ranged.status, 1, ranged.stderr)
        XCTAssertEqual(ranged.files, listed.files)
        XCTAssertEqual(ranged.counts["samples"] as? Int, 75)
        XCTAssertEqual(ranged.inputs.map { $0["path"] as? String }, names)
        let missing = try scan([dir + "/{00000..00004}.tar"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("names 5 inputs, 2 of which do not exist (the first: \(dir)/00003.tar)"), missing.stderr)
    }
}
