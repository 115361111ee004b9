import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The transposed-pair layout under PDQ's transpose (declared in HashscreenCore): the index
/// answers exactly what the byte-by-byte distance says, for queries alone and for pairs (a
/// query and its transpose) searched together.
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

    func testSearchesAloneAndInPairsAreExact() throws {
        var rng = SplitMix64(seed: 0x9A12)
        var values = rng.hashSet(count: 1500, bytes: 32, centres: 4, spread: 30)
        // Transposed copies of some entries, near and exact, so that pairs find hits both ways.
        for i in stride(from: 0, to: 300, by: 3) {
            var t = packed(values[i])
            t = transpose.apply(t)
            values.append(rng.flip(hashValue(t), bits: i % 9))
        }
        // Hashes equal or close to their own transpose (an image symmetric about the diagonal):
        // their canonical probes repeat, and entries near the transpose sit in the same buckets
        // as entries near the query.
        var symmetric: [HashValue] = []
        for _ in 0..<3 {
            let r = packed(rng.hash(bytes: 32))
            var w: [UInt64] = [r.w0, r.w1, r.w2, r.w3]
            for p in 0..<256 where transpose[p] > p {
                let t = transpose[p]
                let bit = w[p >> 6] >> UInt64(63 - (p & 63)) & 1
                w[t >> 6] = (w[t >> 6] & ~(1 << UInt64(63 - (t & 63)))) | bit << UInt64(63 - (t & 63))
            }
            var sp = PackedHash()
            sp.w0 = w[0]; sp.w1 = w[1]; sp.w2 = w[2]; sp.w3 = w[3]
            XCTAssertEqual(transpose.apply(sp), sp)
            symmetric.append(hashValue(sp))
        }
        for s in symmetric { for f in 0..<25 { values.append(rng.flip(s, bits: f % 16)) } }
        // An entry that a query's first closed segment finds only through the query's transpose,
        // and whose first segment within radius of the query is a later one: it must be reported
        // once, by that later segment. u = s + F0 + G, entry = s + F0 + H + transpose(G), with
        // F0, H in segment 0 and G on one side of segment 1's pairs.
        let seg1 = try XCTUnwrap(SegmentBits.pairLayout(segmentCount: 11, firstWidth: 24, transpose: transpose))[1].positions
        let g = Array(seg1.filter { transpose[$0] > $0 }.prefix(3))
        func flipping(_ h: HashValue, _ positions: [Int]) -> HashValue {
            var b = h.bytes
            for p in positions { b[p >> 3] ^= UInt8(0x80) >> UInt8(p & 7) }
            return HashValue(bytes: b)
        }
        let u = flipping(symmetric[0], [1, 7, 13] + g)
        values.append(flipping(symmetric[0], [1, 7, 13] + [3, 9, 20] + g.map { transpose[$0] }))
        values.shuffle(using: &rng)
        var queries = rng.queries(count: 8, near: values, bytes: 32, maxFlips: 40)
        queries.append(values[0])
        for s in symmetric { queries += [s, rng.flip(s, bits: 2), rng.flip(s, bits: 5)] }
        queries.append(u)
        let index = try CompactHammingIndex(packed: PackedHashList(values, byteCount: 32), segmentCount: 11,
                                            transpose: transpose, allowExhaustive: false)
        XCTAssertTrue(index.transposedPairs)
        var batchQueries: [HashValue] = []
        for q in queries { batchQueries += [q, hashValue(transpose.apply(packed(q)))] }
        batchQueries.append(rng.hash(bytes: 32))      // one without its transpose
        var failures = 0
        for t in [0, 5, 12, 20, 31, 32, 40, 63] {
            let want = batchQueries.map { q in
                values.enumerated().compactMap { i, v in
                    let d = v.hammingDistance(to: q)
                    return d <= t ? IndexHit(entry: Int32(i), distance: d) : nil
                }
            }
            var batch: [IndexBatchHit] = []
            index.search(batch: batchQueries, threshold: t, into: &batch)
            for (qi, q) in batchQueries.enumerated() {
                let alone = index.search(q, threshold: t).sorted()
                let together = batch.filter { $0.query == Int32(qi) }.map(\.hit).sorted()
                if alone != want[qi] || together != want[qi] {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("t=\(t) query \(qi): want \(want[qi].count), alone \(alone.count), in the batch \(together.count)")
                    }
                }
            }
        }
        XCTAssertEqual(failures, 0)
    }
}
