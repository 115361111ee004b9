import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPerceptual

/// The PDQ facts HashscreenCore declares (`PDQBitLayout`, its transpose, `QualityGate.pdq`)
/// are the ones the hasher produces.
final class PDQBitLayoutTests: XCTestCase {
    /// One coefficient above the median (all others equal) sets exactly one bit, where the
    /// layout says and where the reference prints it: words 15...0 (word i = row i, bit j =
    /// column j), four hex digits each.
    func testHasherWritesBitsThroughTheLayout() {
        XCTAssertEqual(PDQHasher.dctSide, PDQBitLayout.side)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: 256)
        defer { b.deallocate() }
        var positions = Set<Int>()
        for i in 0..<16 {
            for j in 0..<16 {
                b.initialize(repeating: 0, count: 256)
                b[16 * i + j] = 1
                let h = PDQHasher.bits(b)
                let p = PDQBitLayout.position(row: i, column: j)
                positions.insert(p)
                var want = [UInt8](repeating: 0, count: 32)
                want[p >> 3] = 0x80 >> UInt8(p & 7)
                XCTAssertEqual(h.bytes, want, "(\(i), \(j))")
                let words = (0..<16).reversed().map { w in String(format: "%04x", w == i ? 1 << j : 0) }
                XCTAssertEqual(h.hex, words.joined(), "(\(i), \(j)) as the reference prints it")
            }
        }
        XCTAssertEqual(positions.count, 256, "every coefficient has its own bit")
    }

    /// The declared transpose maps each variant onto its diagonal flip as the hasher derives it
    /// (flipp, rot90, rot270, flipm are the transposes of orig, flipy, flipx, rot180).
    func testTransposeIsTheHashersDiagonalFlip() throws {
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
        let v = try XCTUnwrap(r.variants)
        let t = PDQBitLayout.transpose
        XCTAssertEqual(SignalKind.pdq.transpose, t, "the signal declares the layout's transpose")
        for (a, b) in [(DihedralVariant.orig, DihedralVariant.flipp), (.flipy, .rot90), (.flipx, .rot270), (.rot180, .flipm)] {
            let va = try XCTUnwrap(a == .orig ? r.hash : v[a])
            XCTAssertEqual(t.apply(va), v[b], "transpose(\(a)) == \(b)")
            XCTAssertEqual(t.apply(try XCTUnwrap(v[b])), va, "transpose(\(b)) == \(a)")
            XCTAssertNotEqual(va, v[b], "the test image is not symmetric about the diagonal")
        }
        XCTAssertTrue(t.isInvolution)
        XCTAssertEqual(t.fixedPoints.count, 16, "the diagonal")
        XCTAssertEqual(Set(t.fixedPoints), Set((0..<16).map { PDQBitLayout.position(row: $0, column: $0) }))
    }

    /// Qualities stay inside the declared range, and the cap is its top.
    func testQualityIsOnTheDeclaredScale() {
        XCTAssertEqual(PDQHasher.qualityCap, QualityGate.pdq.range.upperBound)
        var rng = SplitMix64(seed: 0x0A11)
        let hasher = PDQHasher()
        for (w, h) in [(64, 64), (120, 90), (8, 300)] {
            let noisy = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let flat = [UInt8](repeating: 128, count: w * h * 3)
            for rgb in [noisy, flat] {
                let q = hasher.hash(rgb: rgb, width: w, height: h).quality
                XCTAssertTrue(QualityGate.pdq.range.contains(q), "\(w)x\(h): \(q)")
            }
        }
    }
}
