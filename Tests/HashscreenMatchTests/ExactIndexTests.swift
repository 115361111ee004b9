import HashscreenCore
import HashscreenTestSupport
import XCTest

import HashscreenMatch

/// Equality search against a reference built from a `Dictionary` of the same values.
final class ExactIndexTests: XCTestCase {
    func testHitsMissesAndDuplicates() throws {
        for signal in [SignalKind.md5, .sha1, .sha256, .urlMD5, .urlSHA256] {
            var rng = SplitMix64(seed: UInt64(signal.byteCount) * 31 + 5)
            var values = (0..<5000).map { _ in rng.hash(bytes: signal.byteCount) }
            // The same value in several lists, and values sharing their first 16 bits.
            for i in stride(from: 0, to: 300, by: 3) { values.append(values[i]) }
            values.append(values[6]); values.append(values[6])
            for i in 0..<50 {
                var b = values[i].bytes; b[b.count - 1] ^= 1
                values.append(HashValue(bytes: b))
            }
            var reference: [HashValue: [IndexHit]] = [:]
            for (i, v) in values.enumerated() { reference[v, default: []].append(IndexHit(entry: Int32(i), distance: 0)) }

            let index = try IndexBuilder.makeIndex(signal.indexDescription, values: values)
            XCTAssertTrue(index is ExactIndex, "\(signal) is exact")
            XCTAssertEqual(index.count, values.count)
            for v in values.prefix(400) + values.suffix(60) {
                XCTAssertEqual(index.search(v, threshold: 0), reference[v]!, "\(signal) \(v.hex)")
            }
            XCTAssertEqual(index.search(values[6], threshold: 0).count, 4, "\(signal): value 6 is in 4 entries")
            for _ in 0..<300 {
                let q = rng.hash(bytes: signal.byteCount)
                XCTAssertEqual(index.search(q, threshold: 0), reference[q] ?? [], "\(signal) miss \(q.hex)")
            }
            // Near misses: one bit off, and values below the smallest / above the largest key.
            var near = values[9].bytes; near[0] ^= 0x80
            XCTAssertEqual(index.search(HashValue(bytes: near), threshold: 0), reference[HashValue(bytes: near)] ?? [])
            XCTAssertEqual(index.search(HashValue(bytes: [UInt8](repeating: 0, count: signal.byteCount)), threshold: 0), [])
            XCTAssertEqual(index.search(HashValue(bytes: [UInt8](repeating: 255, count: signal.byteCount)), threshold: 0), [])
            XCTAssertEqual(index.search(HashValue(bytes: [1, 2, 3]), threshold: 0), [], "wrong length matches nothing")
        }
    }

