// PLAIN BYTE_ARRAY values walked by CByteKernels' `hs_plain_ranges` (the columnar reader's
// ranges, and the byte classes it finds while the page is in cache) against a reference walk:
// values of every length around the 16-byte blocks, with one byte of every value at every
// position, and data cut inside a length or inside a value. Also the bit unpacking of
// dictionary indices (`unpackLSB`, a word a value) against a bit-by-bit one.

import CByteKernels
@testable import HashscreenParquet
import XCTest

final class PlainRangesTests: XCTestCase {
    /// PLAIN encoding of `values`: a 4-byte little-endian length, then the bytes.
    func plain(_ values: [[UInt8]]) -> [UInt8] {
        var d: [UInt8] = []
        for v in values { d += withUnsafeBytes(of: UInt32(v.count).littleEndian) { Array($0) } + v }
        return d
    }

    /// What the kernel says of `data`: ranges, classes looked for from `want`, values walked, where it stopped.
    func walk(_ data: [UInt8], count: Int, base: Int64 = 1000, want: Int32 = HS_VALUES_ASCII | HS_VALUES_PRINTABLE)
        -> (starts: [Int64], ends: [Int64], classes: Int32, walked: Int64, at: Int64) {
        var starts = [Int64](repeating: -1, count: count), ends = [Int64](repeating: -1, count: count)
        var classes = want, at: Int64 = -1
        let d = data + [0]   // a base address for empty data
        let walked = hs_plain_ranges(d, Int64(data.count), 0, Int64(count), base, &starts, &ends, &classes, &at)
        return (starts, ends, classes, walked, at)
    }

    func referenceClasses(_ values: [[UInt8]]) -> Int32 {
        var c: Int32 = 0
        if values.allSatisfy({ $0.allSatisfy { $0 < 0x80 } }) { c |= HS_VALUES_ASCII }
        if values.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x21...0x7E).contains($0) } }) { c |= HS_VALUES_PRINTABLE }
        return c
    }

    func testRangesAndClassesOfOneOddByteAnywhere() {
        for length in 0...40 {
            let clean = (0..<length).map { UInt8(0x21 + ($0 * 7) % 0x5E) }
            for position in 0..<max(length, 1) {
                for odd: UInt8 in [0x00, 0x09, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xC3, 0xFF] {
                    var v = clean
                    if length > 0 { v[position] = odd }
                    let values = [Array("http://a.example/".utf8), v, clean]
                    let r = walk(plain(values), count: values.count)
                    XCTAssertEqual(r.walked, 3)
                    XCTAssertEqual(r.classes, referenceClasses(values), "length \(length), byte \(odd) at \(position)")
                    var p: Int64 = 1000
                    for (i, v) in values.enumerated() {
                        XCTAssertEqual(r.starts[i], p + 4); XCTAssertEqual(r.ends[i], p + 4 + Int64(v.count))
                        p += 4 + Int64(v.count)
                    }
                    // A class not looked for is not found.
                    XCTAssertEqual(walk(plain(values), count: 3, want: 0).classes, 0)
                    XCTAssertEqual(walk(plain(values), count: 3, want: HS_VALUES_ASCII).classes, referenceClasses(values) & HS_VALUES_ASCII)
                }
            }
        }
    }

    func testDataCutInsideALengthOrAValue() {
        let values = [Array("abc".utf8), Array("http://example.com/xxxxxxxxxxxxxxxxxxxxxx".utf8), Array("z".utf8)]
        let d = plain(values)
        for cut in 0..<d.count {
            let r = walk(Array(d[..<cut]), count: 3)
            // The value whose length or bytes run past the cut, and where its length starts.
            var p = 0, expected = 3
            for (i, v) in values.enumerated() {
                if cut - p < 4 || v.count > cut - p - 4 { expected = i; break }
                p += 4 + v.count
            }
            XCTAssertEqual(r.walked, Int64(expected), "cut at \(cut)")
            if expected < 3 { XCTAssertEqual(r.at, Int64(p), "cut at \(cut)") }
        }
        XCTAssertEqual(walk(d, count: 3).walked, 3)
    }

    func testUnpackLSBIsBitByBit() {
        var rng = SystemRandomNumberGenerator()
        for width in 1...64 {
            for count in [1, 7, 8, 9, 63, 200] {
                let bytes = (0..<((count * width + 7) / 8 + Int.random(in: 0...3, using: &rng))).map { _ in UInt8.random(in: 0...255, using: &rng) }
                for start in 0..<min(3, bytes.count) where (bytes.count - start) * 8 >= count * width {
                    var got: [UInt64] = []
                    unpackLSB(bytes, start: start, width: width, count: count, into: &got)
                    var want: [UInt64] = []
                    for k in 0..<count {
                        var v: UInt64 = 0
                        for bit in 0..<width {
                            let at = start * 8 + k * width + bit
                            v |= UInt64((bytes[at >> 3] >> UInt8(at & 7)) & 1) << UInt64(bit)
                        }
                        want.append(v)
                    }
                    XCTAssertEqual(got, want, "width \(width), count \(count), start \(start)")
                    if width <= 32 {   // the in-place form of the hybrid decoder
                        let narrow = [UInt32](unsafeUninitializedCapacity: count) { dst, n in
                            unpackLSB(bytes, start: start, width: width, count: count, to: dst.baseAddress!); n = count
                        }
                        XCTAssertEqual(narrow, want.map { UInt32($0) }, "32-bit, width \(width), count \(count), start \(start)")
                    }
                }
            }
        }
    }
}
