/// HashscreenPerceptual: perceptual hashes of decoded pixels, in pure Swift.
///
/// - *luma*: one float32 brightness value per pixel, `0.299 R + 0.587 G + 0.114 B` (PDQ).
/// - *grey*: one 8-bit brightness value per pixel, Pillow's `L` conversion (pHash, dHash,
///   average hash).
/// - *PDQ*: Meta's 256-bit perceptual hash with a quality score 0...100 (`PDQHasher`;
///   the range and the gate are `QualityGate.pdq`).
/// - *dihedral variant*: the PDQ hash the image would have after one of the 8 rotations or
///   flips, derived from the DCT of the original without re-hashing (`DihedralVariant`).
/// - *pHash, dHash, aHash*: the 64-bit hashes of the Python ImageHash library
///   (`ImageHasher64`).
///
/// Every hash here is a `HashscreenCore.HashValue` whose `hex` is the text the reference
/// implementation prints. Hashers own scratch buffers: one per worker thread, not shared.
import HashscreenCore

// MARK: - Constants

/// PDQ's hashing limits. Its match threshold, quality gate and bit layout are facts of the
/// signal, declared in HashscreenCore (`SignalKind.pdq`, `QualityGate.pdq`, `PDQBitLayout`).
enum PDQConstants {
    /// Images smaller than this on either side hash to all zeros with quality 0.
    /// Source: ThreatExchange `pdq/cpp/hashing/pdqhashing.cpp` `MIN_HASHABLE_DIM = 5`.
    static let minHashableDimension = 5
    /// Bytes in a PDQ hash (256 bits).
    static let hashByteCount = SignalKind.pdq.byteCount
}
