/// A permutation of the bits of a hash value, as a signal declares it (PDQ's transpose) and an
/// index is handed it: bit `p` moves to `self[p]`. Bits count from the most significant bit of
/// byte 0, the order `HashValue` uses.
package struct BitPermutation: Sendable, Equatable {
    /// `position[p]`: where bit `p` goes.
    package let position: [Int]

    /// The permutation `p -> image(p)` of `bitCount` bits; nil when `image` is not one (two bits
    /// sent to one place, or a place out of range).
    package init?(bitCount: Int, _ image: (Int) -> Int) {
        let position = (0..<bitCount).map(image)
        var seen = [Bool](repeating: false, count: bitCount)
        for q in position {
            guard q >= 0, q < bitCount, !seen[q] else { return nil }
            seen[q] = true
        }
        self.position = position
    }

    package var bitCount: Int { position.count }

    package subscript(_ p: Int) -> Int { position[p] }

    /// Whether applying it twice gives the identity (a transpose or a flip): the values of a
    /// query and its image then form a pair, each the other's image.
    package var isInvolution: Bool { position.indices.allSatisfy { position[position[$0]] == $0 } }

    /// Bits that stay where they are (a transpose's diagonal).
    package var fixedPoints: [Int] { position.indices.filter { position[$0] == $0 } }

    /// `value` with its bits moved; `value` must have `bitCount` bits.
    package func apply(_ value: HashValue) -> HashValue {
        precondition(value.bytes.count * 8 == bitCount, "a \(value.bytes.count)-byte value under a \(bitCount)-bit permutation")
        var out = [UInt8](repeating: 0, count: value.bytes.count)
        for p in 0..<bitCount where value.bytes[p >> 3] & (0x80 >> UInt8(p & 7)) != 0 {
            let q = position[p]
            out[q >> 3] |= 0x80 >> UInt8(q & 7)
        }
        return HashValue(bytes: out)
    }
}
