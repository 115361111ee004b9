// The writer: rewrite fixtures minus some rows ("cleaned manifests"), then read the result back
// with pyarrow (HASHSCREEN_PYTHON, else python3) and with our reader; both must give the kept
// rows exactly, with the same schema and key-value metadata.

import Foundation
@testable import HashscreenParquet
import XCTest

final class ParquetFileWriterTests: XCTestCase {
    static let fixtures = packageRoot().appendingPathComponent("Fixtures/parquet")

    /// Runs the test Python with `arguments`; fails the test (not skips) if it cannot run.
    func python(_ arguments: [String]) throws -> String {
        let interpreter = ProcessInfo.processInfo.environment["HASHSCREEN_PYTHON"] ?? "python3"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [interpreter] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: errData, as: UTF8.self)
            XCTFail("\(interpreter) failed (needs pyarrow; `make test` installs it): \(msg)")
            throw ParquetError(path: interpreter, message: msg)
        }
        return String(decoding: data, as: UTF8.self)
    }

    func temporaryPath() -> String {
        NSTemporaryDirectory() + "hashscreen-parquet-writer-\(UUID().uuidString).parquet"
    }

    /// Reads every row of `path` column by column with our reader.
    func readColumns(_ reader: ParquetFileReader) throws -> [[ParquetValue]] {
        var all = [[ParquetValue]](repeating: [], count: reader.columns.count)
        try reader.forEachRowGroup { g in
            for c in all.indices { all[c].append(contentsOf: g.columns[c]) }
        }
        return all
    }

    func testRewriteMinusRowsReadsBackTheSameInPyarrowAndOurReader() throws {
        let cases: [(file: String, expected: String, compression: ParquetFileWriter.Compression, rowGroup: Int)] = [
            ("alltypes_zstd_dict_v2.parquet", "alltypes.expected.jsonl", .snappy, 17),
            ("alltypes_gzip_plain_v1.parquet", "alltypes.expected.jsonl", .uncompressed, 1000),
            ("alltypes_int96.parquet", "alltypes_int96.expected.jsonl", .snappy, 50),
            ("img2dataset_zstd.parquet", "img2dataset.expected.jsonl", .snappy, 10),
            ("laion_gzip_v2.parquet", "laion.expected.jsonl", .uncompressed, 7),
            ("empty.parquet", "empty.expected.jsonl", .snappy, 10),
        ]
        let script = Self.fixtures.appendingPathComponent("make_fixtures.py").path
        for (file, expectedName, compression, rowGroup) in cases {
            let source = try ParquetFileReader(path: Self.fixtures.appendingPathComponent(file).path)
            let all = try readColumns(source)
            let rows = source.rowCount
            let keep = (0..<rows).filter { $0 % 3 != 1 }   // drop every third row
            let out = temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let writer = try ParquetFileWriter(path: out, preserving: source, compression: compression)
            var start = 0
            repeat {
                let slice = Array(keep[start..<min(start + rowGroup, keep.count)])
                try writer.writeRowGroup(all.map { col in slice.map { col[$0] } })
                start += rowGroup
            } while start < keep.count
            try writer.close()
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))

            // Expected: pyarrow's reading of the source, minus the dropped rows.
            let expectedText = try String(contentsOf: Self.fixtures.appendingPathComponent(expectedName), encoding: .utf8)
            let expectedLines = expectedText.split(separator: "\n").map(String.init)
            XCTAssertEqual(expectedLines.count, rows, file)
            let kept = keep.map { expectedLines[$0] }

            // pyarrow reads our file: same rows, same schema (with metadata).
            let pyLines = try python([script, "--dump", out]).split(separator: "\n").map(String.init)
            XCTAssertEqual(pyLines.count, kept.count, file)
            for (i, (a, b)) in zip(pyLines, kept).enumerated() where a != b {
                XCTFail("\(file) row \(i): pyarrow reads \(a), expected \(b)")
                break
            }
            let sameSchema = try python(["-c", """
                import sys, pyarrow.parquet as pq
                a, b = pq.read_schema(sys.argv[1]), pq.read_schema(sys.argv[2])
                print(a.equals(b, check_metadata=True))
                """, source.path, out])
            XCTAssertEqual(sameSchema.trimmingCharacters(in: .whitespacesAndNewlines), "True", file)

            // Our reader reads it back the same.
            let back = try ParquetFileReader(path: out)
            XCTAssertEqual(back.columns, source.columns, file)
            XCTAssertEqual(back.keyValueMetadata.map(\.key), source.keyValueMetadata.map(\.key), file)
            XCTAssertEqual(back.keyValueMetadata.map(\.value), source.keyValueMetadata.map(\.value), file)
            XCTAssertEqual(back.rowGroupCount, keep.isEmpty ? 1 : (keep.count + rowGroup - 1) / rowGroup, file)
            let messages = try compareFile(out, expected: kept.map { try JSONParser.parse($0) })
            XCTAssertEqual(messages, [], file)
        }
    }

    func testWriterRefusesValuesThatDoNotFitTheSchema() throws {
        let out = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let columns = [
            ParquetColumn(name: "id", physicalType: .int64, isOptional: false),
            ParquetColumn(name: "url", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "digest", physicalType: .fixedLenByteArray, typeLength: 4, isOptional: true),
        ]
        let w = try ParquetFileWriter(path: out, columns: columns, compression: .uncompressed)
        XCTAssertThrowsError(try w.writeRowGroup([[.null], [.string("a")], [.null]])) { e in
            XCTAssertTrue("\(e)".contains("null in a REQUIRED column"), "\(e)")
        }
        XCTAssertThrowsError(try w.writeRowGroup([[.int32(1)], [.string("a")], [.null]])) { e in
            XCTAssertTrue("\(e)".contains("does not fit a INT64 column"), "\(e)")
        }
        XCTAssertThrowsError(try w.writeRowGroup([[.int64(1)], [.string("a")], [.bytes([1, 2, 3])]])) { e in
            XCTAssertTrue("\(e)".contains("FIXED_LEN_BYTE_ARRAY(4)"), "\(e)")
        }
        XCTAssertThrowsError(try w.writeRowGroup([[.int64(1)], [], [.null]])) { e in
            XCTAssertTrue("\(e)".contains("column 'url' has 0 values"), "\(e)")
        }
        try w.writeRowGroup([[.int64(7), .int64(-1)], [.null, .string("https://example.org/a.jpg")], [.bytes([1, 2, 3, 4]), .null]])
        try w.close()
        let pyRows = try python([Self.fixtures.appendingPathComponent("make_fixtures.py").path, "--dump", out])
        XCTAssertEqual(pyRows, """
            {"id": 7, "url": null, "digest": {"base64": "AQIDBA=="}}
            {"id": -1, "url": "https://example.org/a.jpg", "digest": null}

            """)
    }

    func testLargeColumnsAreSplitIntoSeveralPages() throws {
        // 2,500 values of about 1 KiB: more than the 1 MiB page target, so the chunk has several pages.
        let out = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let n = 2_500
        let text = (0..<n).map { "row-\($0)-" + String(repeating: "abcdefghij", count: 100) }
        let w = try ParquetFileWriter(path: out, columns: [
            ParquetColumn(name: "s", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "b", physicalType: .boolean, isOptional: false),
        ])
        try w.writeRowGroup([text.enumerated().map { $0.offset % 5 == 0 ? .null : .string($0.element) },
                             (0..<n).map { .bool($0 % 3 == 0) }])
        try w.close()
        let summary = try python(["-c", """
            import sys, pyarrow.parquet as pq
            f = pq.ParquetFile(sys.argv[1])
            print(f.metadata.num_rows, f.metadata.row_group(0).column(0).total_uncompressed_size > 1024 * 1024)
            """, out])
        XCTAssertEqual(summary.trimmingCharacters(in: .whitespacesAndNewlines), "2500 True")
        let pyLines = try python([Self.fixtures.appendingPathComponent("make_fixtures.py").path, "--dump", out])
            .split(separator: "\n").map(String.init)
        let expected = (0..<n).map { i in
            "{\"s\": \(i % 5 == 0 ? "null" : "\"\(text[i])\""), \"b\": \(i % 3 == 0)}"
        }
        XCTAssertEqual(pyLines, expected)
        // Walk the page headers of the data region: column 's' must span several pages.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        let dataEnd = bytes.count - 8 - Int(loadLE32(bytes, bytes.count - 8))
        var pos = 4, pages = 0
        while pos < dataEnd {
            var r = ThriftCompactReader(bytes, from: pos, to: dataEnd)
            let h = try r.decodePageHeader()
            pages += 1
            pos = r.position + Int(h.compressedPageSize)
        }
        XCTAssertEqual(pos, dataEnd)
        XCTAssertGreaterThanOrEqual(pages, 3, "2 MiB of strings in 1 MiB pages, plus the boolean column's page")
        let back = try ParquetFileReader(path: out).readRowGroup(0)
        XCTAssertEqual(back.columns[0].compactMap(\.stringValue), text.enumerated().filter { $0.offset % 5 != 0 }.map(\.element))
    }

    func testUnclosedWriterLeavesNoFile() throws {
        let out = temporaryPath()
        do {
            let w = try ParquetFileWriter(path: out, columns: [ParquetColumn(name: "x", physicalType: .int32, isOptional: true)])
            try w.writeRowGroup([[.int32(1)]])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
    }
}
