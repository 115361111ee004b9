// Images inside manifests (Fixtures/embedded, made by its make_fixtures.py with the Hugging Face
// `datasets` library and pyarrow), image/path column recognition, and --image-column. The
// expected bytes are the demo image files themselves, read here independently of the readers.

import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class EmbeddedImageTests: XCTestCase {
    let embedded = TestPaths.fixtures.appendingPathComponent("embedded")

    func items(_ path: String, layout: ManifestLayout? = nil, options: ManifestOptions = ManifestOptions()) throws -> [ManifestItem] {
        var out: [ManifestItem] = []
        try Manifest.open(path: path, layout: layout, options: options).forEachItem { out.append($0) }
        return out
    }

    func samples(_ items: [ManifestItem]) -> [Sample] {
        items.compactMap { if case .sample(let s, _) = $0 { return s } else { return nil } }
    }

    func failures(_ items: [ManifestItem]) -> [String] {
        items.compactMap { if case .failure(_, _, let m, _) = $0 { return m } else { return nil } }
    }

    func demoImage(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("demo/images/\(name)")))
    }

    // MARK: - Parquet

    func testHuggingFaceImageStructIsReadAsEmbeddedBytesWithItsPathShown() throws {
        let s = samples(try items(embedded.appendingPathComponent("hf_image.parquet").path))
        XCTAssertEqual(s.count, 4)
        XCTAssertEqual(s.map(\.embedded), [.bytes(try demoImage("0002.jpg")), .bytes(try demoImage("0006.jpg")),
                                           .bytes(try demoImage("0009.jpg")), nil])
        XCTAssertEqual(s.map(\.displayPath), ["0002.jpg", "0006.jpg", "0009.jpg", nil])
        XCTAssertEqual(s.map(\.path), [nil, nil, nil, nil], "an embedded image's path field is never opened")
        // No key column: an embedded row is named by its row number, not by its (non-unique) file name.
        XCTAssertEqual(s.map(\.key), ["row-000000001", "row-000000002", "row-000000003", "row-000000004"])
        XCTAssertEqual(s.map(\.hasImageReference), [true, true, true, false])
        XCTAssertEqual(s.map(\.caption), ["pattern 2", "pattern 6", "pattern 9", "no image"])
        let reader = try Manifest.open(path: embedded.appendingPathComponent("hf_image.parquet").path)
        try reader.forEachItem { _ in }
        XCTAssertEqual(reader.counters.first { $0.0 == "embedded_images" }?.1, 3, "counted for the summary")
    }

    func testHuggingFaceFileSchemaIsTheDatasetsLibrarysOwn() throws {
        let r = try ParquetFileReader(path: embedded.appendingPathComponent("hf_image.parquet").path)
        XCTAssertEqual(r.columns.map(\.name), ["image.bytes", "image.path", "text"])
        XCTAssertEqual(r.columns.map(\.maxDefinitionLevel), [2, 2, 1], "optional struct, optional fields")
        XCTAssertTrue(r.keyValueMetadata.contains { $0.key == "huggingface" && ($0.value ?? "").contains("\"Image\"") })
    }

    func testBinaryColumnNamedJpgIsEmbedded() throws {
        let s = samples(try items(embedded.appendingPathComponent("binary_jpg.parquet").path))
        XCTAssertEqual(s.map(\.key), ["b-0002", "b-0005", "b-0009", "b-none"])
        XCTAssertEqual(s.map(\.embedded), [.bytes(try demoImage("0002.jpg")), .bytes(try demoImage("0005.png")),
                                           .bytes(try demoImage("0009.jpg")), nil])
        XCTAssertEqual(s[0].url, "http://example.invalid/embedded/0002.jpg")
    }

    func testBinaryColumnWithAnUnknownNameIsRecognisedByItsMagicBytes() throws {
        let tmp = try TemporaryDirectory()
        let jpg = try demoImage("0001.jpg")
        let w = try ParquetFileWriter(path: tmp.file("m.parquet"), columns: [
            ParquetColumn(name: "uid", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "picture", physicalType: .byteArray, isOptional: true)])
        try w.writeRowGroup([[.string("u1"), .string("u2")], [.null, .bytes(jpg)]])
        try w.close()
        let s = samples(try items(tmp.file("m.parquet")))
        XCTAssertEqual(s.map(\.key), ["u1", "u2"])
        XCTAssertEqual(s.map(\.embedded), [nil, .bytes(jpg)])
    }

    /// A `datasets` Audio feature is a `{bytes, path}` struct too: the metadata says it is not an image.
    func testStructTheHuggingFaceMetadataCallsAudioIsNotAnImage() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython("""
            import sys, json, pyarrow as pa, pyarrow.parquet as pq
            t = pa.table({"audio": pa.array([{"bytes": b"RIFF0000WAVE", "path": "a.wav"}]),
                          "pic": pa.array([{"bytes": b"\\xff\\xd8\\xff\\xe0", "path": "a.jpg"}])})
            meta = {"info": {"features": {"audio": {"_type": "Audio"}, "pic": {"_type": "Image"}}}}
            pq.write_table(t.replace_schema_metadata({"huggingface": json.dumps(meta)}), sys.argv[1])
            t2 = pa.table({"audio": pa.array([{"bytes": b"RIFF0000WAVE", "path": "a.wav"}]), "url": ["http://example.invalid/a"]})
            pq.write_table(t2.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": {"audio": {"_type": "Audio"}}}})}), sys.argv[2])
            """, [tmp.file("both.parquet"), tmp.file("audio.parquet")])
        let both = samples(try items(tmp.file("both.parquet")))
        XCTAssertEqual(both.map(\.embedded), [.bytes([0xFF, 0xD8, 0xFF, 0xE0])])
        XCTAssertEqual(both.map(\.displayPath), ["a.jpg"])
        let audio = samples(try items(tmp.file("audio.parquet")))
        XCTAssertEqual(audio.map(\.embedded), [nil])
        XCTAssertEqual(audio.map(\.hasImageReference), [false])
    }

    func testEmbeddedImageOverTheLimitIsNotKept() throws {
        let s = samples(try items(embedded.appendingPathComponent("binary_jpg.parquet").path,
                                  options: ManifestOptions(maxEmbeddedBytes: 20_000)))
        let sizes = try ["0002.jpg", "0005.png", "0009.jpg"].map { try demoImage($0).count }
        XCTAssertEqual(s[1].embedded, .overLimit(length: sizes[1]))
        XCTAssertEqual(s[0].embedded, .bytes(try demoImage("0002.jpg")))
    }

    // MARK: - JSON lines

    func testJSONLinesBase64AndDataURLsAreEmbeddedAndDamagedBase64IsARowFailure() throws {
        let it = try items(embedded.appendingPathComponent("embedded.jsonl").path)
        let s = samples(it)
        XCTAssertEqual(s.map(\.key), ["j-0002", "j-0006", "j-0009"])
        XCTAssertEqual(s.map(\.embedded), [.bytes(try demoImage("0002.jpg")), .bytes(try demoImage("0006.jpg")),
                                           .bytes(try demoImage("0009.jpg"))])
        let f = failures(it)
        XCTAssertEqual(f.count, 1)
        XCTAssertTrue(f[0].contains("embedded.jsonl:4") && f[0].contains("base64"), f[0])
    }

    // MARK: - Column recognition

    func testCommonPathColumnNamesAreRecognised() throws {
        let tmp = try TemporaryDirectory()
        for name in ["file_name", "filename", "image_path", "img_path", "image_file", "img", "image", "FileName ", "file_path"] {
            try tmp.write("m.csv", "\(name),caption\nsub/a.jpg,x\n")
            let s = samples(try items(tmp.file("m.csv")))
            XCTAssertEqual(s.first?.path, tmp.file("sub/a.jpg"), name)
            try tmp.write("m.jsonl", "{\"\(name)\": \"sub/a.jpg\"}\n")
            XCTAssertEqual(samples(try items(tmp.file("m.jsonl"))).first?.path, tmp.file("sub/a.jpg"), name)
        }
    }

    func testImageColumnFlagNamesTheColumnInEveryManifestLayout() throws {
        let tmp = try TemporaryDirectory()
        let b64 = Data(try demoImage("0002.jpg")).base64EncodedString()
        try tmp.write("m.csv", "key,picture\nk1,\(b64)\nk2,pics/2.jpg\n")
        try tmp.write("m.tsv", "key\tpicture\nk1\t\(b64)\nk2\tpics/2.jpg\n")
        try tmp.write("m.jsonl", "{\"key\":\"k1\",\"picture\":\"\(b64)\"}\n{\"key\":\"k2\",\"picture\":\"pics/2.jpg\"}\n")
        let options = ManifestOptions(imageColumn: "picture")
        for name in ["m.csv", "m.tsv", "m.jsonl"] {
            // Without the flag `picture` is no known column: no usable column (CSV/TSV) or rows without one (JSONL).
            let s = samples(try items(tmp.file(name), options: options))
            XCTAssertEqual(s.map(\.embedded), [.bytes(try demoImage("0002.jpg")), nil], name)
            XCTAssertEqual(s.map(\.path), [nil, tmp.file("pics/2.jpg")], name)
        }
        XCTAssertThrowsError(try items(tmp.file("m.csv"), options: ManifestOptions(imageColumn: "nope"))) { e in
            XCTAssertTrue("\(e)".contains("--image-column nope: no such column"), "\(e)")
        }
        try FileManager.default.createDirectory(atPath: tmp.file("folder"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try Manifest.open(path: tmp.file("folder"), options: options)) { e in
            XCTAssertTrue("\(e)".contains("applies to manifests"), "\(e)")
        }
    }

    func testImageColumnFlagNamingAColumnInsideAListIsAClearError() throws {
        let path = TestPaths.vectors.appendingPathComponent("parquet/nullable.impala.parquet").path
        XCTAssertThrowsError(try items(path, options: ManifestOptions(imageColumn: "int_array"))) { e in
            XCTAssertTrue("\(e)".contains("cannot be read") && "\(e)".contains("list"), "\(e)")
        }
    }
}
