// INT64 columns read as integers (`readInt64Columns`) against the same row groups read as values
// (`readRowGroup`), on files pyarrow writes: dictionary pages with a PLAIN fallback, PLAIN v1
// and v2 pages, nulls, required and optional columns, codecs; other encodings refused.
import Foundation
@testable import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class ParquetInt64ColumnTests: XCTestCase {
    func testIntegersAreTheValuesReaderGives() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython(#"""
            import sys, random
            import pyarrow as pa, pyarrow.parquet as pq
            out = sys.argv[1]
            rnd = random.Random(7)
            n = 6000
            # Few distinct values first (dictionary), then many (the writer falls back to PLAIN);
            # the extremes of INT64 and nulls.
            k = [None if i % 13 == 5 else ((i % 30) - 15 if i < 2500 else rnd.randrange(-2**63, 2**63)) for i in range(n)]
            k[7], k[8] = -2**63, 2**63 - 1
            t = pa.table({"k": pa.array(k, pa.int64()), "req": pa.array([3 * i - 10**12 for i in range(n)], pa.int64()),
                          "s": pa.array(["r%d" % i for i in range(n)], pa.string())},
                         schema=pa.schema([("k", pa.int64()), pa.field("req", pa.int64(), nullable=False), ("s", pa.string())]))
            pq.write_table(t, out + "/dict.parquet", row_group_size=1800, dictionary_pagesize_limit=2048, data_page_size=1024)
            pq.write_table(t, out + "/plain.parquet", row_group_size=1000, use_dictionary=False, compression="gzip")
            pq.write_table(t, out + "/v2.parquet", row_group_size=3000, data_page_version="2.0", compression="zstd", data_page_size=1024)
            pq.write_table(t, out + "/delta.parquet", use_dictionary=False, column_encoding={"k": "DELTA_BINARY_PACKED"})
            """#, [tmp.url.path])
        for name in ["dict", "plain", "v2"] {
            let reader = try ParquetFileReader(path: tmp.file("\(name).parquet"))
            XCTAssertGreaterThan(reader.rowGroupCount, 1, name)
            var nulls = 0
            for g in 0..<reader.rowGroupCount {
                let values = try reader.readRowGroup(g, columns: [0, 1])
                let ints = try reader.readInt64Columns(g, columns: [0, 1])
                for c in 0..<2 {
                    XCTAssertEqual(ints[c].rowCount, values.rowCount, "\(name) group \(g) column \(c)")
                    for r in 0..<values.rowCount where ints[c].parquetValue(r) != values.columns[c][r] {
                        XCTFail("\(name) group \(g) column \(c) row \(r): \(ints[c].parquetValue(r)) != \(values.columns[c][r])")
                        break
                    }
                    nulls += ints[c].present.filter { !$0 }.count
                }
            }
            XCTAssertEqual(nulls, 6000 / 13 + 1, name)   // rows 5, 18, ...: the optional column's nulls
        }
        // An encoding not read as integers, and a column of another type, are errors (the scan
        // then decodes values).
        let delta = try ParquetFileReader(path: tmp.file("delta.parquet"))
        XCTAssertThrowsError(try delta.readInt64Columns(0, columns: [0])) { XCTAssertTrue("\($0)".contains("not read as integers"), "\($0)") }
        XCTAssertNoThrow(try delta.readInt64Columns(0, columns: [1]))
        XCTAssertThrowsError(try delta.readInt64Columns(0, columns: [2])) { XCTAssertTrue("\($0)".contains("not an INT64 column"), "\($0)") }
    }
}
