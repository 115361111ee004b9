// Strict manifest parsing: what a loose reader would take silently is a per-row error or a
// setup error (issue 11: NUL in a path, a non-string path, duplicate JSON keys, duplicate
// columns), and a damaged Parquet row group fails only its own rows.

import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class StrictParsingTests: XCTestCase {
    func items(_ path: String, layout: ManifestLayout? = nil) throws -> [ManifestItem] {
        var out: [ManifestItem] = []
        try Manifest.open(path: path, layout: layout).forEachItem { out.append($0) }
        return out
    }

    /// (key, path) of samples and the messages of failures, in order.
    func summary(_ items: [ManifestItem]) -> [String] {
        items.map {
            switch $0 {
            case .sample(let s, _): return "sample \(s.key) \(s.displayPath ?? "-")"
            case .failure(_, _, let m, _): return "failure \(m)"
            }
        }
    }

    func testNULInAPathIsARowErrorAndTheShortenedPathIsNeverOpened() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("m.csv", bytes: Array("key,path\nk1,a.jpg\u{0}.txt\nk2,b.jpg\n".utf8))
        try tmp.write("m.jsonl", "{\"key\":\"k1\",\"path\":\"a.jpg\\u0000.txt\"}\n{\"key\":\"k2\",\"path\":\"b.jpg\"}\n")
        for name in ["m.csv", "m.jsonl"] {
            let s = summary(try items(tmp.file(name)))
            XCTAssertEqual(s.count, 2, name)
            XCTAssertTrue(s[0].hasPrefix("failure") && s[0].contains("NUL"), "\(name): \(s[0])")
            XCTAssertEqual(s[1], "sample k2 b.jpg", name)
        }
    }

    func testJSONPathThatIsAnArrayOrObjectIsARowErrorNotNoPath() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("m.jsonl", """
            {"key":"k1","path":["a.jpg"],"url":"http://example.invalid/a"}
            {"key":"k2","path":{"p":"b.jpg"}}
            {"key":"k3","url":["http://example.invalid/c"],"path":"c.jpg"}
            {"key":"k4","path":"d.jpg","extra":{"nested":[1,2]}}

            """)
        let s = summary(try items(tmp.file("m.jsonl")))
        XCTAssertEqual(s.count, 4)
        XCTAssertTrue(s[0].contains("m.jsonl:1") && s[0].contains("column 'path': an array"), s[0])
        XCTAssertTrue(s[1].contains("m.jsonl:2") && s[1].contains("column 'path': an object"), s[1])
        XCTAssertTrue(s[2].contains("m.jsonl:3") && s[2].contains("column 'url': an array"), s[2])
        XCTAssertEqual(s[3], "sample k4 d.jpg", "unmapped fields may be anything")
    }

    func testDuplicateJSONKeysAreARowError() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("m.jsonl", """
            {"key":"k1","path":"a.jpg","path":"b.jpg"}
            {"key":"k2","path":"a.jpg","p\\u0061th":"b.jpg"}
            {"key":"k3","path":"c.jpg","meta":{"x":1,"x":2}}
            {"key":"k4","path":"d.jpg","PATH":"e.jpg"}
            {"key":"k5","path":"f.jpg","list":[{"x":1},{"x":2}],"s":"{\\"path\\":1,\\"path\\":2}"}

            """)
        let s = summary(try items(tmp.file("m.jsonl")))
        XCTAssertEqual(s.count, 5)
        XCTAssertTrue(s[0].contains("key \"path\" appears twice"), s[0])
        XCTAssertTrue(s[1].contains("key \"path\" appears twice"), "escaped spelling of the same key: \(s[1])")
        XCTAssertTrue(s[2].contains("key \"x\" appears twice"), s[2])
        XCTAssertTrue(s[3].contains("same name") && s[3].contains("path"), "case-insensitive duplicate of a mapped key: \(s[3])")
        XCTAssertEqual(s[4], "sample k5 f.jpg", "equal keys in different objects, or inside a string, are not duplicates")
    }

    func testDuplicateMappedColumnInAHeaderIsASetupErrorNamingBothPositions() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("m.csv", "key,url, URL ,path\nk,http://a,http://b,a.jpg\n")
        XCTAssertThrowsError(try items(tmp.file("m.csv"))) { e in
            XCTAssertTrue("\(e)".contains("columns 2 ('url') and 3 (' URL ')"), "\(e)")
        }
        try tmp.write("m.tsv", "Path\tkey\tpath\na.jpg\tk\tb.jpg\n")
        XCTAssertThrowsError(try items(tmp.file("m.tsv"))) { e in XCTAssertTrue("\(e)".contains("columns 1 ('Path') and 3 ('path')"), "\(e)") }
        // An unmapped duplicate is harmless: both are passed over.
        try tmp.write("ok.csv", "path,note,NOTE\na.jpg,x,y\n")
        XCTAssertEqual(summary(try items(tmp.file("ok.csv"))), ["sample a.jpg a.jpg"])

        let w = try ParquetFileWriter(path: tmp.file("m.parquet"), columns: [
            ParquetColumn(name: "url", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "URL", physicalType: .byteArray, isOptional: true, logicalType: .string)])
        try w.writeRowGroup([[.string("http://a")], [.string("http://b")]])
        try w.close()
        XCTAssertThrowsError(try items(tmp.file("m.parquet"))) { e in XCTAssertTrue("\(e)".contains("columns 1 ('url') and 2 ('URL')"), "\(e)") }
    }

    func testRecordedDigestAsRawBytesIsReadAndOtherBinaryInAHashColumnIsARowError() throws {
        let tmp = try TemporaryDirectory()
        let digest = [UInt8](0..<16)
        let w = try ParquetFileWriter(path: tmp.file("m.parquet"), columns: [
            ParquetColumn(name: "key", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "md5", physicalType: .byteArray, isOptional: true)])
        try w.writeRowGroup([[.string("raw"), .string("bad")], [.bytes(digest), .bytes([0xFF, 0xFE])]])
        try w.close()
        let it = try items(tmp.file("m.parquet"))
        guard case .sample(let s, _) = it[0] else { return XCTFail("\(it)") }
        XCTAssertEqual(s.recorded.map(\.value), [HashValue(bytes: digest)])
        guard case .failure(_, _, let m, _) = it[1] else { return XCTFail("\(it)") }
        XCTAssertTrue(m.contains("column 'md5': binary value that is not UTF-8 text"), m)
    }

    // MARK: - Parquet damage

    /// A Parquet manifest of `groups` row groups of two rows (key, path), uncompressed so a
    /// value's bytes can be found and damaged.
    func writeGroups(_ path: String, groups: Int) throws {
        let w = try ParquetFileWriter(path: path, columns: [
            ParquetColumn(name: "key", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "path", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "unused", physicalType: .byteArray, isOptional: true, logicalType: .string)],
            compression: .uncompressed)
        for g in 0..<groups {
            try w.writeRowGroup([[.string("key-\(g)-a"), .string("key-\(g)-b")],
                                 [.string("img/\(g)a.jpg"), .string("img/\(g)b.jpg")],
                                 [.string("unused-\(g)-a"), .string("unused-\(g)-b")]])
        }
        try w.close()
    }

    /// Overwrites the 4-byte PLAIN length before `value` with 0xFFFFFFFF: the page no longer decodes.
    func damage(_ path: String, before value: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(value.utf8)
        guard let at = (0...(bytes.count - needle.count)).first(where: { Array(bytes[$0..<($0 + needle.count)]) == needle }) else {
            return XCTFail("\(value) not found in \(path)")
        }
        for i in (at - 4)..<at { bytes[i] = 0xFF }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func testDamagedParquetRowGroupFailsItsRowsAndTheScanGoesOn() throws {
        let tmp = try TemporaryDirectory()
        let path = tmp.file("m.parquet")
        try writeGroups(path, groups: 3)
        try damage(path, before: "img/1a.jpg")
        let it = try items(path)
        XCTAssertEqual(it.count, 6, "every row accounted for, rows counted from the footer")
        let s = summary(it)
        XCTAssertEqual(Array(s[0..<2]), ["sample key-0-a img/0a.jpg", "sample key-0-b img/0b.jpg"])
        XCTAssertEqual(Array(s[4..<6]), ["sample key-2-a img/2a.jpg", "sample key-2-b img/2b.jpg"])
        for f in s[2..<4] {
            XCTAssertTrue(f.hasPrefix("failure row group 1 (rows 3-4) cannot be read") && f.contains("column 'path'"), f)
        }
        guard case .failure(let key, _, _, let id) = it[3] else { return XCTFail() }
        XCTAssertEqual(key, "row-000000004")
        XCTAssertEqual(id, SampleID(input: 0, row: 3))
        let reader = try Manifest.open(path: path)
        try reader.forEachItem { _ in }
        XCTAssertEqual(reader.counters.first { $0.0 == "damaged_row_groups" }?.1, 1, "counted for the summary")
    }

    func testDamageInAColumnNoRoleReadsDoesNotMatter() throws {
        let tmp = try TemporaryDirectory()
        let path = tmp.file("m.parquet")
        try writeGroups(path, groups: 2)
        try damage(path, before: "unused-1-a")
        XCTAssertEqual(summary(try items(path)), ["sample key-0-a img/0a.jpg", "sample key-0-b img/0b.jpg",
                                                   "sample key-1-a img/1a.jpg", "sample key-1-b img/1b.jpg"])
    }

    func testUnreadableParquetFooterStaysASetupError() throws {
        let tmp = try TemporaryDirectory()
        let path = tmp.file("m.parquet")
        try writeGroups(path, groups: 1)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 5] ^= 0xFF   // the footer length
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try items(path)) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .manifest, "\(e)")
        }
    }
}

