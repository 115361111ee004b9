/// End-to-end: `hashscreen manifest inspect|rows`.
import Foundation
import HashscreenTestSupport
import XCTest

final class ManifestCommandTests: XCTestCase {
    /// Parquet rows print as pyarrow reads them (the conformance set's expected rows), for the
    /// columns whose JSON forms agree (numbers, strings, booleans, null).
    func testParquetRowsAgreeWithPyarrowExpectations() throws {
        let dir = TestPaths.vectors.appendingPathComponent("parquet")
        for name in ["alltypes_plain.snappy.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet", "int96_from_spark.parquet"] {
            let r = try hashscreen(["manifest", "rows", dir.appendingPathComponent(name).path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let expected = try String(contentsOf: dir.appendingPathComponent(name + ".expected.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let inspect = try hashscreen(["manifest", "inspect", dir.appendingPathComponent(name).path])
            let skipped = Set(((try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any])["skipped_columns"]
                as? [[String: String]] ?? []).compactMap { $0["name"].map { String($0.prefix { $0 != "." }) } })
            let got = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            XCTAssertEqual(got.count, expected.count, name)
            for (g, e) in zip(got, expected) {
                // Nested columns are skipped (listed by `manifest inspect`), the rest are printed.
                let flat = e.filter { !skipped.contains($0.key) }
                XCTAssertEqual(Set(g.keys), Set(flat.keys), name)
                for (k, ev) in flat {
                    if let es = ev as? String { XCTAssertEqual(g[k] as? String, es, "\(name) \(k)") }
                    else if let en = ev as? NSNumber, !(ev is [String: Any]) {
                        if let gs = g[k] as? NSNumber { XCTAssertEqual(gs.doubleValue, en.doubleValue, accuracy: 1e-6, "\(name) \(k)") }
                        else if let gb = g[k] as? String, let eb = (ev as? [String: Any])?["base64"] as? String { XCTAssertEqual(gb, eb) }
                    } else if let eb = (ev as? [String: Any])?["base64"] as? String {
                        XCTAssertEqual(g[k] as? String, eb, "\(name) \(k): binary as base64")
                    } else if ev is NSNull {
                        XCTAssertTrue(g[k] is NSNull, "\(name) \(k)")
                    }
                }
            }
        }
        let limited = try hashscreen(["manifest", "rows", "--limit", "1", dir.appendingPathComponent("alltypes_plain.parquet").path])
        XCTAssertEqual(limited.stdout.split(separator: "\n").count, 1)
    }

    func testInspectReportsLayoutColumnsRolesAndRows() throws {
        let r = try hashscreen(["manifest", "inspect", TestPaths.fixtures.appendingPathComponent("demo/manifest.csv").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["layout"] as? String, "csv")
        XCTAssertEqual(o["rows"] as? Int, 13)
        let roles = (o["columns"] as! [[String: String]]).map { $0["role"] ?? "-" }
        XCTAssertEqual(roles, ["key", "url", "caption", "path", "recorded sha256"])
        let missing = try hashscreen(["manifest", "inspect", "/nonexistent/m.csv"])
        XCTAssertEqual(missing.status, 2)
    }
}
