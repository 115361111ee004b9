import HashscreenCore

/// The order of a scan's record files: by key, then input order, then the remaining fields, a
/// total order, so the files are the same bytes whatever `--jobs` and the workers' timing. The
/// spool's sorted runs and their merge (`RecordSpool`) use the same comparisons.
package enum RecordOrder {
    /// By key, input order, signal, source, list, distance, variant.
    package static func precedes(_ a: MatchRecord, _ b: MatchRecord) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.sampleID != b.sampleID { return a.sampleID < b.sampleID }
        if a.signal != b.signal { return a.signal < b.signal }
        if a.source != b.source { return a.source.rawValue < b.source.rawValue }
        if a.list != b.list { return a.list < b.list }
        if a.distance != b.distance { return a.distance < b.distance }
        return (a.variant ?? "") < (b.variant ?? "")
    }

    /// By key, input order, stage, message.
    package static func precedes(_ a: FailureRecord, _ b: FailureRecord) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.sampleID != b.sampleID { return a.sampleID < b.sampleID }
        if a.stage != b.stage { return a.stage.rawValue < b.stage.rawValue }
        return a.message < b.message
    }

    /// By key, input order (one record per sample).
    package static func precedes(_ a: FlaggedRecord, _ b: FlaggedRecord) -> Bool {
        if a.key != b.key { return a.key < b.key }
        return a.sampleID < b.sampleID
    }

    package static func sorted(_ matches: [MatchRecord]) -> [MatchRecord] { matches.sorted(by: precedes) }

    package static func sorted(_ failures: [FailureRecord]) -> [FailureRecord] { failures.sorted(by: precedes) }
}
