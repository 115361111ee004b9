/// End-to-end: the CI gate (issue 14; docs/ci.md): `--max-unscreened` by count and percentage,
/// `--summary-format github|markdown`, and the CI examples of docs/ci.md.
import Foundation
import HashscreenTestSupport
import XCTest

final class CIPolicyEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let images = TestPaths.fixtures.appendingPathComponent("demo/images").path

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func sha256(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    /// Four samples, one of whose images is missing (unscreened); the list holds `listed`.
    func dataset(listed: String = "0009.jpg") throws -> (manifest: String, db: String) {
        let m = try tmp.write("in/gate.csv", """
            key,url,path
            a,http://example.invalid/a-secret,\(images)/0001.jpg
            b,http://example.invalid/b,\(images)/0002.jpg
            c,http://example.invalid/c,\(images)/0004.jpg
            gone,http://example.invalid/gone,\(tmp.file("missing.jpg"))

            """)
        let src = try tmp.write("list-\(UUID().uuidString).txt", "sha256 \(try sha256(images + "/" + listed))\n")
        let db = tmp.file("list-\(UUID().uuidString).sqlite")
        let r = try hashscreen(["list", "import", "--list", db, "--name", "Known|List", "--version", "v1", src])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (m, db)
    }

    func scan(_ m: String, _ db: String, _ extra: [String]) throws -> (ProcessOutput, [String: Any]) {
        let out = tmp.file("out-\(UUID().uuidString)")
        let r = try hashscreen(["scan", m, "--list", db, "--out", out, "--signals", "sha256,url_md5", "--quiet"] + extra)
        let summary = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))) as? [String: Any] ?? [:]
        return (r, summary)
    }

    func testMaxUnscreenedPassesWithinItsCountOrPercentageAndFailsAboveIt() throws {
        let (m, db) = try dataset()
        // 1 of 4 samples unscreened (25%).
        for (limit, status) in [(nil, 3), ("0", 3), ("1", 0), ("2", 0), ("25%", 0), ("24.9%", 3), ("100%", 0), ("0%", 3)] as [(String?, Int32)] {
            let (r, summary) = try scan(m, db, limit.map { ["--max-unscreened", $0] } ?? [])
            XCTAssertEqual(r.status, status, "\(limit ?? "none"): \(r.stderr)")
            XCTAssertEqual(summary["exit_status"] as? Int, Int(status), "summary.json's status is the gated one")
            let options = (summary["provenance"] as? [String: Any])?["options"] as? [String: Any]
            XCTAssertEqual(options?["max_unscreened"] as? String, limit, "recorded only when given")
            XCTAssertEqual(((summary["counts"] as? [String: Any])?["not_computed"] as? [String: Int])?["image_missing"], 1)
        }
        for bad in ["1.5", "abc", "101%", "x%"] {
            let (r, _) = try scan(m, db, ["--max-unscreened", bad])
            XCTAssertEqual(r.status, 64, bad)
            XCTAssertTrue(r.stderr.contains("--max-unscreened takes a count"), r.stderr)
        }
    }

    func testAMatchFailsWhateverTheLimit() throws {
        let (m, db) = try dataset(listed: "0002.jpg")
        let (r, summary) = try scan(m, db, ["--max-unscreened", "100%"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(summary["exit_status"] as? Int, 1)
    }

    func testTheMarkdownSummaryIsExactAndNamesNoSample() throws {
        let (m, db) = try dataset(listed: "0002.jpg")
        let (r, _) = try scan(m, db, ["--max-unscreened", "1", "--summary-format", "github"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stdout, """
            ### hashscreen scan: exit 1

            **matched**: 1 sample on a list. 4 samples: 3 fully screened, 1 matched, 1 not fully screened.

            Unscreened samples: 1 of 4, limit 1: within.

            | signal | screened | matched | not computed | low quality | not applicable |
            |---|---:|---:|---:|---:|---:|
            | sha256 | 3 | 1 | 1 | 0 | 0 |
            | url_md5 | 4 | 0 | 0 | 0 | 0 |

            | list | version | entries | matched |
            |---|---|---:|---:|
            | Known\\|List | v1 | 1 | 1 |

            | input | layout | samples | matched | not fully screened |
            |---|---|---:|---:|---:|
            | gate.csv | csv | 4 | 1 | 1 |

            Not computed, by reason: image_missing 1.

            hashscreen 0.1.0; flagged samples in `removals.csv`, failures in `errors.jsonl` of the output folder.

            """)
        // Every table row has its header's number of cells (the escaped `|` is not a cell).
        for table in r.stdout.components(separatedBy: "\n\n") where table.hasPrefix("|") {
            let rows = table.split(separator: "\n").map { $0.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
            XCTAssertEqual(Set(rows).count, 1, table)
        }
        for secret in ["a-secret", "example.invalid", "0002.jpg", images, tmp.path, try sha256(images + "/0002.jpg")] {
            XCTAssertFalse(r.stdout.contains(secret), "\(secret) in the Markdown summary")
        }
        let (plain, _) = try scan(m, db, ["--max-unscreened", "1", "--summary-format", "markdown"])
        XCTAssertEqual(plain.stdout, r.stdout, "markdown and github are the same")
        let (none, _) = try scan(m, db, [])
        XCTAssertEqual(none.stdout, "", "nothing on standard output without the flag")
    }

    /// The YAML of docs/ci.md parses, and every flag its hashscreen commands pass exists.
    func testTheCIExamplesParseAndUseOnlyFlagsThatExist() throws {
        let doc = TestPaths.packageRoot.appendingPathComponent("docs/ci.md").path
        let out = try runPython("""
            import json, re, sys, yaml
            text = open(sys.argv[1]).read()
            blocks = re.findall(r"```yaml\\n(.*?)```", text, re.S)
            commands = []
            def walk(v):
                if isinstance(v, dict): [walk(x) for x in v.values()]
                elif isinstance(v, list): [walk(x) for x in v]
                elif isinstance(v, str) and v.lstrip().startswith("hashscreen "): commands.append(v)
            for b in blocks: walk(yaml.safe_load(b))
            print(json.dumps({"blocks": len(blocks), "commands": commands}))
            """, [doc])
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(parsed["blocks"] as? Int, 2)
        let commands = parsed["commands"] as! [String]
        XCTAssertEqual(commands.count, 2, "\(commands)")
        let help = try hashscreen(["scan", "--help"]).stdout
        for c in commands {
            XCTAssertTrue(c.hasPrefix("hashscreen scan "), c)
            let flags = c.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("--") }
            XCTAssertTrue(flags.contains("--summary-format") && flags.contains("--max-unscreened"), c)
            for f in flags { XCTAssertTrue(help.contains(String(f)), "\(f) is not a scan option") }
        }
    }
}
