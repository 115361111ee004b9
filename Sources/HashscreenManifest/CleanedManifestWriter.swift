// Cleaned manifests: each input manifest rewritten in its own format minus the rows a scan removed.
//
// Words:
// - *row identity*: the `Sample.id` the readers of this module assign; the writer walks an input
//   exactly as its reader does (the same `ByteReader` record splitting, the same row group order,
//   the same shard order from `ShardReader`) so that row k of shard s here is row k of shard s there.
// - *removed set*: identities to leave out; those of other inputs, and images without a row
//   (`SampleID.Place.member`), are ignored.
// - *cleaned file*: one file written, with how many rows it kept and how many it left out.
//
// References: RFC 4180 (CSV records; copied verbatim here, so quoting and line endings stay as the
// curator wrote them); JSON Lines (https://jsonlines.org); apache/parquet-format README.md
// (schema and key-value metadata kept through `ParquetFileWriter(path:preserving:)`).
// Never written: image bytes. For webdataset/files inputs only each shard's `NNNNN.parquet` is
// rewritten; tar shards and image files are never copied (see docs/cleaned-manifests.md).

import Foundation
import HashscreenCore
import HashscreenParquet

/// One cleaned file written: where, and how many rows it kept and left out.
package struct CleanedFile: Sendable, Equatable {
    package var path: String
    package var kept: Int
    package var removed: Int

    package init(path: String, kept: Int, removed: Int) {
        self.path = path
        self.kept = kept
        self.removed = removed
    }
}

