import Foundation
import HashscreenCore
import HashscreenDecode
@testable import HashscreenPerceptual
import XCTest

final class ImageHasher64Tests: XCTestCase {
    /// OBSERVED.tsv: what imagehash 4.3.2 + Pillow 13 print for a few of the reference images
    /// (decoded here by the project's decoder, there by Pillow).
    func testObservedImageHashValues() throws {
        let rows = try Vectors.tsvRows(Vectors.imagehash.appendingPathComponent("OBSERVED.tsv"))
        XCTAssertGreaterThanOrEqual(rows.count, 7)
        let hasher = ImageHasher64()
        var report: [String] = []
        for r in rows {
            let img = try Vectors.decode(Vectors.pdq.appendingPathComponent(r[0]))
            let h = hasher.hashes(rgb: img.pixels, width: img.width, height: img.height)
            let d = [(h.phash, r[1]), (h.dhash, r[2]), (h.ahash, r[3])].map { $0.0.hammingDistance(to: HashValue(hex: $0.1)!) }
            report.append("\(r[0]): phash \(d[0]) dhash \(d[1]) ahash \(d[2])")
            // Exact: the project's JPEG decoder (libjpeg-turbo, ISLOW) gives Pillow's pixels.
            XCTAssertEqual(h.phash.hex, r[1], "phash \(r[0])")
            XCTAssertEqual(h.dhash.hex, r[2], "dhash \(r[0])")
            XCTAssertEqual(h.ahash.hex, r[3], "average_hash \(r[0])")
        }
        print("ImageHash OBSERVED distances:\n" + report.joined(separator: "\n"))
    }
}

extension ImageHasher64Tests {
    /// Runs Python ImageHash on the golden PNGs (lossless, so Swift decodes the same pixels)
    /// and on synthetic images (flat, gradients, noise, smooth, checkerboard; 1x1 to 1000x3)
    /// and compares all three hashes bit for bit.
    func testAgreesWithPythonImageHash() throws {
        let script = Vectors.packageRoot.appendingPathComponent("Tests/HashscreenPerceptualTests/Scripts/imagehash_crosscheck.py")
        let pngs = try FileManager.default.contentsOfDirectory(atPath: Vectors.pdq.appendingPathComponent("golden-png").path)
            .filter { $0.hasSuffix(".png") }.sorted()
            .map { Vectors.pdq.appendingPathComponent("golden-png/" + $0).path }
        XCTAssertEqual(pngs.count, 16)
        let out = try Vectors.runPython("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                                        arguments: [script.path] + pngs)
        let hasher = ImageHasher64()
        var total = 0
        var differing: [String: [String]] = ["phash": [], "dhash": [], "ahash": []]
        for line in out.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let name = o["name"] as! String
            let h: ImageHashes64
            if let b64 = o["rgb"] as? String {
                h = hasher.hashes(rgb: [UInt8](Data(base64Encoded: b64)!), width: o["w"] as! Int, height: o["h"] as! Int)
            } else {
                let img = try Vectors.decode(URL(fileURLWithPath: name))
                h = hasher.hashes(rgb: img.pixels, width: img.width, height: img.height)
            }
            for (kind, got) in [("phash", h.phash), ("dhash", h.dhash), ("ahash", h.ahash)] {
                let want = o[kind] as! String
                if got.hex != want {
                    differing[kind]!.append("\(name): \(got.hex) vs \(want) (\(got.hammingDistance(to: HashValue(hex: want)!)) bits)")
                }
            }
            total += 1
        }
        XCTAssertEqual(total, 16 + 72)
        for kind in ["phash", "dhash", "ahash"] {
            XCTAssertTrue(differing[kind]!.isEmpty, "\(kind): \(differing[kind]!.count) of \(total) differ:\n" + differing[kind]!.joined(separator: "\n"))
        }
        print("ImageHash cross-check: \(total) images, differing phash \(differing["phash"]!.count), dhash \(differing["dhash"]!.count), ahash \(differing["ahash"]!.count)")
    }
}

