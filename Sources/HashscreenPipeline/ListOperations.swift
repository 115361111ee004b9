import HashscreenCore
import HashscreenDigest
import HashscreenList
import HashscreenReport

/// `hashscreen list import|info`: the list store with the digests it must not compute itself
/// (file SHA-256s for provenance, URL hashes for `url` entries) injected from HashscreenDigest;
/// HashscreenReport prints the results.
public enum ListOperations {
    /// Imports list files; returns the report (text, or JSON with `json`). Refusals throw
    /// `HashscreenError(.list)` carrying `FILE:LINE: reason`. `urlConvention`: how the list's
    /// URL hashes were made (nil: `URLConvention.importDefault`); `url` lines are digested so.
    public static func importList(database: String, name: String, version: String?, files: [String],
                                  defaultType: String?, skipInvalid: Bool, replace: Bool, json: Bool,
                                  urlConvention: URLConvention? = nil, dihedralIndex: Bool = false) throws(HashscreenError) -> String {
        let convention = urlConvention ?? .importDefault
        let digester = try HashscreenError.converting { try Digester(signals: Digester.urlDigests) }
        let request = ListImportRequest(
            name: name, version: version, files: files, defaultType: defaultType,
            skipInvalid: skipInvalid, replace: replace, toolVersion: "hashscreen \(HashscreenVersion.current)",
            fileDigest: { try Digester.sha256(ofFile: $0) },
            urlHasher: { digester.urlHashes($0, convention: convention) },
            urlConvention: convention,
            indexWriter: ListIndexes.writer(dihedral: dihedralIndex))
        do {
            let store = try HashListStore.openForImport(path: database)
            let summary = summary(try store.importList(request))
            return json ? JSONPrinter.render(summary) : TextPrinter.render(summary)
        } catch let e as HashscreenError {
            throw e
        } catch let e as ListError {
            throw e.hashscreenError
        } catch {
            throw HashscreenError(.list, "cannot import into list database \(database)", underlying: String(describing: error))
        }
    }

    /// Rebuilds the index file of every list of a database (`hashscreen list index`), each in
    /// its own transaction; `dihedral` adds PDQ's transposed-pair layout. Returns what `info`
    /// prints.
    public static func index(database: String, dihedral: Bool, json: Bool) throws(HashscreenError) -> String {
        do {
            let store = try HashListStore.openForImport(path: database)
            for info in try store.lists() {
                try store.rebuildIndex(list: info.ref, writer: ListIndexes.writer(dihedral: dihedral))
            }
            // Files of killed imports or rebuilds, named like index files but recorded nowhere.
            _ = try store.removeStrayIndexFiles()
        } catch let e as HashscreenError {
            throw e
        } catch let e as ListError {
            throw e.hashscreenError
        } catch {
            throw HashscreenError(.list, "cannot write the index files of list database \(database)", underlying: String(describing: error))
        }
        return try info(database: database, json: json)
    }

    /// Describes every list of a database (text, or JSON with `json`).
    public static func info(database: String, json: Bool) throws(HashscreenError) -> String {
        do {
            let store = try HashListStore.openReadOnly(path: database)
            let description = ListsDescription(database: database, schemaVersion: Int(store.schemaVersion),
                                               lists: try store.lists().map(\.provenance))
            return json ? JSONPrinter.render(description) : TextPrinter.render(description)
        } catch let e as HashscreenError {
            throw e
        } catch let e as ListError {
            throw e.hashscreenError
        } catch {
            throw HashscreenError(.list, "cannot describe list database \(database)", underlying: String(describing: error))
        }
    }

    static func summary(_ report: ListImportReport) -> ListImportSummary {
        ListImportSummary(
            list: report.list.provenance, replaced: report.replaced, records: report.records,
            duplicates: report.duplicates, skipped: report.skipped,
            skippedExamples: report.skippedExamples.map { .init(file: $0.file, line: $0.line, reason: $0.reason) })
    }
}
