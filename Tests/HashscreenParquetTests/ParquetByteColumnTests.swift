// BYTE_ARRAY columns read as bytes and ranges (`readByteColumns`) against the same row groups
// read as values (`readRowGroup`), on files pyarrow writes: dictionary pages with a PLAIN
// fallback, PLAIN v1 and v2 pages, nulls, empty values, binary and string columns, codecs (SNAPPY
// and UNCOMPRESSED v1 chunks are decompressed in place, the others page by page and copied).
import Foundation
@testable import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class ParquetByteColumnTests: XCTestCase {
    func testBytesAreTheValuesReaderGives() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython(#"""
            import sys, random
            import pyarrow as pa, pyarrow.parquet as pq
            out = sys.argv[1]
            rnd = random.Random(5)
            n = 5000
            # Few distinct values first (dictionary), then many long ones (the writer falls back to PLAIN).
            s = [None if i % 17 == 3 else ("" if i % 23 == 1 else ("v%d" % (i % 40) if i < 2000 else "u%d-%s" % (i, "x" * rnd.randrange(300))))
                 for i in range(n)]
            b = [None if v is None else v.encode() + bytes([rnd.randrange(256)]) for v in s]
            t = pa.table({"s": pa.array(s, pa.string()), "b": pa.array(b, pa.binary()),
                          "req": pa.array(["r%d" % i for i in range(n)], pa.string())},
                         schema=pa.schema([("s", pa.string()), ("b", pa.binary()), pa.field("req", pa.string(), nullable=False)]))
            pq.write_table(t, out + "/dict.parquet", row_group_size=1800, dictionary_pagesize_limit=4096, data_page_size=2048)
            pq.write_table(t, out + "/none.parquet", row_group_size=1800, dictionary_pagesize_limit=4096, data_page_size=2048, compression="none")
            pq.write_table(t, out + "/plain.parquet", row_group_size=1000, use_dictionary=False, compression="gzip")
            pq.write_table(t, out + "/v2.parquet", row_group_size=3000, data_page_version="2.0", compression="zstd", data_page_size=1024)
            pq.write_table(t, out + "/delta.parquet", use_dictionary=False, column_encoding={"s": "DELTA_BYTE_ARRAY"})
            """#, [tmp.url.path])
        // dict (snappy) and none: pages decompressed in place; plain (gzip) and v2: copied.
        for name in ["dict", "none", "plain", "v2"] {
            let reader = try ParquetFileReader(path: tmp.file("\(name).parquet"))
            XCTAssertGreaterThan(reader.rowGroupCount, 1, name)
            for g in 0..<reader.rowGroupCount {
                let values = try reader.readRowGroup(g, columns: [0, 1, 2])
                let bytes = try reader.readByteColumns(g, columns: [0, 1, 2])
                for c in 0..<3 {
                    XCTAssertEqual(bytes[c].rowCount, values.rowCount, "\(name) group \(g) column \(c)")
                    let text = reader.columns[c].holdsText
                    for r in 0..<values.rowCount where bytes[c].parquetValue(r, text: text) != values.columns[c][r] {
                        XCTFail("\(name) group \(g) column \(c) row \(r): \(bytes[c].parquetValue(r, text: text)) != \(values.columns[c][r])")
                        break
                    }
                }
            }
        }
        // An encoding not read as bytes is an error (the scan reads such a row group by value).
        let delta = try ParquetFileReader(path: tmp.file("delta.parquet"))
        XCTAssertThrowsError(try delta.readByteColumns(0, columns: [0])) { XCTAssertTrue("\($0)".contains("not read as bytes"), "\($0)") }
        XCTAssertNoThrow(try delta.readByteColumns(0, columns: [1]))
    }
}