extension ImageHasher64Tests {
    /// Asking for a subset gives exactly the subset, each equal to the all-three call (which
    /// the cross-checks above hold to Python ImageHash), on shapes that take each resize path;
    /// signals this hasher does not compute are ignored.
    func testRequestedSubsetsEqualTheFullComputation() throws {
        let hasher = ImageHasher64()
        var rng = SystemRandomNumberGenerator()
        let shapes = [(1, 1), (9, 8), (7, 300), (300, 7), (257, 129), (33, 31), (32, 32), (640, 480)]
        let subsets: [Set<SignalKind>] = [[], [.phash], [.dhash], [.ahash], [.phash, .dhash], [.dhash, .ahash],
                                          [.phash, .ahash], Set(ImageHasher64.signals), [.pdq], [.pdq, .md5, .dhash],
                                          Set(SignalKind.allCases)]
        for (w, h) in shapes {
            let rgb = (0..<(w * h * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let all = hasher.hashes(rgb: rgb, width: w, height: h)
            let want: [SignalKind: HashValue] = [.phash: all.phash, .dhash: all.dhash, .ahash: all.ahash]
            for kinds in subsets {
                let got = rgb.withUnsafeBufferPointer { hasher.hashes(rgb: $0, width: w, height: h, kinds: kinds) }
                let computed = kinds.intersection([.phash, .dhash, .ahash])
                XCTAssertEqual(Set(got.keys), computed, "\(w)x\(h) \(kinds)")
                for k in computed { XCTAssertEqual(got[k], want[k], "\(w)x\(h) \(k) in \(kinds)") }
            }
        }
    }
}

extension ImageHasher64Tests {
    /// PDQ and the 64-bit hashes from one walk over the pixels equal the two separate calls
    /// (which the golden/pdqhash/ImageHash tests hold to the references), for shapes that take
    /// each path: fused (.full), 64x64 and tiny images and `.cimg512` (separate calls inside).
    func testCombinedWalkEqualsSeparateCalls() throws {
        var rng = SystemRandomNumberGenerator()
        let shapes = [(4, 9), (5, 5), (9, 8), (64, 64), (7, 300), (300, 7), (257, 129), (640, 480), (700, 530)]
        for (w, h) in shapes {
            // Smooth content plus noise, so that PDQ bits and the reductions are not degenerate.
            var rgb = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h { for x in 0..<w { for c in 0..<3 {
                let v = 128 + 60 * sin(Double(x) / 7 + Double(c)) * cos(Double(y) / 11) + Double.random(in: -20...20, using: &rng)
                rgb[(y * w + x) * 3 + c] = UInt8(max(0, min(255, v)))
            } } }
            for mode in PDQMode.allCases {
                for dihedral in [false, true] {
                    for kinds: Set<SignalKind> in [[.phash], Set(ImageHasher64.signals), [.pdq, .dhash], [.pdq]] {
                        let pdqA = PDQHasher(), hA = ImageHasher64(), pdqB = PDQHasher(), hB = ImageHasher64()
                        let (r, h64) = rgb.withUnsafeBufferPointer {
                            pdqA.hash(rgb: $0, width: w, height: h, mode: mode, dihedral: dihedral, alongside: hA, kinds: kinds)
                        }
                        let want = pdqB.hash(rgb: rgb, width: w, height: h, mode: mode, dihedral: dihedral)
                        let want64 = rgb.withUnsafeBufferPointer { hB.hashes(rgb: $0, width: w, height: h, kinds: kinds) }
                        XCTAssertEqual(r, want, "PDQ \(w)x\(h) \(mode) dihedral \(dihedral)")
                        XCTAssertEqual(h64, want64, "64-bit \(w)x\(h) \(mode) \(kinds)")
                    }
                }
            }
        }
    }
}