final class ShardDamageTests: XCTestCase {
    /// img2dataset `files` output whose shard parquet has a damaged second row group: its rows
    /// are failures, the other rows are joined with their images, and the images of the damaged
    /// rows are still screened (as images without a row).
    func testDamagedShardParquetRowGroupFailsItsRowsAndTheImagesAreStillScreened() throws {
        let tmp = try TemporaryDirectory()
        let pq = tmp.file("ds/00000.parquet")
        try FileManager.default.createDirectory(atPath: tmp.file("ds/00000"), withIntermediateDirectories: true)
        let w = try ParquetFileWriter(path: pq, columns: [
            ParquetColumn(name: "key", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "url", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "status", physicalType: .byteArray, isOptional: true, logicalType: .string)],
            compression: .uncompressed)
        for g in 0..<2 {
            let keys = ["00000000\(2 * g)", "00000000\(2 * g + 1)"]
            try w.writeRowGroup([keys.map { .string($0) }, keys.map { .string("http://example.invalid/\($0)") },
                                 [.string("success"), .string("success")]])
            for k in keys { try tmp.write("ds/00000/\(k).jpg", bytes: [0xFF, 0xD8, 0xFF, 0xE0]) }
        }
        try w.close()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: pq)))
        let needle = Array("http://example.invalid/000000002".utf8)
        let at = (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }!
        for i in (at - 4)..<at { bytes[i] = 0xFF }
        try Data(bytes).write(to: URL(fileURLWithPath: pq))

        var out: [String] = []
        try Manifest.open(path: tmp.file("ds"), layout: .files).forEachItem {
            switch $0 {
            case .sample(let s, _): out.append("sample \(s.key) \(s.url ?? "-") \(s.id.place)")
            case .failure(let key, _, let m, let id):
                XCTAssertTrue(m.contains("row group 1 (rows 3-4) cannot be read"), m)
                out.append("failure \(key) \(id.place)")
            }
        }
        XCTAssertEqual(out, ["failure 00000:row-3 row(2)", "failure 00000:row-4 row(3)",
                             "sample 000000000 http://example.invalid/000000000 row(0)",
                             "sample 000000001 http://example.invalid/000000001 row(1)",
                             "sample 000000002 - member(0)", "sample 000000003 - member(1)"])
    }

    func testParquetColumnWithARoleNameButAListTypeIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython("""
            import sys, pyarrow as pa, pyarrow.parquet as pq
            pq.write_table(pa.table({"url": ["http://example.invalid/a"],
                                     "image": pa.array([[{"bytes": b"\\xff\\xd8\\xff", "path": "a.jpg"}]])}), sys.argv[1])
            """, [tmp.file("m.parquet")])
        XCTAssertThrowsError(try Manifest.open(path: tmp.file("m.parquet")).forEachItem { _ in }) { e in
            XCTAssertTrue("\(e)".contains("column 'image' has a name hashscreen reads") && "\(e)".contains("list"), "\(e)")
        }
    }
}
