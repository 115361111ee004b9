/// HashscreenPerceptual: perceptual hashes of decoded pixels, in pure Swift.
///
/// - *luma*: one float32 brightness value per pixel, `0.299 R + 0.587 G + 0.114 B` (PDQ).
/// - *grey*: one 8-bit brightness value per pixel, Pillow's `L` conversion (pHash, dHash,
///   average hash).
/// - *PDQ*: Meta's 256-bit perceptual hash with a quality score 0...100 (`PDQHasher`).
/// - *dihedral variant*: the PDQ hash the image would have after one of the 8 rotations or
///   flips, derived from the DCT of the original without re-hashing (`DihedralVariant`).
/// - *pHash, dHash, aHash*: the 64-bit hashes of the Python ImageHash library
///   (`ImageHasher64`).
///
/// Every hash here is a `HashscreenCore.HashValue` whose `hex` is the text the reference
/// implementation prints. Hashers own scratch buffers: one per worker thread, not shared.

// MARK: - Constants

/// Thresholds customary for PDQ.
public enum PDQConstants {
    /// Hamming distance at or below which two PDQ hashes are taken as the same image.
    /// Source: python-threatexchange `signal_type/pdq/pdq_utils.py`
    /// `PDQ_CONFIDENT_MATCH_THRESHOLD = 31` (also `DEFAULT_PDQ_DISTANCE_THRESHOLD` in pdq/cpp).
    public static let matchThreshold = 31
    /// Quality below which a PDQ hash is too flat to screen (lists drop such hashes).
    /// Source: python-threatexchange `signal_type/pdq/signal.py` `QUALITY_THRESHOLD = 50`.
    public static let qualityThreshold = 50
    /// Images smaller than this on either side hash to all zeros with quality 0.
    /// Source: ThreatExchange `pdq/cpp/hashing/pdqhashing.cpp` `MIN_HASHABLE_DIM = 5`.
    public static let minHashableDimension = 5
    /// Bytes in a PDQ hash (256 bits).
    public static let hashByteCount = 32
}
