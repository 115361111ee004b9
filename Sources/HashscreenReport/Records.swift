// The records this module owns: values the pipeline fills from its stages' types (which this
// module cannot import) and hands to a printer. Core's records (`MatchRecord`,
// `FailureRecord`, `ListProvenance`) are printed as they are.
import HashscreenCore

/// One row of `removals.csv`: a flagged sample and every reason it was flagged.
struct Removal: Sendable, Equatable {
    var key: String
    var url: String?
    var path: String?
    /// The distinct `signal:list` words of its matches, sorted.
    var reasons: [String]

    init(key: String, url: String?, path: String?, reasons: [String]) {
        self.key = key; self.url = url; self.path = path; self.reasons = reasons
    }

    /// One removal per sample of `sortedMatches` (sorted by `RecordOrder`, so a sample's
    /// matches are adjacent); url and path are its first match's.
    static func rows(_ sortedMatches: [MatchRecord]) -> [Removal] {
        var rows: [Removal] = []
        var i = 0
        while i < sortedMatches.count {
            let first = sortedMatches[i]
            var reasons = Set<String>()
            var j = i
            while j < sortedMatches.count, sortedMatches[j].key == first.key, sortedMatches[j].sampleID == first.sampleID {
                reasons.insert(sortedMatches[j].reason)
                j += 1
            }
            rows.append(Removal(key: first.key, url: first.url, path: first.path, reasons: reasons.sorted()))
            i = j
        }
        return rows
    }
}

/// The hashes of one file (`hashscreen hash`).
package struct FileHashes: Sendable {
    /// The file's path, or for URL signals the URL.
    package var path: String
    /// The name `path` is printed under: `path`, or `url` when URLs were hashed.
    package var subject = "path"
    /// Each requested value in column order, nil when it could not be computed.
    package var values: [(column: String, value: String?)]
    /// Why the file could not be read or decoded (`read: ...`, `decode: ...`), if it could not.
    package var error: String?

    package init(path: String, values: [(column: String, value: String?)], error: String?) {
        self.path = path; self.values = values; self.error = error
    }
}

/// What `list info` describes: a list database and its lists.
package struct ListsDescription: Sendable {
    /// The database path, as given.
    package var database: String
    package var schemaVersion: Int
    /// In the store's order (name, version, id).
    package var lists: [ListProvenance]

    package init(database: String, schemaVersion: Int, lists: [ListProvenance]) {
        self.database = database; self.schemaVersion = schemaVersion; self.lists = lists
    }
}

/// What `list import` did.
package struct ListImportSummary: Sendable {
    /// An invalid line skipped: `FILE:LINE: reason` (the reason never echoes the value).
    package struct SkippedLine: Sendable {
        package var file: String
        package var line: Int
        package var reason: String
        package init(file: String, line: Int, reason: String) { self.file = file; self.line = line; self.reason = reason }
    }

    /// The list as stored.
    package var list: ListProvenance
    /// An existing list of the same name and version was replaced.
    package var replaced: Bool
    /// Data lines read from all files, valid or not.
    package var records: Int
    /// Values already in the list (stored once).
    package var duplicates: Int
    /// Invalid lines skipped.
    package var skipped: Int
    /// The first few of them.
    package var skippedExamples: [SkippedLine]

    package init(list: ListProvenance, replaced: Bool, records: Int, duplicates: Int, skipped: Int,
                 skippedExamples: [SkippedLine]) {
        self.list = list; self.replaced = replaced; self.records = records; self.duplicates = duplicates
        self.skipped = skipped; self.skippedExamples = skippedExamples
    }
}
