import HashscreenCore
import HashscreenTestSupport
import XCTest

import HashscreenMatch

final class IndexBuilderTests: XCTestCase {
    func testEverySignalGetsAnIndexThatAgreesWithHashValue() throws {
        for signal in SignalKind.allCases {
            var rng = SplitMix64(seed: UInt64(signal.byteCount) &* 977)
            let values = rng.hashSet(count: 1500, bytes: signal.byteCount, centres: 3, spread: 12)
            let index = try IndexBuilder.makeIndex(signal: signal, values: values)
            let t = IndexBuilder.expectedThreshold(for: signal) ?? 0
            for q in rng.queries(count: 30, near: values, bytes: signal.byteCount, maxFlips: t + 4) {
                let want = values.enumerated().compactMap { i, v -> IndexHit? in
                    let d = v.hammingDistance(to: q)
                    return d <= t ? IndexHit(entry: Int32(i), distance: d) : nil
                }
                XCTAssertEqual(index.search(q, threshold: t), want, "\(signal) t=\(t)")
            }
        }
    }

    func testLayoutChoiceForLargePDQLists() {
        // A large list gets tables; a tiny one is scanned.
        let big = MultiIndexHammingIndex.chooseLayout(count: 10_000_000, bitCount: 256, expectedThreshold: 31)
        XCTAssertGreaterThan(big.segmentCount, 0)
        let tiny = MultiIndexHammingIndex.chooseLayout(count: 10, bitCount: 256, expectedThreshold: 31)
        XCTAssertEqual(tiny.segmentCount, 0)
    }

    func testRejectsValuesOfAnotherSignal() {
        XCTAssertThrowsError(try IndexBuilder.makeIndex(signal: .pdq, values: [HashValue(bytes: [UInt8](repeating: 0, count: 8))]))
    }
}
