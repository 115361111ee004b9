import Foundation
import XCTest

/// The comparisons of the fast-path-against-row-path tests (a Parquet's columns, JSON lines and
/// CSV/TSV blocks, each against `HASHSCREEN_ROW_PATH=1`): the same output files, byte for byte.
protocol ComparesScanOutputs {}

extension ComparesScanOutputs {
    /// Folders `a` and `b` hold the same report, removals, errors, flagged rows and summary
    /// (its times aside).
    func assertSameOutputs(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try ShardEndToEndTests.assertSameReports(a, b, file: file, line: line)
        for name in ["removals.csv", "report.jsonl", "errors.jsonl", "flagged.jsonl"] {
            let x = try String(contentsOfFile: a + "/" + name, encoding: .utf8)
            let y = try String(contentsOfFile: b + "/" + name, encoding: .utf8)
            XCTAssertEqual(x, y, "\(name) differs", file: file, line: line)
        }
        let x = ShardEndToEndTests.timeless(try String(contentsOfFile: a + "/summary.json", encoding: .utf8))
        let y = ShardEndToEndTests.timeless(try String(contentsOfFile: b + "/summary.json", encoding: .utf8))
        XCTAssertEqual(x, y, "summary.json differs", file: file, line: line)
    }

    /// Each list's digests, as found in report.jsonl (list and value).
    func found(_ folder: String) throws -> Set<String> {
        let lines = try String(contentsOfFile: folder + "/report.jsonl", encoding: .utf8).split(separator: "\n")
        return Set(try lines.map { l in
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            return "\(o["list"]!) \(o["value"]!)"
        })
    }
}
