// Reads Parquet files (flat columns and struct leaves) one row group at a time.
//
// Reference: apache/parquet-format README.md "File Format": the file is
//   "PAR1" <column chunks...> <FileMetaData, Thrift compact> <4-byte LE footer length> "PAR1"
// ("PARE" instead marks an encrypted footer, which this reader refuses).
// Memory: the footer, then for each requested column of one row group its chunk's byte range
// (read with pread), then the decoded values of that row group. Nothing else of the file is held.

import Glibc   // hashscreen targets Linux; pread/write/rename are POSIX
import HashscreenCore

/// The rows of one row group, column by column.
package struct ParquetRowGroup: Sendable {
    /// Number of rows in this row group.
    package var rowCount: Int
    /// Values per requested column (in the order requested), each `rowCount` long.
    package var columns: [[ParquetValue]]

    /// The values of row `index` across the requested columns.
    package func row(_ index: Int) -> [ParquetValue] {
        columns.map { $0[index] }
    }
}

/// Reads a Parquet file's flat columns and struct leaves: schema and metadata at open, then row
/// groups on demand, all columns or a projection.
package final class ParquetFileReader {
    /// Magic bytes at the start and end of every Parquet file.
    static let magic: [UInt8] = Array("PAR1".utf8)
    /// Magic bytes of a file with an encrypted footer (parquet-format Encryption.md).
    static let encryptedMagic: [UInt8] = Array("PARE".utf8)
    /// Most rows of one row group this reader decodes into memory at once. Bounds allocations on
    /// hostile headers (an all-null column can claim billions of rows in a few bytes); real
    /// writers default to about 1 Mi rows (Arrow) or 128 MiB of data (parquet-mr).
    static let maxRowsPerRowGroup = 1 << 26
    /// Bytes read after a chunk's stated end, for old parquet-mr files whose
    /// total_compressed_size omits the dictionary page header (Arrow's kMaxDictHeaderSize, PARQUET-816).
    static let oldWriterChunkPadding: Int64 = 100

    package let path: String
    /// The columns this reader returns (flat columns and struct leaves), in schema order.
    package let columns: [ParquetColumn]
    /// Columns that are not read (inside lists or maps, repeated, unknown type), with the reason.
    package let skippedColumns: [(name: String, reason: String)]
    /// Total rows over all row groups.
    package let rowCount: Int
    /// Key-value metadata of the file (e.g. `ARROW:schema`), in file order.
    package let keyValueMetadata: [(key: String, value: String?)]
    /// The `created_by` string of the writer, if any.
    package let createdBy: String?

    private let fd: Int32
    private let fileSize: Int64
    private let dataEnd: Int64
    private let metadata: FileMetaData
    /// For each entry of `columns`, its leaf index in each row group's column chunk list.
    private let leafIndices: [Int]
    private let leafCount: Int

    /// Opens `path` and decodes its footer; throws `ParquetError` when it is not a readable Parquet file.
    package init(path: String) throws {
        self.path = path
        // As every input is opened (Core InputFile): regular files only, never a FIFO's wait
        // or a device's open.
        let opened: InputFile.Opened
        do { opened = try InputFile.openRegular(path) } catch { throw ParquetError(path: path, message: error.message) }
        let fd = opened.fd
        var closeOnError = true
        defer { if closeOnError { close(fd) } }
        let size = Int64(opened.size)
        let minimumFileSize: Int64 = 12   // "PAR1" + footer length + "PAR1"
        guard size >= minimumFileSize else {
            throw ParquetError(path: path, message: "file of \(size) bytes is too short to be Parquet (needs at least \(minimumFileSize))")
        }
        let head = try Self.pread(fd, path: path, offset: 0, count: 4)
        let tail = try Self.pread(fd, path: path, offset: size - 8, count: 8)
        if Array(tail[4..<8]) == Self.encryptedMagic {
            throw ParquetError(path: path, message: "encrypted Parquet footer (PARE) is not supported")
        }
        guard head == Self.magic else { throw ParquetError(path: path, message: "bad magic at start: not a Parquet file") }
        guard Array(tail[4..<8]) == Self.magic else {
            throw ParquetError(path: path, message: "bad magic at end: truncated or not a Parquet file")
        }
        let footerLength = Int64(loadLE32(tail, 0))
        guard footerLength > 0, footerLength <= size - minimumFileSize else {
            throw ParquetError(path: path, message: "footer length \(footerLength) out of range for a file of \(size) bytes")
        }
        let footerStart = size - 8 - footerLength
        let footer = try Self.pread(fd, path: path, offset: footerStart, count: Int(footerLength))
        var r = ThriftCompactReader(footer)
        let meta: FileMetaData
        do { meta = try r.decodeFileMetaData() } catch let e as ParquetError where e.path.isEmpty {
            throw ParquetError(path: path, message: "footer: Thrift decode error: \(e.description)")
        }
        let flat: FlatSchema
        do { flat = try FlatSchema(meta.schema) } catch let e as ParquetError where e.path.isEmpty {
            throw ParquetError(path: path, message: "schema: \(e.description)")
        }
        var total = 0
        for (i, g) in meta.rowGroups.enumerated() {
            guard g.numRows >= 0, g.numRows <= Int64(Self.maxRowsPerRowGroup) else {
                throw ParquetError(path: path, message: "row group \(i) has \(g.numRows) rows, outside 0...\(Self.maxRowsPerRowGroup) this reader accepts")
            }
            guard g.columns.count == flat.leafCount else {
                throw ParquetError(path: path, message: "row group \(i) has \(g.columns.count) column chunks, the schema has \(flat.leafCount) leaf columns")
            }
            total += Int(g.numRows)
        }
        self.fd = fd
        self.fileSize = size
        self.dataEnd = footerStart
        self.metadata = meta
        self.columns = flat.columns
        self.leafIndices = flat.leafIndices
        self.leafCount = flat.leafCount
        self.skippedColumns = flat.skipped
        self.rowCount = total
        self.keyValueMetadata = meta.keyValueMetadata.map { (key: $0.0, value: $0.1) }
        self.createdBy = meta.createdBy
        closeOnError = false
    }

    deinit { close(fd) }

    /// Number of row groups.
    package var rowGroupCount: Int { metadata.rowGroups.count }

    /// Number of rows in row group `index`.
    package func rowCount(ofRowGroup index: Int) -> Int { Int(metadata.rowGroups[index].numRows) }

    /// Reads and decodes row group `index`: all columns, or those at `columnIndices` (into `columns`).
    package func readRowGroup(_ index: Int, columns columnIndices: [Int]? = nil) throws -> ParquetRowGroup {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetError(path: path, message: "row group \(index) does not exist (the file has \(metadata.rowGroups.count))")
        }
        let group = metadata.rowGroups[index]
        let numRows = Int(group.numRows)
        let wanted = columnIndices ?? Array(columns.indices)
        var out: [[ParquetValue]] = []
        out.reserveCapacity(wanted.count)
        for c in wanted {
            guard c >= 0, c < columns.count else {
                throw ParquetError(path: path, message: "column index \(c) out of range (\(columns.count) columns)")
            }
            let column = columns[c]
            do {
                out.append(try readChunk(group.columns[leafIndices[c]], column: column, numRows: numRows))
            } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError(path: path, message: "row group \(index), column '\(column.name)': \(e.description)")
            }
        }
        return ParquetRowGroup(rowCount: numRows, columns: out)
    }

    /// Reads every row group in turn, calling `body` with each; memory stays within one row group.
    package func forEachRowGroup(columns columnIndices: [Int]? = nil, _ body: (ParquetRowGroup) throws -> Void) throws {
        for i in 0..<rowGroupCount { try body(try readRowGroup(i, columns: columnIndices)) }
    }

    /// Reads row group `index`'s BYTE_ARRAY columns at `columnIndices` as bytes and ranges
    /// (`ParquetByteColumn`): no value object per row. Throws for a column of another type or
    /// an encoding other than PLAIN and dictionary (the caller reads such a file with
    /// `readRowGroup`), and for everything `readRowGroup` throws for.
    /// `classifying`: the columns whose values' byte classes are found (`ParquetByteColumn.allASCII`).
    package func readByteColumns(_ index: Int, columns columnIndices: [Int], classifying: Set<Int> = []) throws -> [ParquetByteColumn] {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetError(path: path, message: "row group \(index) does not exist (the file has \(metadata.rowGroups.count))")
        }
        let group = metadata.rowGroups[index]
        let numRows = Int(group.numRows)
        var out: [ParquetByteColumn] = []
        for c in columnIndices {
            guard c >= 0, c < columns.count, columns[c].physicalType == .byteArray else {
                throw ParquetError(path: path, message: "column index \(c) is not a BYTE_ARRAY column")
            }
            let column = columns[c]
            do {
                guard let (buf, codec) = try chunkBytes(group.columns[leafIndices[c]], column: column, numRows: numRows) else {
                    out.append(ParquetByteColumn(rows: 0)); continue
                }
                // The decompressed pages' size as the footer states it (page headers included), to
                // hold them in one allocation; a hostile claim is bounded by the chunk's bytes.
                let stated = group.columns[leafIndices[c]].meta?.totalUncompressedSize ?? 0
                let capacity = Int(max(0, min(stated, Int64(buf.count) * 32, Int64(ColumnChunkDecoder.maxPageBytes))))
                out.append(try ColumnChunkDecoder(column: column, codec: codec, numRows: numRows).decodeBytes(buf, capacity: capacity, classifying: classifying.contains(c)))
            } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError(path: path, message: "row group \(index), column '\(column.name)': \(e.description)")
            }
        }
        return out
    }

    /// Reads row group `index`'s INT64 columns at `columnIndices` as integers
    /// (`ParquetInt64Column`): no value object per row. Throws for a column of another type or
    /// an encoding other than PLAIN and dictionary (the caller reads it with `readRowGroup`),
    /// and for everything `readRowGroup` throws for.
    package func readInt64Columns(_ index: Int, columns columnIndices: [Int]) throws -> [ParquetInt64Column] {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetError(path: path, message: "row group \(index) does not exist (the file has \(metadata.rowGroups.count))")
        }
        let group = metadata.rowGroups[index]
        let numRows = Int(group.numRows)
        return try columnIndices.map { c in
            guard c >= 0, c < columns.count, columns[c].physicalType == .int64 else {
                throw ParquetError(path: path, message: "column index \(c) is not an INT64 column")
            }
            let column = columns[c]
            do {
                guard let (buf, codec) = try chunkBytes(group.columns[leafIndices[c]], column: column, numRows: numRows) else {
                    return ParquetInt64Column()
                }
                return try ColumnChunkDecoder(column: column, codec: codec, numRows: numRows).decodeInt64s(buf)
            } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError(path: path, message: "row group \(index), column '\(column.name)': \(e.description)")
            }
        }
    }

    private func readChunk(_ chunk: ColumnChunkMeta, column: ParquetColumn, numRows: Int) throws -> [ParquetValue] {
        guard let (buf, codec) = try chunkBytes(chunk, column: column, numRows: numRows) else { return [] }
        return try ColumnChunkDecoder(column: column, codec: codec, numRows: numRows).decode(buf)
    }

    /// A chunk's bytes (checked against the footer) and codec; nil for a row group of no rows.
    private func chunkBytes(_ chunk: ColumnChunkMeta, column: ParquetColumn, numRows: Int) throws -> ([UInt8], Int32)? {
        if chunk.isEncrypted { throw ParquetError("encrypted column chunks are not supported") }
        if let p = chunk.filePath { throw ParquetError("column data in another file ('\(p)') is not supported") }
        guard let cm = chunk.meta else { throw ParquetError("column chunk has no metadata") }
        guard cm.type == column.physicalType.rawValue else {
            throw ParquetError("chunk type \(cm.type) differs from the schema's \(column.physicalType)")
        }
        guard PageCompression.supported.contains(cm.codec) else {
            throw ParquetError("compression codec \(ParquetCodec.name(cm.codec)) is not supported (supported: UNCOMPRESSED, SNAPPY, GZIP, ZSTD)")
        }
        if numRows == 0 { return nil }
        var start = cm.dataPageOffset
        if let d = cm.dictionaryPageOffset, d > 0, d < start { start = d }
        let length = cm.totalCompressedSize
        guard start >= 4, start < dataEnd, length > 0, length <= dataEnd - start else {
            throw ParquetError("column chunk byte range (offset \(start), \(length) bytes) lies outside the data region 4..<\(dataEnd)")
        }
        let readLength = min(length + Self.oldWriterChunkPadding, dataEnd - start)
        let buf: [UInt8]
        do { buf = try Self.pread(fd, path: path, offset: start, count: Int(readLength)) } catch let e as ParquetError {
            throw ParquetError(e.message)
        }
        return (buf, cm.codec)
    }

    /// Reads exactly `count` bytes at `offset`.
    static func pread(_ fd: Int32, path: String, offset: Int64, count: Int) throws -> [UInt8] {
        // Not zeroed first: every byte is read, or the read throws (the count then is what was read).
        var done = 0
        return try [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            defer { initialized = done }
            while done < count {
                let n = Glibc.pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ParquetError(path: path, message: "read error at byte \(offset + Int64(done)): \(String(cString: strerror(errno)))")
                }
                if n == 0 {
                    throw ParquetError(path: path, message: "file ends at byte \(offset + Int64(done)), expected \(count - done) more bytes")
                }
                done += n
            }
        }
    }
}

