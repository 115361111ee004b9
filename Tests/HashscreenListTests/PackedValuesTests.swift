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
    /// The inline record copy and key comparisons give what memcpy and memcmp give, at every
    /// record and key length the import uses (8 to 35 bytes) and around them, on keys that
    /// differ only in their last byte, in their first, or not at all.
    func testInlineRecordCopyAndKeyComparisonsEqualMemcpyAndMemcmp() {
        var g = SplitMix64(seed: 5)
        for n in 1...70 {
            let src = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
            var dst = [UInt8](repeating: 0xAA, count: n + 8)
            dst.withUnsafeMutableBytes { d in src.withUnsafeBytes { s in PackedValues.copyRecord(d.baseAddress! + 4, s.baseAddress!, n) } }
            XCTAssertEqual(Array(dst[4..<(4 + n)]), src, "copy of \(n) bytes")
            let outside: [UInt8] = Array(dst[0..<4]) + Array(dst[(4 + n)...])
            XCTAssertEqual(outside, [UInt8](repeating: 0xAA, count: 8), "copy of \(n) bytes wrote outside")
            for change in [-1, 0, n - 1, n / 2] {
                var other = src
                if change >= 0 { other[change] = UInt8.random(in: 0...255, using: &g) }
                for k in Set([n, max(n - 1, 0), min(n, 8)]) {
                    let (c, e, m): (Int, Bool, Int) = src.withUnsafeBytes { a in other.withUnsafeBytes { b in
                        let x = a.baseAddress!, y = b.baseAddress!
                        return (PackedValues.compareKeys(x, y, k), PackedValues.equalKeys(x, y, k), Int(memcmp(x, y, k)))
                    } }
                    XCTAssertEqual(c.signum(), m.signum(), "compare of \(k) bytes")
                    XCTAssertEqual(e, m == 0, "equality of \(k) bytes")
                }
            }
        }
    }

    /// Values of every signal length whose first 8 bytes are shared (the inline comparison
    /// decides on the later words and the tail), repeated across runs and files: sorted,
    /// unique, first occurrence (its quality) kept, per-file counts right.
    func testSortOnceOrdersValuesThatDifferOnlyAfterTheirFirstWord() {
        var g = SplitMix64(seed: 17)
        for k in [8, 16, 20, 32] {
            var runs: [PackedValues.Run] = []
            var firstQuality: [[UInt8]: UInt8] = [:]
            var all: [[UInt8]] = []
            var addedPerFile = [0, 0, 0]
            for r in 0..<5 {
                var p = PackedValues.Pending(valueBytes: k)
                for i in 0..<(997 + r) {
                    var v = [UInt8](repeating: 0x5A, count: k)
                    for j in max(k - 3, 0)..<k { v[j] = UInt8.random(in: 0...7, using: &g) }
                    if i % 5 == 0, let old = all.randomElement(using: &g) { v = old }
                    let q = Int.random(in: 0...100, using: &g)
                    p.append(v, quality: q); all.append(v)
                    if firstQuality[v] == nil { firstQuality[v] = UInt8(q); addedPerFile[r / 2] += 1 }
                }
                runs.append(PackedValues.Run(pending: p, file: r / 2))
            }
            let sorted = PackedValues.sortOnce(&runs, valueBytes: k, files: 3, parts: 4)
            let expected = firstQuality.keys.sorted { $0.lexicographicallyPrecedes($1) }
            var got: [[UInt8]] = [], qualities: [UInt8] = []
            let st = sorted.values.stride
            sorted.values.forEachBlock(size: 100) { b, n in
                for i in 0..<n { got.append(Array(b[(i * st)..<(i * st + k)])); qualities.append(b[i * st + k]) }
            }
            XCTAssertEqual(got, expected, "\(k)-byte values")
            XCTAssertEqual(qualities, expected.map { firstQuality[$0]! }, "\(k)-byte values: the first quality")
            XCTAssertEqual(sorted.added, addedPerFile, "\(k)-byte values")
            XCTAssertEqual(sorted.added.reduce(0, +) + sorted.duplicates.reduce(0, +), all.count)
        }
    }
}
