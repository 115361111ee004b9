import HashscreenCore

/// Exhaustive Hamming search: the query against every entry, popcount over 64-bit words.
///
/// The reference the faster indexes are tested against, and the fallback they use when a
/// threshold is so wide that no index can skip much (e.g. 64-bit hashes at threshold 30).
/// Memory: the values only (8 bytes per 64-bit hash, 32 per PDQ hash).
package final class BruteForceHammingIndex: MatchIndex, @unchecked Sendable {
    package let count: Int
    /// Length of the values in bytes.
    package let byteCount: Int
    let wordCount: Int
    /// Values in input order, `wordCount` words each.
    let words: FlatBuffer<UInt64>

    /// Builds the index; every value must have `byteCount` bytes.
    package convenience init(values: [HashValue], byteCount: Int) throws(IndexBuildError) {
        try self.init(packed: PackedHashList(values, byteCount: byteCount))
    }

    /// Builds the index over packed values (adopting their buffer when it is full).
    package convenience init(packed list: PackedHashList) {
        self.init(packed: list.exactWords(), count: list.count, byteCount: list.byteCount)
    }

    /// Shares already packed words (used by `MultiIndexHammingIndex` for its fallback).
    init(packed: FlatBuffer<UInt64>, count: Int, byteCount: Int) {
        self.count = count
        self.byteCount = byteCount
        self.wordCount = PackedHash.wordCount(forBytes: byteCount)
        self.words = packed
    }

    package var memoryBytes: Int { words.memoryBytes }

    package func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit]) {
        guard query.bytes.count == byteCount, threshold >= 0 else { return }
        scan(PackedHash(query.bytes), threshold: threshold, into: &hits)
    }

    /// Appends every entry within `threshold` of `q`.
    func scan(_ q: PackedHash, threshold t: Int, into hits: inout [IndexHit]) {
        let p = words.base
        switch wordCount {
        case 1:
            let a = q.w0
            for i in 0..<count {
                let d = (p[i] ^ a).nonzeroBitCount
                if d <= t { hits.append(IndexHit(entry: Int32(truncatingIfNeeded: i), distance: d)) }
            }
        case 4:
            let (a, b, c, e) = (q.w0, q.w1, q.w2, q.w3)
            for i in 0..<count {
                let r = p + 4 * i
                let d = (r[0] ^ a).nonzeroBitCount + (r[1] ^ b).nonzeroBitCount
                    + (r[2] ^ c).nonzeroBitCount + (r[3] ^ e).nonzeroBitCount
                if d <= t { hits.append(IndexHit(entry: Int32(truncatingIfNeeded: i), distance: d)) }
            }
        default:
            let w = wordCount
            for i in 0..<count {
                let r = p + w * i
                var d = 0
                for k in 0..<w { d += (r[k] ^ q[k]).nonzeroBitCount }
                if d <= t { hits.append(IndexHit(entry: Int32(truncatingIfNeeded: i), distance: d)) }
            }
        }
    }
}
