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
            ("pdq_threshold", .int(pdqThreshold)),
            ("pdq_min_quality", .int(pdqMinQuality)),
            ("phash_threshold", .int(phashThreshold)),
            ("dhash_threshold", .int(dhashThreshold)),
            ("ahash_threshold", .int(ahashThreshold)),
            ("dihedral", .bool(dihedral)),
            ("unletterbox", .bool(unletterbox)),
            ("write_cleaned", .bool(writeCleaned)),
        ]
    }
}
