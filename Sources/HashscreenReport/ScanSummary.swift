import Foundation
import HashscreenCore

/// Everything `summary.json` says about a scan: counts, provenance (tool, lists, inputs,
/// options, times), the cleaned manifests, throughput and the exit status. The pipeline fills
/// it as raw values; `JSONPrinter` renders it (and rounds the figures).
package struct ScanSummary: Sendable {
    /// What became of every sample: for the whole scan (`ScanSummary.counts`) and for each
    /// input (`perInput`, in input order), the same fields. Every requested signal accounts
    /// for every sample: `screened + notComputed + skippedLowQuality + notApplicable ==
    /// samples` (docs/summary.md).
    package struct Counts: Sendable, Equatable {
        /// Rows, files or members read (a row that could not be read included).
        package var samples = 0
        /// Samples screened without any failure.
        package var scanned = 0
        /// Samples with at least one match.
        package var matched = 0
        /// Samples that could not be fully screened (at least one `errors.jsonl` record).
        package var errors = 0
        package var decoded = 0
        /// Samples that name no image (a failed download, or a row without one).
        package var rowsWithoutPath = 0
        /// Entries the readers passed over, by reason: each reader's counters
        /// (`non_image_files_ignored`, `rows_not_success` for failed downloads, ...).
        package var passedOver: [String: Int] = [:]
        /// Samples failed per stage (a sample counts once per stage it failed in).
        package var errorsByStage: [FailureStage: Int] = [:]
        /// Samples where a requested signal could not be computed, by reason.
        package var notComputed: [NotComputedReason: Int] = [:]
        /// Samples where a requested signal could not be computed (one reason each): what
        /// `--max-unscreened` limits.
        package var unscreened: Int { notComputed.values.reduce(0, +) }
        /// In the scan's signal order.
        package var perSignal: [SignalCount] = []
        /// In the database's list order (whole scan only).
        package var perList: [ListCount] = []
        /// Per input, in input order (whole scan only).
        package var perInput: [Counts] = []
        package init() {}
    }

    /// What became of one requested signal over the samples.
    package struct SignalCount: Sendable, Equatable {
        package var signal: SignalKind
        /// Samples whose value was computed (or recorded) and looked up.
        package var screened: Int
        /// Samples with a match of this signal.
        package var matched: Int
        /// Samples where the value could not be computed (a failure: see `notComputed`).
        package var notComputed = 0
        /// Samples whose value is below the signal's quality gate (PDQ): not looked up, not
        /// a failure.
        package var skippedLowQuality = 0
        /// Samples the signal does not apply to: no URL for a URL signal, no image for a
        /// failed download.
        package var notApplicable = 0
        package init(signal: SignalKind, screened: Int, matched: Int, notComputed: Int = 0,
                     skippedLowQuality: Int = 0, notApplicable: Int = 0) {
            self.signal = signal; self.screened = screened; self.matched = matched
            self.notComputed = notComputed; self.skippedLowQuality = skippedLowQuality
            self.notApplicable = notApplicable
        }
    }

    package struct ListCount: Sendable, Equatable {
        package var list: ListRef
        /// Samples with a match in this list.
        package var matched: Int
        package init(list: ListRef, matched: Int) { self.list = list; self.matched = matched }
    }

    package struct Input: Sendable {
        package var path: String
        package var layout: String
        /// Hex SHA-256 of the input file; nil for a folder (no single digest).
        package var sha256: String?
        package init(path: String, layout: String, sha256: String?) { self.path = path; self.layout = layout; self.sha256 = sha256 }
    }

    /// One option of the scan as resolved (after defaults).
    package enum OptionValue: Sendable {
        case bool(Bool)
        case int(Int)
        case string(String)
        case strings([String])
    }

    package struct CleanedManifest: Sendable {
        package var path: String
        package var kept: Int
        package var removed: Int
        package init(path: String, kept: Int, removed: Int) { self.path = path; self.kept = kept; self.removed = removed }
    }

    /// Wall-clock times and the two phases: set-up (reading and indexing the list, opening the
    /// inputs) and the scan, in wall and CPU seconds.
    package struct Times: Sendable {
        package var started: Date
        package var finished: Date
        package var setupSeconds: Double
        package var scanSeconds: Double
        package var setupCPUSeconds: Double
        package var scanCPUSeconds: Double
        package init(started: Date, finished: Date, setupSeconds: Double, scanSeconds: Double,
                     setupCPUSeconds: Double, scanCPUSeconds: Double) {
            self.started = started; self.finished = finished; self.setupSeconds = setupSeconds
            self.scanSeconds = scanSeconds; self.setupCPUSeconds = setupCPUSeconds; self.scanCPUSeconds = scanCPUSeconds
        }
    }

    /// Which part of a sharded scan this is (`scan --shard`), for `merge`: provenance's last
    /// key, absent from a whole scan's summary and from a merge's (docs/sharding.md).
    package struct ShardPart: Sendable, Equatable {
        /// 0-based.
        package var index: Int
        package var count: Int
        /// Work units this part screened, and the scan's in all (docs/sharding.md).
        package var units: Int
        package var unitsTotal: Int
        /// The part ran with `--export-reporting` (its `part-flagged.run` carries the facts):
        /// `merge` writes `reporting.jsonl` when every part did. In `summary.json` only when true.
        package var exportReporting: Bool
        package init(index: Int, count: Int, units: Int, unitsTotal: Int, exportReporting: Bool = false) {
            self.index = index; self.count = count; self.units = units; self.unitsTotal = unitsTotal
            self.exportReporting = exportReporting
        }
    }

    package var counts: Counts
    /// With `scan --shard` only.
    package var shard: ShardPart?
    /// hashscreen's version.
    package var version: String
    /// The OpenSSL (libcrypto) version the digests came from.
    package var opensslVersion: String
    /// Every list of the database, in its order.
    package var lists: [ListProvenance]
    package var listDatabase: String
    package var inputs: [Input]
    /// In a fixed order (`ScanConfiguration.summaryOptions`).
    package var options: [(name: String, value: OptionValue)]
    /// With `--write-cleaned` only.
    package var cleanedManifests: [CleanedManifest]?
    package var times: Times
    /// Image bytes read.
    package var bytesRead: Int
    package var exitStatus: Int
    /// Where the outputs are (for the closing line; not in `summary.json`).
    package var outputDirectory: String
    /// `--max-unscreened` as given, when given (it is also among `options`).
    package var maxUnscreened: String?

    package init(counts: Counts, version: String = HashscreenVersion.current, opensslVersion: String,
                 lists: [ListProvenance], listDatabase: String, inputs: [Input],
                 options: [(name: String, value: OptionValue)], cleanedManifests: [CleanedManifest]?,
                 times: Times, bytesRead: Int, exitStatus: Int, outputDirectory: String, maxUnscreened: String? = nil) {
        self.counts = counts; self.version = version; self.opensslVersion = opensslVersion; self.lists = lists
        self.listDatabase = listDatabase; self.inputs = inputs; self.options = options
        self.cleanedManifests = cleanedManifests; self.times = times; self.bytesRead = bytesRead
        self.exitStatus = exitStatus; self.outputDirectory = outputDirectory; self.maxUnscreened = maxUnscreened
    }
}
