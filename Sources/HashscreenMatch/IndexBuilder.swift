import HashscreenCore

/// Chooses and builds the index that serves a signal: equality for digests, multi-index
/// hashing (or an exhaustive scan where that is faster) for perceptual hashes.
public enum IndexBuilder {
    /// Threshold the PDQ layout is tuned for: ThreatExchange's PDQ_CONFIDENT_MATCH_THRESHOLD
    /// (pdq/cpp/common/pdqhashtypes.h), the customary PDQ match threshold.
    public static let pdqExpectedThreshold = 31
    /// Threshold the 64-bit perceptual layouts (phash, dhash, ahash) are tuned for: a common
    /// near-duplicate cut-off for 64-bit image hashes (about 15% of the bits). Any threshold
    /// is still answered exactly.
    public static let shortHashExpectedThreshold = 10
    /// Default memory ceiling per entry for perceptual indexes: the project's target for a
    /// 10M-entry PDQ list (issue 5). The compact PDQ layout takes ~62 bytes at 10M entries,
    /// the 64-bit layouts ~23 (docs/index.md).
    public static let defaultMaxBytesPerEntry = 64

    /// Memory a PDQ index may take beyond the per-entry cap in total: lists of ~20k-400k
    /// entries need 65-73 bytes per entry for any table layout (the directories do not
    /// shrink with the list), and a few MiB are better spent than an exhaustive scan 10-20
    /// times slower.
    public static let smallListAllowanceBytes = 8 << 20

    /// The threshold a signal's layout is tuned for (nil for exact signals).
    public static func expectedThreshold(for signal: SignalKind) -> Int? {
        switch signal.comparison {
        case .exact: return nil
        case .hamming: return signal == .pdq ? pdqExpectedThreshold : shortHashExpectedThreshold
        }
    }

    /// Builds the index for `values` of `signal`; entry numbers in hits are positions in
    /// `values`. `expectedThreshold` and `maxBytesPerEntry` tune perceptual layouts only.
    public static func makeIndex(signal: SignalKind, values: [HashValue],
                                 expectedThreshold: Int? = nil,
                                 maxBytesPerEntry: Int? = defaultMaxBytesPerEntry) throws(IndexBuildError) -> any MatchIndex {
        try makeIndex(signal: signal, packed: PackedHashList(values, byteCount: signal.byteCount),
                      expectedThreshold: expectedThreshold, maxBytesPerEntry: maxBytesPerEntry)
    }

    /// Builds the index for packed values of `signal` (the form a large list is loaded in:
    /// no array per value).
    ///
    /// Entry numbers in hits are positions in `packed`, unless `reorder` is given: an index
    /// that stores its entries in its own order (the compact PDQ index) then calls it once,
    /// during the build, with `order[e]` = position in `packed` of entry `e`, and its hits
    /// name entries by that order. The caller permutes what it keeps per entry once, and the
    /// index keeps no map back (4 bytes per entry saved). Indexes that keep the input order
    /// never call it.
    ///
    /// `transposedPairs` (PDQ; what a `--dihedral` scan asks): lay the compact index out so
    /// that a query and its transpose share their probes (4 of each image's 8 searches' worth
    /// of random reads saved; a single query reads ~2x the candidates per probe), when that
    /// layout fits the same memory cap.
    public static func makeIndex(signal: SignalKind, packed: PackedHashList,
                                 expectedThreshold: Int? = nil,
                                 maxBytesPerEntry: Int? = defaultMaxBytesPerEntry,
                                 transposedPairs: Bool = false,
                                 reorder: ((UnsafeBufferPointer<Int32>) -> Void)? = nil) throws(IndexBuildError) -> any MatchIndex {
        guard packed.byteCount == signal.byteCount else {
            throw IndexBuildError("\(signal) values have \(signal.byteCount) bytes, got \(packed.byteCount)")
        }
        switch signal.comparison {
        case .exact:
            return ExactIndex(packed: packed)
        case .hamming:
            let t = expectedThreshold ?? Self.expectedThreshold(for: signal) ?? 0
            if packed.byteCount == CompactHammingIndex.valueBytes {
                let n = packed.count
                var chosen = CompactHammingIndex.chooseLayout(count: n, expectedThreshold: t, maxBytesPerEntry: maxBytesPerEntry)
                if chosen == nil, let cap = maxBytesPerEntry,
                   let free = CompactHammingIndex.chooseLayout(count: n, expectedThreshold: t, maxBytesPerEntry: nil),
                   (CompactHammingIndex.bytesPerEntry(count: n, segmentCount: free.segmentCount, blockShift: free.blockShift)
                       - Double(cap)) * Double(n) <= Double(smallListAllowanceBytes) {
                    chosen = free
                }
                guard let layout = chosen else { return BruteForceHammingIndex(packed: packed) }
                let pairs = transposedPairs && signal == .pdq
                    && CompactHammingIndex.pairLayoutFits(count: n, segmentCount: layout.segmentCount, blockShift: layout.blockShift,
                                                          cap: maxBytesPerEntry, allowance: smallListAllowanceBytes)
                return try CompactHammingIndex(packed: packed, segmentCount: layout.segmentCount,
                                               blockShift: layout.blockShift, transposedPairs: pairs, reorder: reorder)
            }
            let layout = MultiIndexHammingIndex.chooseLayout(
                count: packed.count, bitCount: signal.byteCount * 8,
                expectedThreshold: t, maxBytesPerEntry: maxBytesPerEntry)
            if layout.segmentCount == 0 {
                return BruteForceHammingIndex(packed: packed)
            }
            return try MultiIndexHammingIndex(packed: packed, layout: layout)
        }
    }
}
