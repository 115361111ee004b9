/// A binary hash value. Hex text is lower-case; bit 0 is the most significant bit of byte 0.
package struct HashValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses hexadecimal text (upper or lower case); nil if any character is not hex or the
    /// length is odd.
    package init?(hex: some StringProtocol) {
        let u = Array(hex.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: u.count / 2)
        for i in 0..<out.count {
            guard let hi = Self.nibble(u[2 * i]), let lo = Self.nibble(u[2 * i + 1]) else { return nil }
            out[i] = hi << 4 | lo
        }
        bytes = out
    }

    @inline(__always) static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal text.
    package var hex: String {
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, b) in bytes.enumerated() {
            out[2 * i] = Self.digits[Int(b >> 4)]
            out[2 * i + 1] = Self.digits[Int(b & 15)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    package var description: String { hex }

    /// Number of differing bits; values must have the same length.
    package func hammingDistance(to other: HashValue) -> Int {
        precondition(bytes.count == other.bytes.count, "Hamming distance of values of different lengths")
        var d = 0
        for i in 0..<bytes.count { d += (bytes[i] ^ other.bytes[i]).nonzeroBitCount }
        return d
    }

    package static func < (a: HashValue, b: HashValue) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