/// Writes an input manifest minus removed rows, in the input's own format.
///
/// CSV/TSV and JSONL records are copied byte for byte (header, quoting, CRLF, BOM included); blank
/// lines, which the readers pass over and which are not rows, are not copied. Parquet is rewritten
/// with the same schema and key-value metadata, one output row group per input row group that still
/// has rows, SNAPPY-compressed. Files appear only complete, mode 0600: every one is an `AtomicFile`
/// (HashscreenCore).
package enum CleanedManifestWriter {
    /// Mode of an output folder this writer creates: the cleaned manifests describe a dataset that
    /// held flagged material, so only the operator reads them.
    static let directoryMode: mode_t = 0o700
    /// Bytes copied per read and buffered per write for CSV/TSV/JSONL.
    static let copyChunkBytes = 1 << 20

    /// Writes `inputPath` (read in `layout` as the scan's input number `input`) minus the rows whose
    /// identities are in `removed`, into `directory` (created 0700 if needed; files 0600, written atomically).
    ///
    /// Outputs: CSV/TSV/JSONL/Parquet → `directory/<basename of input>`; webdataset/files →
    /// `directory/NNNNN.parquet` for each shard that has a parquet; folder → nothing (returns []).
    package static func write(inputPath: String, layout: ManifestLayout, input: Int, removed: Set<SampleID>,
                             into directory: String) throws -> [CleanedFile] {
        if layout == .folder { return [] }
        let n = try SampleID.checked(input, .input, in: inputPath)
        try makeDirectory(directory)
        /// Whether row `row` (0-based) of the input's single table is removed.
        let isRemovedRow = { (row: Int) in removed.contains(SampleID(input: n, row: row)) }
        switch layout {
        case .folder:
            return []
        case .csv, .tsv:
            let delimiter = UInt8(ascii: layout == .csv ? "," : "\t")
            return [try writeDelimited(inputPath: inputPath, delimiter: delimiter, isRemoved: isRemovedRow,
                                       directory: directory)]
        case .jsonl:
            return [try writeJSONLines(inputPath: inputPath, isRemoved: isRemovedRow, directory: directory)]
        case .parquet:
            let target = (directory as NSString).appendingPathComponent((inputPath as NSString).lastPathComponent)
            let reader = try openParquet(inputPath)
            return [try writeParquet(reader, to: target, isRemoved: isRemovedRow)]
        case .webdataset, .files:
            return try writeShards(inputPath: inputPath, layout: layout, input: n, removed: removed,
                                   directory: directory)
        }
    }

    // MARK: - Before the scan

    /// Checks, before any sample is read, what `write` would otherwise find only after the scan:
    /// that no cleaned file of `inputPath` would replace its source (same file), that a Parquet
    /// input and each shard's `NNNNN.parquet` can be read and has only flat columns, and that a
    /// shard's parquet has a key column. Reads footers and names only. Throws the error `write`
    /// would throw.
    package static func preflight(inputPath: String, layout: ManifestLayout, input: Int, into directory: String,
                                  options: ManifestOptions = ManifestOptions()) throws {
        // Inputs whose cleaned copy must not be written at all: manifests that carry their images.
        try refuseEmbeddedImages(inputPath: inputPath, layout: layout, options: options)
        switch layout {
        case .folder:
            return
        case .csv, .tsv, .jsonl:
            try refuseOverwritingInput(target: targetPath(inputPath, directory), input: inputPath)
        case .parquet:
            _ = try openParquet(inputPath)
            try refuseOverwritingInput(target: targetPath(inputPath, directory), input: inputPath)
        case .webdataset, .files:
            let n = try SampleID.checked(input, .input, in: inputPath)
            for shard in try ShardReader(path: inputPath, layout: layout, input: n).shards {
                guard let pq = shard.parquet else { continue }
                _ = try openShardParquet(pq)
                try refuseOverwritingInput(target: targetPath(pq, directory), input: pq)
            }
        }
    }

    /// Throws, before any work, when `inputPath`'s rows carry images: a cleaned copy would copy
    /// their bytes, and hashscreen never writes image bytes. The message says how to apply
    /// `removals.csv` instead. CSV, TSV and JSON lines (and Parquet text columns) are read
    /// through once to find out.
    static func refuseEmbeddedImages(inputPath: String, layout: ManifestLayout, options: ManifestOptions) throws {
        let remedy = "run the scan without --write-cleaned and drop the rows listed in removals.csv with pyarrow or DuckDB (docs/cleaned-manifests.md, \"Manifests that carry images\", has the one-liners)"
        func refuse(_ why: String) -> HashscreenError {
            HashscreenError(.output, "--write-cleaned: \(inputPath) \(why); hashscreen never writes image bytes, so it writes no cleaned copy of this input: \(remedy)")
        }
        switch layout {
        case .parquet:
            let reader = try openParquet(inputPath, checkColumns: false)
            let map = try ParquetManifestReader.columnMap(reader, options: options)
            if let i = map.image, reader.columns[i].physicalType != .byteArray || !reader.columns[i].holdsText {
                throw refuse("carries images in its rows (binary column '\(reader.columns[i].name)')")
            }
        case .csv, .tsv, .jsonl:
            break
        case .folder, .webdataset, .files:
            return   // images are files or tar members, never copied
        }
        // Text columns: an image may be base64 or a data: URL in any row.
        struct Found: Error { var column: String; var overLimit: Bool }
        do {
            try Manifest.open(path: inputPath, layout: layout, options: options).forEachItem { item in
                switch item {
                case .sample(let s, _) where s.embedded != nil: throw Found(column: "row \(s.key)", overLimit: false)
                case .failure(let key, _, let message, _) where message.contains(ByteReader.overLimitMessage):
                    throw Found(column: key, overLimit: true)   // unread: it may hold anything, an image included
                default: break
                }
            }
        } catch let f as Found {
            throw refuse(f.overLimit ? "has a row over \(ByteReader.maxLineBytes) bytes (\(f.column)), which a copy could not check for images"
                                     : "carries images in its rows (base64 or a data: URL; first at \(f.column))")
        }
    }

    // MARK: - CSV / TSV

    private static func writeDelimited(inputPath: String, delimiter: UInt8, isRemoved: (Int) -> Bool,
                                       directory: String) throws -> CleanedFile {
        let reader = try ByteReader(path: inputPath)
        guard try reader.nextRecord(delimiter: delimiter) != nil else {
            throw HashscreenError(.manifest, "manifest \(inputPath) is empty: a header row is required")
        }
        let source = try RangeSource(path: inputPath)
        let out = try outputFile(target: targetPath(inputPath, directory), input: inputPath)
        try source.copy(0..<reader.offset, to: out)   // the header, as written
        // Same rule as DelimitedManifestReader: a blank line is not a row.
        return try copyKeptRecords(reader: reader, source: source, out: out, isRemoved: isRemoved) {
            guard let rec = try reader.nextRecord(delimiter: delimiter) else { return nil }
            return rec.fields.count == 1 && rec.fields[0].isEmpty
        }
    }

    /// Copies every record `next` reads (it returns nil at the end, true for a record that is
    /// not a row) byte for byte, except the rows `isRemoved` (by 0-based row index) says to drop.
    private static func copyKeptRecords(reader: ByteReader, source: RangeSource, out: AtomicFile,
                                        isRemoved: (Int) -> Bool, next: () throws -> Bool?) throws -> CleanedFile {
        var row = 0, kept = 0, dropped = 0
        while true {
            let start = reader.offset
            guard let blank = try next() else { break }
            if blank { continue }
            let drop = isRemoved(row)
            row += 1
            if drop {
                dropped += 1
            } else {
                kept += 1
                try source.copy(start..<reader.offset, to: out)
            }
        }
        try out.commit()
        return CleanedFile(path: out.path, kept: kept, removed: dropped)
    }

    // MARK: - JSON lines

    private static func writeJSONLines(inputPath: String, isRemoved: (Int) -> Bool,
                                       directory: String) throws -> CleanedFile {
        let reader = try ByteReader(path: inputPath)
        let source = try RangeSource(path: inputPath)
        let out = try outputFile(target: targetPath(inputPath, directory), input: inputPath)
        // Same rule as JSONLinesManifestReader: a line of spaces, tabs and CRs is not a row.
        return try copyKeptRecords(reader: reader, source: source, out: out, isRemoved: isRemoved) {
            guard let next = try reader.nextLine() else { return nil }
            guard case .text(let line) = next else { return false }   // an over-long line is a row
            return line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        }
    }

    // MARK: - Parquet

    private static func openParquet(_ path: String, checkColumns: Bool = true) throws -> ParquetFileReader {
        let reader: ParquetFileReader
        do { reader = try ParquetFileReader(path: path) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
        }
        guard checkColumns else { return reader }
        // A cleaned copy must not lose columns silently, and the writer writes flat columns only.
        let notFlat = reader.skippedColumns.map { "\($0.name) (\($0.reason))" }
            + reader.columns.filter(\.isNested).map { "\($0.name) (a struct field)" }
        guard notFlat.isEmpty else {
            throw HashscreenError(.output, "cannot write a cleaned copy of \(path): columns that are not flat cannot be rewritten: \(notFlat.joined(separator: ", "))")
        }
        return reader
    }

    /// A shard's `NNNNN.parquet`, opened as `openParquet` does, and its key column.
    private static func openShardParquet(_ pq: String) throws -> (ParquetFileReader, Int) {
        let reader = try openParquet(pq)
        guard let keyColumn = try ColumnMap(names: reader.columns.map(\.name)).key else {
            throw HashscreenError(.manifest, "shard parquet \(pq) has no key column")
        }
        return (reader, keyColumn)
    }

    /// Rewrites `reader` to `target` minus rows where `isRemoved(rowIndex0Based)`.
    private static func writeParquet(_ reader: ParquetFileReader, to target: String,
                                     isRemoved: (Int) -> Bool) throws -> CleanedFile {
        try refuseOverwritingInput(target: target, input: reader.path)
        var kept = 0, dropped = 0, groupsWritten = 0, row = 0
        do {
            let writer = try ParquetFileWriter(path: target, preserving: reader, compression: .snappy)
            for g in 0..<reader.rowGroupCount {
                let group = try reader.readRowGroup(g)
                var keep: [Int] = []
                keep.reserveCapacity(group.rowCount)
                for r in 0..<group.rowCount {
                    if isRemoved(row) { dropped += 1 } else { keep.append(r) }
                    row += 1
                }
                if keep.isEmpty { continue }
                kept += keep.count
                if keep.count == group.rowCount {
                    try writer.writeRowGroup(group.columns)
                } else {
                    try writer.writeRowGroup(group.columns.map { column in keep.map { column[$0] } })
                }
                groupsWritten += 1
            }
            // Everything removed: one empty row group, as pyarrow writes an empty table.
            if groupsWritten == 0 { try writer.writeRowGroup(reader.columns.map { _ in [] }) }
            try writer.close()
        } catch let e as HashscreenError {
            throw e
        } catch {
            throw HashscreenError(.output, "cannot write cleaned Parquet \(target): \(error)")
        }
        return CleanedFile(path: target, kept: kept, removed: dropped)
    }

    // MARK: - webdataset / files shards

    /// Rewrites each shard's `NNNNN.parquet`, in `ShardReader`'s shard order (`SampleID.shard`).
    ///
    /// `ShardReader` screens one row per key (the last of duplicates, since rows are joined to
    /// images by key), so a removed row also removes the other rows of its key in that shard:
    /// they name the same image.
    private static func writeShards(inputPath: String, layout: ManifestLayout, input: UInt32, removed: Set<SampleID>,
                                    directory: String) throws -> [CleanedFile] {
        let shards = try ShardReader(path: inputPath, layout: layout, input: input).shards
        var written: [CleanedFile] = []
        for (si, shard) in shards.enumerated() {
            guard let pq = shard.parquet else { continue }
            let shardNumber = UInt32(si)   // fits: ShardReader checked the count
            let (reader, keyColumn) = try openShardParquet(pq)
            var removedKeys = Set<String>()
            var rowFlags: [Bool] = []   // removed by identity, per row
            rowFlags.reserveCapacity(reader.rowCount)
            var keys: [String?] = []
            keys.reserveCapacity(reader.rowCount)
            for g in 0..<reader.rowGroupCount {
                let column: [ParquetValue]
                do { column = try reader.readRowGroup(g, columns: [keyColumn]).columns[0] } catch {
                    throw HashscreenError(.manifest, "cannot read shard parquet: \(error)")
                }
                for v in column {
                    let key = v.manifestText
                    let hit = removed.contains(SampleID(input: input, shard: shardNumber, .row(UInt64(rowFlags.count))))
                    if hit, let key { removedKeys.insert(key) }
                    rowFlags.append(hit)
                    keys.append(key)
                }
            }
            let target = (directory as NSString).appendingPathComponent((pq as NSString).lastPathComponent)
            written.append(try writeParquet(reader, to: target) { i in
                rowFlags[i] || (keys[i].map { removedKeys.contains($0) } ?? false)
            })
        }
        return written
    }

    // MARK: - Files

    private static func targetPath(_ input: String, _ directory: String) -> String {
        (directory as NSString).appendingPathComponent((input as NSString).lastPathComponent)
    }

    /// Throws when `target` is the input itself (same device and inode): renaming over it would
    /// destroy the original.
    static func refuseOverwritingInput(target: String, input: String) throws {
        var a = stat(), b = stat()
        if stat(target, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
            throw HashscreenError(.output, "the cleaned copy of \(input) would replace the input itself: choose another output folder")
        }
    }

    /// Creates `path` and any missing parents with mode 0700; an existing folder is left as it is.
    /// A symbolic link at `path` is refused, not followed: a link planted at `OUT/cleaned` must
    /// not send the cleaned files elsewhere.
    package static func makeDirectory(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else {
                throw HashscreenError(.output, "\(path) exists and is not a folder (a link is not followed): remove it or choose another output folder")
            }
            return
        }
        // A parent is followed if it is a link (the user may name a linked folder).
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path && stat(parent, &st) != 0 { try makeDirectory(parent) }
        if mkdir(path, directoryMode) != 0 {
            if errno == EEXIST { return try makeDirectory(path) }   // made meanwhile: checked as existing
            throw outputError("cannot create folder \(path)")
        }
        _ = chmod(path, directoryMode)   // umask may have cleared bits; 0700 is what is wanted
    }

    static func outputError(_ message: String) -> HashscreenError {
        HashscreenError(.output, message, underlying: String(cString: strerror(errno)))
    }
}

