import HashscreenCore
@testable import HashscreenList
import HashscreenTestSupport
import XCTest

/// The import sorts and deduplicates each signal's values in memory: the order must be the
/// value bytes' and the first of equal values (with its quality) the one kept.
final class PackedValuesTests: XCTestCase {
    func testSortedStableOrdersByValueBytesAndKeepsInputOrderOfEqualValues() {
        var g = SplitMix64(seed: 7)
        let k = 8, stride = 9
        var input: [UInt8] = []
        var rows: [([UInt8], UInt8)] = []
        for i in 0..<5000 {
            var v = (0..<k).map { _ in UInt8.random(in: 0...255, using: &g) }
            // Shared first bytes (one crowded radix bucket) and exact repeats: the tie-breaks.
            if i % 3 == 0 { for j in 0..<5 { v[j] = 0x42 } }
            if i % 7 == 0, let prev = rows.last { v = prev.0 }
            let tag = UInt8(i % 200)
            rows.append((v, tag)); input += v + [tag]
        }
        let got = PackedValues.sortedStable(input, stride: stride, keyBytes: k)
        let expected = rows.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? a.element.0.lexicographicallyPrecedes(b.element.0) : a.offset < b.offset
        }.flatMap { $0.element.0 + [$0.element.1] }
        XCTAssertEqual(got, expected)
    }

    func testAddKeepsTheFirstOfRepeatsAcrossCallsAndCountsThem() {
        var packed = PackedValues(valueBytes: 8)
        func value(_ b: UInt8) -> [UInt8] { [b, 0, 0, 0, 0, 0, 0, 1] }
        var first = PackedValues.Pending(valueBytes: 8)
        first.append(value(5), quality: 10)
        first.append(value(1), quality: nil)
        first.append(value(5), quality: 90)  // repeat: quality 10 stays
        var r = packed.add(&first)
        XCTAssertEqual(r.added, 2); XCTAssertEqual(r.duplicates, 1)
        var second = PackedValues.Pending(valueBytes: 8)
        second.append(value(1), quality: 50)  // already there
        second.append(value(3), quality: nil)
        r = packed.add(&second)
        XCTAssertEqual(r.added, 1); XCTAssertEqual(r.duplicates, 1)
        XCTAssertEqual(packed.records, value(1) + [0xFF] + value(3) + [0xFF] + value(5) + [10])
        XCTAssertTrue(packed.contains(value(3)))
        XCTAssertFalse(packed.contains(value(4)))
        XCTAssertTrue(packed.hasQuality)
    }
}
