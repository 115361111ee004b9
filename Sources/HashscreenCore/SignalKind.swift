/// HashscreenCore: the words every stage shares.
///
/// - *signal*: one kind of hash computed from a sample (md5, sha1, sha256, pdq, phash, dhash,
///   ahash, url_md5, url_sha256). Its name is the word used in lists, reports and flags.
/// - *signal descriptor*: every fact about one signal, declared once in this file (the role of
///   python-threatexchange's `SignalType`): its names, length, what it is computed from, how
///   values compare, the default threshold and allowed range, the quality gate, the threshold
///   its index is tuned for and any bit permutation its values pair under. The CLI, the
///   pipeline, list import and the index builder read these facts and restate none of them;
///   adding a hash kind is a case and a descriptor here, plus its hasher.
/// - *hash value*: the binary value of one signal, compared exactly (cryptographic and URL
///   hashes) or by Hamming distance (perceptual hashes).
/// - *sample*: one row of a manifest (or one file of a folder): a key, maybe a URL and a path,
///   and maybe hash values recorded in the manifest itself.
//
// References:
// - facebook/ThreatExchange python-threatexchange `threatexchange/signal_type/signal_base.py`
//   (`SignalType`: name, validation of the text form, comparison, index class);
//   `signal_type/pdq/pdq_utils.py` `PDQ_CONFIDENT_MATCH_THRESHOLD = 31`;
//   `signal_type/pdq/signal.py` `QUALITY_THRESHOLD = 50`; `signal_type/md5.py`
//   `PhotoMD5Signal` (lists name it `photo_md5`).
// - facebook/ThreatExchange pdq/cpp/hashing/pdqhashing.cpp: `pdqBuffer16x16ToBits` (the bit
//   layout, `PDQBitLayout`), the quality metric (gradient sum / 90, capped at 100).
// - JohannesBuchner/imagehash README: a Hamming distance of at most 8 of 64 bits is "likely
//   similar" for phash, dhash and average_hash.
import Foundation

// MARK: - Signal kinds

/// One kind of hash. Every hash kind in hashscreen is one case here: adding a kind means
/// adding a case and its descriptor, never a schema change (lists store the name as text).
public enum SignalKind: String, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case md5
    case sha1
    case sha256
    case pdq
    case phash
    case dhash
    case ahash
    case urlMD5 = "url_md5"
    case urlSHA256 = "url_sha256"

    /// Hashed by case, not by its raw name: sets and dictionaries of signals are consulted per
    /// sample, and hashing the name string was a measurable part of screening a metadata row.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ordinal)
    }

    /// The case's position in declaration order.
    @inline(__always) var ordinal: UInt8 {
        switch self {
        case .md5: 0
        case .sha1: 1
        case .sha256: 2
        case .pdq: 3
        case .phash: 4
        case .dhash: 5
        case .ahash: 6
        case .urlMD5: 7
        case .urlSHA256: 8
        }
    }

    /// Everything hashscreen knows about this kind.
    package var descriptor: SignalDescriptor {
        switch self {
        case .md5: return Descriptors.md5
        case .sha1: return Descriptors.sha1
        case .sha256: return Descriptors.sha256
        case .pdq: return Descriptors.pdq
        case .phash: return Descriptors.phash
        case .dhash: return Descriptors.dhash
        case .ahash: return Descriptors.ahash
        case .urlMD5: return Descriptors.urlMD5
        case .urlSHA256: return Descriptors.urlSHA256
        }
    }
}

/// The descriptors, one per kind.
private enum Descriptors {
    static let md5 = SignalDescriptor(byteCount: 16, source: .bytes, listAliases: ["photo_md5"])
    static let sha1 = SignalDescriptor(byteCount: 20, source: .bytes, aliases: ["sha-1"])
    static let sha256 = SignalDescriptor(byteCount: 32, source: .bytes, aliases: ["sha-256"])
    static let pdq = SignalDescriptor(byteCount: 32, source: .pixels, hamming: .pdq, quality: .pdq)
    static let phash = SignalDescriptor(byteCount: 8, source: .pixels, hamming: .imageHash64)
    static let dhash = SignalDescriptor(byteCount: 8, source: .pixels, hamming: .imageHash64)
    /// imagehash calls it `average_hash`.
    static let ahash = SignalDescriptor(byteCount: 8, source: .pixels, aliases: ["average_hash"], hamming: .imageHash64)
    static let urlMD5 = SignalDescriptor(byteCount: 16, source: .url(digest: .md5))
    static let urlSHA256 = SignalDescriptor(byteCount: 32, source: .url(digest: .sha256))
}

