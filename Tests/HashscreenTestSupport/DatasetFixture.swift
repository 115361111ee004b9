/// Datasets built in code: one table of rows written in every input layout hashscreen reads
/// (CSV, TSV, JSONL, Parquet, img2dataset webdataset and files shards, a plain folder), so that
/// tests can run the same rows through every reader.
///
/// Layout conventions (what the readers expect, docs/img2dataset.md):
/// - CSV/TSV/JSONL/Parquet: one manifest `m.<ext>` with columns `key, url, caption, path, md5,
///   sha1, sha256, status`; `path` is relative to the manifest (`images/KEY.EXT`).
/// - webdataset: `wds/NNNNN.tar` with `KEY.EXT`, `KEY.json`, `KEY.txt` members for the rows that
///   have an image, beside `wds/NNNNN.parquet` (all columns but `path`), `shardSize` rows a shard.
/// - files: `files/NNNNN/KEY.EXT` (+ `KEY.json`, `KEY.txt`) beside `files/NNNNN.parquet`.
/// - folder: `folder/KEY.EXT` for the rows that have an image; nothing else.
import Foundation
import HashscreenParquet

/// One sample as a dataset holds it.
public struct FixtureRow: Sendable {
    public var key: String
    public var url: String?
    public var caption: String?
    /// The stored image (its extension and bytes); nil for a row without one (a failed download).
    public var image: (ext: String, bytes: [UInt8])?
    /// Recorded hashes, as manifest text.
    public var md5: String?
    public var sha1: String?
    public var sha256: String?
    /// img2dataset's download status.
    public var status: String?
    /// False for an image stored in its shard (with its `KEY.json`) that the shard's parquet has
    /// no row for; manifests leave such a row out, a folder still holds the image.
    public var listed: Bool

    public init(key: String, url: String? = nil, caption: String? = nil, image: (ext: String, bytes: [UInt8])? = nil,
                md5: String? = nil, sha1: String? = nil, sha256: String? = nil, status: String? = nil, listed: Bool = true) {
        self.key = key; self.url = url; self.caption = caption; self.image = image
        self.md5 = md5; self.sha1 = sha1; self.sha256 = sha256; self.status = status; self.listed = listed
    }

    /// The image's file name, `KEY.EXT`.
    public var imageName: String? { image.map { "\(key).\($0.ext)" } }
}

/// The layouts `DatasetFixture` writes (the raw values are hashscreen's `--layout` words).
public enum FixtureLayout: String, CaseIterable, Sendable {
    case csv, tsv, jsonl, parquet, webdataset, files, folder

    /// Layouts made of img2dataset shards.
    public var isSharded: Bool { self == .webdataset || self == .files }
}

public enum DatasetFixture {
    /// Manifest column names, in order.
    public static let columns = ["key", "url", "caption", "path", "md5", "sha1", "sha256", "status"]
    /// Shard parquet column names, in order: img2dataset's have no path.
    public static let shardColumns = ["key", "url", "caption", "md5", "sha1", "sha256", "status"]

    /// A fixture image of the repository (`Fixtures/demo/images/NAME`): extension and bytes.
    public static func image(_ name: String) throws -> (ext: String, bytes: [UInt8]) {
        let url = TestPaths.fixtures.appendingPathComponent("demo/images").appendingPathComponent(name)
        return (url.pathExtension, Array(try Data(contentsOf: url)))
    }