// MARK: - Byte copying

/// Reads byte ranges of a file in increasing order through one buffer (memory: one chunk).
private final class RangeSource {
    let path: String
    private let fd: Int32
    private var window: [UInt8] = []
    private var windowStart = 0

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HashscreenError(.input, "cannot open manifest \(path)", underlying: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// Appends the bytes of `range` (file offsets) to `out`.
    func copy(_ range: Range<Int>, to out: AtomicFile) throws {
        var at = range.lowerBound
        while at < range.upperBound {
            if at < windowStart || at >= windowStart + window.count {
                window = [UInt8](repeating: 0, count: CleanedManifestWriter.copyChunkBytes)
                var n = 0
                repeat {
                    n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
                } while n < 0 && errno == EINTR
                guard n > 0 else {
                    throw HashscreenError(.input, "manifest \(path) changed while it was being copied (short read at byte \(at))")
                }
                window.removeLast(window.count - n)
                windowStart = at
            }
            let end = min(range.upperBound, windowStart + window.count)
            try out.write(window[(at - windowStart)..<(end - windowStart)])
            at = end
        }
    }
}

/// A cleaned file: `AtomicFile` (HashscreenCore) at the target, after checking the target is
/// not the input itself.
private func outputFile(target: String, input: String) throws -> AtomicFile {
    try CleanedManifestWriter.refuseOverwritingInput(target: target, input: input)
    return try AtomicFile(path: target, bufferBytes: CleanedManifestWriter.copyChunkBytes)
}
