/// HashscreenManifest: turns what a curator has (a CSV/TSV or JSONL manifest, a folder of
/// images) into a stream of `Sample`s.
///
/// - *layout*: the shape of an input (csv, tsv, jsonl, folder).
/// - *column map*: which manifest columns carry the key, URL, caption, the image (a path, or
///   its bytes embedded in the manifest) and recorded hashes; detected by name,
///   case-insensitively (`ColumnMap`), or named by `--image-column`.
/// - *embedded image*: image bytes inside a manifest row (a Parquet binary column or Hugging
///   Face `{bytes, path}` struct, base64 or a `data:` URL in text); carried on the `Sample`.
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
package enum ManifestItem: Sendable, Equatable {
    /// A sample to screen; `problems` are per-row defects (e.g. an unparsable recorded hash)
    /// that are reported while the rest of the row is still screened.
    case sample(Sample, problems: [String])
    /// A row that could not be read at all; `id` is its place, as a sample there would have had.
    case failure(key: String, path: String?, message: String, id: SampleID)
}

/// A source of samples: one input path read in one layout.
package protocol ManifestReader {
    var path: String { get }
    var layout: ManifestLayout { get }
    /// Calls `body` for every item, in input order. Throws only for setup failures
    /// (unreadable file, malformed header): per-row defects are items.
    func forEachItem(_ body: (ManifestItem) throws -> Void) throws
    /// The names of the input's shards by `SampleID.shard` (img2dataset's `00000`); empty for
    /// layouts without shards.
    var shardNames: [String] { get }
}

extension ManifestReader {
    package var shardNames: [String] { [] }
}

/// How manifests are read, beside their layout.
package struct ManifestOptions: Sendable, Equatable {
    /// `--image-column`: the column holding each row's image (bytes, base64, a data URL or a
    /// path), instead of the one recognised by name. Manifests only (CSV, TSV, JSONL, Parquet).
    package var imageColumn: String?
    /// Embedded images longer than this are not kept (`EmbeddedImage.overLimit`): the scan's
    /// --max-file-bytes, so rows in flight hold at most that much each.
    package var maxEmbeddedBytes: Int
    /// Whether samples carry their caption (`Sample.caption`). A scan passes false: nothing it
    /// writes holds a caption, and not decoding the column (a Parquet projection without it) or
    /// copying it is most of the reading of LAION metadata.
    package var readsCaptions: Bool

    package init(imageColumn: String? = nil, maxEmbeddedBytes: Int = .max, readsCaptions: Bool = true) {
        self.imageColumn = imageColumn
        self.maxEmbeddedBytes = maxEmbeddedBytes
        self.readsCaptions = readsCaptions
    }
}

/// Opens a reader for an input path.
package enum Manifest {
    /// Opens `path` as the scan's input number `input` (0-based), which its samples' identities
    /// carry. Throws when the input cannot be opened, when its shards are more than a
    /// `SampleID` can tell apart, or when `--image-column` is given for a layout without columns.
    /// `walk` says how folders are walked (hidden entries, symbolic links). An input that is
    /// neither a regular file nor a folder (a FIFO, socket or device) is refused here, before
    /// anything opens it.
    package static func open(path: String, layout: ManifestLayout? = nil, input: Int = 0,
                             options: ManifestOptions = ManifestOptions(), walk: FolderWalk = .init()) throws -> any ManifestReader {
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG, (st.st_mode & S_IFMT) != S_IFDIR {
            throw HashscreenError(.input, "input \(path) is \(InputFile.kindName(st.st_mode)): an input must be a manifest file or a folder")
        }
        let l = try layout ?? ManifestLayout.detect(path: path)
        let n = try SampleID.checked(input, .input, in: path)
        if let c = options.imageColumn, ![.csv, .tsv, .jsonl, .parquet].contains(l) {
            throw HashscreenError(.usage, "--image-column \(c) applies to manifests (csv, tsv, jsonl, parquet); \(path) is read as \(l.rawValue), whose images are files or tar members")
        }
        switch l {
        case .csv: return DelimitedManifestReader(path: path, delimiter: UInt8(ascii: ","), layout: .csv, input: n, options: options)
        case .tsv: return DelimitedManifestReader(path: path, delimiter: UInt8(ascii: "\t"), layout: .tsv, input: n, options: options)
        case .jsonl: return JSONLinesManifestReader(path: path, input: n, options: options)
        case .folder: return FolderReader(path: path, input: n, walk: walk)
        case .parquet: return ParquetManifestReader(path: path, input: n, options: options)
        case .webdataset: return try ShardReader(path: path, layout: .webdataset, input: n)
        case .files: return try ShardReader(path: path, layout: .files, input: n)
        }
    }
}
