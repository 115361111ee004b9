import CPrefetch
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

    /// Entries scanned per call of the C loop (its output buffers: 32 KiB).
    static let chunk = 4096

    /// Appends every entry within `threshold` of `q` (popcount over the words: C, built for
    /// AVX2 and the baseline).
    func scan(_ q: PackedHash, threshold t: Int, into hits: inout [IndexHit]) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: PackedHash.maxWords) { qw in
            for k in 0..<wordCount { qw[k] = q[k] }
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * Self.chunk) { buffer in
                let entries = buffer.baseAddress!, distances = entries + Self.chunk
                var from = 0
                while from < count {
                    let to = min(count, from + Self.chunk)
                    let found = hs_hamming_matches(words.base, wordCount, from, to, qw.baseAddress!, t, entries, distances)
                    for i in 0..<found { hits.append(IndexHit(entry: entries[i], distance: Int(distances[i]))) }
                    from = to
                }
            }
        }
    }
}
