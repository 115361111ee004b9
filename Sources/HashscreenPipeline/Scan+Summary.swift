import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenManifest
import HashscreenReport

extension Scanner {
    /// Reader counters the whole scan's counts always show (0 when no reader has them):
    /// folder walks' files that are not images, img2dataset's failed downloads.
    static let alwaysReportedCounters = ["non_image_files_ignored", "rows_not_success"]

    /// What `summary.json` says about a finished scan, as raw values (HashscreenReport
    /// renders and rounds them).
    static func summary(config: ScanConfiguration, counts totals: ScanSummary.Counts, tally: Tally, known: KnownHashes,
                        inputs: [(ScanConfiguration.Input, any ManifestReader, String)],
                        cleaned: [CleanedFile]?, started: Date, finished: Date,
                        phases: Phases) -> ScanSummary {
        var counts = totals
        // The two counters every scan has reported, present (0) whatever the layouts.
        for k in Self.alwaysReportedCounters where counts.passedOver[k] == nil { counts.passedOver[k] = 0 }
        counts.perList = known.lists.map { ScanSummary.ListCount(list: $0.ref, matched: tally.matchedPerList[$0.ref] ?? 0) }
        counts.perInput = tally.perInput
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
            exitStatus: Int(ScanResult.exitCode(counts: totals, limit: config.maxUnscreened)),
            outputDirectory: config.outputDirectory, maxUnscreened: config.maxUnscreened?.text)
    }
}
