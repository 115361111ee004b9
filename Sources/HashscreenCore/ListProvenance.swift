/// Where a list came from: the one value that describes a stored list wherever it is shown
/// (`list info`, `list import`'s report, the lists of `summary.json`). The list store fills
/// it; HashscreenReport renders it, in one JSON shape for every output. Never holds entries.
package struct ListProvenance: Sendable, Equatable {
    /// One source file of the list, as imported.
    package struct Source: Sendable, Equatable {
        /// The path as given to the import.
        package var path: String
        /// Lower-case hex SHA-256 of the file's bytes.
        package var sha256: String
        /// How the file was read: `csv`, `tsv`, `table` (whitespace-separated with a header) or `lines`.
        package var format: String
        /// Data lines (records) read, valid or not.
        package var records: Int
        /// New entries this file added to the list.
        package var entries: Int
        package var duplicates: Int
        package var skipped: Int

        package init(path: String, sha256: String, format: String, records: Int, entries: Int, duplicates: Int, skipped: Int) {
            self.path = path; self.sha256 = sha256; self.format = format; self.records = records
            self.entries = entries; self.duplicates = duplicates; self.skipped = skipped
        }
    }

    package var name: String
    package var version: String
    /// UTC ISO 8601 time of the import, e.g. `2024-05-01T10:00:00Z`.
    package var importedAt: String
    /// The importing tool, e.g. `hashscreen 0.1.0`.
    package var toolVersion: String
    /// Entries stored (after removing duplicates).
    package var entryCount: Int
    package var duplicateCount: Int
    package var skippedCount: Int
    /// Entries per signal.
    package var countsByType: [SignalKind: Int]
    /// Entries of signals this build does not know (written by a newer hashscreen); never screened.
    package var otherTypeCounts: [String: Int]
    package var sources: [Source]
    /// How the list's URL hashes were made, as declared at import; nil for a list imported
    /// before conventions were recorded (it is screened as `URLConvention.unrecorded`).
    package var recordedURLConvention: URLConvention?

    package init(name: String, version: String, importedAt: String, toolVersion: String, entryCount: Int,
                duplicateCount: Int, skippedCount: Int, countsByType: [SignalKind: Int] = [:],
                otherTypeCounts: [String: Int] = [:], sources: [Source] = [],
                recordedURLConvention: URLConvention? = nil) {
        self.name = name; self.version = version; self.importedAt = importedAt; self.toolVersion = toolVersion
        self.entryCount = entryCount; self.duplicateCount = duplicateCount; self.skippedCount = skippedCount
        self.countsByType = countsByType; self.otherTypeCounts = otherTypeCounts; self.sources = sources
        self.recordedURLConvention = recordedURLConvention
    }

    /// The convention the list's URL hashes are matched with: the recorded one, or for a list
    /// imported before conventions were recorded, today's behaviour then (`hashscreen`).
    package var urlConvention: URLConvention { recordedURLConvention ?? .unrecorded }

    /// The list's name and version, as matches name it.
    package var ref: ListRef { ListRef(name: name, version: version) }
}