extension HammingMatching {
    /// PDQ, 256 bits: python-threatexchange `PDQ_CONFIDENT_MATCH_THRESHOLD = 31` (also
    /// `DEFAULT_PDQ_DISTANCE_THRESHOLD` in pdq/cpp), the customary PDQ match threshold; the
    /// index is tuned for the same. Its dihedral variants pair under the transpose.
    static let pdq = HammingMatching(defaultThreshold: 31, indexTunedThreshold: 31, transpose: PDQBitLayout.transpose)
    /// pHash, dHash, aHash, 64 bits: 8, the customary ImageHash near-duplicate cut-off
    /// (imagehash README). The index is tuned for 10 (about 15% of the bits, a common cut-off
    /// for 64-bit image hashes), so a threshold raised a little still takes the tables.
    static let imageHash64 = HammingMatching(defaultThreshold: 8, indexTunedThreshold: 10, transpose: nil)
}

extension QualityGate {
    /// PDQ: quality 0...100 (pdqhashing.cpp: the gradient sum / 90, capped at 100); below
    /// python-threatexchange's `QUALITY_THRESHOLD = 50` a hash is too flat to screen.
    public static let pdq = QualityGate(range: 0...100, minimum: 50)
}

// MARK: - What a descriptor says

/// How two values of a signal are compared.
package enum Comparison: Sendable, Equatable {
    /// Equal bytes or no match (cryptographic and URL digests).
    case exact
    /// Hamming distance at most a threshold (perceptual hashes).
    case hamming
}

/// What a signal's value is computed from.
enum SignalSource: Sendable, Equatable {
    /// The image bytes as stored (cryptographic digests).
    case bytes
    /// The decoded pixels (perceptual hashes).
    case pixels
    /// The sample's normalised URL, digested by `digest`.
    case url(digest: SignalKind)
}

/// How a signal compared by Hamming distance is matched and indexed.
package struct HammingMatching: Sendable {
    /// The match threshold when the user gives none: the largest distance that is a match.
    package let defaultThreshold: Int
    /// The threshold the index layout is tuned for; every threshold is still answered exactly.
    package let indexTunedThreshold: Int
    /// A bit permutation under which the hasher's variants of one image come in pairs (PDQ's
    /// transpose: 4 of the 8 dihedral variants are the transposes of the other 4), so that an
    /// index can serve a query and its image with one set of probes.
    package let transpose: BitPermutation?
}

/// A hasher's own score of how reliable a value is, and the minimum worth matching.
public struct QualityGate: Sendable, Equatable {
    /// Every score the hasher gives.
    public let range: ClosedRange<Int>
    /// Values scored below this are not matched (counted as skipped for low quality, not a
    /// failure: the sample's other signals still screen it).
    public let minimum: Int
}

/// Every fact about one signal (see the module comment).
package struct SignalDescriptor: Sendable {
    /// Length of the binary value in bytes.
    let byteCount: Int
    let source: SignalSource
    /// Other spellings accepted wherever a signal is named (lists and flags), lower case.
    package let aliases: [String]
    /// Names other exchanges give the signal, accepted in list files only (lower case).
    package let listAliases: [String]
    /// Matching by Hamming distance; nil for signals compared exactly.
    package let hamming: HammingMatching?
    /// The quality gate, for a hasher that scores its values (PDQ).
    let quality: QualityGate?

    init(byteCount: Int, source: SignalSource, aliases: [String] = [], listAliases: [String] = [],
         hamming: HammingMatching? = nil, quality: QualityGate? = nil) {
        self.byteCount = byteCount; self.source = source; self.aliases = aliases
        self.listAliases = listAliases; self.hamming = hamming; self.quality = quality
    }
}

/// What an index is told about the values of one signal, and nothing else about it: their
/// width, how they compare, the threshold to tune the layout for, and the permutation (if any)
/// under which queries arrive in pairs.
package struct IndexDescription: Sendable {
    package var comparison: Comparison
    package var bitCount: Int
    /// 0 for exact signals.
    package var tunedThreshold: Int
    package var transpose: BitPermutation?

    package init(comparison: Comparison, bitCount: Int, tunedThreshold: Int = 0, transpose: BitPermutation? = nil) {
        self.comparison = comparison; self.bitCount = bitCount
        self.tunedThreshold = tunedThreshold; self.transpose = transpose
    }
}

// MARK: - Facts read from the descriptor

extension SignalKind {
    /// The word used in lists, reports and flags.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// Length of the binary value in bytes.
    package var byteCount: Int { descriptor.byteCount }
    public var bitCount: Int { byteCount * 8 }
    /// Length of the hexadecimal text form.
    package var hexLength: Int { byteCount * 2 }

    package var comparison: Comparison { descriptor.hamming == nil ? .exact : .hamming }

    /// Cryptographic digests of the image bytes as stored.
    package var isCryptographic: Bool { descriptor.source == .bytes }
    /// Perceptual hashes of the decoded pixels.
    package var isPerceptual: Bool { descriptor.source == .pixels }
    /// Digests of the sample's normalised URL.
    public var isURL: Bool { urlDigest != nil }
    /// The digest a URL signal applies to the normalised URL (url_md5: md5).
    package var urlDigest: SignalKind? {
        if case .url(let d) = descriptor.source { return d }
        return nil
    }

