/// End-to-end: images inside manifests (Fixtures/embedded), --write-cleaned on them, the
/// documented pyarrow/DuckDB one-liners, and "no output ever contains image bytes" over every
/// fixture layout and every command.
import Foundation
import HashscreenTestSupport
import XCTest

final class EmbeddedImageEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let fixtures = TestPaths.fixtures
    var embedded: URL { fixtures.appendingPathComponent("embedded") }

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    func demoList() throws -> String {
        let db = tmp.file("demo.sqlite")
        if !FileManager.default.fileExists(atPath: db) {
            let r = try hashscreen(["list", "import", "--list", db, "--name", "demo-list", "--version", "1",
                                    fixtures.appendingPathComponent("demo/demo-list.csv").path])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return db
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    // MARK: - Screening

    /// The demo list holds the md5 of 0002, the sha256 of 0005, the sha1 of 0006 and the PDQ
    /// and pHash of 0004, of which 0009 is a resized copy: each is found inside the manifests
    /// that carry those images (so the embedded bytes are digested and decoded).
    func testImagesInsideManifestsAreScreened() throws {
        let db = try demoList()
        let cases: [(String, Int32, String)] = [
            ("hf_image.parquet", 1, "key,url,path,reasons\nrow-000000001,,0002.jpg,md5:demo-list\nrow-000000002,,0006.jpg,sha1:demo-list\nrow-000000003,,0009.jpg,pdq:demo-list;phash:demo-list\n"),
            ("binary_jpg.parquet", 1, "key,url,path,reasons\nb-0002,http://example.invalid/embedded/0002.jpg,,md5:demo-list\nb-0005,http://example.invalid/embedded/0005.png,,sha256:demo-list\nb-0009,http://example.invalid/embedded/0009.jpg,,pdq:demo-list;phash:demo-list\n"),
            ("embedded.jsonl", 1, "key,url,path,reasons\nj-0002,,,md5:demo-list\nj-0006,,,sha1:demo-list\nj-0009,,,pdq:demo-list;phash:demo-list\n"),
        ]
        for (name, status, removals) in cases {
            let out = tmp.file("out-\(name)")
            let r = try hashscreen(["scan", embedded.appendingPathComponent(name).path, "--list", db, "--out", out, "--quiet"])
            XCTAssertEqual(r.status, status, "\(name): \(r.stderr)")
            XCTAssertEqual(try read(out + "/removals.csv"), removals, name)
        }
        // The damaged base64 row is an error of its own; the rest is screened.
        let errors = try read(tmp.file("out-embedded.jsonl") + "/errors.jsonl")
        XCTAssertTrue(errors.contains("j-damaged") || errors.contains("embedded.jsonl:4"), errors)
        XCTAssertTrue(errors.contains("base64"), errors)
    }

    func testImageColumnFlagOnTheCommandLine() throws {
        let db = try demoList()
        let b64 = try Data(contentsOf: fixtures.appendingPathComponent("demo/images/0002.jpg")).base64EncodedString()
        let m = try tmp.write("m.csv", "key,picture\nk1,\(b64)\n")
        let out = tmp.file("o")
        var r = try hashscreen(["scan", m, "--list", db, "--out", out, "--quiet", "--image-column", "picture"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try read(out + "/removals.csv"), "key,url,path,reasons\nk1,,,md5:demo-list\n")
        r = try hashscreen(["manifest", "inspect", m, "--image-column", "picture"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\"role\" : \"image\"") || r.stdout.contains("\"role\": \"image\""), r.stdout)
        r = try hashscreen(["scan", fixtures.appendingPathComponent("demo/images").path, "--list", db, "--out", tmp.file("o2"),
                            "--quiet", "--image-column", "picture"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("applies to manifests"), r.stderr)
    }

    func testManifestInspectShowsTheImageAndPathColumns() throws {
        let r = try hashscreen(["manifest", "inspect", embedded.appendingPathComponent("hf_image.parquet").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let columns = (o["columns"] as! [[String: String]]).map { "\($0["name"]!)=\($0["role"] ?? "-")" }
        XCTAssertEqual(columns, ["image.bytes=image", "image.path=path", "text=caption"])
    }

    // MARK: - --write-cleaned

    func testWriteCleanedIsRefusedBeforeTheScanForInputsCarryingImages() throws {
        let db = try demoList()
        for name in ["hf_image.parquet", "binary_jpg.parquet", "embedded.jsonl"] {
            let out = tmp.file("wc-\(name)")
            let r = try hashscreen(["scan", embedded.appendingPathComponent(name).path, "--list", db, "--out", out, "--quiet", "--write-cleaned"])
            XCTAssertEqual(r.status, 2, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("never writes image bytes") && r.stderr.contains("removals.csv"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/removals.csv"), "\(name): refused before any work")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/cleaned"), name)
        }
    }

    /// The one-liners in docs/cleaned-manifests.md, run as written there.
    func testDocumentedOneLinersDropTheRemovedRowsFromParquetWithImages() throws {
        let doc = try read(TestPaths.packageRoot.appendingPathComponent("docs/cleaned-manifests.md").path)
        let lines = doc.split(separator: "\n").map(String.init)
        let python = lines.filter { $0.hasPrefix("python3 -c '") }.map { l -> String in
            let body = l.dropFirst("python3 -c '".count)
            return String(body[..<body.lastIndex(of: "'")!])
        }
        let sql = lines.filter { $0.hasPrefix("COPY (SELECT") }
        XCTAssertEqual(python.count, 2, "pyarrow one-liners: by key column, by row number")
        XCTAssertEqual(sql.count, 2, "DuckDB one-liners: by key column, by row number")
        guard python.count == 2, sql.count == 2 else { return }
        let db = try demoList()
        // (input, which form, the rows expected to remain)
        // 0002, 0005/0006 and 0009 are flagged; the row without an image remains.
        let cases: [(String, Int, String)] = [("binary_jpg.parquet", 0, "key:b-none"),
                                              ("hf_image.parquet", 1, "text:no image")]
        for (name, form, expected) in cases {
            let input = embedded.appendingPathComponent(name).path
            let out = tmp.file("s-\(name)")
            XCTAssertEqual(try hashscreen(["scan", input, "--list", db, "--out", out, "--quiet"]).status, 1)
            let removals = out + "/removals.csv"
            let check = """
                import sys, pyarrow.parquet as pq
                t = pq.read_table(sys.argv[1]); col = sys.argv[2]
                print(col + ":" + ",".join(str(r[col]) for r in t.to_pylist()))
                print(",".join(t.schema.names))
                print("huggingface" if b"huggingface" in (t.schema.metadata or {}) else "-")
                """
            let column = String(expected.prefix { $0 != ":" })
            let a = tmp.file("pyarrow-\(name)")
            _ = try runPython(python[form], [input, removals, a])
            let pa = try runPython(check, [a, column]).split(separator: "\n")
            XCTAssertEqual(pa.first.map(String.init), expected, "pyarrow \(name)")
            if name.hasPrefix("hf") {
                XCTAssertEqual(pa.last, "huggingface", "pyarrow keeps the datasets metadata")
                XCTAssertEqual(pa.dropFirst().first, "image,text", "the image struct is kept")
            }
            let d = tmp.file("duckdb-\(name)")
            let statement = sql[form].replacingOccurrences(of: "'in.parquet'", with: "'\(input)'")
                .replacingOccurrences(of: "'OUT/removals.csv'", with: "'\(removals)'")
                .replacingOccurrences(of: "'cleaned.parquet'", with: "'\(d)'")
            _ = try runPython("import duckdb, sys; duckdb.sql(sys.argv[1])", [statement])
            XCTAssertEqual(try runPython(check, [d, column]).split(separator: "\n").first.map(String.init), expected, "duckdb \(name)")
        }
    }

    // MARK: - No output ever contains image bytes

    /// Image files and tar members of every fixture, plus the images inside the embedded manifests.
    func everyImage() throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let exts: Set<String> = ["jpg", "jpeg", "png", "gif", "webp"]
        for dir in ["demo/images", "decode/images", "img2dataset/files/00000"] {
            let d = fixtures.appendingPathComponent(dir)
            for n in try FileManager.default.contentsOfDirectory(atPath: d.path).sorted()
            where exts.contains((n as NSString).pathExtension.lowercased()) {
                out.append(("\(dir)/\(n)", [UInt8](try Data(contentsOf: d.appendingPathComponent(n)))))
            }
        }
        // ustar members of the webdataset shard.
        let tar = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("img2dataset/webdataset/00000.tar")))
        var at = 0
        while at + 512 <= tar.count, tar[at] != 0 {
            let name = String(decoding: tar[at..<(at + 100)].prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: tar[(at + 124)..<(at + 136)].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            let size = Int(sizeText, radix: 8) ?? 0
            if exts.contains((name as NSString).pathExtension.lowercased()) {
                out.append(("00000.tar:\(name)", Array(tar[(at + 512)..<(at + 512 + size)])))
            }
            at += 512 + (size + 511) / 512 * 512
        }
        return out
    }

    /// 32-byte windows from the middle of an image (offsets a multiple of 3, so the base64 of
    /// 30 of their bytes is a substring of the whole image's base64), raw and base64.
    func needles(_ image: [UInt8]) -> [Data] {
        guard image.count >= 96 else { return [Data(image)] }
        var out: [Data] = []
        for fraction in [0.25, 0.5, 0.75] {
            let o = Int(Double(image.count - 32) * fraction) / 3 * 3
            out.append(Data(image[o..<(o + 32)]))
            out.append(Data(Data(image[o..<(o + 30)]).base64EncodedString().utf8))
        }
        return out
    }

    func testNoOutputEverContainsImageBytes() throws {
        let db = try demoList()
        let known = tmp.file("known.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", known, "--name", "known", "--version", "1",
                                       fixtures.appendingPathComponent("img2dataset/known.csv").path]).status, 0)
        // A JSONL manifest with paths, beside the embedded one.
        var jsonl = ""
        for n in ["0001.jpg", "0002.jpg", "0003.png"] {
            jsonl += "{\"key\":\"p-\(n)\",\"path\":\"\(fixtures.appendingPathComponent("demo/images/\(n)").path)\"}\n"
        }
        let pathsJSONL = try tmp.write("paths.jsonl", jsonl)
        let inputs: [(String, String, Bool)] = [   // (input, list, --write-cleaned allowed)
            (fixtures.appendingPathComponent("demo/manifest.csv").path, db, true),
            (fixtures.appendingPathComponent("img2dataset/webdataset").path, known, true),
            (fixtures.appendingPathComponent("img2dataset/files").path, known, true),
            (fixtures.appendingPathComponent("img2dataset/laion.parquet").path, known, true),
            (fixtures.appendingPathComponent("demo/images").path, db, true),
            (fixtures.appendingPathComponent("decode/images").path, db, true),
            (embedded.appendingPathComponent("hf_image.parquet").path, db, false),
            (embedded.appendingPathComponent("binary_jpg.parquet").path, db, false),
            (embedded.appendingPathComponent("embedded.jsonl").path, db, false),
            (pathsJSONL, db, true),
        ]
        var streams: [(String, Data)] = []
        func record(_ what: String, _ r: ProcessOutput) {
            streams.append(("\(what) stdout", Data(r.stdout.utf8)))
            streams.append(("\(what) stderr", Data(r.stderr.utf8)))
        }
        let allSignals = "md5,sha1,sha256,pdq,phash,dhash,ahash,url_md5,url_sha256"
        for (i, (input, list, cleaned)) in inputs.enumerated() {
            let out = tmp.file("scan\(i)")
            var args = ["scan", input, "--list", list, "--out", out, "--signals", allSignals]
            if cleaned { args.append("--write-cleaned") }
            let r = try hashscreen(args)
            XCTAssertTrue([0, 1, 3].contains(r.status), "\(input): \(r.stderr)")
            record("scan \(input)", r)
            if !cleaned {
                let refused = try hashscreen(args + ["--write-cleaned"] + ["--out", tmp.file("refused\(i)")])
                XCTAssertEqual(refused.status, 2, input)
                record("scan --write-cleaned \(input)", refused)
            }
            record("inspect \(input)", try hashscreen(["manifest", "inspect", input]))
            record("rows \(input)", try hashscreen(["manifest", "rows", input]))
        }
        let images = try everyImage()
        XCTAssertGreaterThan(images.count, 80)
        let files = images.filter { !$0.0.contains(".tar:") }.map { fixtures.appendingPathComponent($0.0).path }
        record("hash", try hashscreen(["hash", "--signals", "md5,sha1,sha256,pdq,phash,dhash,ahash"] + files))
        record("hash csv", try hashscreen(["hash", "--format", "csv"] + files))
        // Every file written anywhere under the temporary folder (outputs, cleaned copies).
        let walker = FileManager.default.enumerator(atPath: tmp.path)!
        var written = 0
        while let rel = walker.nextObject() as? String {
            let p = tmp.file(rel)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue,
                  // The list database and its index files (list data, zero-padded), not outputs.
                  !rel.hasSuffix(".sqlite"), !rel.contains(".sqlite.index-"), rel != "paths.jsonl" else { continue }
            streams.append((rel, try Data(contentsOf: URL(fileURLWithPath: p))))
            written += 1
        }
        XCTAssertGreaterThan(written, 40, "the scans wrote their outputs")
        for i in inputs.indices {
            for f in ["report.html", "prevalence.json"] {
                XCTAssertTrue(streams.contains { $0.0 == "scan\(i)/\(f)" }, "scan\(i)/\(f) is among the outputs searched")
            }
        }
        for (name, image) in images {
            for needle in needles(image) {
                for (stream, data) in streams where data.range(of: needle) != nil {
                    XCTFail("\(stream) holds bytes of \(name)")
                }
            }
        }
    }
}
