import HashscreenCore

/// Chooses and builds the index that serves one signal's values, from what the signal's
/// `IndexDescription` (HashscreenCore) says of them: equality for exact values; for Hamming
/// values the compact layout where it takes their width (256 bits), multi-index hashing
/// otherwise, or an exhaustive scan where that is faster. The builder knows no signal: the
/// description's width, tuned threshold and permutation are all it reads.
package enum IndexBuilder {
    /// Default memory ceiling per entry for perceptual indexes: the project's target for a
    /// 10M-entry PDQ list (issue 5). The pipeline always takes it; `maxBytesPerEntry:` exists
    /// for the tests and the index benchmark (`hashscreen-index-bench --max-bytes`). The compact PDQ layout takes ~62 bytes at 10M entries,
    /// the 64-bit layouts ~23 (docs/index.md).
    package static let defaultMaxBytesPerEntry = 64

    /// Memory a compact index may take beyond the per-entry cap in total: lists of ~20k-400k
    /// entries need 65-73 bytes per entry for any table layout (the directories do not
    /// shrink with the list), and a few MiB are better spent than an exhaustive scan 10-20
    /// times slower.
    static let smallListAllowanceBytes = 8 << 20

    /// Builds the index for `values`; entry numbers in hits are positions in `values`.
    /// `maxBytesPerEntry` and the description's tuned threshold tune Hamming layouts only.
    package static func makeIndex(_ description: IndexDescription, values: [HashValue],
                                 maxBytesPerEntry: Int? = defaultMaxBytesPerEntry) throws(IndexBuildError) -> any MatchIndex {
        try makeIndex(description, packed: PackedHashList(values, byteCount: description.bitCount / 8),
                      maxBytesPerEntry: maxBytesPerEntry)
    }

    /// Builds the index for packed values (the form a large list is loaded in: no array per
    /// value).
    ///
    /// Entry numbers in hits are positions in `packed`, unless `reorder` is given: an index
    /// that stores its entries in its own order (the compact index) then calls it once,
    /// during the build, with `order[e]` = position in `packed` of entry `e`, and its hits
    /// name entries by that order. The caller permutes what it keeps per entry once, and the
    /// index keeps no map back (4 bytes per entry saved). Indexes that keep the input order
    /// never call it.
    ///
    /// `transposedPairs` (what a PDQ `--dihedral` scan asks, for a description with a
    /// `transpose`): lay the compact index out so that a query and its image under the
    /// permutation share their probes (4 of each image's 8 searches' worth of random reads
    /// saved; a single query reads ~2x the candidates per probe), when that layout fits the
    /// same memory cap.
    package static func makeIndex(_ description: IndexDescription, packed: PackedHashList,
                                 maxBytesPerEntry: Int? = defaultMaxBytesPerEntry,
                                 transposedPairs: Bool = false,
                                 reorder: ((UnsafeBufferPointer<Int32>) -> Void)? = nil) throws(IndexBuildError) -> any MatchIndex {
        guard packed.byteCount * 8 == description.bitCount else {
            throw IndexBuildError("the index takes \(description.bitCount)-bit values, got \(packed.byteCount * 8)-bit ones")
        }
        switch description.comparison {
        case .exact:
            return ExactIndex(packed: packed)
        case .hamming:
            let t = description.tunedThreshold
            if description.bitCount == CompactHammingIndex.valueBytes * 8 {
                let n = packed.count
                var chosen = CompactHammingIndex.chooseLayout(count: n, expectedThreshold: t, maxBytesPerEntry: maxBytesPerEntry)
                if chosen == nil, let cap = maxBytesPerEntry,
                   let free = CompactHammingIndex.chooseLayout(count: n, expectedThreshold: t, maxBytesPerEntry: nil),
                   (CompactHammingIndex.bytesPerEntry(count: n, segmentCount: free.segmentCount, blockShift: free.blockShift)
                       - Double(cap)) * Double(n) <= Double(smallListAllowanceBytes) {
                    chosen = free
                }
                guard let layout = chosen else { return BruteForceHammingIndex(packed: packed) }
                var pairing: BitPermutation? = nil
                if transposedPairs, let p = description.transpose,
                   CompactHammingIndex.pairLayoutFits(count: n, segmentCount: layout.segmentCount, blockShift: layout.blockShift,
                                                      transpose: p, cap: maxBytesPerEntry, allowance: smallListAllowanceBytes) {
                    pairing = p
                }
                return try CompactHammingIndex(packed: packed, segmentCount: layout.segmentCount,
                                               blockShift: layout.blockShift, transpose: pairing, reorder: reorder)
            }
            let layout = MultiIndexHammingIndex.chooseLayout(
                count: packed.count, bitCount: description.bitCount,
                expectedThreshold: t, maxBytesPerEntry: maxBytesPerEntry)
            if layout.segmentCount == 0 {
                return BruteForceHammingIndex(packed: packed)
            }
            return try MultiIndexHammingIndex(packed: packed, layout: layout)
        }
    }
}
