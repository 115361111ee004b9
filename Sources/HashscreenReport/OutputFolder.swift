import Foundation
import HashscreenCore

/// A scan's output folder, and the sink the scan hands its results to: first every match and
/// failure, then the summary. Each file has its printer (`removals.csv`: CSV; `report.jsonl`
/// and `errors.jsonl`: JSON lines; `summary.json`: JSON), is sorted by `RecordOrder` and is
/// written atomically with mode 0600. Which folder may be used, the lock and the replacement
/// of an earlier scan: `OutputFolder+Policy.swift`.
package struct OutputFolder {
    /// Output file names.
    package enum File {
        package static let removals = "removals.csv"
        package static let report = "report.jsonl"
        package static let errors = "errors.jsonl"
        package static let summary = "summary.json"
    }

    package let directory: String
    /// Held while this value (or a copy) lives: one scan at a time per folder.
    private let lock: OutputLock

    /// Opens the folder by the `--out` policy, before any work, so an unusable `--out` stops
    /// the run at once: a missing folder is created 0700; an existing one is used only if it
    /// is empty or holds an earlier scan (its lock file), and its mode is left alone (`warn`
    /// says when everyone may write to it); then it is locked, and a second scan into it
    /// fails here. Nothing is removed yet: `removePreviousRun()` does that once every other
    /// check has passed.
    package init(directory: String, warn: (String) -> Void = OutputFolder.printWarning) throws(HashscreenError) {
        self.directory = directory
        lock = try Self.prepare(directory, warn: warn)
    }

    /// The path of `name` in the folder.
    package func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Writes `removals.csv`, `report.jsonl` and `errors.jsonl` from the scan's matches and
    /// failures, in any order (they are sorted here).
    package func write(matches: [MatchRecord], failures: [FailureRecord]) throws(HashscreenError) {
        let matches = RecordOrder.sorted(matches)
        let removals = try CSVPrinter<Removal>(header: Removal.csvHeader, to: AtomicFile(path: path(File.removals)))
        try print(Removal.rows(matches), with: removals)
        try print(matches, with: JSONLinesPrinter<MatchRecord>(to: AtomicFile(path: path(File.report))))
        try print(RecordOrder.sorted(failures), with: JSONLinesPrinter<FailureRecord>(to: AtomicFile(path: path(File.errors))))
    }

    /// Writes `summary.json`: last, so its presence says the other files are complete.
    package func write(_ summary: ScanSummary) throws(HashscreenError) {
        try print([summary], with: JSONPrinter<ScanSummary>(to: AtomicFile(path: path(File.summary))))
    }

    private func print<S: ReportSink>(_ records: [S.Record], with sink: S) throws(HashscreenError) {
        var sink = sink
        for r in records { try sink.write(r) }
        try sink.finish()
    }
}