    /// Buckets large enough to be searched by interpolation: uniform keys (2^18: 4 a bucket on average, the fullest above 8), and
    /// skewed buckets (every key sharing its first 16 bits; clustered low and high ends) where
    /// the guess is far off, with duplicates at bucket edges; every key and many misses are
    /// checked against a dictionary.
    /// Each with the filter of first bits (`ExactIndex.filter`) and without (a list above
    /// `filterMaximumKeys`).
    func testInterpolatedBuckets() throws {
        var rng = SplitMix64(seed: 77)
        for shape in ["uniform", "one-bucket", "clustered"] {
          for filterMaximum in [ExactIndex.filterMaximumKeys, 0] {
            var values: [HashValue] = []
            switch shape {
            case "uniform":
                values = (0..<(1 << 18)).map { _ in rng.hash(bytes: 16) }   // 4 a bucket on average, up to ~15
            case "one-bucket":
                values = (0..<3000).map { _ in var b = rng.hash(bytes: 16).bytes; b[0] = 0x12; b[1] = 0x34; return HashValue(bytes: b) }
            default:
                values = (0..<3000).map { i in
                    var b = rng.hash(bytes: 16).bytes; b[0] = 0xAB; b[1] = 0xCD
                    b[2] = i % 2 == 0 ? 0 : 0xFF; b[3] = i % 3 == 0 ? b[3] : 0
                    return HashValue(bytes: b)
                }
            }
            for i in stride(from: 0, to: 600, by: 7) { values.append(values[i]) }
            let sorted = values.sorted()
            values += [sorted.first!, sorted.last!, sorted.last!]
            var reference: [HashValue: [IndexHit]] = [:]
            for (i, v) in values.enumerated() { reference[v, default: []].append(IndexHit(entry: Int32(i), distance: 0)) }
            let index = try ExactIndex(values: values, byteCount: 16, filterMaximum: filterMaximum)
            // A batch gives each query's hits, in query order, as one search after another.
            var queries = Array(values.prefix(700))
            for _ in 0..<300 { queries.append(rng.hash(bytes: 16)) }
            queries.append(HashValue(bytes: [1, 2, 3]))
            queries.shuffle(using: &rng)
            var batch: [IndexBatchHit] = []
            index.search(batch: queries, threshold: 0, into: &batch)
            XCTAssertEqual(batch, queries.enumerated().flatMap { i, q in
                (reference[q] ?? []).map { IndexBatchHit(query: Int32(i), hit: $0) }
            }, shape)
            // The same queries from a flat buffer (16 bytes each, the 3-byte one left out), at an
            // odd offset: the hits of `search(batch:)`, by position.
            let whole = queries.filter { $0.bytes.count == 16 }
            let flat = [0x5A] + whole.flatMap(\.bytes)
            var fromFlat: [IndexBatchHit] = [], expected: [IndexBatchHit] = []
            flat.withUnsafeBytes { index.search(flat: UnsafeRawBufferPointer(rebasing: $0[1...]), byteCount: 16, threshold: 0, into: &fromFlat) }
            index.search(batch: whole, threshold: 0, into: &expected)
            XCTAssertEqual(fromFlat, expected, shape)
            XCTAssertFalse(fromFlat.isEmpty, shape)
            var wrongSize: [IndexBatchHit] = []
            flat.withUnsafeBytes { index.search(flat: UnsafeRawBufferPointer(rebasing: $0[1...]), byteCount: 8, threshold: 0, into: &wrongSize) }
            XCTAssertEqual(wrongSize, [], shape)
            for v in Set(values).prefix(20_000) {
                XCTAssertEqual(index.search(v, threshold: 0), reference[v]!, "\(shape) \(v.hex)")
            }
            for v in values.prefix(2000) {
                for delta: UInt8 in [1, 0x80] {
                    var b = v.bytes; b[15] ^= delta; let q = HashValue(bytes: b)
                    XCTAssertEqual(index.search(q, threshold: 0), reference[q] ?? [], "\(shape) near \(q.hex)")
                    b = v.bytes; b[2] ^= delta; let r = HashValue(bytes: b)
                    XCTAssertEqual(index.search(r, threshold: 0), reference[r] ?? [], "\(shape) near \(r.hex)")
                }
            }
            for edge in [[UInt8](repeating: 0, count: 16), [0x12, 0x34] + [UInt8](repeating: 0, count: 14),
                         [0x12, 0x34] + [UInt8](repeating: 0xFF, count: 14), [0xAB, 0xCD] + [UInt8](repeating: 0xFF, count: 14)] {
                let q = HashValue(bytes: edge)
                XCTAssertEqual(index.search(q, threshold: 0), reference[q] ?? [], "\(shape) edge \(q.hex)")
            }
          }
        }
    }

    func testEmptyAndSmallest() throws {
        let empty = try ExactIndex(values: [], byteCount: 16)
        XCTAssertEqual(empty.search(HashValue(bytes: [UInt8](repeating: 0, count: 16)), threshold: 0), [])
        let zero = HashValue(bytes: [UInt8](repeating: 0, count: 16))
        let ones = HashValue(bytes: [UInt8](repeating: 255, count: 16))
        let index = try ExactIndex(values: [ones, zero, ones], byteCount: 16)
        XCTAssertEqual(index.search(zero, threshold: 0), [IndexHit(entry: 1, distance: 0)])
        XCTAssertEqual(index.search(ones, threshold: 0), [IndexHit(entry: 0, distance: 0), IndexHit(entry: 2, distance: 0)])
    }

    func testRejectsWrongLengths() {
        XCTAssertThrowsError(try ExactIndex(values: [HashValue(bytes: [1, 2])], byteCount: 16)) { error in
            XCTAssertTrue("\(error)".contains("entry 0 has 2 bytes"), "\(error)")
        }
    }
}
