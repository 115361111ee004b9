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
