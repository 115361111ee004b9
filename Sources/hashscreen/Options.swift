import ArgumentParser
import HashscreenPipeline

// MARK: - Argument types

/// A comma-separated list of signal names or aliases (`--signals md5,sha1`): unknown names are
/// a usage error naming the signals HashscreenCore knows; duplicates are dropped.
struct SignalList: Sendable {
    var signals: [SignalKind]

    init(_ signals: [SignalKind]) { self.signals = signals }

    /// The text form: the names, comma separated.
    var text: String { signals.map(\.name).joined(separator: ",") }

    /// Parses `--signals`' text (ArgumentParser's `transform`, so the message reaches the user
    /// as "The value '...' is invalid for '--signals <signals>': <reason>").
    @Sendable static func parse(_ text: String) throws -> SignalList {
        var out: [SignalKind] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let s = SignalKind(name: name) else {
                throw ValidationError("unknown signal '\(name)'; known: \(SignalKind.allNames)")
            }
            if !out.contains(s) { out.append(s) }
        }
        guard !out.isEmpty else { throw ValidationError("name at least one signal (\(SignalKind.allNames))") }
        return SignalList(out)
    }
}

extension PDQScanMode: ExpressibleByArgument {}
extension ProgressMode: ExpressibleByArgument {}
extension PDQMode: ExpressibleByArgument {}
extension ManifestLayout: ExpressibleByArgument {}
extension SummaryFormat: ExpressibleByArgument {}

// MARK: - Option groups

/// `--layout` and `--image-column`, shared by `scan`, `manifest inspect` and `manifest rows`.
struct LayoutOptions: ParsableArguments {
    @Option(help: "Input layout, when detection from the path is not wanted.")
    var layout: ManifestLayout?

    @Option(help: "The manifest column (CSV, TSV, JSONL, Parquet) holding each row's image: its bytes (a Parquet binary column or {bytes, path} struct), base64 or a data: URL, or its path; instead of the column recognised by name.")
    var imageColumn: String?
}

/// The limits `scan` and `hash` read and decode files under.
struct FileLimitOptions: ParsableArguments {
    @Option(help: "Refuse to decode images with more pixels than this (decompression bombs).")
    var maxPixels: UInt64 = ScanConfiguration.defaultMaxPixels

    @Option(help: "Refuse to read files larger than this many bytes.")
    var maxFileBytes: Int = ScanConfiguration.defaultMaxFileBytes

    func validate() throws {
        if maxPixels == 0 { throw ValidationError("--max-pixels must be positive") }
    }
}

/// `scan`'s match thresholds, one flag per signal compared by Hamming distance, and PDQ's
/// quality gate; defaults and allowed ranges are the signals' own (HashscreenCore).
struct MatchOptions: ParsableArguments {
    @Option(help: "PDQ match threshold: Hamming distance of \(SignalKind.pdq.bitCount) bits.")
    var pdqThreshold: Int = SignalKind.pdq.defaultThreshold

    @Option(help: "pHash match threshold: Hamming distance of \(SignalKind.phash.bitCount) bits.")
    var phashThreshold: Int = SignalKind.phash.defaultThreshold

    @Option(help: "dHash match threshold: Hamming distance of \(SignalKind.dhash.bitCount) bits.")
    var dhashThreshold: Int = SignalKind.dhash.defaultThreshold

    @Option(help: "aHash match threshold: Hamming distance of \(SignalKind.ahash.bitCount) bits.")
    var ahashThreshold: Int = SignalKind.ahash.defaultThreshold

    @Option(help: "PDQ quality (\(QualityGate.pdq.range.lowerBound)-\(QualityGate.pdq.range.upperBound)) below which an image's PDQ hash is not matched (too flat; counted in summary.json as skipped_low_quality, not an error).")
    var pdqMinQuality: Int = QualityGate.pdq.minimum

    /// Each threshold with its signal.
    var thresholds: [SignalKind: Int] {
        [.pdq: pdqThreshold, .phash: phashThreshold, .dhash: dhashThreshold, .ahash: ahashThreshold]
    }

    var minimumQualities: [SignalKind: Int] { [.pdq: pdqMinQuality] }

    func validate() throws {
        for s in SignalKind.hammingSignals {
            if let t = thresholds[s], let range = s.thresholdRange, !range.contains(t) {
                throw ValidationError("--\(s.name)-threshold must be between \(range.lowerBound) and \(range.upperBound)")
            }
        }
        for (s, q) in minimumQualities {
            if let range = s.quality?.range, !range.contains(q) {
                throw ValidationError("--\(s.name)-min-quality must be between \(range.lowerBound) and \(range.upperBound)")
            }
        }
    }
}
