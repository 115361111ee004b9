import HashscreenTestSupport
import HashscreenCore

// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014) lives in HashscreenTestSupport; these
// helpers draw hash sets and queries from it.
extension SplitMix64 {
    mutating func hash(bytes: Int) -> HashValue {
        HashValue(bytes: (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &self) })
    }

    /// `value` with `flips` distinct bits inverted.
    mutating func flip(_ value: HashValue, bits flips: Int) -> HashValue {
        var b = value.bytes
        let positions = Array(0..<(b.count * 8)).shuffled(using: &self).prefix(flips)
        for p in positions { b[p >> 3] ^= UInt8(0x80) >> UInt8(p & 7) }
        return HashValue(bytes: b)
    }

    /// `count` values: about half uniform, half near-duplicates (0...`spread` flipped bits) of
    /// a few centres, so that tables see both even and crowded buckets.
    mutating func hashSet(count: Int, bytes: Int, centres: Int, spread: Int) -> [HashValue] {
        let cs = (0..<max(centres, 1)).map { _ in hash(bytes: bytes) }
        return (0..<count).map { i in
            if i % 2 == 0 { return hash(bytes: bytes) }
            let c = cs[Int.random(in: 0..<cs.count, using: &self)]
            return flip(c, bits: Int.random(in: 0...spread, using: &self))
        }
    }

    /// Queries: uniform values, and entries with 0...`maxFlips` bits flipped.
    mutating func queries(count: Int, near entries: [HashValue], bytes: Int, maxFlips: Int) -> [HashValue] {
        (0..<count).map { i in
            if i % 3 == 0 || entries.isEmpty { return hash(bytes: bytes) }
            let e = entries[Int.random(in: 0..<entries.count, using: &self)]
            return flip(e, bits: Int.random(in: 0...min(maxFlips, bytes * 8), using: &self))
        }
    }
}
