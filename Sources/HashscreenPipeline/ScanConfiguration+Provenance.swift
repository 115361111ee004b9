import HashscreenCore
import HashscreenReport

extension ScanConfiguration {
    /// The options as `summary.json`'s provenance records them, in this order.
    var summaryOptions: [(name: String, value: ScanSummary.OptionValue)] {
        [
            ("signals", .strings(signals.map(\.name))),
            ("jobs", .int(jobs)),
            ("max_pixels", .int(Int(maxPixels))),
            ("max_file_bytes", .int(maxFileBytes)),
            ("verify_decode", .bool(verifyDecode)),
            ("pdq_mode", .string(pdqMode.rawValue)),
        ] + signalSettings + [
            ("dihedral", .bool(dihedral)),
            ("unletterbox", .bool(unletterbox)),
            ("write_cleaned", .bool(writeCleaned)),
        ] + (maxUnscreened.map { [("max_unscreened", .string($0.text))] } ?? [])
    }

    /// Per Hamming signal in canonical order, `<name>_threshold`, and `<name>_min_quality` for a
    /// signal with a quality gate: pdq_threshold, pdq_min_quality, phash_threshold,
    /// dhash_threshold, ahash_threshold.
    private var signalSettings: [(name: String, value: ScanSummary.OptionValue)] {
        SignalKind.hammingSignals.flatMap { s -> [(name: String, value: ScanSummary.OptionValue)] in
            [("\(s.name)_threshold", .int(threshold(for: s)))]
                + (s.quality == nil ? [] : [("\(s.name)_min_quality", .int(minimumQuality(for: s)))])
        }
    }
}
