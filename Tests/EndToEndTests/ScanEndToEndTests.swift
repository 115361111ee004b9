/// End-to-end: the built `hashscreen` CLI on fixtures, exact outputs and exit codes.
import Foundation
import HashscreenTestSupport
import XCTest

final class ScanEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let demo = TestPaths.fixtures.appendingPathComponent("demo")

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    // MARK: - Helpers

    /// Digest of a file by the coreutils tool (independent of hashscreen).
    func coreutils(_ tool: String, _ path: String) throws -> String {
        let out = try runProcess("/usr/bin/\(tool)", [path]).stdout
        return String(out.split(separator: " ")[0])
    }

    func copyDemoImage(_ name: String, to rel: String) throws -> String {
        let dst = tmp.file(rel)
        try FileManager.default.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: demo.appendingPathComponent("images/\(name)").path, toPath: dst)
        return dst
    }

    func importList(_ lines: String, name: String = "testlist", db: String? = nil, extra: [String] = []) throws -> (String, ProcessOutput) {
        let db = db ?? tmp.file("list.sqlite")
        let src = try tmp.write("list-\(UUID().uuidString).txt", lines)
        let r = try hashscreen(["list", "import", "--list", db, "--name", name, "--version", "1"] + extra + [src])
        return (db, r)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try read(path).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    // MARK: - Tests

    func testMatchesByEveryCryptographicTypeAndByARecordedHash() throws {
        let a = try copyDemoImage("0001.jpg", to: "ds/a.jpg")
        let b = try copyDemoImage("0003.png", to: "ds/b.png")
        let c = try copyDemoImage("0006.jpg", to: "ds/c.jpg")
        _ = try copyDemoImage("0007.jpg", to: "ds/d.jpg")
        let recorded = String(repeating: "7e", count: 32)
        try tmp.write("ds/manifest.csv", """
            key,url,path,sha256
            k-a,http://example.invalid/a,a.jpg,
            k-b,http://example.invalid/b,b.png,
            k-c,http://example.invalid/c,c.jpg,
            k-d,http://example.invalid/d,d.jpg,
            k-e,http://example.invalid/e,,\(recorded)

            """)
        let (db, imp) = try importList("""
            # a ThreatExchange-style list
            md5 \(try coreutils("md5sum", a).uppercased())
            sha1 \(try coreutils("sha1sum", b))
            sha256 \(try coreutils("sha256sum", c))
            sha256 \(recorded)
            md5 00000000000000000000000000000000
            """)
        XCTAssertEqual(imp.status, 0, imp.stderr)
        let out = tmp.file("out")
        let r = try hashscreen(["scan", tmp.file("ds/manifest.csv"), "--list", db, "--out", out, "--signals", "md5,sha1,sha256"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try read(out + "/removals.csv"), """
            key,url,path,reasons
            k-a,http://example.invalid/a,a.jpg,md5:testlist
            k-b,http://example.invalid/b,b.png,sha1:testlist
            k-c,http://example.invalid/c,c.jpg,sha256:testlist
            k-e,http://example.invalid/e,,sha256:testlist

            """)
        let report = try jsonLines(out + "/report.jsonl")
        XCTAssertEqual(report.map { $0["key"] as! String }, ["k-a", "k-b", "k-c", "k-e"])
        XCTAssertEqual(report.map { $0["source"] as! String }, ["computed", "computed", "computed", "manifest"])
        XCTAssertEqual(report[0]["value"] as? String, try coreutils("md5sum", a))
        XCTAssertEqual(report[3]["value"] as? String, recorded)
        XCTAssertEqual(report[0]["list_version"] as? String, "1")
        XCTAssertEqual(report[0]["distance"] as? Int, 0)
        // k-e names no image: its recorded sha256 is screened, md5 and sha1 cannot be (issue 11).
        XCTAssertEqual(try read(out + "/errors.jsonl"), #"{"key":"k-e","path":null,"stage":"manifest","error":"no image reference (the row names no image file or image column value): md5, sha1 not computed"}"# + "\n")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let counts = summary["counts"] as! [String: Any]
        XCTAssertEqual(counts["samples"] as? Int, 5)
        XCTAssertEqual(counts["matched"] as? Int, 4)
        XCTAssertEqual(counts["errors"] as? Int, 1)
        let perSignal = counts["per_signal"] as! [String: [String: Int]]
        XCTAssertEqual(perSignal["md5"]?["matched"], 1)
        XCTAssertEqual(perSignal["sha256"]?["matched"], 2)
        XCTAssertEqual(perSignal["sha256"]?["screened"], 5)
        let prov = summary["provenance"] as! [String: Any]
        let inputs = prov["inputs"] as! [[String: Any]]
        XCTAssertEqual(inputs[0]["sha256"] as? String, try coreutils("sha256sum", tmp.file("ds/manifest.csv")))
        XCTAssertEqual((prov["lists"] as! [[String: Any]]).first?["name"] as? String, "testlist")
        // Throughput: the whole run split into set-up and scan, wall and CPU.
        let tp = summary["throughput"] as! [String: Any]
        let seconds = try XCTUnwrap(tp["seconds"] as? Double)
        let setup = try XCTUnwrap(tp["setup_seconds"] as? Double), scanned = try XCTUnwrap(tp["scan_seconds"] as? Double)
        XCTAssertEqual(setup + scanned, seconds, accuracy: 0.0021, "set-up and scan add up to the run")
        XCTAssertGreaterThanOrEqual(setup, 0)
        XCTAssertGreaterThanOrEqual(scanned, 0)
        let cpu = try XCTUnwrap(tp["cpu_seconds"] as? [String: Double])
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(cpu["setup"]), 0)
        XCTAssertGreaterThan(try XCTUnwrap(cpu["scan"]), 0, "hashing four images takes some CPU")
    }

    func testNothingMatchedExitsZero() throws {
        _ = try copyDemoImage("0001.jpg", to: "ds/a.jpg")
        let (db, _) = try importList("md5 00000000000000000000000000000000\n")
        let r = try hashscreen(["scan", tmp.file("ds"), "--list", db, "--out", tmp.file("out"), "--signals", "md5,sha256"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try read(tmp.file("out/removals.csv")), "key,url,path,reasons\n")
    }

    func testBadFilesArePerItemErrorsAndTheRestIsStillScanned() throws {
        let good = try copyDemoImage("0002.jpg", to: "ds/good.jpg")
        _ = try copyDemoImage("0010.jpg", to: "ds/png-named-jpg.jpg")  // a PNG behind a .jpg name
        let jpeg = try Data(contentsOf: demo.appendingPathComponent("images/0001.jpg"))
        try tmp.write("ds/truncated.jpg", bytes: Array(jpeg.prefix(jpeg.count / 2)))
        var corrupt = Array(jpeg)
        for i in stride(from: 700, to: min(corrupt.count, 4000), by: 1) { corrupt[i] = 0xFF }  // garbage entropy data
        try tmp.write("ds/corrupt.jpg", bytes: corrupt)
        try tmp.write("ds/empty.png", bytes: [])
        try tmp.write("ds/text.jpg", "this is not an image\n")
        try tmp.write("ds/bomb.png", bytes: PNGBomb.bytes(width: 40_000, height: 40_000))
        try tmp.write("ds/m.csv", """
            key,path
            a-good,good.jpg
            b-sniffed,png-named-jpg.jpg
            c-truncated,truncated.jpg
            d-corrupt,corrupt.jpg
            e-empty,empty.png
            f-text,text.jpg
            g-bomb,bomb.png
            h-missing,missing.jpg

            """)
        let (db, _) = try importList("sha256 \(String(repeating: "0", count: 64))\n")
        let out = tmp.file("out")
        let r = try hashscreen(["scan", tmp.file("ds/m.csv"), "--list", db, "--out", out, "--signals", "md5,sha256", "--verify-decode"])
        XCTAssertEqual(r.status, 3, r.stderr)
        let errors = try jsonLines(out + "/errors.jsonl")
        let byKey = Dictionary(grouping: errors, by: { $0["key"] as! String })
        XCTAssertEqual(Set(byKey.keys), ["c-truncated", "d-corrupt", "e-empty", "f-text", "g-bomb", "h-missing"])
        XCTAssertEqual(byKey["c-truncated"]?.first?["stage"] as? String, "decode")
        XCTAssertEqual(byKey["d-corrupt"]?.first?["stage"] as? String, "decode")
        XCTAssertEqual(byKey["e-empty"]?.first?["stage"] as? String, "read")
        XCTAssertEqual(byKey["f-text"]?.first?["stage"] as? String, "decode")
        XCTAssertEqual(byKey["g-bomb"]?.first?["stage"] as? String, "decode")
        XCTAssertTrue((byKey["g-bomb"]?.first?["error"] as? String ?? "").contains("over the limit of 100000000"), "\(byKey["g-bomb"]!)")
        XCTAssertEqual(byKey["h-missing"]?.first?["stage"] as? String, "read")
        XCTAssertEqual(byKey["h-missing"]?.first?["path"] as? String, "missing.jpg")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let counts = summary["counts"] as! [String: Any]
        XCTAssertEqual(counts["samples"] as? Int, 8)
        XCTAssertEqual(counts["scanned"] as? Int, 2, "good and sniffed are fully screened")
        XCTAssertEqual(counts["errors"] as? Int, 6)
        XCTAssertEqual(counts["decoded"] as? Int, 2)

        // The same good file is still matched when listed, alongside the errors (exit 1 wins).
        let (db2, _) = try importList("sha256 \(try coreutils("sha256sum", good))\n", db: tmp.file("l2.sqlite"))
        let r2 = try hashscreen(["scan", tmp.file("ds/m.csv"), "--list", db2, "--out", tmp.file("out2"), "--signals", "sha256", "--verify-decode"])
        XCTAssertEqual(r2.status, 1, r2.stderr)
        XCTAssertTrue(try read(tmp.file("out2/removals.csv")).contains("a-good,,good.jpg,sha256:testlist"))
    }

    func testFatalErrorsExitTwo() throws {
        _ = try copyDemoImage("0001.jpg", to: "ds/a.jpg")
        let (db, _) = try importList("md5 00000000000000000000000000000000\n")
        // Unreadable list.
        var r = try hashscreen(["scan", tmp.file("ds"), "--list", tmp.file("nope.sqlite"), "--out", tmp.file("o1")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("error"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("nope.sqlite")), "a scan never creates a list")
        try tmp.write("garbage.sqlite", "not a database at all, just text that is long enough to not be empty..........")
        r = try hashscreen(["scan", tmp.file("ds"), "--list", tmp.file("garbage.sqlite"), "--out", tmp.file("o2")])
        XCTAssertEqual(r.status, 2, r.stderr)
        // Unwritable output.
        try tmp.write("afile", "x")
        r = try hashscreen(["scan", tmp.file("ds"), "--list", db, "--out", tmp.file("afile")])
        XCTAssertEqual(r.status, 2)
        // Malformed manifest header.
        try tmp.write("bad.csv", "foo,bar\n1,2\n")
        r = try hashscreen(["scan", tmp.file("bad.csv"), "--list", db, "--out", tmp.file("o3")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no usable column"), r.stderr)
        // Bad usage.
        r = try hashscreen(["scan", tmp.file("ds"), "--list", db, "--out", tmp.file("o4"), "--signals", "crc32"])
        XCTAssertEqual(r.status, 64, "ArgumentParser's usage error status")
    }

    func testOutputsAreDeterministicAndHoldNoImageBytes() throws {
        for (i, name) in ["0001.jpg", "0002.jpg", "0003.png", "0005.png", "0008.png", "0006.jpg"].enumerated() {
            _ = try copyDemoImage(name, to: "ds/sub\(i % 2)/\(name)")
        }
        let listed = try coreutils("md5sum", tmp.file("ds/sub1/0002.jpg"))
        let (db, _) = try importList("md5 \(listed)\nsha256 \(try coreutils("sha256sum", tmp.file("ds/sub0/0003.png")))\n")
        var outputs: [[String: String]] = []
        for jobs in ["1", "4"] {
            let out = tmp.file("out\(jobs)")
            let r = try hashscreen(["scan", tmp.file("ds"), "--list", db, "--out", out, "--jobs", jobs, "--signals", "md5,sha1,sha256"])
            XCTAssertEqual(r.status, 1, r.stderr)
            var files: [String: String] = [:]
            for f in ["removals.csv", "report.jsonl", "errors.jsonl"] { files[f] = try read(out + "/" + f) }
            outputs.append(files)
            for f in try FileManager.default.contentsOfDirectory(atPath: out) {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/" + f)))
                XCTAssertFalse(bytes.contains(subsequence: [0xFF, 0xD8, 0xFF]), "\(f) holds a JPEG signature")
                XCTAssertFalse(bytes.contains(subsequence: [0x89, 0x50, 0x4E, 0x47]), "\(f) holds a PNG signature")
            }
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(outputs[0]["removals.csv"], "key,url,path,reasons\nsub0/0003.png,,sub0/0003.png,sha256:testlist\nsub1/0002.jpg,,sub1/0002.jpg,md5:testlist\n")
    }

    func testHashCommandAgreesWithCoreutils() throws {
        let files = ["0001.jpg", "0003.png"].map { demo.appendingPathComponent("images/\($0)").path }
        let r = try hashscreen(["hash"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for (line, f) in zip(lines, files) {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
            XCTAssertEqual(o, ["path": f, "md5": try coreutils("md5sum", f), "sha1": try coreutils("sha1sum", f),
                               "sha256": try coreutils("sha256sum", f)])
            XCTAssertTrue(line.hasPrefix("{\"path\":"), "path comes first")
        }
        let csv = try hashscreen(["hash", "--format", "csv", files[0], tmp.file("missing.jpg")])
        XCTAssertEqual(csv.status, 3)
        let rows = csv.stdout.split(separator: "\n")
        XCTAssertEqual(rows[0], "path,md5,sha1,sha256,error")
        XCTAssertEqual(rows[1], "\(files[0]),\(try coreutils("md5sum", files[0])),\(try coreutils("sha1sum", files[0])),\(try coreutils("sha256sum", files[0])),")
        XCTAssertTrue(rows[2].hasSuffix("read: cannot read \(tmp.file("missing.jpg"))"), String(rows[2]))
    }

    /// `hash` reads files under the same limits as `scan` (the shared --max-file-bytes and
    /// --max-pixels options): a file over the size limit is a `read` error in its row.
    func testHashCommandSharesTheScansFileLimits() throws {
        let file = demo.appendingPathComponent("images/0001.jpg").path
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
        var r = try hashscreen(["hash", "--max-file-bytes", String(size - 1), file])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertEqual(r.stdout, #"{"path":"\#(file)","md5":null,"sha1":null,"sha256":null,"error":"read: file is \#(size) bytes, over the limit of \#(size - 1) (--max-file-bytes)"}"# + "\n")
        r = try hashscreen(["hash", "--max-file-bytes", String(size), file])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try hashscreen(["hash", "--signals", "pdq", "--max-pixels", "100", file])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""error":"decode: "#), r.stdout)
        XCTAssertEqual(try hashscreen(["hash", "--max-pixels", "0", file]).status, 64)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence s: [UInt8]) -> Bool {
        guard s.count <= count else { return false }
        for i in 0...(count - s.count) where self[i] == s[0] && Array(self[i..<i + s.count]) == s { return true }
        return false
    }
}

/// A PNG whose header announces a huge canvas (a decompression bomb's first bytes).
enum PNGBomb {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
    static func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let td = Array(type.utf8) + data
        return be(UInt32(data.count)) + td + be(crc32(td))
    }
    static func bytes(width: UInt32, height: UInt32) -> [UInt8] {
        let ihdr = be(width) + be(height) + [8, 2, 0, 0, 0]
        // A zlib stream of a few zero bytes: a real bomb continues with megabytes of zeros.
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", [])
    }
}
