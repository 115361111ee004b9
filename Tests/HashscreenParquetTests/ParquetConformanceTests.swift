// Conformance: the apache/parquet-testing files in Fixtures/vectors/parquet, each read by our
// reader and compared, row by row, with what pyarrow 26.0.1 read (NAME.parquet.expected.jsonl).

import Foundation
import HashscreenParquet
import XCTest

final class ParquetConformanceTests: XCTestCase {
    static let vectors = packageRoot().appendingPathComponent("Fixtures/vectors/parquet")

    /// Files this reader refuses on purpose, with a phrase its error must contain.
    static let refused: [String: String] = [
        "hadoop_lz4_compressed.parquet": "LZ4",
        "lz4_raw_compressed.parquet": "LZ4_RAW",
    ]

    /// Files damaged on purpose: they must not crash; reading them may fail with a ParquetError.
    /// (`*corrupt-checksum*` files are read normally: page CRCs are not verified.)
    static let damaged: Set<String> = ["nation.dict-malformed.parquet"]

    func indexRows() throws -> [[String]] {
        let text = try String(contentsOf: Self.vectors.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    func testEveryVectorFileIsReadCorrectlyOrRefusedClearly() throws {
        let rows = try indexRows()
        XCTAssertGreaterThan(rows.count, 30, "INDEX.tsv lists too few files")
        var readCount = 0
        for fields in rows {
            let name = fields[0]
            let path = Self.vectors.appendingPathComponent(name).path
            let expectedPath = path + ".expected.jsonl"
            let nested = fields.count > 4 && fields[4] == "nested"
            if let phrase = Self.refused[name] {
                XCTAssertThrowsError(try readAll(path), name) { e in
                    XCTAssertTrue(e is ParquetError, "\(name): \(e)")
                    XCTAssertTrue("\(e)".contains(phrase), "\(name): error should name \(phrase): \(e)")
                    XCTAssertTrue("\(e)".contains(name), "\(name): error should name the file: \(e)")
                }
                continue
            }
            if fields.count > 1, fields[1] != "ok" {
                // pyarrow cannot read it either (no expected rows): open must not crash, and
                // either refuse clearly or skip what it cannot read.
                do {
                    let reader = try ParquetFileReader(path: path)
                    try reader.forEachRowGroup { _ in }
                    XCTAssertFalse(reader.skippedColumns.isEmpty, "\(name): pyarrow fails on it, so something must be skipped")
                } catch let e as ParquetError {
                    XCTAssertTrue(e.description.contains(name), "\(e)")
                }
                continue
            }
            if Self.damaged.contains(name) {
                do {
                    let messages = try compareFile(path, expected: try loadExpectedRows(expectedPath))
                    // Read without error: then the values must still be right.
                    XCTAssertEqual(messages, [], name)
                } catch let e as ParquetError {
                    XCTAssertTrue(e.description.contains(name), "\(e)")
                    print("damaged \(name) refused: \(e)")
                }
                continue
            }
            let messages: [String]
            do {
                messages = try compareFile(path, expected: try loadExpectedRows(expectedPath))
            } catch {
                XCTFail("\(name): \(error)")
                continue
            }
            XCTAssertEqual(messages, [], name)
            readCount += 1
            let reader = try ParquetFileReader(path: path)
            if nested {
                // Struct fields are read (and compared above); only what lies under a list,
                // map or repeated field is skipped, and says so.
                for s in reader.skippedColumns {
                    XCTAssertTrue(s.reason.contains("list") || s.reason.contains("repeated"), "\(name): \(s)")
                }
            } else {
                XCTAssertEqual(reader.skippedColumns.map(\.name), [], name)
            }
            if fields.count > 3, let rowGroups = Int(fields[3]) { XCTAssertEqual(reader.rowGroupCount, rowGroups, name) }
            if fields.count > 2, let n = Int(fields[2]) { XCTAssertEqual(reader.rowCount, n, name) }
        }
        XCTAssertGreaterThanOrEqual(readCount, 30)
    }

    func testColumnsInsideListsAndMapsAreListedWithReasonAndStructFieldsAreRead() throws {
        let reader = try ParquetFileReader(path: Self.vectors.appendingPathComponent("nullable.impala.parquet").path)
        XCTAssertEqual(reader.columns.first?.name, "id")
        XCTAssertTrue(reader.skippedColumns.contains { $0.name.hasPrefix("int_array") && $0.reason.contains("list") }, "\(reader.skippedColumns)")
        XCTAssertTrue(reader.skippedColumns.contains { $0.name.hasPrefix("int_map") && $0.reason.contains("map") }, "\(reader.skippedColumns)")
        // nested_struct.A is a struct field with no list above it: read, by its dotted path.
        XCTAssertTrue(reader.columns.contains { $0.name == "nested_struct.A" && $0.maxDefinitionLevel == 2 }, "\(reader.columns.map(\.name))")
    }

    func readAll(_ path: String) throws {
        let reader = try ParquetFileReader(path: path)
        try reader.forEachRowGroup { _ in }
    }
}
