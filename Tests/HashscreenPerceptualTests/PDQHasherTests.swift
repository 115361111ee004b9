import Foundation
import HashscreenCore
import HashscreenDecode
@testable import HashscreenPerceptual
import XCTest

final class PDQHasherTests: XCTestCase {
    /// Every row of GOLDEN_FROM_PNG.tsv (reference C++ and pdqhash agree on each): decode the
    /// lossless PNG, hash in the row's mode, compare hex and quality exactly, all 8 variants.
    func testGoldenPNGsExact() throws {
        let rows = try Vectors.tsvRows(Vectors.pdq.appendingPathComponent("GOLDEN_FROM_PNG.tsv"))
        XCTAssertGreaterThanOrEqual(rows.count, 500, "golden table looks truncated")
        var byImage: [String: [[String]]] = [:]
        for r in rows { byImage[r[0] + "\t" + r[3], default: []].append(r) }
        let hasher = PDQHasher()
        var compared = 0, mismatches: [String] = []
        for key in byImage.keys.sorted() {
            let group = byImage[key]!
            let file = group[0][0]
            let mode = try XCTUnwrap(PDQMode(rawValue: group[0][3]))
            let img = try Vectors.decode(Vectors.pdq.appendingPathComponent(file))
            XCTAssertEqual("\(img.width) \(img.height)", "\(group[0][1]) \(group[0][2])", file)
            let result = hasher.hash(rgb: img.pixels, width: img.width, height: img.height, mode: mode, dihedral: true)
            let plain = hasher.hash(rgb: img.pixels, width: img.width, height: img.height, mode: mode, dihedral: false)
            XCTAssertEqual(plain.hash, result.hash, "\(file) \(mode): hash differs with and without variants")
            XCTAssertEqual(plain.quality, result.quality)
            for r in group {
                let variant = try XCTUnwrap(DihedralVariant(rawValue: r[4]))
                let got = try XCTUnwrap(result.variants?[variant])
                compared += 1
                if got.hex != r[5] || result.quality != Int(r[6]) {
                    mismatches.append("\(file) \(mode) \(variant): got \(got.hex) q\(result.quality), want \(r[5]) q\(r[6]) (distance \(got.hammingDistance(to: HashValue(hex: r[5])!)))")
                }
                if variant == .orig { XCTAssertEqual(result.hash.hex, r[5]) }
            }
        }
        XCTAssertEqual(compared, rows.count)
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) of \(compared) golden rows differ:\n" + mismatches.joined(separator: "\n"))
    }
}
