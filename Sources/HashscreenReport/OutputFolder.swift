import Foundation
import HashscreenCore

/// A scan's output folder, and the sink the scan hands its results to: first every match and
/// failure, then the summary. Each file has its printer (`removals.csv`: CSV; `report.jsonl`
/// and `errors.jsonl`: JSON lines; `summary.json`: JSON), is sorted by `RecordOrder` and is
/// written atomically with mode 0600; the folder is created 0700.
package struct OutputFolder {
    /// Output file names.
    package enum File {
        package static let removals = "removals.csv"
        package static let report = "report.jsonl"
        package static let errors = "errors.jsonl"
        package static let summary = "summary.json"
    }

    package let directory: String

    /// Creates (or reuses) the folder with mode 0700; fails with a remedy if it cannot. Called
    /// before any work, so an unusable `--out` stops the run at once.
    package init(directory: String) throws(HashscreenError) {
        self.directory = directory
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw HashscreenError(.output, "output path \(directory) exists and is not a folder: choose another --out")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw HashscreenError(.output, "cannot create output folder \(directory): check the path and permissions",
                                      underlying: String(describing: error))
            }
        }
        chmod(directory, 0o700)
        guard access(directory, W_OK) == 0 else {
            throw HashscreenError(.output, "output folder \(directory) is not writable: choose another --out")
        }
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
