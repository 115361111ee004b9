/// End-to-end: `scan --write-cleaned` writes every input manifest minus the removed rows.
import Foundation
import HashscreenTestSupport
import XCTest

final class CleanedManifestEndToEndTests: XCTestCase {
    func testCSVAndParquetInputsAreWrittenBackMinusTheRemovedRows() throws {
        let tmp = try TemporaryDirectory()
        let images = TestPaths.fixtures.appendingPathComponent("demo/images").path
        let listed = try runProcess("/usr/bin/sha256sum", [images + "/0002.jpg"]).stdout.prefix(64)
        try tmp.write("a.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\n\"k3\",\"\(images)/0003.png\"\n")
        _ = try runPython("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            d = sys.argv[1]
            t = pa.table({"URL": ["http://a.invalid/1", "http://a.invalid/2", None, "http://a.invalid/3"],
                          "TEXT": ["one", "two", "three", None], "WIDTH": pa.array([1, 2, 3, 4], pa.int32()),
                          "similarity": [0.1, 0.2, 0.3, 0.4]})
            pq.write_table(t, d + "/laion.parquet", row_group_size=2, compression="zstd")
            """, [tmp.path])
        let db = tmp.file("l.sqlite")
        try tmp.write("list.txt", "sha256 \(listed)\nurl http://A.invalid:80/2#frag\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1",
                                            "--url-convention", "hashscreen", tmp.file("list.txt")]).status, 0)
        let out = tmp.file("o")
        let r = try hashscreen(["scan", tmp.file("a.csv"), tmp.file("laion.parquet"), "--list", db, "--out", out,
                                "--signals", "sha256,url_sha256", "--write-cleaned"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/cleaned/1/a.csv", encoding: .utf8),
                       "key,path\nk1,\(images)/0001.jpg\n\"k3\",\"\(images)/0003.png\"\n")
        let rows = try runPython("""
            import sys, json, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1])
            print(json.dumps({"schema": str(t.schema.remove_metadata()), "rows": t.to_pylist()}))
            """, [out + "/cleaned/2/laion.parquet"])
        let o = try JSONSerialization.jsonObject(with: Data(rows.utf8)) as! [String: Any]
        let kept = o["rows"] as! [[String: Any]]
        XCTAssertEqual(kept.map { $0["TEXT"] as? String }, ["one", "three", nil])
        XCTAssertEqual(kept.map { $0["WIDTH"] as? Int }, [1, 3, 4])
        XCTAssertTrue((o["schema"] as! String).contains("WIDTH: int32"))
        var st = stat()
        XCTAssertEqual(stat(out + "/cleaned/2/laion.parquet", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }
}
