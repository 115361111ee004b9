import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The packed form a scan loads its lists into: indexes built from it give exactly what
/// `HashValue` gives. (Batch searches: `HammingIndexConformanceTests`.)
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
}
