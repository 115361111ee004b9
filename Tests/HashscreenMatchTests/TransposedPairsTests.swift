import HashscreenCore
import HashscreenPerceptual
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The transposed-pair layout: PDQ's transpose as a bit permutation agrees with the hasher's
/// dihedral variants, and the pair layout partitions the bits. The index's answers, for
/// queries alone and for pairs searched together: the shared `HammingIndexConformanceTests`.
final class TransposedPairsTests: XCTestCase {
    func packed(_ h: HashValue) -> PackedHash { PackedHash(h.bytes) }

    func hashValue(_ p: PackedHash) -> HashValue { p.hashValue() }

    func testTransposeIsTheHashersDiagonalFlip() {
        // An image with no symmetry: gradients and an off-centre block.
        let w = 160, h = 120
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var rng = SplitMix64(seed: 0x7A75)
        for y in 0..<h {
            for x in 0..<w {
                let i = 3 * (y * w + x)
                let block = (x > 30 && x < 70 && y > 10 && y < 50) ? 90 : 0
                rgb[i] = UInt8(truncatingIfNeeded: x + block)
                rgb[i + 1] = UInt8(truncatingIfNeeded: 2 * y + Int(rng.next() % 8))
                rgb[i + 2] = UInt8(truncatingIfNeeded: (x * y) / 64)
            }
        }
        let r = PDQHasher().hash(rgb: rgb, width: w, height: h, dihedral: true)
        let v = try! XCTUnwrap(r.variants)
        for (a, b) in [(DihedralVariant.orig, DihedralVariant.flipp), (.flipy, .rot90), (.flipx, .rot270), (.rot180, .flipm)] {
            let va = a == .orig ? r.hash : v[a]!
            XCTAssertEqual(hashValue(PDQTranspose.apply(packed(va))), v[b], "transpose(\(a)) == \(b)")
            XCTAssertNotEqual(va, v[b], "the test image is not symmetric about the diagonal")
        }
        var fixed = 0
        for p in 0..<256 {
            XCTAssertEqual(PDQTranspose.position[PDQTranspose.position[p]], p)
            if PDQTranspose.position[p] == p { fixed += 1 }
        }
        XCTAssertEqual(fixed, 16, "the diagonal")
    }

    func testPairLayoutPartitionsTheBits() throws {
        for m in [10, 11, 12, 13, 16] {
            let specs = try XCTUnwrap(SegmentBits.pairLayout(segmentCount: m, firstWidth: 256 / m + 1), "\(m)")
            XCTAssertEqual(specs.count, m)
            var all: [Int] = []
            for s in specs { all += s.positions }
            XCTAssertEqual(all.sorted(), Array(0..<256), "\(m) segments cover each bit once")
            for s in specs where s.closed {
                let set = Set(s.positions)
                XCTAssertTrue(set.allSatisfy { set.contains(PDQTranspose.position[$0]) }, "closed under the transpose")
            }
        }
    }
}