    /// Writes `rows` in `layout` inside `directory`; returns the path to give the reader.
    /// Sharded layouts put `shardSize` consecutive rows of the table in each shard, named
    /// `NNNNN` from 00000.
    @discardableResult
    public static func write(_ table: [FixtureRow], as layout: FixtureLayout, in directory: String,
                             shardSize: Int = 3) throws -> String {
        let rows = table.filter(\.listed)   // the rows a manifest holds
        let root = URL(fileURLWithPath: directory)
        func writeFile(_ path: URL, _ bytes: [UInt8]) throws {
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: path)
        }
        /// A row's manifest fields, in `columns` order.
        func fields(_ r: FixtureRow) -> [String?] {
            [r.key, r.url, r.caption, r.imageName.map { "images/" + $0 }, r.md5, r.sha1, r.sha256, r.status]
        }
        /// A row's shard parquet fields, in `shardColumns` order (img2dataset has no path column).
        func shardFields(_ r: FixtureRow) -> [String?] { [r.key, r.url, r.caption, r.md5, r.sha1, r.sha256, r.status] }
        /// One JSON object line, written by Foundation (not by the code under test); nil is null.
        func jsonObject(_ names: [String], _ values: [String?]) throws -> String {
            var object: [String: Any] = [:]
            for (n, v) in zip(names, values) { object[n] = v ?? NSNull() }
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        func writeImages(_ rows: [FixtureRow]) throws {
            for r in rows { if let i = r.image, let n = r.imageName { try writeFile(root.appendingPathComponent("images/" + n), i.bytes) } }
        }
        switch layout {
        case .csv, .tsv:
            let delimiter: Character = layout == .csv ? "," : "\t"
            var text = columns.joined(separator: String(delimiter)) + "\n"
            for r in rows {
                text += fields(r).map { quoted($0 ?? "", delimiter: delimiter) }.joined(separator: String(delimiter)) + "\n"
            }
            let file = root.appendingPathComponent("m.\(layout.rawValue)")
            try writeFile(file, Array(text.utf8))
            try writeImages(rows)
            return file.path
        case .jsonl:
            let text = try rows.map { try jsonObject(columns, fields($0)) + "\n" }.joined()
            let file = root.appendingPathComponent("m.jsonl")
            try writeFile(file, Array(text.utf8))
            try writeImages(rows)
            return file.path
        case .parquet:
            let file = root.appendingPathComponent("m.parquet")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try ParquetFixture.writeStrings(path: file.path, columns: columns, rowCount: rows.count, rowGroupSize: 2) {
                fields(rows[$1])[$0]
            }
            try writeImages(rows)
            return file.path
        case .webdataset, .files:
            let folder = root.appendingPathComponent(layout == .webdataset ? "wds" : "files")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (s, start) in stride(from: 0, to: max(table.count, 1), by: shardSize).enumerated() {
                let shard = Array(table[start..<min(start + shardSize, table.count)])
                let listed = shard.filter(\.listed)
                let stem = String(format: "%05d", s)
                try ParquetFixture.writeStrings(path: folder.appendingPathComponent(stem + ".parquet").path,
                                                columns: shardColumns, rowCount: listed.count, rowGroupSize: 2) {
                    shardFields(listed[$1])[$0]
                }
                // img2dataset writes a sample's members together: the image, its row as JSON, its caption.
                var members: [(name: String, bytes: [UInt8])] = []
                for r in shard {
                    guard let i = r.image, let n = r.imageName else { continue }
                    let json = try jsonObject(shardColumns, shardFields(r))
                    members += [(n, i.bytes), (r.key + ".json", Array(json.utf8)), (r.key + ".txt", Array((r.caption ?? "").utf8))]
                }
                if layout == .webdataset {
                    try writeFile(folder.appendingPathComponent(stem + ".tar"), TarArchive.ustar(members))
                } else {
                    try FileManager.default.createDirectory(at: folder.appendingPathComponent(stem), withIntermediateDirectories: true)
                    for m in members { try writeFile(folder.appendingPathComponent(stem + "/" + m.name), m.bytes) }
                }
            }
            return folder.path
        case .folder:
            let folder = root.appendingPathComponent("folder")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for r in table { if let i = r.image, let n = r.imageName { try writeFile(folder.appendingPathComponent(n), i.bytes) } }
            return folder.path
        }
    }

