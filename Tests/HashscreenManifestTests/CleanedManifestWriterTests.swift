// Cleaned manifests: every test picks the identities to remove by running the real reader
// (`Manifest.open` + `forEachItem`) over the same input and keeping the identities of samples whose
// key is in a set, then checks the written file against the input minus those keys: CSV/TSV/JSONL
// against the expected text built from the test's own records, Parquet with pyarrow
// (HASHSCREEN_PYTHON, else python3). So each test fails if reader and writer disagree on row identity.

import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenTestSupport
import XCTest

final class CleanedManifestWriterTests: XCTestCase {
    /// The scan's fourth input, so that input numbers are exercised.
    static let input = 3
    /// Identities the writer must ignore, which every removal set carries: rows of other inputs,
    /// and images without a row (which no manifest row stands for).
    static let foreign: Set<SampleID> = [SampleID(input: 2, row: 0), SampleID(input: 2, row: 1), SampleID(input: 4, row: 0),
                                         SampleID(input: 3, shard: 0, .member(0)), SampleID(input: 3, shard: 1, .member(1))]

    /// Identities the real reader gives to the samples whose key is in `keys`.
    func identities(_ path: String, _ layout: ManifestLayout, keys: Set<String>) throws -> Set<SampleID> {
        var out = Set<SampleID>()
        var seen = Set<String>()
        try Manifest.open(path: path, layout: layout, input: Self.input).forEachItem { item in
            if case .sample(let s, _) = item, keys.contains(s.key) {
                out.insert(s.id)
                seen.insert(s.key)
            }
        }
        XCTAssertEqual(seen, keys, "the reader must yield every key the test removes")
        return out.union(Self.foreign)
    }

