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
        let errors = try String(contentsOfFile: tmp.file("o1/errors.jsonl"), encoding: .utf8)
        XCTAssertTrue(errors.contains(#""key":"flat","path":"flat.png","stage":"unscreenable-perceptual""#), errors)
        XCTAssertTrue(errors.contains(#""quality":0"#), errors)

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
}
