import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The transposed-pair layout: PDQ's transpose as a bit permutation agrees with the hasher's
/// dihedral variants, and the pair layout partitions the bits. The index's answers, for
/// queries alone and for pairs searched together: the shared `HammingIndexConformanceTests`.
final class TransposedPairsTests: XCTestCase {
    func packed(_ h: HashValue) -> PackedHash { PackedHash(h.bytes) }

    func hashValue(_ p: PackedHash) -> HashValue { p.hashValue() }

    let transpose = PDQBitLayout.transpose

    /// The index's word-level permutation is Core's byte-level one, and an index refuses a
    /// permutation it cannot pair under. (That the transpose is the hasher's diagonal flip is
    /// checked in HashscreenPerceptualTests.PDQBitLayoutTests.)
    func testWordPermutationAgreesWithCoreAndOnlyInvolutionsPair() throws {
        var rng = SplitMix64(seed: 0x7A75)
        for _ in 0..<50 {
            let h = rng.hash(bytes: 32)
            XCTAssertEqual(hashValue(transpose.apply(packed(h))), transpose.apply(h))
        }
        let rotate = try XCTUnwrap(BitPermutation(bitCount: 256) { ($0 + 1) % 256 })
        XCTAssertFalse(rotate.isInvolution)
        let values = (0..<2000).map { _ in rng.hash(bytes: 32) }
        XCTAssertThrowsError(try CompactHammingIndex(packed: PackedHashList(values, byteCount: 32), segmentCount: 11,
                                                     transpose: rotate))
        XCTAssertNil(SegmentBits.pairLayout(segmentCount: 11, firstWidth: 24,
                                            transpose: try XCTUnwrap(BitPermutation(bitCount: 64) { $0 })))
    }

    func testPairLayoutPartitionsTheBits() throws {
        for m in [10, 11, 12, 13, 16] {
            let specs = try XCTUnwrap(SegmentBits.pairLayout(segmentCount: m, firstWidth: 256 / m + 1, transpose: transpose), "\(m)")
            XCTAssertEqual(specs.count, m)
            var all: [Int] = []
            for s in specs { all += s.positions }
            XCTAssertEqual(all.sorted(), Array(0..<256), "\(m) segments cover each bit once")
            for s in specs where s.closed {
                let set = Set(s.positions)
                XCTAssertTrue(set.allSatisfy { set.contains(transpose[$0]) }, "closed under the transpose")
            }
        }
    }
}
