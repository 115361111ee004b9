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
    /// Default memory ceiling per entry for perceptual indexes. The fast PDQ layouts at 10M
    /// entries take 80-90 bytes; at 64 bytes no table layout fits and searches are
    /// exhaustive, about 100 times slower (docs/index.md).
    public static let defaultMaxBytesPerEntry = 96

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
        switch signal.comparison {
        case .exact:
            return try ExactIndex(values: values, byteCount: signal.byteCount)
        case .hamming:
            let t = expectedThreshold ?? Self.expectedThreshold(for: signal) ?? 0
            let layout = MultiIndexHammingIndex.chooseLayout(
                count: values.count, bitCount: signal.byteCount * 8,
                expectedThreshold: t, maxBytesPerEntry: maxBytesPerEntry)
            if layout.segmentCount == 0 {
                return try BruteForceHammingIndex(values: values, byteCount: signal.byteCount)
            }
            return try MultiIndexHammingIndex(values: values, byteCount: signal.byteCount, layout: layout)
        }
    }
}
