import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The packed form a scan loads its lists into, and the batch search: both must give exactly
/// what `HashValue` and single searches give.
final class PackedHashListTests: XCTestCase {
    func testValuesComeBackUnchanged() throws {
        for bytes in [1, 8, 16, 20, 32] {
            var rng = SplitMix64(seed: 0xFACE + UInt64(bytes))
            let values = (0..<100).map { _ in rng.hash(bytes: bytes) }
            // Capacity 0: every growth step is exercised; exact capacity: the adopted buffer.
            for capacity in [0, values.count] {
                let list = try PackedHashList(byteCount: bytes, capacity: capacity)
                for v in values { try list.append(v.bytes) }
                XCTAssertEqual(list.count, values.count)
                XCTAssertEqual((0..<list.count).map { list[$0] }, values, "\(bytes) bytes, capacity \(capacity)")
            }
        }
    }

    func testRejectsWrongLengths() throws {
        let list = try PackedHashList(byteCount: 8)
        XCTAssertThrowsError(try list.append([1, 2, 3]))
        XCTAssertEqual(list.count, 0)
        XCTAssertThrowsError(try PackedHashList(byteCount: 0))
        XCTAssertThrowsError(try PackedHashList(byteCount: 33))
        XCTAssertThrowsError(try IndexBuilder.makeIndex(SignalKind.pdq.indexDescription, packed: PackedHashList(byteCount: 8)),
                             "8-byte values are not PDQ")
    }

    /// Every signal, built from a packed list that grew (so the index copies it) and from one
    /// reserved exactly (so the index adopts it), against HashValue's own distance.
    func testBuilderFromPackedAgreesWithHashValue() throws {
        for signal in SignalKind.allCases {
            var rng = SplitMix64(seed: UInt64(signal.byteCount) &* 131)
            let values = rng.hashSet(count: 1200, bytes: signal.byteCount, centres: 3, spread: 12)
            let t = signal.indexDescription.tunedThreshold
            let queries = rng.queries(count: 25, near: values, bytes: signal.byteCount, maxFlips: t + 4)
            for capacity in [0, values.count] {
                let list = try PackedHashList(byteCount: signal.byteCount, capacity: capacity)
                for v in values { try list.append(v.bytes) }
                let index = try IndexBuilder.makeIndex(signal.indexDescription, packed: list)
                XCTAssertEqual(index.count, values.count)
                for q in queries {
                    let want = values.enumerated().compactMap { i, v -> IndexHit? in
                        let d = v.hammingDistance(to: q)
                        return d <= t ? IndexHit(entry: Int32(i), distance: d) : nil
                    }
                    XCTAssertEqual(index.search(q, threshold: t), want, "\(signal) capacity \(capacity)")
                }
            }
        }
    }

    /// A batch (here 8 queries, like an image's dihedral variants, plus odd sizes) gives each
    /// query exactly the hits of the exhaustive scan, tagged with the query's position.
    func testBatchSearchEqualsExhaustiveScan() throws {
        for (bytes, thresholds) in [(8, Array(0..<64)), (32, [0, 5, 16, 31, 32, 47, 63])] {
            var rng = SplitMix64(seed: 0xBA7C + UInt64(bytes))
            let values = rng.hashSet(count: 1500, bytes: bytes, centres: 4, spread: bytes == 8 ? 10 : 30)
            let reference = try BruteForceHammingIndex(values: values, byteCount: bytes)
            let indexes: [any MatchIndex] = [
                try MultiIndexHammingIndex(values: values, byteCount: bytes,
                                           expectedThreshold: bytes == 8 ? 10 : 31),
                try MultiIndexHammingIndex(values: values, byteCount: bytes,
                                           layout: .init(segmentCount: bytes == 8 ? 4 : 11), allowExhaustive: false),
            ]
            for batchSize in [0, 1, 3, 8] {
                let queries = rng.queries(count: batchSize, near: values, bytes: bytes, maxFlips: 40)
                for t in thresholds {
                    var want: [IndexBatchHit] = []
                    for (i, q) in queries.enumerated() {
                        want += reference.search(q, threshold: t).map { IndexBatchHit(query: Int32(i), hit: $0) }
                    }
                    for index in indexes {
                        var got: [IndexBatchHit] = []
                        index.search(batch: queries, threshold: t, into: &got)
                        XCTAssertEqual(got.sorted(), want.sorted(), "\(bytes * 8)-bit batch of \(batchSize), t=\(t)")
                    }
                }
            }
        }
    }
}