    /// RFC 4180 quoting: a field holding the delimiter, a quote or a line break is quoted, with
    /// its quotes doubled.
    static func quoted(_ field: String, delimiter: Character) -> String {
        guard field.contains(where: { $0 == delimiter || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Parquet files of optional string columns, written with the repository's own writer.
public enum ParquetFixture {
    /// Writes `rowCount` rows of `columns` (all optional UTF-8 strings), `value(column, row)`
    /// each, in row groups of `rowGroupSize` rows (memory: one row group).
    public static func writeStrings(path: String, columns: [String], rowCount: Int, rowGroupSize: Int,
                                    value: (Int, Int) -> String?) throws {
        let writer = try ParquetFileWriter(
            path: path, columns: columns.map { ParquetColumn(name: $0, physicalType: .byteArray, isOptional: true, logicalType: .string) },
            compression: .uncompressed)
        var start = 0
        repeat {
            let end = min(start + rowGroupSize, rowCount)
            try writer.writeRowGroup(columns.indices.map { c in (start..<end).map { r in value(c, r).map(ParquetValue.string) ?? .null } })
            start = end
        } while start < rowCount
        try writer.close()
    }

    /// The rows of `path` whose `column` is not null: (row index, value), and the row count.
    /// Memory: the non-null values and one row group's column.
    public static func nonNullStrings(path: String, column: String) throws -> (rowCount: Int, values: [(row: Int, value: String)]) {
        let reader = try ParquetFileReader(path: path)
        guard let c = reader.columns.firstIndex(where: { $0.name == column }) else {
            throw ParquetError(path: path, message: "no column \(column)")
        }
        var values: [(row: Int, value: String)] = []
        var row = 0
        for g in 0..<reader.rowGroupCount {
            for v in try reader.readRowGroup(g, columns: [c]).columns[0] {
                if case .string(let s) = v { values.append((row, s)) }
                row += 1
            }
        }
        return (row, values)
    }
}

/// Tar archives in the POSIX ustar format (names up to 100 bytes), as Python's tarfile writes
/// them for webdataset shards. Reference: POSIX.1-2001 `pax`, "ustar Interchange Format".
public enum TarArchive {
    public static let blockSize = 512

    /// Python (tarfile) defining `add(t, name, kind, data, link, pax)`: adds a member of any
    /// type to an open archive `t`, for scripts that write unusual members.
    public static let pythonAddMember = """
        import io, sys, tarfile
        def add(t, name, kind=tarfile.REGTYPE, data=b"", link="", pax=None):
            info = tarfile.TarInfo(name); info.type = kind; info.size = len(data) if kind == tarfile.REGTYPE else 0
            info.linkname = link; info.mtime = 0
            if pax: info.pax_headers = pax
            t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

        """

    /// The archive holding `members` in order, ended by two zero blocks.
    public static func ustar(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for m in members {
            var h = [UInt8](repeating: 0, count: blockSize)
            func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { h[offset + i] = b } }
            func octal(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - 1 - String(v, radix: 8).count)) + String(v, radix: 8) }
            precondition(m.name.utf8.count <= 100, "ustar names hold 100 bytes")
            put(m.name, at: 0)
            put(octal(0o644, 8), at: 100)        // mode
            put(octal(0, 8), at: 108)            // uid
            put(octal(0, 8), at: 116)            // gid
            put(octal(m.bytes.count, 12), at: 124)
            put(octal(0, 12), at: 136)           // mtime
            put("        ", at: 148)             // checksum field counts as spaces
            put("0", at: 156)                    // regular file
            put("ustar\u{0}00", at: 257)
            let sum = h.reduce(0) { $0 + Int($1) }
            put(octal(sum, 7), at: 148)          // six digits, then NUL and a space
            h[154] = 0
            h[155] = UInt8(ascii: " ")
            out += h
            out += m.bytes
            out += [UInt8](repeating: 0, count: (blockSize - m.bytes.count % blockSize) % blockSize)
        }
        return out + [UInt8](repeating: 0, count: 2 * blockSize)
    }
}
