/// HashscreenManifest: turns what a curator has (a CSV/TSV or JSONL manifest, a folder of
/// images) into a stream of `Sample`s.
///
/// - *layout*: the shape of an input (csv, tsv, jsonl, folder).
/// - *column map*: which manifest columns carry the key, URL, caption, image path and recorded
///   hashes; detected by name, case-insensitively.
/// - *item*: one sample, or one row that could not be read (a per-row failure, reported in
///   `errors.jsonl` with stage `manifest`; the scan goes on).
/// Readers stream: memory does not grow with the manifest's length.
import Foundation
import HashscreenCore

/// The shape of an input.
public enum ManifestLayout: String, Sendable, CaseIterable {
    case csv, tsv, jsonl, folder
    /// A Parquet manifest (e.g. LAION metadata: URL/TEXT columns, no images).
    case parquet
    /// img2dataset `webdataset` output: `NNNNN.tar` shards (+ `NNNNN.parquet`), read in place.
    case webdataset
    /// img2dataset `files` output: `NNNNN/KEY.jpg` folders + `NNNNN.parquet`.
    case files

    /// Detects the layout of a path: a directory is a folder; otherwise the extension decides.
    package static func detect(path: String) throws(HashscreenError) -> ManifestLayout {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HashscreenError(.input, "input \(path) does not exist")
        }
        if isDir.boolValue { return detectFolder(path) }
        let ext = (path as NSString).pathExtension.lowercased()
        switch ext {
        case "parquet": return .parquet
        case "tar": return .webdataset
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson", "json": return .jsonl
        default:
            throw HashscreenError(.input, "cannot tell the layout of \(path) from its extension '.\(ext)': use --layout \(allCases.map(\.rawValue).joined(separator: "|"))")
        }
    }

    /// A folder holding `*.tar` shards is webdataset output; one holding `NNNNN.parquet` beside
    /// an `NNNNN/` folder is img2dataset `files` output; anything else is a plain folder.
    static func detectFolder(_ path: String) -> ManifestLayout {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if names.contains(where: { $0.hasSuffix(".tar") }) { return .webdataset }
        let set = Set(names)
        for n in names where n.hasSuffix(".parquet") {
            let stem = String(n.dropLast(".parquet".count))
            var isDir: ObjCBool = false
            if set.contains(stem), FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(stem), isDirectory: &isDir), isDir.boolValue {
                return .files
            }
        }
        return .folder
    }
}

/// One item a manifest yields.
package enum ManifestItem: Sendable {
    /// A sample to screen; `problems` are per-row defects (e.g. an unparsable recorded hash)
    /// that are reported while the rest of the row is still screened.
    case sample(Sample, problems: [String])
    /// A row that could not be read at all; `id` is its place, as a sample there would have had.
    case failure(key: String, path: String?, message: String, id: SampleID)
}

/// Which columns carry what, detected by name (case-insensitive).
struct ColumnMap: Sendable, Equatable {
    static let keyNames = ["key", "sample_id", "id"]
    static let statusNames = ["status"]
    static let originalWidthNames = ["original_width"]
    static let originalHeightNames = ["original_height"]
    static let urlNames = ["url"]
    static let captionNames = ["caption", "text"]
    static let pathNames = ["path", "filepath", "file", "image_path"]
    /// Recorded hash columns and the signal each carries: a column per file digest, named as
    /// the signal (md5, sha1, sha256).
    static let hashColumns: [(String, SignalKind)] = SignalKind.allCases.filter(\.isCryptographic).map { ($0.name, $0) }

    var key: Int?
    var url: Int?
    var caption: Int?
    var path: Int?
    var hashes: [(index: Int, signal: SignalKind, name: String)] = []
    var status: Int?
    var originalWidth: Int?
    var originalHeight: Int?
    var names: [String]

    static func == (a: ColumnMap, b: ColumnMap) -> Bool {
        a.key == b.key && a.url == b.url && a.caption == b.caption && a.path == b.path && a.names == b.names
            && a.hashes.map(\.index) == b.hashes.map(\.index)
    }

