// Renderings of list descriptions and import reports: JSON (keys in a fixed order, for
// scripts) and text (for people). Neither contains list contents: only provenance and counts.

import HashscreenCore

// MARK: - JSON

extension ListSource {
    var json: JSONValue {
        .object([("path", .string(path)), ("sha256", .string(sha256)), ("format", .string(format)),
                 ("records", .int(records)), ("entries", .int(entries)), ("duplicates", .int(duplicates)),
                 ("skipped", .int(skipped))])
    }
}

extension ListInfo {
    var json: JSONValue {
        let counts = countsByType.sorted { $0.key < $1.key }.map { ($0.key.name, JSONValue.int($0.value)) }
        let others = otherTypeCounts.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }
        return .object([
            ("name", .string(name)), ("version", .string(version)), ("id", .int(Int(id))),
            ("imported_at", .string(importedAt)), ("tool_version", .string(toolVersion)),
            ("entry_count", .int(entryCount)), ("counts_by_type", .object(counts)),
            ("other_type_counts", .object(others)),
            ("duplicate_count", .int(duplicateCount)), ("skipped_count", .int(skippedCount)),
            ("sources", .array(sources.map(\.json))),
        ])
    }

    /// `{"database": ..., "schema_version": 1, "lists": [...]}`, keys in a fixed order.
    public static func renderJSON(_ lists: [ListInfo], database: String) -> String {
        JSONValue.object([
            ("database", .string(database)),
            ("schema_version", .int(Int(ListDatabaseFormat.schemaVersion))),
            ("lists", .array(lists.map(\.json))),
        ]).pretty() + "\n"
    }

    /// One block per list: name@version, import time and tool, counts, and each source file.
    public static func renderText(_ lists: [ListInfo], database: String) -> String {
        guard !lists.isEmpty else { return "\(database): no lists\n" }
        var out = "\(database): \(lists.count) list\(lists.count == 1 ? "" : "s")\n"
        for l in lists {
            out += "\n\(l.ref)\n"
            out += "  imported  \(l.importedAt) by \(l.toolVersion)\n"
            out += "  entries   \(l.entryCount) (\(l.countsSummary))\n"
            out += "  dropped   \(l.duplicateCount) duplicate\(l.duplicateCount == 1 ? "" : "s"), \(l.skippedCount) invalid line\(l.skippedCount == 1 ? "" : "s") skipped\n"
            for s in l.sources {
                out += "  source    \(s.path) (\(s.format), \(s.records) line\(s.records == 1 ? "" : "s")) sha256 \(s.sha256)\n"
            }
        }
        return out
    }

    /// `md5 500, pdq 500` in signal order, then types unknown to this build.
    var countsSummary: String {
        let known = countsByType.sorted { $0.key < $1.key }.map { "\($0.key.name) \($0.value)" }
        let other = otherTypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) (unknown type)" }
        return (known + other).joined(separator: ", ")
    }
}

extension ListImportError {
    var json: JSONValue { .object([("file", .string(file)), ("line", .int(line)), ("reason", .string(reason))]) }
}

extension ListImportReport {
    /// `{"list": {...}, "replaced": ..., "records": ..., "duplicates": ..., "skipped": ..., "skipped_examples": [...]}`.
    public func renderJSON() -> String {
        JSONValue.object([
            ("list", list.json), ("replaced", .bool(replaced)), ("records", .int(records)),
            ("duplicates", .int(duplicates)), ("skipped", .int(skipped)),
            ("skipped_examples", .array(skippedExamples.map(\.json))),
        ]).pretty() + "\n"
    }

    /// A summary line, then the first invalid lines skipped (FILE:LINE: reason).
    public func renderText() -> String {
        let files = list.sources.count
        var out = "\(replaced ? "replaced" : "imported") \(list.ref): \(list.entryCount) entr\(list.entryCount == 1 ? "y" : "ies") (\(list.countsSummary)) from \(files) file\(files == 1 ? "" : "s")"
        out += "; \(duplicates) duplicate\(duplicates == 1 ? "" : "s") stored once"
        out += "; \(skipped) invalid line\(skipped == 1 ? "" : "s") skipped\n"
        for e in skippedExamples { out += "  \(e)\n" }
        if skipped > skippedExamples.count { out += "  (and \(skipped - skippedExamples.count) more)\n" }
        return out
    }
}
