import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenManifest
import HashscreenReport

extension Scanner {
    /// What `summary.json` says about a finished scan, as raw values (HashscreenReport
    /// renders and rounds them).
    static func summary(config: ScanConfiguration, tally: Tally, known: KnownHashes,
                        inputs: [(ScanConfiguration.Input, any ManifestReader, String)],
                        readerCounts: [String: Int], cleaned: [CleanedFile]?, started: Date, finished: Date,
                        phases: Phases) -> ScanSummary {
        var counts = ScanSummary.Counts()
        counts.samples = tally.samples
        counts.scanned = tally.scanned
        counts.matched = tally.matchedSamples
        counts.errors = tally.failedSamples
        counts.decoded = tally.decoded
        counts.rowsWithoutPath = tally.rowsWithoutPath
        counts.nonImageFilesIgnored = readerCounts["non_image_files_ignored"] ?? 0
        counts.rowsNotSuccess = readerCounts["rows_not_success"] ?? 0
        counts.errorsByStage = tally.failuresPerStage
        counts.perSignal = config.signals.map { s in
            ScanSummary.SignalCount(signal: s, screened: tally.screenedPerSignal[s] ?? 0, matched: tally.matchedPerSignal[s] ?? 0)
        }
        counts.perList = known.lists.map { ScanSummary.ListCount(list: $0.ref, matched: tally.matchedPerList[$0.ref] ?? 0) }
        return ScanSummary(
            counts: counts,
            opensslVersion: Digester.libraryVersion,
            lists: known.lists.map(\.provenance),
            listDatabase: config.listPath,
            inputs: inputs.map { (input, reader, digest) in
                ScanSummary.Input(path: input.path, layout: reader.layout.rawValue, sha256: digest.isEmpty ? nil : digest)
            },
            options: config.summaryOptions,
            cleanedManifests: cleaned?.map { ScanSummary.CleanedManifest(path: $0.path, kept: $0.kept, removed: $0.removed) },
            times: ScanSummary.Times(started: started, finished: finished, setupSeconds: phases.setupSeconds,
                                     scanSeconds: phases.scanSeconds, setupCPUSeconds: phases.setupCPUSeconds,
                                     scanCPUSeconds: phases.scanCPUSeconds),
            bytesRead: tally.bytesRead,
            exitStatus: Int(ScanResult.exitCode(matched: tally.matchedSamples, failed: tally.failedSamples)),
            outputDirectory: config.outputDirectory)
    }
}