    /// The default match threshold; 0 for exact signals (equal values only).
    public var defaultThreshold: Int { descriptor.hamming?.defaultThreshold ?? 0 }
    /// The thresholds a user may set (0 ..< bits); nil for exact signals.
    public var thresholdRange: ClosedRange<Int>? { descriptor.hamming.map { _ in 0...(bitCount - 1) } }
    public var quality: QualityGate? { descriptor.quality }
    /// The permutation the signal's variants pair under (PDQ's transpose).
    package var transpose: BitPermutation? { descriptor.hamming?.transpose }

    /// What the index of this signal's values is built from.
    package var indexDescription: IndexDescription {
        IndexDescription(comparison: comparison, bitCount: bitCount,
                         tunedThreshold: descriptor.hamming?.indexTunedThreshold ?? 0, transpose: transpose)
    }

    /// The signals compared by Hamming distance, in canonical order.
    public static var hammingSignals: [SignalKind] { allCases.filter { $0.comparison == .hamming } }

    /// Every signal's name, comma separated, for help texts and messages.
    public static var allNames: String { allCases.map(\.name).joined(separator: ", ") }

    // MARK: Names

    /// Parses a signal name as written in lists and flags (case-insensitive, surrounding
    /// spaces ignored): a name or one of its `aliases`.
    public init?(name: some StringProtocol) {
        guard let k = Self.byName[name.trimmingCharacters(in: .whitespaces).lowercased()] else { return nil }
        self = k
    }

    /// Parses a signal name as written in a list file: also the `listAliases` of other
    /// exchanges (ThreatExchange's `photo_md5`).
    package init?(listName: some StringProtocol) {
        let n = listName.trimmingCharacters(in: .whitespaces).lowercased()
        guard let k = Self.byName[n] ?? Self.byListName[n] else { return nil }
        self = k
    }

    private static let byName: [String: SignalKind] = Dictionary(
        allCases.flatMap { k in ([k.name] + k.descriptor.aliases).map { ($0, k) } }, uniquingKeysWith: { a, _ in a })
    private static let byListName: [String: SignalKind] = Dictionary(
        allCases.flatMap { k in k.descriptor.listAliases.map { ($0, k) } }, uniquingKeysWith: { a, _ in a })

    // MARK: Text form

    /// Parses and validates the text form of a value of this signal; a malformed value throws an
    /// `.input` error whose message is the reason (it never echoes the value).
    package func parse(_ text: some StringProtocol) throws(HashscreenError) -> HashValue {
        // Text whose ends are ASCII other than space and tab has nothing Foundation's
        // `.whitespaces` trims (its other members are not ASCII): parsed as it is, without
        // the bridging to NSString that was most of the cost of a recorded-hash column.
        if let f = text.first, let l = text.last, f.isASCII, l.isASCII, f != " ", f != "\t", l != " ", l != "\t" {
            return try parseTrimmed(text)
        }
        return try parseTrimmed(text.trimmingCharacters(in: .whitespaces))
    }

    private func parseTrimmed(_ t: some StringProtocol) throws(HashscreenError) -> HashValue {
        guard t.utf8.count == hexLength else {
            throw HashscreenError(.input, "\(name) hash must be \(hexLength) hex digits, got \(t.utf8.count)")
        }
        guard let v = HashValue(hex: t) else {
            throw HashscreenError(.input, "\(name) hash is not hexadecimal")
        }
        return v
    }

    public static func < (a: SignalKind, b: SignalKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

// MARK: - PDQ's bit layout

/// Where PDQ puts the bit of each coefficient of its 16 x 16 DCT block.
///
/// pdqhashing.cpp `pdqBuffer16x16ToBits` sets bit k = 16i + j (row i, column j) when the
/// coefficient exceeds the median, in 16 words of 16 bits; the reference prints words 15...0,
/// each high byte first. So in `HashValue` order (bit 0 the most significant bit of byte 0),
/// coefficient (i, j) is byte 2(15 - i) + (j >= 8 ? 0 : 1), bit j & 7 counted from the least
/// significant. `PDQHasher.bits` writes hashes through this layout.
package enum PDQBitLayout {
    /// Side of the DCT block.
    package static let side = 16

    /// Bit position (`HashValue` order) of coefficient (row `i`, column `j`).
    @inlinable
    package static func position(row i: Int, column j: Int) -> Int {
        (2 * (15 - i) + (j >= 8 ? 0 : 1)) * 8 + 7 - (j & 7)
    }

    /// The transpose (i, j) -> (j, i): the hash of the image flipped about its main diagonal,
    /// since that flip transposes the DCT and the median of the same 256 values is unchanged.
    /// The dihedral variants `flipp`, `rot90`, `rot270` and `flipm` are the transposes of
    /// `orig`, `flipy`, `flipx` and `rot180`.
    package static let transpose: BitPermutation = {
        var image = [Int](repeating: 0, count: side * side)
        for i in 0..<side { for j in 0..<side { image[position(row: i, column: j)] = position(row: j, column: i) } }
        return BitPermutation(bitCount: side * side) { image[$0] }!
    }()
}
