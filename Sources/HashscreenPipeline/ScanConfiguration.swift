/// HashscreenPipeline: wires the stages into a scan.
///
/// - *configuration*: the raw command-line options resolved once into one value; library
///   modules never see CLI types.
/// - *screening* a sample: match its recorded hashes and URL hashes, read its bytes once,
///   digest them, decode them if a perceptual signal (or --verify-decode) needs pixels, hash
///   the pixels, and look every value up in the known-hash indexes. Pure per sample: the
///   outcome depends only on (sample, list, options).
/// - *tally*: what the scan keeps: counts per input and per signal (every sample accounted
///   for, docs/summary.md); its matches and failures go to the output folder's spools as they
///   are found (never image bytes).
import HashscreenCore
import HashscreenDecode
import HashscreenManifest
import HashscreenPerceptual

/// Everything a scan needs, resolved from the command line.
public struct ScanConfiguration: Sendable {
    public struct Input: Sendable {
        package var path: String
        package var layout: ManifestLayout?
        /// `--image-column`: the manifest column holding each row's image (manifests only).
        package var imageColumn: String?
        public init(path: String, layout: ManifestLayout? = nil, imageColumn: String? = nil) {
            self.path = path; self.layout = layout; self.imageColumn = imageColumn
        }
    }

    package var inputs: [Input]
    package var listPath: String
    package var outputDirectory: String
    /// Signals to compute and match, in canonical order.
    package var signals: [SignalKind]
    package var jobs: Int
    package var maxPixels: UInt64
    /// Files larger than this are not read (a per-sample `read` error).
    package var maxFileBytes: Int
    package var verifyDecode: Bool
    package var pdqMode: PDQScanMode
    /// Match threshold per Hamming signal (every one, whether scanned or not).
    package var thresholds: [SignalKind: Int]
    /// Minimum quality per signal with a quality gate (PDQ).
    package var minimumQualities: [SignalKind: Int]
    package var dihedral: Bool
    /// Detect and remove a uniform border before perceptual hashing for every image (img2dataset
    /// layouts always use their known padding).
    package var unletterbox: Bool
    /// Also write each input manifest minus the removed rows into `OUT/cleaned/`.
    public var writeCleaned: Bool = false
    /// `--shard I/N` (or `auto`, resolved): screen part I of N of the work units (docs/sharding.md).
    public var shard: ShardSpec? = nil
    /// `--resume`: continue the scan in the output folder from its checkpoint, if it has one.
    public var resume: Bool = false
    /// `--checkpoint-interval`: seconds at least between two checkpoints (0: after every unit).
    public var checkpointInterval: Double = ScanConfiguration.defaultCheckpointInterval
    /// One second: an img2dataset shard (10,000 images, ~15 s at 650 images/s) gets its own
    /// checkpoint; a folder of 65,536 empty shards does not pay four fsyncs each.
    public static let defaultCheckpointInterval = 1.0
    /// Folder walks also screen hidden entries (`--include-hidden`).
    public var includeHidden: Bool = false
    /// Folder walks follow symbolic links (`--follow-symlinks`; rule in `FolderWalk`).
    public var followSymlinks: Bool = false
    /// How progress is shown on standard error while the scan runs (docs/progress.md); never
    /// part of the outputs.
    public var progress: ProgressMode = .none
    /// Seconds between two progress updates; nil: the mode's default.
    public var progressInterval: Double? = nil
    /// `--stdin-parquet`: the img2dataset shard parquet of the tar read from standard input
    /// (input `-`); nil: the members' `KEY.json` sidecars give each image's row.
    public var standardInputParquet: String? = nil
    /// `--attest`: the Ed25519 private key (PEM PKCS#8) that signs `attestation.intoto.json`;
    /// nil writes none.
    public var attestationKey: String? = nil
    /// `--max-unscreened`: nil fails the scan as incomplete (3) at any failure.
    public var maxUnscreened: UnscreenedLimit? = nil
    /// `--summary-format`: also print the summary on standard output (nil: nothing there).
    public var summaryFormat: SummaryFormat? = nil
    /// With `verify`: the earlier scan's flagged rows, every sample is compared with.
    package var earlier: EarlierFlags?
    package var folderWalk: FolderWalk { FolderWalk(includeHidden: includeHidden, followSymlinks: followSymlinks) }

    /// The default signals of a scan.
    public static let defaultSignals: [SignalKind] = [.md5, .sha1, .sha256, .pdq, .phash, .urlMD5, .urlSHA256]
    /// Default file-size limit: 512 MiB, far above any web image, well below memory.
    public static let defaultMaxFileBytes = 512 << 20
    /// Default decoded-pixel limit (decompression bombs): `DecodeOptions.defaultMaxPixels`.
    public static let defaultMaxPixels = DecodeOptions.defaultMaxPixels

    /// `thresholds` and `minimumQualities` name only what differs from the signals' defaults
    /// (`SignalKind.defaultThreshold`, `QualityGate.minimum`).
    public init(inputs: [Input], listPath: String, outputDirectory: String,
                signals: [SignalKind] = ScanConfiguration.defaultSignals,
                jobs: Int = 0, maxPixels: UInt64 = ScanConfiguration.defaultMaxPixels,
                maxFileBytes: Int = ScanConfiguration.defaultMaxFileBytes, verifyDecode: Bool = false,
                pdqMode: PDQScanMode = .fast, thresholds: [SignalKind: Int] = [:],
                minimumQualities: [SignalKind: Int] = [:],
                dihedral: Bool = false, unletterbox: Bool = false) {
        self.inputs = inputs; self.listPath = listPath; self.outputDirectory = outputDirectory
        self.signals = SignalKind.allCases.filter { signals.contains($0) }
        self.jobs = jobs > 0 ? jobs : ProcessInfoCores.active
        self.maxPixels = maxPixels; self.maxFileBytes = maxFileBytes; self.verifyDecode = verifyDecode
        self.pdqMode = pdqMode
        self.thresholds = Dictionary(uniqueKeysWithValues: SignalKind.hammingSignals.map { ($0, $0.defaultThreshold) })
            .merging(thresholds) { $1 }
        self.minimumQualities = Dictionary(uniqueKeysWithValues: SignalKind.allCases.compactMap { s in s.quality.map { (s, $0.minimum) } })
            .merging(minimumQualities) { $1 }
        self.dihedral = dihedral; self.unletterbox = unletterbox
    }

    /// Whether pixels are needed.
    package var needsDecode: Bool { verifyDecode || signals.contains(where: \.isPerceptual) }

    /// The match threshold of `signal` (0 for exact signals: equal values only).
    package func threshold(for signal: SignalKind) -> Int { thresholds[signal] ?? signal.defaultThreshold }

    /// The minimum quality of `signal`'s values (0 for a signal without a quality gate).
    func minimumQuality(for signal: SignalKind) -> Int { minimumQualities[signal] ?? signal.quality?.minimum ?? 0 }
}

/// How pixels are prepared for PDQ in a scan.
public enum PDQScanMode: String, Sendable, CaseIterable {
    /// The default: JPEGs decoded with DCT-domain scaling, keeping both sides >= 512 px (other
    /// formats whole). On the 2000-image bench set PDQ stays within p99 8 / max 20 bits of
    /// `full` and pHash within 2 bits (docs/perceptual.md), for ~10% less CPU.
    case fast
    /// The whole decoded image (what `pdqhash` and the Java port hash).
    case full
    /// The reference C++ loader: nearest-neighbour resize to 512x512 when a side exceeds 512.
    case cimg512
}

import Foundation
enum ProcessInfoCores {
    static var active: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
