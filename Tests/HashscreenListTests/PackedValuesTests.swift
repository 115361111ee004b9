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

    func testSortOnceKeepsTheFirstOfRepeatsAcrossRunsAndCountsThemPerFile() {
        func value(_ b: UInt8) -> [UInt8] { [b, 0, 0, 0, 0, 0, 0, 1] }
        var first = PackedValues.Pending(valueBytes: 8)
        first.append(value(5), quality: 10)
        first.append(value(1), quality: nil)
        first.append(value(5), quality: 90)  // repeat: quality 10 stays
        var second = PackedValues.Pending(valueBytes: 8)  // the same file, read by a second thread
        second.append(value(5), quality: 20)
        var third = PackedValues.Pending(valueBytes: 8)   // the next file
        third.append(value(1), quality: 50)  // already there
        third.append(value(3), quality: nil)
        var runs = [PackedValues.Run(pending: first, file: 0), PackedValues.Run(pending: second, file: 0),
                    PackedValues.Run(pending: third, file: 1)]
        let sorted = PackedValues.sortOnce(&runs, valueBytes: 8, files: 2, parts: 3)
        XCTAssertEqual(sorted.added, [2, 1]); XCTAssertEqual(sorted.duplicates, [2, 1])
        // Value, quality, then the file's number (two bytes, little-endian).
        XCTAssertEqual(sorted.values.records, value(1) + [0xFF, 0, 0] + value(3) + [0xFF, 1, 0] + value(5) + [10, 0, 0])
        XCTAssertTrue(sorted.values.contains(value(3)))
        XCTAssertFalse(sorted.values.contains(value(4)))
        XCTAssertTrue(sorted.values.hasQuality)
        XCTAssertTrue(runs.isEmpty)
    }

    /// Many random runs, cut into pieces: the same values as a plain sort and unique.
    func testSortOnceEqualsASortOfTheConcatenatedRuns() {
        var g = SplitMix64(seed: 11)
        var runs: [PackedValues.Run] = []
        var all: [[UInt8]] = []
        for r in 0..<6 {
            var p = PackedValues.Pending(valueBytes: 16)
            for _ in 0..<3000 {
                var v = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
                if UInt8.random(in: 0...3, using: &g) == 0, let old = all.randomElement(using: &g) { v = old }
                p.append(v, quality: nil); all.append(v)
            }
            runs.append(PackedValues.Run(pending: p, file: r / 2))
        }
        let sorted = PackedValues.sortOnce(&runs, valueBytes: 16, files: 3, parts: 8)
        let expected = Array(Set(all)).sorted { $0.lexicographicallyPrecedes($1) }
        var got: [[UInt8]] = []
        sorted.values.forEachBlock(size: 1000) { b, n in
            for i in 0..<n { got.append(Array(b[(i * sorted.values.stride)..<(i * sorted.values.stride + 16)])) }
        }
        XCTAssertEqual(got, expected)
        XCTAssertEqual(sorted.added.reduce(0, +), expected.count)
        XCTAssertEqual(sorted.added.reduce(0, +) + sorted.duplicates.reduce(0, +), all.count)
    }
}