    init(names: [String]) {
        self.names = names
        let lower = names.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ candidates: [String]) -> Int? {
            for c in candidates { if let i = lower.firstIndex(of: c) { return i } }
            return nil
        }
        key = find(Self.keyNames)
        url = find(Self.urlNames)
        caption = find(Self.captionNames)
        path = find(Self.pathNames)
        status = find(Self.statusNames)
        originalWidth = find(Self.originalWidthNames)
        originalHeight = find(Self.originalHeightNames)
        for (name, signal) in Self.hashColumns {
            if let i = lower.firstIndex(of: name) { hashes.append((i, signal, names[i])) }
        }
    }

    /// True when a row can be screened at all: it names an image, a recorded hash or a URL.
    var isUsable: Bool { path != nil || !hashes.isEmpty || url != nil }

    /// Builds a sample from one row's fields (nil = missing). `rowNumber` is 1-based.
    func sample(fields: (Int) -> String?, rowNumber: Int, id: SampleID, baseDirectory: String) -> ManifestItem {
        func value(_ i: Int?) -> String? {
            guard let i, let v = fields(i)?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        let rawPath = value(path)
        let key = value(self.key) ?? rawPath ?? String(format: "row-%09d", rowNumber)
        var problems: [String] = []
        var recorded: [RecordedHash] = []
        for h in hashes {
            guard let text = value(h.index) else { continue }
            do {
                recorded.append(RecordedHash(signal: h.signal, value: try h.signal.parse(text), column: h.name))
            } catch {
                problems.append("column \(h.name): \(error.message)")
            }
        }
        var resolved: String? = nil
        if let rawPath {
            resolved = rawPath.hasPrefix("/") ? rawPath : (baseDirectory as NSString).appendingPathComponent(rawPath)
        }
        let s = Sample(key: key, url: value(url), caption: value(caption), path: resolved,
                       displayPath: rawPath, recorded: recorded, id: id)
        return .sample(s, problems: problems)
    }
}

/// A source of samples: one input path read in one layout.
package protocol ManifestReader {
    var path: String { get }
    var layout: ManifestLayout { get }
    /// Calls `body` for every item, in input order. Throws only for setup failures
    /// (unreadable file, malformed header): per-row defects are items.
    func forEachItem(_ body: (ManifestItem) throws -> Void) throws
}

/// Opens a reader for an input path.
package enum Manifest {
    /// Opens `path` as the scan's input number `input` (0-based), which its samples' identities
    /// carry. Throws when the input cannot be opened, or when its shards are more than a
    /// `SampleID` can tell apart.
    /// `walk` says how folders are walked (hidden entries, symbolic links). An input that is
    /// neither a regular file nor a folder (a FIFO, socket or device) is refused here, before
    /// anything opens it.
    package static func open(path: String, layout: ManifestLayout? = nil, input: Int = 0,
                             walk: FolderWalk = .init()) throws -> any ManifestReader {
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG, (st.st_mode & S_IFMT) != S_IFDIR {
            throw HashscreenError(.input, "input \(path) is \(InputFile.kindName(st.st_mode)): an input must be a manifest file or a folder")
        }
        let l = try layout ?? ManifestLayout.detect(path: path)
        let n = try SampleID.checked(input, .input, in: path)
        switch l {
        case .csv: return DelimitedManifestReader(path: path, delimiter: UInt8(ascii: ","), layout: .csv, input: n)
        case .tsv: return DelimitedManifestReader(path: path, delimiter: UInt8(ascii: "\t"), layout: .tsv, input: n)
        case .jsonl: return JSONLinesManifestReader(path: path, input: n)
        case .folder: return FolderReader(path: path, input: n, walk: walk)
        case .parquet: return ParquetManifestReader(path: path, input: n)
        case .webdataset: return try ShardReader(path: path, layout: .webdataset, input: n)
        case .files: return try ShardReader(path: path, layout: .files, input: n)
        }
    }
}
