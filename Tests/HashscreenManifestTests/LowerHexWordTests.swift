// The columnar scan's hex decoding of recorded hashes (CByteKernels' `hs_decode_hex_rows`, 16
// digits at a time with SSE2 on x86-64), against a digit-by-digit decoder: every byte value in
// every position of md5-, sha1- and sha256-sized values, random digests, and rows that are
// absent, of another length or already set aside.

import CByteKernels
import XCTest

final class LowerHexWordTests: XCTestCase {
    /// The bytes `b` spells as lower-case hex, or nil.
    func reference(_ b: [UInt8]) -> [UInt8]? {
        func digit(_ c: UInt8) -> UInt8? {
            (0x30...0x39).contains(c) ? c - 0x30 : ((0x61...0x66).contains(c) ? c - 0x61 + 10 : nil)
        }
        guard b.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in 0..<(b.count / 2) {
            guard let h = digit(b[2 * i]), let l = digit(b[2 * i + 1]) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }

    /// Rows `values` (nil: absent) decoded as digests of `size` bytes, those with `keep` false
    /// set aside before: each row's bytes, or nil for a row not kept.
    func decoded(_ values: [[UInt8]?], size: Int, keep: [Bool]? = nil) -> [[UInt8]?] {
        var bytes: [UInt8] = [], starts: [Int64] = [], ends: [Int64] = [], present: [Bool] = []
        for v in values {
            starts.append(Int64(bytes.count)); bytes += v ?? []; ends.append(Int64(bytes.count)); present.append(v != nil)
        }
        bytes += [0]   // a base address for a column of empty values
        var flags: [UInt8] = (keep ?? Array(repeating: true, count: values.count)).map { $0 ? 1 : 0 }
        var out = [UInt8](repeating: 0, count: values.count * size)
        hs_decode_hex_rows(bytes, starts, ends, present, 0, Int64(values.count), Int64(size), &flags, &out)
        return values.indices.map { flags[$0] == 1 ? Array(out[($0 * size)..<(($0 + 1) * size)]) : nil }
    }

    func testEveryByteInEveryPosition() {
        for size in [16, 20, 32] {
            let base = Array(String(repeating: "0a1b2c3d4e5f6789", count: 4).utf8.prefix(2 * size))
            var values: [[UInt8]?] = []
            for position in 0..<(2 * size) {
                for value in 0...255 {
                    var b = base
                    b[position] = UInt8(value)
                    values.append(b)
                }
            }
            let got = decoded(values, size: size)
            for (v, g) in zip(values, got) { XCTAssertEqual(g, reference(v!), "size \(size): \(v!)") }
        }
        XCTAssertEqual(decoded([Array("00ff7a9e00ff7a9e00ff7a9e00ff7a9e".utf8)], size: 16)[0],
                       [0x00, 0xFF, 0x7A, 0x9E, 0x00, 0xFF, 0x7A, 0x9E, 0x00, 0xFF, 0x7A, 0x9E, 0x00, 0xFF, 0x7A, 0x9E])
        XCTAssertNil(decoded([Array("00FF7a9e00ff7a9e00ff7a9e00ff7a9e".utf8)], size: 16)[0], "upper case goes the per-row way")
    }

    func testRandomDigestsAndRowsNotKept() {
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        for size in [16, 20, 32] {
            var values: [[UInt8]?] = [], keep: [Bool] = []
            for i in 0..<5_000 {
                var v: [UInt8]? = (0..<(2 * size)).map { _ in digits.randomElement(using: &rng)! }
                switch i % 9 {
                case 1: v = nil                                   // absent
                case 2: v!.removeLast()                           // one digit short
                case 3: v!.append(digits[0]); v!.append(digits[1])  // one byte long
                case 4: v = []                                    // empty
                default: break
                }
                values.append(v)
                keep.append(i % 7 != 3)
            }
            let got = decoded(values, size: size, keep: keep)
            for i in values.indices {
                let want = keep[i] ? values[i].flatMap { $0.count == 2 * size ? reference($0) : nil } : nil
                XCTAssertEqual(got[i], want, "size \(size), row \(i)")
            }
        }
    }
}
