import HashscreenCore
import HashscreenDigest
import HashscreenList

/// `hashscreen list import|info`: the list store with the digests it must not compute itself
/// (file SHA-256s for provenance, URL hashes for `url` entries) injected from HashscreenDigest.
public enum ListOperations {
    /// Imports list files; returns the report text. Refusals throw `HashscreenError(.list)`
    /// carrying `FILE:LINE: reason`.
    public static func importList(database: String, name: String, version: String?, files: [String],
                                  defaultType: String?, skipInvalid: Bool, replace: Bool, json: Bool) throws -> String {
        let request = ListImportRequest(
            name: name, version: version, files: files, defaultType: defaultType,
            skipInvalid: skipInvalid, replace: replace, toolVersion: "hashscreen \(HashscreenVersion.current)",
            fileDigest: { try Digester.sha256(ofFile: $0) },
            urlHasher: { Digester.urlHashes($0) })
        do {
            let store = try HashListStore.openForImport(path: database)
            let report = try store.importList(request)
            return json ? report.renderJSON() : report.renderText()
        } catch let e as HashscreenError {
            throw e
        } catch {
            throw HashscreenError(.list, "\(error)")
        }
    }

    public static func info(database: String, json: Bool) throws -> String {
        do {
            let store = try HashListStore.openReadOnly(path: database)
            let lists = try store.lists()
            return json ? ListInfo.renderJSON(lists, database: database) : ListInfo.renderText(lists, database: database)
        } catch {
            throw HashscreenError(.list, "\(error)")
        }
    }
}
