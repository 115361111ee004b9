import HashscreenCore

/// Text for a person: each record's lines as they are (`list info`, `list import`).
package struct TextPrinter<Record: TextRecord>: ReportSink {
    private let output: any ReportOutput

    package init(to output: any ReportOutput) { self.output = output }

    package func write(_ record: Record) throws(HashscreenError) { try output.write(record.text) }

    package func finish() throws(HashscreenError) { try output.finish() }

    /// The text of one record.
    package static func render(_ record: Record) -> String { record.text }
}

// MARK: - Records

extension ListsDescription: TextRecord {
    /// `list info`: one block per list: name@version, import time and tool, counts, and each
    /// source file.
    package var text: String {
        guard !lists.isEmpty else { return "\(database): no lists\n" }
        var out = "\(database): \(lists.count) list\(lists.count == 1 ? "" : "s")\n"
        for l in lists {
            out += "\n\(l.ref.label)\n"
            out += "  imported  \(l.importedAt) by \(l.toolVersion)\n"
            out += "  entries   \(l.entryCount) (\(l.countsSummary))\n"
            out += "  dropped   \(plural(l.duplicateCount, "duplicate")), \(plural(l.skippedCount, "invalid line")) skipped\n"
            out += "  URLs      \(l.urlConventionText)\n"
            for s in l.sources {
                out += "  source    \(s.path) (\(s.format), \(plural(s.records, "line"))) sha256 \(s.sha256)\n"
            }
        }
        return out
    }
}

extension ListImportSummary: TextRecord {
    /// `list import`: a summary line, then the first invalid lines skipped (FILE:LINE: reason).
    package var text: String {
        let entries = "\(list.entryCount) entr\(list.entryCount == 1 ? "y" : "ies")"
        var out = "\(replaced ? "replaced" : "imported") \(list.ref.label): \(entries) (\(list.countsSummary)) from \(plural(list.sources.count, "file"))"
        out += "; \(plural(duplicates, "duplicate")) stored once"
        out += "; \(plural(skipped, "invalid line")) skipped"
        if list.countsByType.keys.contains(where: \.isURL) { out += "; URL hashes as \(list.urlConvention.name)" }
        out += "\n"
        for e in skippedExamples { out += "  \(e.file):\(e.line): \(e.reason)\n" }
        if skipped > skippedExamples.count { out += "  (and \(skipped - skippedExamples.count) more)\n" }
        return out
    }
}

extension ScanSummary: TextRecord {
    /// The line a scan ends with.
    package var text: String {
        "hashscreen: \(counts.samples) samples, \(counts.matched) matched, \(counts.errors) not fully screened; outputs in \(outputDirectory)\n"
    }
}

extension ListProvenance {
    /// `md5 500, pdq 500` in signal order, then types unknown to this build.
    var countsSummary: String {
        let known = countsByType.sorted { $0.key < $1.key }.map { "\($0.key.name) \($0.value)" }
        let other = otherTypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) (unknown type)" }
        return (known + other).joined(separator: ", ")
    }

    /// How the list's URL hashes are matched, and whether that was recorded at import.
    var urlConventionText: String {
        guard recordedURLConvention != nil else {
            return "hashed as \(urlConvention.name) (not recorded: imported before hashscreen recorded URL conventions)"
        }
        return "hashed as \(urlConvention.name)"
    }
}

/// `1 line`, `2 lines`, `0 lines`.
func plural(_ n: Int, _ word: String, _ many: String? = nil) -> String { "\(n) \(n == 1 ? word : (many ?? word + "s"))" }
