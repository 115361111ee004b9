import HashscreenCore

/// The order of a scan's record files: by key, then input order, then the remaining fields, a
/// total order, so the files are the same bytes whatever `--jobs` and the workers' timing.
package enum RecordOrder {
    /// By key, input order, signal, source, list, distance, variant.
    package static func sorted(_ matches: [MatchRecord]) -> [MatchRecord] {
        matches.sorted {
            if $0.key != $1.key { return $0.key < $1.key }
            if $0.sampleID != $1.sampleID { return $0.sampleID < $1.sampleID }
            if $0.signal != $1.signal { return $0.signal < $1.signal }
            if $0.source != $1.source { return $0.source.rawValue < $1.source.rawValue }
            if $0.list != $1.list { return $0.list < $1.list }
            if $0.distance != $1.distance { return $0.distance < $1.distance }
            return ($0.variant ?? "") < ($1.variant ?? "")
        }
    }

    /// By key, input order, stage, message.
    package static func sorted(_ failures: [FailureRecord]) -> [FailureRecord] {
        failures.sorted {
            if $0.key != $1.key { return $0.key < $1.key }
            if $0.sampleID != $1.sampleID { return $0.sampleID < $1.sampleID }
            if $0.stage != $1.stage { return $0.stage.rawValue < $1.stage.rawValue }
            return $0.message < $1.message
        }
    }
}
