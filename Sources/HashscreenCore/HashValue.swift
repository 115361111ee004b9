/// A binary hash value. Hex text is lower-case; bit 0 is the most significant bit of byte 0.
package struct HashValue: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var bytes: [UInt8]

    package init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses hexadecimal text (upper or lower case); nil if any character is not hex or the
    /// length is odd (`Hex.decode`).
    package init?(hex: some StringProtocol) {
        guard let b = Hex.decode(hex.utf8) else { return nil }
        bytes = b
    }

    /// Lower-case hexadecimal text (`Hex.encode`).
    package var hex: String { Hex.encode(bytes) }

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
