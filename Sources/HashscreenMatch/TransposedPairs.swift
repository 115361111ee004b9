import CPrefetch
import HashscreenCore

// The transposed-pair layout of `CompactHammingIndex`: segments closed under a bit permutation
// that is its own inverse, handed over by the caller. For PDQ that is the transpose
// (`PDQBitLayout.transpose`, HashscreenCore): the dihedral variants `flipp`, `rot90`, `rot270`
// and `flipm` are the transposes of `orig`, `flipy`, `flipx` and `rot180`, so `--dihedral`'s 8
// queries are 4 pairs (u, transpose(u)). The index itself knows only the permutation.

extension BitPermutation {
    /// `q` with its bits moved (positions count from the most significant bit of word 0, as in
    /// `HashValue`).
    func apply(_ q: PackedHash) -> PackedHash {
        var out = PackedHash()
        var w: [UInt64] = [0, 0, 0, 0]
        for p in 0..<256 where q[p >> 6] >> UInt64(63 - (p & 63)) & 1 == 1 {
            let t = position[p]
            w[t >> 6] |= 1 << UInt64(63 - (t & 63))
        }
        out.w0 = w[0]; out.w1 = w[1]; out.w2 = w[2]; out.w3 = w[3]
        return out
    }
}

/// The bits of one segment of a transposed-pair layout, and how its key is read.
///
/// A key is the segment's bits gathered word by word (`pext`). A segment *closed* under the
/// transpose (the permutation the layout pairs under) holds each of its bits' images too; the
/// transpose then permutes the key's bits (`sigma`), and the table files an entry under
/// `canonical(key) = min(key, sigma(key))`, so that the buckets within a radius of u's key and
/// of transpose(u)'s key are the same set: one probe set serves both queries of a pair.
struct SegmentBits {
    /// Bit positions, in key order (word by word, least significant bit of each word first).
    let positions: [Int]
    let closed: Bool
    let masks: PackedHash
    /// Key bits taken from words 0, 1 and 2 (the shifts of words 1, 2 and 3's bits).
    let shift1: Int, shift2: Int, shift3: Int
    /// sigma by key byte: `sigma[b << 8 | v]` is the image of byte b's bits `v` (closed only).
    let sigma: [UInt32]

    var width: Int { positions.count }

    /// The segment of bits `set`, closed under `transpose` when one is given (it must map the
    /// set onto itself).
    init(positions set: [Int], closedUnder transpose: BitPermutation? = nil) {
        var m: [UInt64] = [0, 0, 0, 0]
        for p in set { m[p >> 6] |= 1 << UInt64(63 - (p & 63)) }
        var order: [Int] = []
        for w in 0..<4 {
            for lsb in 0..<64 where m[w] >> UInt64(lsb) & 1 == 1 { order.append(64 * w + 63 - lsb) }
        }
        positions = order
        closed = transpose != nil
        var masks = PackedHash()
        masks.w0 = m[0]; masks.w1 = m[1]; masks.w2 = m[2]; masks.w3 = m[3]
        self.masks = masks
        shift1 = m[0].nonzeroBitCount
        shift2 = shift1 + m[1].nonzeroBitCount
        shift3 = shift2 + m[2].nonzeroBitCount
        var sigma: [UInt32] = []
        if let transpose {
            var index = [Int: Int]()
            for (t, p) in order.enumerated() { index[p] = t }
            let image = order.map { index[transpose[$0]]! }
            sigma = [UInt32](repeating: 0, count: 4 << 8)
            for b in 0..<4 {
                for v in 0..<256 {
                    var out: UInt32 = 0
                    for bit in 0..<8 where v >> bit & 1 == 1 {
                        let t = 8 * b + bit
                        if t < image.count { out |= 1 << UInt32(image[t]) }
                    }
                    sigma[b << 8 | v] = out
                }
            }
        }
        self.sigma = sigma
    }

    /// The bits of four value words at the set bits of `masks`, word by word (`shift1...3`: the
    /// bits taken from the words before).
    @inline(__always)
    static func gather(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64, _ masks: PackedHash,
                       _ shift1: UInt64, _ shift2: UInt64, _ shift3: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hs_pext(w0, masks.w0) | hs_pext(w1, masks.w1) << shift1
            | hs_pext(w2, masks.w2) << shift2 | hs_pext(w3, masks.w3) << shift3)
    }

    /// sigma of key `x` through a copy of a closed segment's `sigma`.
    @inline(__always)
    static func sigma(_ x: UInt32, _ table: UnsafePointer<UInt32>) -> UInt32 {
        table[Int(x & 0xFF)] | table[256 | Int((x >> 8) & 0xFF)] | table[512 | Int((x >> 16) & 0xFF)]
            | table[768 | Int(x >> 24)]
    }

    /// Segments for a transposed-pair layout of `count` segments: segment 0 the first
    /// `firstWidth` bits (the entry order, as in every layout), then `count - 2` segments closed
    /// under the transpose over the bits outside segment 0 and its transpose (widths as equal
    /// as possible, the wider first), and last the transposed bits of segment 0 that segment 0
    /// lacks (searched at the smaller radius). `transpose` permutes 256 bits and is its own
    /// inverse.
    static func pairLayout(segmentCount m: Int, firstWidth w0: Int, transpose: BitPermutation) -> [SegmentBits]? {
        guard m >= 3, w0 >= 1, w0 <= 32, transpose.bitCount == 256 else { return nil }
        let seg0 = Set(0..<w0)
        let last = Set(seg0.map { transpose[$0] }).subtracting(seg0)
        // Orbits of the rest: pairs {p, transpose(p)} and fixed points (the diagonal).
        var pairs: [[Int]] = [], fixed: [Int] = []
        var seen = seg0.union(last)
        for p in 0..<256 where !seen.contains(p) {
            let q = transpose[p]
            seen.insert(p); seen.insert(q)
            if q == p { fixed.append(p) } else { pairs.append([p, q]) }
        }
        let restBits = 2 * pairs.count + fixed.count
        let k = m - 2
        let widths = (0..<k).map { restBits / k + ($0 < restBits % k ? 1 : 0) }
        // Odd widths need a fixed point each.
        guard widths.filter({ $0 % 2 == 1 }).count <= fixed.count else { return nil }
        var segments: [[Int]] = Array(repeating: [], count: k)
        for (s, w) in widths.enumerated() where w % 2 == 1 { segments[s].append(fixed.removeLast()) }
        for s in 0..<k {
            while segments[s].count + 2 <= widths[s], !pairs.isEmpty { segments[s] += pairs.removeFirst() }
            while segments[s].count < widths[s], !fixed.isEmpty { segments[s].append(fixed.removeLast()) }
        }
        // Whatever is left (fixed points, when pairs ran short) goes to the narrowest segments.
        for p in fixed { segments[segments.indices.min { segments[$0].count < segments[$1].count }!].append(p) }
        for pr in pairs { segments[segments.indices.min { segments[$0].count < segments[$1].count }!] += pr }
        return [SegmentBits(positions: Array(seg0))]
            + segments.map { SegmentBits(positions: $0, closedUnder: transpose) }
            + [SegmentBits(positions: Array(last))]
    }
}
