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
        /// With `--attest`: the signed screening attestation (docs/attestation.md), after the summary.
        package static let attestation = "attestation.intoto.json"
        /// With `verify --attest`: the signed verification attestation, after the summary.
        package static let verificationAttestation = "verification.intoto.json"
        /// One line per flagged sample: its key and domain-separated digests (docs/verify.md).
        package static let flagged = "flagged.jsonl"
        /// With `--export-reporting`: one line per flagged sample for a CyberTipline-style
        /// report, its own hashes included (docs/reporting.md).
        package static let reporting = "reporting.jsonl"
        /// `verify`'s verdict (docs/verify.md).
        package static let verification = "verify.json"
        /// The prevalence report for people and its figures for programs (docs/report.md).
        package static let html = "report.html"
        package static let prevalence = "prevalence.json"
        /// The spools of a scan in progress (`RecordSpool`, docs/spool.md), named
        /// `.matches.PID.RANDOM.spool` and `.errors.PID.RANDOM.spool`; removed once the files
        /// above are written (a killed scan leaves them, every run in them whole).
        package static let matchSpool = "matches"
        package static let failureSpool = "errors"
        /// A sharded scan's findings for `merge`, in `RecordOrder` (`PartRecords.swift`,
        /// docs/sharding.md); written only by `scan --shard`.
        package static let partMatches = "part-matches.run"
        package static let partErrors = "part-errors.run"
        package static let partFlagged = "part-flagged.run"
        /// A sharded scan's raw prevalence counts for `merge` (`Prevalence.rawJSON`).
        package static let partPrevalence = "part-prevalence.json"
        package static let flaggedSpool = "flagged"
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
    package func write(matches: [MatchRecord], failures: [FailureRecord], flagged: [FlaggedRecord] = []) throws(HashscreenError) {
        _ = try write(matches: SortedArray(matches), failures: SortedArray(failures), flagged: SortedArray(flagged))
    }

    /// Writes `removals.csv`, `report.jsonl`, `errors.jsonl` and `flagged.jsonl` from records handed over in
    /// `RecordOrder` (a scan's spools): one pass over the matches prints both of their files,
    /// a removal per run of one sample's matches; nothing is held but the current sample's
    /// reasons. Returns the removed samples' identities when `keepingRemovedIDs` (for
    /// `--write-cleaned`: one set entry per removed sample), else an empty set.
    /// With `partRecords` (a sharded scan), the same records also go, in the same order, to
    /// `part-matches.run`, `part-errors.run` and `part-flagged.run` for `merge`.
    package func write<M: SortedRecords<MatchRecord>, F: SortedRecords<FailureRecord>, G: SortedRecords<FlaggedRecord>>(
        matches: M, failures: F, flagged: G, keepingRemovedIDs: Bool = false, partRecords: Bool = false,
        reporting: ReportingContext? = nil
    ) throws(HashscreenError) -> Set<SampleID> {
        let partMatches = partRecords ? try PartRecordWriter<MatchRecord>(path: path(File.partMatches)) : nil
        let partErrors = partRecords ? try PartRecordWriter<FailureRecord>(path: path(File.partErrors)) : nil
        let removals = try CSVPrinter<Removal>(header: Removal.csvHeader, to: AtomicFile(path: path(File.removals)))
        let report = JSONLinesPrinter<MatchRecord>(to: try AtomicFile(path: path(File.report)))
        var removed = Set<SampleID>()
        var grouping = Removal.Grouping()
        func emit(_ done: (removal: Removal, id: SampleID)?) throws(HashscreenError) {
            guard let done else { return }
            try removals.write(done.removal)
            if keepingRemovedIDs { removed.insert(done.id) }
        }
        try matches.forEachSorted { (m: MatchRecord) throws(HashscreenError) in
            try partMatches?.append(m)
            try report.write(m)
            try emit(grouping.add(m))
        }
        try emit(grouping.finish())
        try removals.finish()
        try report.finish()
        let errors = JSONLinesPrinter<FailureRecord>(to: try AtomicFile(path: path(File.errors)))
        try failures.forEachSorted { (f: FailureRecord) throws(HashscreenError) in
            try partErrors?.append(f)
            try errors.write(f)
        }
        try errors.finish()
        let partFlagged = partRecords ? try PartRecordWriter<FlaggedRecord>(path: path(File.partFlagged)) : nil
        let flaggedFile = JSONLinesPrinter<FlaggedRecord>(to: try AtomicFile(path: path(File.flagged)))
        // reporting.jsonl (--export-reporting) in the same pass: a line per flagged sample, its order.
        let reportingFile = try reporting.map { (_) throws(HashscreenError) in
            JSONLinesPrinter<ReportingLine>(to: try AtomicFile(path: path(File.reporting)))
        }
        try flagged.forEachSorted { (g: FlaggedRecord) throws(HashscreenError) in
            try partFlagged?.append(g)
            try flaggedFile.write(g)
            if let reportingFile, let reporting, let facts = g.reporting {
                try reportingFile.write(ReportingLine(record: g, facts: facts, context: reporting))
            }
        }
        try flaggedFile.finish()
        try reportingFile?.finish()
        try partMatches?.finish()
        try partErrors?.finish()
        try partFlagged?.finish()
        return removed
    }

    /// Writes `prevalence.json` and `report.html` (and, for a part of a sharded scan, its raw
    /// counts in `part-prevalence.json` for `merge`), then `summary.json`: last, so its
    /// presence says the other files are complete.
    package func write(_ summary: ScanSummary, prevalence: Prevalence,
                       verification: PrevalenceReport.Verification? = nil) throws(HashscreenError) {
        if summary.shard != nil {
            let file = try AtomicFile(path: path(File.partPrevalence))
            try file.write(prevalence.rawJSON(withNames: true).rendered() + "\n")
            try file.commit()
        }
        try writeReport(summary, prevalence: prevalence, verification: verification)
        try print([summary], with: JSONPrinter<ScanSummary>(to: AtomicFile(path: path(File.summary))))
    }

    /// Writes `prevalence.json` and `report.html` (a scan's, or `merge`'s before its summary).
    /// With `verification` (verify's), "before" is the earlier scan's and "after" the re-screened release.
    package func writeReport(_ summary: ScanSummary, prevalence: Prevalence,
                             verification: PrevalenceReport.Verification? = nil) throws(HashscreenError) {
        var report = PrevalenceReport(summary: summary, prevalence: prevalence)
        report.verification = verification
        try print([report], with: JSONPrinter<PrevalenceReport>(to: AtomicFile(path: path(File.prevalence))))
        try print([report], with: HTMLPrinter(to: AtomicFile(path: path(File.html))))
    }

    /// Writes `attestation.intoto.json` (or verify's `verification.intoto.json`: a DSSE
    /// envelope's JSON): after the summary.
    package func write(attestation envelope: JSONValue, named name: String = File.attestation) throws(HashscreenError) {
        try print([envelope], with: JSONPrinter<JSONValue>(to: AtomicFile(path: path(name))))
    }

    private func print<S: ReportSink>(_ records: [S.Record], with sink: S) throws(HashscreenError) {
        var sink = sink
        for r in records { try sink.write(r) }
        try sink.finish()
    }
}

extension OutputFolder {
    /// Writes `verify.json` (before `summary.json`, which stays last).
    package func write(_ report: VerifyReport) throws(HashscreenError) {
        try print([report], with: JSONPrinter<VerifyReport>(to: AtomicFile(path: path(File.verification))))
    }
}
