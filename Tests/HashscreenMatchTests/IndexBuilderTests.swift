import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

final class IndexBuilderTests: XCTestCase {
    func testEverySignalGetsAnIndexThatAgreesWithHashValue() throws {
        for signal in SignalKind.allCases {
            var rng = SplitMix64(seed: UInt64(signal.byteCount) &* 977)
            let values = rng.hashSet(count: 1500, bytes: signal.byteCount, centres: 3, spread: 12)
            let index = try IndexBuilder.makeIndex(signal.indexDescription, values: values)
            let t = signal.indexDescription.tunedThreshold
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

    /// What a scan does (`KnownHashes`): a per-entry array (here, which list each value came
    /// from) permuted once through `reorder`; hits then name the right owners.
    func testReorderedEntriesKeepTheirOwners() throws {
        var rng = SplitMix64(seed: 0x0DE2)
        let values = rng.hashSet(count: 20_000, bytes: 32, centres: 5, spread: 20)
        var owners = values.indices.map { UInt16($0 % 7) }
        let originalOwners = owners
        var calls = 0
        let index = try IndexBuilder.makeIndex(SignalKind.pdq.indexDescription, packed: PackedHashList(values, byteCount: 32)) { order in
            calls += 1
            owners = order.map { originalOwners[Int($0)] }
        }
        XCTAssertTrue(index is CompactHammingIndex, "a 20,000-entry PDQ list gets the compact index, got \(type(of: index))")
        XCTAssertEqual(calls, 1)
        for q in rng.queries(count: 40, near: values, bytes: 32, maxFlips: 35) {
            let want = values.indices.compactMap { i -> [Int]? in
                let d = values[i].hammingDistance(to: q)
                return d <= 31 ? [Int(originalOwners[i]), d] : nil
            }.sorted { $0.lexicographicallyPrecedes($1) }
            let got = index.search(q, threshold: 31).map { [Int(owners[Int($0.entry)]), $0.distance] }
                .sorted { $0.lexicographicallyPrecedes($1) }
            XCTAssertEqual(got, want)
        }
    }

    func testRejectsValuesOfAnotherSignal() {
        XCTAssertThrowsError(try IndexBuilder.makeIndex(SignalKind.pdq.indexDescription, values: [HashValue(bytes: [UInt8](repeating: 0, count: 8))]))
    }

    /// A `--dihedral` scan asks for the transposed-pair layout; others keep the standard one.
    func testTransposedPairsOnlyWhenAsked() throws {
        var rng = SplitMix64(seed: 0x7A1)
        let values = (0..<20_000).map { _ in rng.hash(bytes: 32) }
        let plain = try IndexBuilder.makeIndex(SignalKind.pdq.indexDescription, packed: PackedHashList(values, byteCount: 32))
        let pairs = try IndexBuilder.makeIndex(SignalKind.pdq.indexDescription, packed: PackedHashList(values, byteCount: 32), transposedPairs: true)
        XCTAssertEqual((plain as? CompactHammingIndex)?.transposedPairs, false)
        XCTAssertEqual((pairs as? CompactHammingIndex)?.transposedPairs, true)
        let q = rng.flip(values[7], bits: 9)
        XCTAssertEqual(plain.search(q, threshold: 31).sorted(), pairs.search(q, threshold: 31).sorted())
        XCTAssertTrue(pairs.search(q, threshold: 31).contains { $0.entry == 7 && $0.distance == 9 })
    }

    /// The builder reads only the description: without a permutation, a request for pairs
    /// keeps the standard layout; the width alone chooses the compact or the multi-index layout.
    func testChoiceFollowsTheDescriptionOnly() throws {
        var rng = SplitMix64(seed: 0xD35C)
        let values = (0..<20_000).map { _ in rng.hash(bytes: 32) }
        var d = SignalKind.pdq.indexDescription
        XCTAssertNotNil(d.transpose)
        d.transpose = nil
        let index = try IndexBuilder.makeIndex(d, packed: PackedHashList(values, byteCount: 32), transposedPairs: true)
        XCTAssertEqual((index as? CompactHammingIndex)?.transposedPairs, false)
        // 64-bit values at a low tuned threshold take multi-index tables; tuned for half the
        // bits, an exhaustive scan is cheaper.
        let short = (0..<20_000).map { _ in rng.hash(bytes: 8) }
        let mih = try IndexBuilder.makeIndex(IndexDescription(comparison: .hamming, bitCount: 64, tunedThreshold: 3),
                                             values: short)
        XCTAssertTrue(mih is MultiIndexHammingIndex, "got \(type(of: mih))")
        let wide = try IndexBuilder.makeIndex(IndexDescription(comparison: .hamming, bitCount: 64, tunedThreshold: 32),
                                              values: short)
        XCTAssertTrue(wide is BruteForceHammingIndex, "got \(type(of: wide))")
        let exact = try IndexBuilder.makeIndex(IndexDescription(comparison: .exact, bitCount: 256), values: values)
        XCTAssertTrue(exact is ExactIndex)
    }
}
