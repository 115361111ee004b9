/// End-to-end: a scan of several batches of samples (Scanner.batchSize, one or two workers)
/// gives every sample its own perceptual matches, against expectations computed with the
/// reference libraries (pdqhash, imagehash).
import Foundation
import HashscreenTestSupport
import XCTest

final class MultiBatchEndToEndTests: XCTestCase {
    let demo = TestPaths.fixtures.appendingPathComponent("demo/images")

    /// 45 rows over 10 demo images (several batches of 16, rows in a different image order
    /// in each), two missing files among them; a list of two images' PDQ and one image's pHash.
    /// The flagged rows and their reasons are those the reference hashes predict, with and
    /// without --dihedral, with one and two workers.
    func testEverySampleOfABatchGetsItsOwnMatches() throws {
        let tmp = try TemporaryDirectory()
        // The demo images that decode (0011.jpg is truncated on purpose).
        let images = (1...10).map { String(format: "%04d.%@", $0, [3, 5, 8].contains($0) ? "png" : "jpg") }
        let paths = images.map { demo.appendingPathComponent($0).path }
        // Per image: its PDQ (pdqhash), the minimum over its 8 dihedral PDQ variants of the
        // distance to each listed PDQ, and its pHash (imagehash); the list is computed here too.
        let out = try runPython("""
            import json, sys
            import numpy as np, pdqhash, imagehash
            from PIL import Image
            def hexof(v): return "%064x" % int("".join("1" if b else "0" for b in v), 2)
            files = sys.argv[1:]
            rgb = [np.asarray(Image.open(f).convert("RGB")) for f in files]
            pdq = [hexof(pdqhash.compute(a)[0]) for a in rgb]
            dihedral = [[hexof(v) for v in pdqhash.compute_dihedral(a)[0]] for a in rgb]
            ph = [str(imagehash.phash(Image.open(f))) for f in files]
            listed_pdq = [pdq[1], pdq[8]]
            listed_ph = ph[4]
            dist = lambda a, b: bin(int(a, 16) ^ int(b, 16)).count("1")
            print(json.dumps({"list": {"pdq": listed_pdq, "phash": listed_ph}, "images": [
                {"pdq": min(dist(pdq[i], l) for l in listed_pdq),
                 "pdq_dihedral": min(dist(v, l) for v in dihedral[i] for l in listed_pdq),
                 "phash": dist(ph[i], listed_ph)} for i in range(len(files))]}))
            """, paths)
        let ref = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let list = ref["list"] as! [String: Any]
        let perImage = ref["images"] as! [[String: Int]]
        var csv = "hash_type,hash_value\n"
        for h in list["pdq"] as! [String] { csv += "pdq,\(h)\n" }
        csv += "phash,\(list["phash"] as! String)\n"
        try tmp.write("list.csv", csv)
        let db = tmp.file("l.sqlite")
        let imp = try hashscreen(["list", "import", "--list", db, "--name", "p", "--version", "1", tmp.file("list.csv")])
        XCTAssertEqual(imp.status, 0, imp.stderr)

        var manifest = "key,path\n"
        var rowImage: [String: Int] = [:]
        for row in 0..<45 {
            let key = String(format: "k%02d", row)
            if row == 7 || row == 30 { manifest += "\(key),\(tmp.file("missing.jpg"))\n"; continue }
            let image = (row * 3 + row / 10) % 10
            rowImage[key] = image
            manifest += "\(key),\(paths[image])\n"
        }
        try tmp.write("m.csv", manifest)

        for dihedral in [false, true] {
            // Reasons the reference predicts per key (PDQ threshold 31, pHash 8: the defaults).
            var expected: [String] = []
            for (key, image) in rowImage.sorted(by: { $0.key < $1.key }) {
                var reasons: [String] = []
                if perImage[image][dihedral ? "pdq_dihedral" : "pdq"]! <= 31 { reasons.append("pdq:p") }
                if perImage[image]["phash"]! <= 8 { reasons.append("phash:p") }
                if !reasons.isEmpty { expected.append("\(key):\(reasons.joined(separator: ";"))") }
            }
            XCTAssertGreaterThanOrEqual(expected.count, 12, "the list's three images appear in several batches")
            var outputs: [String] = []
            for jobs in ["1", "2"] {
                let o = tmp.file("o-\(dihedral)-\(jobs)")
                let r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", o, "--signals", "pdq,phash",
                                        "--jobs", jobs, "-q"] + (dihedral ? ["--dihedral"] : []))
                XCTAssertEqual(r.status, 1, r.stderr)
                let removals = try String(contentsOfFile: o + "/removals.csv", encoding: .utf8)
                let got = removals.split(separator: "\n").dropFirst().map { line -> String in
                    let f = line.split(separator: ",", omittingEmptySubsequences: false)
                    return "\(f[0]):\(f[3])"
                }
                XCTAssertEqual(got, expected, "dihedral \(dihedral), jobs \(jobs)")
                let errors = try String(contentsOfFile: o + "/errors.jsonl", encoding: .utf8)
                XCTAssertEqual(errors.split(separator: "\n").map { line in
                    (try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["key"] as! String
                }, ["k07", "k30"])
                outputs.append(removals + (try String(contentsOfFile: o + "/report.jsonl", encoding: .utf8)) + errors)
            }
            XCTAssertEqual(outputs[0], outputs[1], "one worker and two give the same outputs")
        }
    }
}
