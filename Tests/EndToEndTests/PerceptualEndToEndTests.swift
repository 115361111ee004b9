/// End-to-end: perceptual signals through the CLI, against lists built with the Python
/// reference libraries (pdqhash, imagehash) from benign fixtures.
import Foundation
import HashscreenTestSupport
import XCTest

final class PerceptualEndToEndTests: XCTestCase {
    let demo = TestPaths.fixtures.appendingPathComponent("demo/images")

    /// PDQ (pdqhash, full image), pHash/dHash/aHash (imagehash) of files, computed in Python.
    func referenceHashes(_ files: [String]) throws -> [[String: Any]] {
        let out = try runPython("""
            import json, sys
            import numpy as np, pdqhash, imagehash
            from PIL import Image
            for f in sys.argv[1:]:
                im = Image.open(f)
                v, q = pdqhash.compute(np.asarray(im.convert("RGB")))
                pdq = "%064x" % int("".join("1" if b else "0" for b in v), 2)
                print(json.dumps({"path": f, "pdq": pdq, "pdq_quality": q, "phash": str(imagehash.phash(im)),
                                  "dhash": str(imagehash.dhash(im)), "ahash": str(imagehash.average_hash(im))}))
            """, files)
        return out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testHashCommandEqualsTheReferenceLibraries() throws {
        let files = ["0001.jpg", "0003.png", "0008.png", "0010.jpg"].map { demo.appendingPathComponent($0).path }
        let r = try hashscreen(["hash", "--signals", "pdq,phash,dhash,ahash", "--pdq-dihedral"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        let ours = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let ref = try referenceHashes(files)
        XCTAssertEqual(ours.count, files.count)
        for (o, e) in zip(ours, ref) {
            for k in ["pdq", "phash", "dhash", "ahash"] { XCTAssertEqual(o[k] as? String, e[k] as? String, "\(k) of \(e["path"]!)") }
            XCTAssertEqual(Int(o["pdq_quality"] as? String ?? ""), e["pdq_quality"] as? Int)
            for v in ["rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"] {
                XCTAssertEqual((o["pdq_\(v)"] as? String)?.count, 64, "pdq_\(v)")
            }
        }
    }

    /// A resized, re-encoded and a flipped copy of a fixture: the copies still match the
    /// original's list entries within the thresholds; the flip only with --dihedral.
    func testTransformedCopiesMatchTheOriginalsListEntries() throws {
        let tmp = try TemporaryDirectory()
        let original = demo.appendingPathComponent("0004.jpg").path
        _ = try runPython("""
            import sys
            from PIL import Image, ImageOps
            src, out = sys.argv[1], sys.argv[2]
            im = Image.open(src).convert("RGB")
            im.resize((im.width // 2, im.height // 2), Image.LANCZOS).save(out + "/half.jpg", quality=60)
            im.save(out + "/reencoded.png")
            ImageOps.mirror(im).save(out + "/mirrored.jpg", quality=90)
            Image.new("RGB", (200, 200), (128, 128, 128)).save(out + "/flat.png")
            """, [original, tmp.path])
        let ref = try referenceHashes([original])[0]
        let db = tmp.file("l.sqlite")
        try tmp.write("list.csv", "hash_type,hash_value,quality\npdq,\(ref["pdq"]!),\(ref["pdq_quality"]!)\nphash,\(ref["phash"]!),\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "p", "--version", "1", tmp.file("list.csv")]).status, 0)
        try tmp.write("m.csv", "key,path\nhalf,half.jpg\nreencoded,reencoded.png\nmirrored,mirrored.jpg\nflat,flat.png\n")

        var r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("o1"), "--signals", "pdq"])
        XCTAssertEqual(r.status, 1, r.stderr)
        var report = try String(contentsOfFile: tmp.file("o1/report.jsonl"), encoding: .utf8)
        var keys = report.split(separator: "\n").map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["key"] as! String }
        XCTAssertEqual(keys, ["half", "reencoded"], "the mirror needs --dihedral")
        // The flat image's PDQ (quality 0) is skipped, not a failure (issue 11).
        XCTAssertEqual(try String(contentsOfFile: tmp.file("o1/errors.jsonl"), encoding: .utf8), "")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tmp.file("o1/summary.json")))) as! [String: Any]
        let pdq = ((summary["counts"] as! [String: Any])["per_signal"] as! [String: [String: Int]])["pdq"]!
        XCTAssertEqual(pdq["skipped_low_quality"], 1, "\(pdq)")
        XCTAssertEqual(pdq["screened"], 3, "\(pdq)")

        r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("o2"), "--signals", "pdq", "--dihedral"])
        XCTAssertEqual(r.status, 1, r.stderr)
        report = try String(contentsOfFile: tmp.file("o2/report.jsonl"), encoding: .utf8)
        let rows = report.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        keys = rows.map { $0["key"] as! String }
        XCTAssertEqual(keys, ["half", "mirrored", "reencoded"])
        let mirrored = rows.first { $0["key"] as? String == "mirrored" }!
        XCTAssertEqual(mirrored["variant"] as? String, "flipy", "a left-right mirror is the flipy variant")
        XCTAssertLessThanOrEqual(mirrored["distance"] as! Int, 31)
        XCTAssertEqual(rows.first { $0["key"] as? String == "reencoded" }!["distance"] as? Int, 0, "lossless re-encode: same pixels")

        // pHash at its default threshold (8) also catches the half-size copy.
        r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("o3"), "--signals", "phash"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let removals = try String(contentsOfFile: tmp.file("o3/removals.csv"), encoding: .utf8)
        XCTAssertTrue(removals.contains("half,,half.jpg,phash:p"), removals)
        // Thresholds are respected: with 0 only the identical pixels match.
        r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("o4"), "--signals", "pdq", "--pdq-threshold", "0"])
        keys = try String(contentsOfFile: tmp.file("o4/report.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { (try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["key"] as! String }
        XCTAssertEqual(keys, ["reencoded"])
    }

    /// Each 64-bit hash has its own threshold flag: `--phash-threshold` sets pHash only (it used
    /// to set dHash and aHash too), `--dhash-threshold` and `--ahash-threshold` set theirs, and
    /// summary.json records each. List entries 10 bits from the image's own dHash and aHash sit
    /// just outside the default of 8.
    func testEach64BitHashHasItsOwnThreshold() throws {
        let tmp = try TemporaryDirectory()
        let image = demo.appendingPathComponent("0004.jpg").path
        let h = try hashscreen(["hash", "--signals", "dhash,ahash", image])
        XCTAssertEqual(h.status, 0, h.stderr)
        let own = try JSONSerialization.jsonObject(with: Data(h.stdout.utf8)) as! [String: Any]
        func flipped(_ hex: String, bits: Int) -> String {
            var v = UInt64(hex, radix: 16)!
            for b in 0..<bits { v ^= 1 << UInt64(b * 6) }
            return String(format: "%016llx", v)
        }
        let dhash = flipped(own["dhash"] as! String, bits: 10), ahash = flipped(own["ahash"] as! String, bits: 10)
        try tmp.write("list.csv", "hash_type,hash_value\ndhash,\(dhash)\nahash,\(ahash)\n")
        let db = tmp.file("l.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "near", "--version", "1", tmp.file("list.csv")]).status, 0)
        try tmp.write("m.csv", "key,path\nimg,\(image)\n")

        func scan(_ name: String, _ flags: [String]) throws -> (status: Int32, signals: [String], distances: [Int], options: [String: Any]) {
            let out = tmp.file(name)
            let r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", out, "--signals", "dhash,ahash"] + flags)
            let report = try String(contentsOfFile: out + "/report.jsonl", encoding: .utf8).split(separator: "\n")
                .map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            let options = (summary["provenance"] as! [String: Any])["options"] as! [String: Any]
            return (r.status, report.map { $0["signal"] as! String }, report.map { $0["distance"] as! Int }, options)
        }
        func thresholds(_ o: [String: Any]) -> [Int] {
            ["pdq_threshold", "phash_threshold", "dhash_threshold", "ahash_threshold"].map { o[$0] as! Int }
        }

        var r = try scan("default", [])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.signals, [])
        XCTAssertEqual(thresholds(r.options), [31, 8, 8, 8])
        XCTAssertEqual(r.options["pdq_min_quality"] as? Int, 50)

        r = try scan("phash", ["--phash-threshold", "12"])
        XCTAssertEqual(r.status, 0, "--phash-threshold no longer moves dHash or aHash")
        XCTAssertEqual(thresholds(r.options), [31, 12, 8, 8])

        r = try scan("dhash", ["--dhash-threshold", "12"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.signals, ["dhash"])
        XCTAssertEqual(r.distances, [10])
        XCTAssertEqual(thresholds(r.options), [31, 8, 12, 8])

        r = try scan("ahash", ["--ahash-threshold", "10"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.signals, ["ahash"], "a distance equal to the threshold matches")
        XCTAssertEqual(thresholds(r.options), [31, 8, 8, 10])

        r = try scan("both", ["--ahash-threshold", "9", "--dhash-threshold", "10", "--pdq-threshold", "20"])
        XCTAssertEqual(r.signals, ["dhash"])
        XCTAssertEqual(thresholds(r.options), [20, 8, 10, 9])

        for (flag, value) in [("--dhash-threshold", "64"), ("--ahash-threshold", "-1"), ("--phash-threshold", "64")] {
            let bad = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("bad"), "\(flag)=\(value)"])
            XCTAssertEqual(bad.status, 64, "\(flag) \(value): a usage error")
            XCTAssertTrue(bad.stderr.contains("\(flag) must be between 0 and 63"), bad.stderr)
        }
    }
}