    func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return st.st_mode & 0o777
    }

    /// Writes, checks the common file rules (name, 0600, no temporary left), returns the one file.
    func writeOne(_ input: String, _ layout: ManifestLayout, removed: Set<SampleID>, into dir: String,
                  file: StaticString = #filePath, line: UInt = #line) throws -> CleanedFile {
        let files = try CleanedManifestWriter.write(inputPath: input, layout: layout, input: Self.input,
                                                    removed: removed, into: dir)
        XCTAssertEqual(files.count, 1, file: file, line: line)
        let f = try XCTUnwrap(files.first)
        XCTAssertEqual(f.path, (dir as NSString).appendingPathComponent((input as NSString).lastPathComponent), file: file, line: line)
        XCTAssertEqual(mode(f.path), 0o600, file: file, line: line)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertFalse(names.contains { $0.hasPrefix(".") || $0.hasSuffix(".partial") }, "temporary files left: \(names)", file: file, line: line)
        return f
    }

    // MARK: - CSV / TSV

    /// Records of a CSV as written: BOM, CRLF and LF endings, quoted delimiters, doubled quotes,
    /// embedded CRLF newlines, a blank line, a malformed record (which still counts as a row) and
    /// a last record without a newline.
    static let csvHeader = "\u{FEFF}key,url,caption\r\n"
    static let csvRecords: [(key: String?, text: String)] = [
        ("a", "a,http://example.org/a.jpg,plain\r\n"),
        ("b", "b,http://example.org/b.jpg,\"multi\r\nline, \"\"quoted\"\"\"\r\n"),
        (nil, "\r\n"),
        (nil, "bad,only two fields\r\n"),
        ("c", "\"c\",\"http://example.org/c.jpg\",\"comma, inside\"\n"),
        ("d", "d,http://example.org/d.jpg,\"ends\nhere\""),
    ]

    func testCSVKeepsRecordsByteForByte() throws {
        let tmp = try TemporaryDirectory()
        let input = tmp.file("in/m.csv")
        try tmp.write("in/m.csv", Self.csvHeader + Self.csvRecords.map(\.text).joined())
        try checkDelimited(input: input, layout: .csv, header: Self.csvHeader, records: Self.csvRecords, tmp: tmp)
    }

    func testTSVKeepsRecordsByteForByte() throws {
        let tmp = try TemporaryDirectory()
        let header = "key\tpath\tmd5\n"
        let records: [(key: String?, text: String)] = [
            ("t1", "t1\timg/1.jpg\t\n"),
            ("t2", "t2\t\"img/with\ttab.jpg\"\t0123456789abcdef0123456789abcdef\n"),
            (nil, "\n"),
            ("t3", "t3\t\"img/new\nline.jpg\"\t\r\n"),
            ("t4", "t4\timg/4.jpg\t\n"),
        ]
        let input = try tmp.write("m.tsv", header + records.map(\.text).joined())
        try checkDelimited(input: input, layout: .tsv, header: header, records: records, tmp: tmp)
    }

    func checkDelimited(input: String, layout: ManifestLayout, header: String, records: [(key: String?, text: String)],
                        tmp: TemporaryDirectory) throws {
        let rows = records.filter { $0.text != "\r\n" && $0.text != "\n" }
        let allKeys = Set(records.compactMap(\.key))
        let cases: [Set<String>] = [[], allKeys, [records.first!.key!], Set(allKeys.sorted().enumerated().filter { $0.offset % 2 == 1 }.map(\.element))]
        for (n, keys) in cases.enumerated() {
            let out = tmp.file("out-\(n)/nested")
            let f = try writeOne(input, layout, removed: try identities(input, layout, keys: keys), into: out)
            let expected = header + rows.filter { $0.key.map { !keys.contains($0) } ?? true }.map(\.text).joined()
            XCTAssertEqual(try read(f.path), Array(expected.utf8), "\(layout) removing \(keys.sorted())")
            XCTAssertEqual(f.removed, keys.count)
            XCTAssertEqual(f.kept, rows.count - keys.count)
            XCTAssertEqual(mode(out), 0o700)
        }
        // Every row of the input removed: the header alone is left (the malformed row too goes).
        let out = tmp.file("out-all")
        let f = try writeOne(input, layout, removed: Set((0..<100).map { SampleID(input: UInt32(Self.input), row: $0) }), into: out)
        XCTAssertEqual(try read(f.path), Array(header.utf8))
        XCTAssertEqual(f.kept, 0)
        XCTAssertEqual(f.removed, rows.count)
    }

    /// Inputs several times the 1 MiB read chunk, so records straddle buffer refills in both the
    /// record splitter and the copier.
    func testLargeInputsAcrossReadChunks() throws {
        let tmp = try TemporaryDirectory()
        var rng = SplitMix64(seed: 7)
        let rows = 40_000
        var csv: [(key: String, text: String)] = []
        var jsonl: [(key: String, text: String)] = []
        for i in 0..<rows {
            let key = "r\(i)"
            let pad = String(repeating: "x", count: Int(rng.next() % 120))
            let caption = rng.next() % 5 == 0 ? "\"multi\r\nline \"\"\(pad)\"\"\"" : pad
            csv.append((key, "\(key),http://example.org/\(i).jpg,\(caption)\(i % 3 == 0 ? "\r\n" : "\n")"))
            jsonl.append((key, "{\"key\":\"\(key)\",\"url\":\"http://example.org/\(i).jpg\",\"caption\":\"\(pad)\"}\n"))
        }
        let header = "key,url,caption\n"
        let csvPath = try tmp.write("big.csv", header + csv.map(\.text).joined())
        let jsonlPath = try tmp.write("big.jsonl", jsonl.map(\.text).joined())
        XCTAssertGreaterThan(try read(csvPath).count, 3 << 20)
        let keys = Set((0..<rows).filter { $0 % 7 == 3 || $0 % 1000 == 999 }.map { "r\($0)" })
        let started = Date()
        let c = try writeOne(csvPath, .csv, removed: try identities(csvPath, .csv, keys: keys), into: tmp.file("out"))
        let j = try writeOne(jsonlPath, .jsonl, removed: try identities(jsonlPath, .jsonl, keys: keys), into: tmp.file("out"))
        print("large inputs: read twice and written in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(try read(c.path), Array((header + csv.filter { !keys.contains($0.key) }.map(\.text).joined()).utf8))
        XCTAssertEqual(try read(j.path), Array(jsonl.filter { !keys.contains($0.key) }.map(\.text).joined().utf8))
        XCTAssertEqual(c.removed, keys.count)
        XCTAssertEqual(j.kept, rows - keys.count)
    }

    // MARK: - JSON lines

    func testJSONLinesKeepsLinesByteForByte() throws {
        let tmp = try TemporaryDirectory()
        let lines: [(key: String?, text: String)] = [
            ("j1", "{\"key\":\"j1\",\"url\":\"http://example.org/1.jpg\",\"caption\":\"caf\\u00e9, \\\"q\\\"\"}\n"),
            (nil, "   \t\n"),
            ("j2", "{\"url\": \"http://example.org/2.jpg\",  \"key\": \"j2\", \"width\": 10}\r\n"),
            (nil, "{not json\n"),
            (nil, "\n"),
            ("j3", "{\"key\":\"j3\",\"path\":\"img/ünïcode.jpg\"}\n"),
            ("j4", "{\"key\":\"j4\",\"sha256\":null,\"url\":\"http://example.org/4.jpg\"}"),
        ]
        let input = try tmp.write("m.jsonl", lines.map(\.text).joined())
        let rows = lines.filter { !$0.text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" } }
        for (n, keys) in [Set<String>(), ["j1", "j2", "j3", "j4"], ["j2"], ["j1", "j4"]].enumerated() {
            let out = tmp.file("out-\(n)")
            let f = try writeOne(input, .jsonl, removed: try identities(input, .jsonl, keys: keys), into: out)
            let expected = rows.filter { $0.key.map { !keys.contains($0) } ?? true }.map(\.text).joined()
            XCTAssertEqual(String(decoding: try read(f.path), as: UTF8.self), expected, "removing \(keys.sorted())")
            XCTAssertEqual(f.removed, keys.count)
            XCTAssertEqual(f.kept, rows.count - keys.count)
        }
    }

    // MARK: - Parquet

    /// Makes a Parquet file with pyarrow: 10 rows k0...k9 in row groups of 3 (3, 3, 3, 1), nulls in
    /// several columns, several physical and logical types, and custom key-value metadata.
    static let makeParquet = """
        import sys, datetime, pyarrow as pa, pyarrow.parquet as pq
        path, n, group = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        keys = sys.argv[4].split(",") if len(sys.argv) > 4 else [f"k{i}" for i in range(n)]
        utc = datetime.timezone.utc
        t = pa.table({
            "key": pa.array(keys, pa.string()),
            "url": pa.array([None if i == 3 else f"http://example.org/{i}.jpg" for i in range(n)], pa.string()),
            "caption": pa.array([None if i % 4 == 1 else f'caption, "{i}"\\nline' for i in range(n)], pa.large_string()),
            "width": pa.array([None if i == 5 else i * 10 for i in range(n)], pa.int32()),
            "big": pa.array([i * 10**12 - 7 for i in range(n)], pa.int64()),
            "score": pa.array([i / 3 for i in range(n)], pa.float64()),
            "ok": pa.array([None if i == 2 else i % 2 == 0 for i in range(n)], pa.bool_()),
            "blob": pa.array([None if i == 8 else bytes([i, 255 - i]) for i in range(n)], pa.binary()),
            "ts": pa.array([datetime.datetime(2024, 1, 1, tzinfo=utc) + datetime.timedelta(seconds=i) for i in range(n)], pa.timestamp("us", tz="UTC")),
            "status": pa.array(["failed_to_download" if i == 9 else "success" for i in range(n)], pa.string()),
        }).replace_schema_metadata({"origin": "hashscreen cleaned-manifest test"})
        pq.write_table(t, path, row_group_size=group, compression="zstd")
        """

    /// Compares the cleaned Parquet with pyarrow's reading of the input minus rows whose key is
    /// removed; prints JSON facts.
    static let checkParquet = """
        import sys, json, pyarrow as pa, pyarrow.parquet as pq, pyarrow.compute as pc
        src, out, removed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        a = pq.read_table(src)
        expected = a.filter(pc.invert(pc.is_in(a["key"], value_set=pa.array(removed, pa.string()))))
        f = pq.ParquetFile(out)
        b = f.read()
        md = f.metadata
        print(json.dumps({
            "schema": b.schema.equals(a.schema, check_metadata=True),
            "kv": md.metadata == pq.ParquetFile(src).metadata.metadata,
            "rows": b.equals(expected) or [b.to_pylist(), expected.to_pylist()],
            "n": b.num_rows,
            "groups": [md.row_group(i).num_rows for i in range(md.num_row_groups)],
            "codecs": sorted({md.row_group(i).column(j).compression for i in range(md.num_row_groups) for j in range(md.num_columns)}),
        }, default=str))
        """

    struct ParquetFacts: Decodable, Equatable {
        var schema: Bool
        var kv: Bool
        var rows: Bool
        var n: Int
        var groups: [Int]
        var codecs: [String]
    }

    func check(source: String, cleaned: String, removedKeys: Set<String>) throws -> ParquetFacts {
        let json = try runPython(Self.checkParquet, [source, cleaned, "[" + removedKeys.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "]"])
        do { return try JSONDecoder().decode(ParquetFacts.self, from: Data(json.utf8)) } catch {
            XCTFail("pyarrow check printed: \(json)")
            throw error
        }
    }

    func testParquetKeepsSchemaMetadataAndRowGroupsMinusRemovedRows() throws {
        let tmp = try TemporaryDirectory()
        let input = tmp.file("laion.parquet")
        _ = try runPython(Self.makeParquet, [input, "10", "3"])
        // (removed keys, expected row groups): groups are 0-2, 3-5, 6-8, 9.
        let cases: [(Set<String>, [Int])] = [
            ([], [3, 3, 3, 1]),
            (["k1", "k3", "k4", "k5", "k9"], [2, 3]),   // the second and last groups empty out
            (["k0", "k8"], [2, 3, 2, 1]),
            (Set((0..<10).map { "k\($0)" }), [0]),        // one empty row group, as pyarrow writes an empty table
        ]
        for (n, (keys, groups)) in cases.enumerated() {
            let out = tmp.file("out-\(n)")
            let f = try writeOne(input, .parquet, removed: try identities(input, .parquet, keys: keys), into: out)
            XCTAssertEqual(f.kept, 10 - keys.count)
            XCTAssertEqual(f.removed, keys.count)
            let facts = try check(source: input, cleaned: f.path, removedKeys: keys)
            XCTAssertEqual(facts, ParquetFacts(schema: true, kv: true, rows: true, n: 10 - keys.count, groups: groups,
                                               codecs: ["SNAPPY"]), "removing \(keys.sorted())")
        }
    }

    // MARK: - webdataset / files shards

    /// Writes an img2dataset-like webdataset tar (KEY.jpg + KEY.json members; the .jpg members are
    /// placeholder bytes, not images: the reader indexes tar members by name only).
    static let makeTar = """
        import sys, io, tarfile
        path, keys = sys.argv[1], sys.argv[2].split(",")
        with tarfile.open(path, "w") as t:
            for k in keys:
                for ext, data in ((".jpg", b"placeholder, not an image " + k.encode()), (".json", b"{}")):
                    info = tarfile.TarInfo(k + ext)
                    info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
        """

    func testWebdatasetShardsGetTheirParquetCleanedAndNothingElse() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.file("wds")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Shard 0: rows k0...k9 (k9 failed to download, no image). Shard 1: keys with a duplicate.
        let shard1Keys = ["s0", "s1", "s2", "s1", "s4", "s5"]
        _ = try runPython(Self.makeParquet, [folder + "/00000.parquet", "10", "4"])
        _ = try runPython(Self.makeParquet, [folder + "/00001.parquet", "6", "4", shard1Keys.joined(separator: ",")])
        _ = try runPython(Self.makeTar, [folder + "/00000.tar", (0..<9).map { "k\($0)" }.joined(separator: ",")])
        _ = try runPython(Self.makeTar, [folder + "/00001.tar", "s0,s1,s2,s4,s5,extra"])

        // k9 has no image (screened by URL); s1 is duplicated: the reader screens its last row,
        // and both rows go, since they name the same image.
        let keys: Set<String> = ["k2", "k9", "s1", "s5"]
        let removed = try identities(folder, .webdataset, keys: keys)
        let out = tmp.file("cleaned")
        let files = try CleanedManifestWriter.write(inputPath: folder, layout: .webdataset, input: Self.input,
                                                    removed: removed, into: out)
        XCTAssertEqual(files, [CleanedFile(path: out + "/00000.parquet", kept: 8, removed: 2),
                               CleanedFile(path: out + "/00001.parquet", kept: 3, removed: 3)])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["00000.parquet", "00001.parquet"],
                       "only the shards' parquet files are written, never tars or images")
        XCTAssertEqual(mode(out), 0o700)
        for f in files { XCTAssertEqual(mode(f.path), 0o600) }
        let f0 = try check(source: folder + "/00000.parquet", cleaned: files[0].path, removedKeys: keys)
        XCTAssertEqual(f0, ParquetFacts(schema: true, kv: true, rows: true, n: 8, groups: [3, 4, 1], codecs: ["SNAPPY"]))
        let f1 = try check(source: folder + "/00001.parquet", cleaned: files[1].path, removedKeys: keys)
        XCTAssertEqual(f1, ParquetFacts(schema: true, kv: true, rows: true, n: 3, groups: [2, 1], codecs: ["SNAPPY"]))

        // A single tar given as the input: its sibling parquet is cleaned the same way.
        let single = try CleanedManifestWriter.write(inputPath: folder + "/00000.tar", layout: .webdataset,
                                                     input: Self.input, removed: try identities(folder + "/00000.tar", .webdataset, keys: ["k0"]),
                                                     into: tmp.file("single"))
        XCTAssertEqual(single, [CleanedFile(path: tmp.file("single") + "/00000.parquet", kept: 9, removed: 1)])
    }

    func testFilesLayoutShardsGetTheirParquetCleaned() throws {
        let tmp = try TemporaryDirectory()
        let folder = tmp.file("files")
        for s in ["00000", "00001"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + s, withIntermediateDirectories: true)
        }
        _ = try runPython(Self.makeParquet, [folder + "/00000.parquet", "5", "2"])
        _ = try runPython(Self.makeParquet, [folder + "/00001.parquet", "5", "5", "m0,m1,m2,m3,m4"])
        // Placeholder image files (by extension; never decoded here).
        for k in 0..<5 { try tmp.write("files/00000/k\(k).jpg", "placeholder \(k)") }
        for k in 0..<5 { try tmp.write("files/00001/m\(k).jpg", "placeholder \(k)") }
        XCTAssertEqual(try ManifestLayout.detect(path: folder), .files)
        let keys: Set<String> = ["k1", "m0", "m4"]
        let out = tmp.file("cleaned")
        let files = try CleanedManifestWriter.write(inputPath: folder, layout: .files, input: Self.input,
                                                    removed: try identities(folder, .files, keys: keys), into: out)
        XCTAssertEqual(files.map(\.kept), [4, 3])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["00000.parquet", "00001.parquet"])
        let f0 = try check(source: folder + "/00000.parquet", cleaned: files[0].path, removedKeys: keys)
        XCTAssertEqual(f0, ParquetFacts(schema: true, kv: true, rows: true, n: 4, groups: [1, 2, 1], codecs: ["SNAPPY"]))
        let f1 = try check(source: folder + "/00001.parquet", cleaned: files[1].path, removedKeys: keys)
        XCTAssertEqual(f1, ParquetFacts(schema: true, kv: true, rows: true, n: 3, groups: [3], codecs: ["SNAPPY"]))
    }

    // MARK: - Files and folders

    func testFolderLayoutWritesNothing() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("imgs/a.jpg", "placeholder")
        let out = tmp.file("cleaned")
        XCTAssertEqual(try CleanedManifestWriter.write(inputPath: tmp.file("imgs"), layout: .folder, input: 0,
                                                       removed: [SampleID(input: 0, row: 0)], into: out), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output folder for a folder input")
    }

    func testRefusesToReplaceTheInputItself() throws {
        let tmp = try TemporaryDirectory()
        let text = "key,url\nk1,http://example.org/1\n"
        let input = try tmp.write("m.csv", text)
        XCTAssertThrowsError(try CleanedManifestWriter.write(inputPath: input, layout: .csv, input: 0,
                                                            removed: [SampleID(input: 0, row: 0)], into: tmp.path)) { e in
            XCTAssertTrue("\(e)".contains("would replace the input"), "\(e)")
        }
        XCTAssertEqual(try String(contentsOfFile: input, encoding: .utf8), text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["m.csv"])
    }

    func testExistingOutputIsReplacedWhole() throws {
        let tmp = try TemporaryDirectory()
        let input = try tmp.write("in/m.jsonl", "{\"key\":\"a\",\"url\":\"u\"}\n{\"key\":\"b\",\"url\":\"v\"}\n")
        try tmp.write("out/m.jsonl", String(repeating: "stale\n", count: 1000))
        let f = try writeOne(input, .jsonl, removed: [SampleID(input: UInt32(Self.input), row: 0)], into: tmp.file("out"))
        XCTAssertEqual(try String(contentsOfFile: f.path, encoding: .utf8), "{\"key\":\"b\",\"url\":\"v\"}\n")
    }
}
