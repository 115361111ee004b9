// The columnar scan's hex decoding of recorded hashes, 8 digits in a 64-bit word
// (`ParquetColumnarRows.hex8`), against a digit-by-digit decoder: every byte value in every
// position, and random words of hex digits.

import HashscreenManifest
import XCTest

final class LowerHexWordTests: XCTestCase {
    /// The 4 bytes 8 characters spell as lower-case hex, or nil.
    func reference(_ b: [UInt8]) -> [UInt8]? {
        func digit(_ c: UInt8) -> UInt8? {
            (0x30...0x39).contains(c) ? c - 0x30 : ((0x61...0x66).contains(c) ? c - 0x61 + 10 : nil)
        }
        var out: [UInt8] = []
        for i in 0..<4 {
            guard let h = digit(b[2 * i]), let l = digit(b[2 * i + 1]) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }

    func decoded(_ b: [UInt8]) -> [UInt8]? {
        let word = b.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        return ParquetColumnarRows.hex8(word).map { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    func testEveryByteInEveryPosition() {
        let base = Array("0a1b2c3d".utf8)
        for position in 0..<8 {
            for value in 0...255 {
                var b = base
                b[position] = UInt8(value)
                XCTAssertEqual(decoded(b), reference(b), "byte \(value) at \(position)")
            }
        }
        XCTAssertEqual(decoded(Array("00ff7a9e".utf8)), [0x00, 0xFF, 0x7A, 0x9E])
        XCTAssertNil(decoded(Array("00FF7a9e".utf8)), "upper case goes the per-row way")
    }

    func testRandomWords() {
        var rng = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        for _ in 0..<20_000 {
            let b = (0..<8).map { _ in digits.randomElement(using: &rng)! }
            XCTAssertEqual(decoded(b), reference(b), "\(b)")
        }
    }
}