// MARK: - Schema flattening

/// The readable leaves of a schema tree (flat columns and struct leaves), and the leaves that
/// are not readable with why.
///
/// Reference: parquet-format README.md "Nested Encoding" (Dremel): a leaf's maximum definition
/// level counts the OPTIONAL fields on its path and its maximum repetition level the REPEATED
/// ones. Only leaves with no REPEATED field on their path are read (their repetition level is
/// always 0, so their pages carry no repetition levels); lists and maps are skipped.
struct FlatSchema {
    /// Deepest schema nesting walked (recursion bound).
    static let maxDepth = 128

    var columns: [ParquetColumn] = []
    var leafIndices: [Int] = []
    var skipped: [(name: String, reason: String)] = []
    var leafCount = 0

    init(_ schema: [SchemaElement]) throws {
        guard let root = schema.first else { throw ParquetError("the schema is empty") }
        var next = 1
        let children = Int(root.numChildren ?? 0)
        guard children >= 0 else { throw ParquetError("root has \(children) children") }
        for _ in 0..<children { try visit(schema, &next, path: [], definition: 0, repeatedAncestor: nil, depth: 1) }
        guard next == schema.count else {
            throw ParquetError("schema has \(schema.count) elements but the tree from the root covers \(next)")
        }
    }

    /// Visits one element; `definition` counts the OPTIONAL groups above it, `repeatedAncestor`
    /// names the first REPEATED group (or LIST/MAP) above it.
    private mutating func visit(_ schema: [SchemaElement], _ next: inout Int, path: [String], definition: Int,
                                repeatedAncestor: String?, depth: Int) throws {
        guard depth <= Self.maxDepth else { throw ParquetError("schema nested deeper than \(Self.maxDepth)") }
        guard next < schema.count else {
            throw ParquetError("schema element counts overrun the schema list (\(schema.count) elements)")
        }
        let e = schema[next]
        next += 1
        let fullPath = path + [e.name]
        let name = fullPath.joined(separator: ".")
        let level = definition + (e.repetition == 1 ? 1 : 0)
        if e.type == nil || (e.numChildren ?? 0) > 0 {
            let n = Int(e.numChildren ?? 0)
            guard n >= 0 else { throw ParquetError("group '\(name)' has \(n) children") }
            var repeated = repeatedAncestor
            if repeated == nil {
                if e.repetition == 2 { repeated = "repeated group '\(name)'" }
                else if case .other(let kind)? = e.logicalType, kind == "LIST" || kind == "MAP" { repeated = "\(kind.lowercased()) '\(name)'" }
                else if let c = e.convertedType, c == 1 || c == 2 || c == 3 { repeated = "\(c == 3 ? "list" : "map") '\(name)'" }
            }
            for _ in 0..<n {
                try visit(schema, &next, path: fullPath, definition: level, repeatedAncestor: repeated, depth: depth + 1)
            }
            return
        }
        let leaf = leafCount
        leafCount += 1
        if let repeatedAncestor {
            skipped.append((name, "inside \(repeatedAncestor) (a list or map); only flat columns and struct fields are read"))
            return
        }
        if e.repetition == 2 {
            skipped.append((name, "repeated column; only REQUIRED and OPTIONAL columns are read"))
            return
        }
        guard let raw = e.type, let type = ParquetPhysicalType(rawValue: raw) else {
            skipped.append((name, "unknown physical type \(e.type ?? -1)"))
            return
        }
        let typeLength = Int(e.typeLength ?? 0)
        if type == .fixedLenByteArray && typeLength <= 0 {
            skipped.append((name, "FIXED_LEN_BYTE_ARRAY with type_length \(typeLength)"))
            return
        }
        var col = ParquetColumn(name: name, physicalType: type, typeLength: type == .fixedLenByteArray ? typeLength : 0,
                                isOptional: level > 0)
        col.schemaPath = fullPath
        col.maxDefinitionLevel = level
        col.convertedType = e.convertedType
        col.scale = e.scale
        col.precision = e.precision
        col.fieldID = e.fieldID
        col.logicalTypeThrift = e.logicalTypeRaw
        if let l = e.logicalType {
            col.logicalType = l
        } else if let c = e.convertedType {
            col.logicalType = LogicalTypeCoding.fromConverted(c, precision: e.precision, scale: e.scale)
        }
        columns.append(col)
        leafIndices.append(leaf)
    }
}
