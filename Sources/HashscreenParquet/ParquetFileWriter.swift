// Writes flat Parquet files: PLAIN values, RLE/bit-packed definition levels, data page v1,
// UNCOMPRESSED or SNAPPY, one or more row groups; schema and key-value metadata as given.
// Used to rewrite a manifest minus some rows ("cleaned manifests").
//
// Reference: apache/parquet-format README.md (file layout), parquet.thrift (FileMetaData,
// RowGroup, ColumnChunk, ColumnMetaData, PageHeader, DataPageHeader), Encodings.md (PLAIN,
// RLE/bit-packed hybrid with a 4-byte length prefix for v1 definition levels).

import HashscreenCore

/// Writes a flat Parquet file row group by row group; the file appears at `path` on `close()`.
///
/// Data goes to an `AtomicFile` (HashscreenCore: a temporary name beside `path`, mode 0600),
/// committed by `close()`, so a reader never sees a half-written manifest. Without `close()`,
/// nothing is left behind.
package final class ParquetFileWriter {
    /// Page compression the writer offers.
    package enum Compression: Sendable {
        case uncompressed, snappy

        var codec: Int32 { self == .snappy ? ParquetCodec.snappy.rawValue : ParquetCodec.uncompressed.rawValue }
    }

    /// Target size of one data page's values before compression (parquet-mr and Arrow use 1 MiB).
    static let targetPageBytes = 1 << 20
    /// The `created_by` string written in the footer.
    package static let createdBy = "hashscreen parquet writer"

    package let path: String
    package let columns: [ParquetColumn]
    private let keyValueMetadata: [(key: String, value: String?)]
    private let compression: Compression
    private let file: AtomicFile
    private var offset: Int64 = 0
    private var rowGroups: [RowGroupRecord] = []
    private var closed = false

    private struct ChunkRecord {
        var meta: ColumnMetaData
    }

    private struct RowGroupRecord {
        var chunks: [ChunkRecord]
        var numRows: Int64
        var totalUncompressed: Int64
        var totalCompressed: Int64
        var fileOffset: Int64
    }

    /// Creates the writer for `columns` (flat; names unique); `keyValueMetadata` is written as is.
    package init(path: String, columns: [ParquetColumn], keyValueMetadata: [(key: String, value: String?)] = [],
                compression: Compression = .snappy) throws {
        self.path = path
        self.columns = columns
        self.keyValueMetadata = keyValueMetadata
        self.compression = compression
        var seen = Set<String>()
        for c in columns {
            guard seen.insert(c.name).inserted else { throw ParquetError(path: path, message: "duplicate column name '\(c.name)'") }
            guard !c.isNested else {
                throw ParquetError(path: path, message: "column '\(c.name)' is a struct field: this writer writes flat columns only")
            }
            if c.physicalType == .fixedLenByteArray && c.typeLength <= 0 {
                throw ParquetError(path: path, message: "column '\(c.name)': FIXED_LEN_BYTE_ARRAY needs a positive type length")
            }
        }
        file = try AtomicFile(path: path)
        try write(ParquetFileReader.magic)
    }

    /// A writer with the flat schema and key-value metadata of `reader`, for rewriting its rows.
    /// `ARROW:schema` is dropped when the reader skipped columns, since it would list them.
    package convenience init(path: String, preserving reader: ParquetFileReader, compression: Compression = .snappy) throws {
        let metadata = reader.skippedColumns.isEmpty ? reader.keyValueMetadata : reader.keyValueMetadata.filter { $0.key != "ARROW:schema" }
        try self.init(path: path, columns: reader.columns, keyValueMetadata: metadata, compression: compression)
    }

    /// Writes one row group; `values[c]` holds column `c`'s values, all of the same length.
    package func writeRowGroup(_ values: [[ParquetValue]]) throws {
        guard !closed else { throw ParquetError(path: path, message: "write after close") }
        guard values.count == columns.count else {
            throw ParquetError(path: path, message: "row group has \(values.count) columns, the schema \(columns.count)")
        }
        let numRows = values.first?.count ?? 0
        let start = offset
        var chunks: [ChunkRecord] = []
        var totalUncompressed: Int64 = 0
        for (c, column) in columns.enumerated() {
            guard values[c].count == numRows else {
                throw ParquetError(path: path, message: "column '\(column.name)' has \(values[c].count) values, the row group \(numRows) rows")
            }
            let chunk = try writeChunk(values[c], column: column, rowGroup: rowGroups.count)
            totalUncompressed += chunk.meta.totalUncompressedSize
            chunks.append(chunk)
        }
        rowGroups.append(RowGroupRecord(chunks: chunks, numRows: Int64(numRows), totalUncompressed: totalUncompressed,
                                        totalCompressed: offset - start, fileOffset: start))
    }

    /// Writes the footer and moves the file into place.
    package func close() throws {
        guard !closed else { return }
        var w = ThriftCompactWriter()
        w.beginStruct(nil)
        w.i32(1, 2)
        w.listHeader(2, .structure, count: columns.count + 1)
        var root = SchemaElement()
        root.name = "schema"
        root.numChildren = Int32(columns.count)
        w.encodeSchemaElement(root)
        for c in columns { w.encodeSchemaElement(Self.schemaElement(c)) }
        w.i64(3, rowGroups.reduce(0) { $0 + $1.numRows })
        w.listHeader(4, .structure, count: rowGroups.count)
        for (ordinal, g) in rowGroups.enumerated() {
            w.beginStruct(nil)
            w.listHeader(1, .structure, count: g.chunks.count)
            for chunk in g.chunks {
                w.beginStruct(nil)
                w.i64(2, 0)
                w.beginStruct(3)
                let m = chunk.meta
                w.i32(1, m.type)
                w.i32List(2, m.encodings)
                w.stringList(3, m.pathInSchema)
                w.i32(4, m.codec)
                w.i64(5, m.numValues)
                w.i64(6, m.totalUncompressedSize)
                w.i64(7, m.totalCompressedSize)
                w.i64(9, m.dataPageOffset)
                w.endStruct()
                w.endStruct()
            }
            w.i64(2, g.totalUncompressed)
            w.i64(3, g.numRows)
            w.i64(5, g.fileOffset)
            w.i64(6, g.totalCompressed)
            w.fieldHeader(7, .i16)
            w.writeZigzag(Int64(Int16(clamping: ordinal)))
            w.endStruct()
        }
        if !keyValueMetadata.isEmpty {
            w.listHeader(5, .structure, count: keyValueMetadata.count)
            for (k, v) in keyValueMetadata {
                w.beginStruct(nil)
                w.string(1, k)
                if let v { w.string(2, v) }
                w.endStruct()
            }
        }
        w.string(6, Self.createdBy)
        w.endStruct()
        let footer = w.bytes
        try write(footer)
        let n = UInt32(footer.count)
        try write([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
        try write(ParquetFileReader.magic)
        try file.commit()
        closed = true
    }

    // MARK: - Column chunks

    static func schemaElement(_ c: ParquetColumn) -> SchemaElement {
        var e = SchemaElement()
        e.type = c.physicalType.rawValue
        if c.physicalType == .fixedLenByteArray { e.typeLength = Int32(c.typeLength) }
        e.repetition = c.isOptional ? 1 : 0
        e.name = c.name
        e.convertedType = c.convertedType
        e.scale = c.scale
        e.precision = c.precision
        e.fieldID = c.fieldID
        e.logicalTypeRaw = c.logicalTypeThrift
        return e
    }

    private func writeChunk(_ values: [ParquetValue], column: ParquetColumn, rowGroup: Int) throws -> ChunkRecord {
        let chunkStart = offset
        var uncompressedTotal: Int64 = 0
        var pageStart = 0
        while pageStart < values.count || (pageStart == 0 && values.isEmpty) {
            var plain: [UInt8] = []
            var defs: [Bool] = []
            var end = pageStart
            var present = 0
            while end < values.count && plain.count < Self.targetPageBytes {
                let v = values[end]
                if v.isNull {
                    guard column.isOptional else {
                        throw ParquetError(path: path, message: "row group \(rowGroup), column '\(column.name)', row \(end): null in a REQUIRED column")
                    }
                    defs.append(false)
                } else {
                    defs.append(true)
                    present += 1
                    try Self.appendPlain(v, column: column, to: &plain, booleanIndex: present - 1,
                                         context: { "row group \(rowGroup), column '\(column.name)', row \(end)" }, path: path)
                }
                end += 1
            }
            var body: [UInt8] = []
            if column.isOptional {
                let levels = Self.encodeDefinitionLevels(defs)
                let n = UInt32(levels.count)
                body.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
                body.append(contentsOf: levels)
            }
            body.append(contentsOf: plain)
            let compressed: [UInt8]
            do { compressed = try PageCompression.compress(codec: compression.codec, body) } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError(path: path, message: "column '\(column.name)': \(e.description)")
            }
            guard body.count <= Int(Int32.max), compressed.count <= Int(Int32.max) else {
                throw ParquetError(path: path, message: "column '\(column.name)': page too large")
            }
            var h = ThriftCompactWriter()
            h.encodePageHeaderV1(uncompressedSize: Int32(body.count), compressedSize: Int32(compressed.count),
                                 numValues: Int32(end - pageStart), encoding: ParquetEncoding.plain.rawValue, crc: nil)
            try write(h.bytes)
            try write(compressed)
            uncompressedTotal += Int64(h.bytes.count + body.count)
            pageStart = end
            if values.isEmpty { break }
        }
        var m = ColumnMetaData()
        m.type = column.physicalType.rawValue
        m.encodings = [ParquetEncoding.plain.rawValue, ParquetEncoding.rle.rawValue]
        m.pathInSchema = [column.name]
        m.codec = compression.codec
        m.numValues = Int64(values.count)
        m.totalUncompressedSize = uncompressedTotal
        m.totalCompressedSize = offset - chunkStart
        m.dataPageOffset = chunkStart
        return ChunkRecord(meta: m)
    }

    /// Definition levels (bit width 1) as one RLE run when uniform, else bit-packed groups of 8.
    static func encodeDefinitionLevels(_ defs: [Bool]) -> [UInt8] {
        if defs.isEmpty { return [] }
        var w = ThriftCompactWriter()   // only its varint encoder is used
        if let first = defs.first, defs.allSatisfy({ $0 == first }) {
            w.writeVarint(UInt64(defs.count) << 1)
            w.appendRaw([first ? 1 : 0])
            return w.bytes
        }
        let groups = (defs.count + 7) / 8
        w.writeVarint(UInt64(groups) << 1 | 1)
        var packed = [UInt8](repeating: 0, count: groups)
        for (i, d) in defs.enumerated() where d { packed[i >> 3] |= 1 << UInt8(i & 7) }
        w.appendRaw(packed)
        return w.bytes
    }

    static func appendPlain(_ v: ParquetValue, column: ParquetColumn, to out: inout [UInt8], booleanIndex: Int,
                            context: () -> String, path: String) throws {
        func le32(_ x: UInt32) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: x >> (8 * UInt32(k)))) } }
        func le64(_ x: UInt64) { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: x >> (8 * UInt64(k)))) } }
        switch (column.physicalType, v) {
        case (.boolean, .bool(let b)):
            if booleanIndex % 8 == 0 { out.append(0) }
            if b { out[out.count - 1] |= 1 << UInt8(booleanIndex % 8) }
        case (.int32, .int32(let x)): le32(UInt32(bitPattern: x))
        case (.int64, .int64(let x)): le64(UInt64(bitPattern: x))
        case (.int96, .int96(let nanos, let day)):
            le64(UInt64(bitPattern: nanos))
            le32(UInt32(bitPattern: day))
        case (.float, .float(let f)): le32(f.bitPattern)
        case (.double, .double(let d)): le64(d.bitPattern)
        case (.byteArray, .string(let s)):
            let b = Array(s.utf8)
            guard b.count <= Int(UInt32.max) else { throw ParquetError(path: path, message: "\(context()): value too long") }
            le32(UInt32(b.count))
            out.append(contentsOf: b)
        case (.byteArray, .bytes(let b)):
            guard b.count <= Int(UInt32.max) else { throw ParquetError(path: path, message: "\(context()): value too long") }
            le32(UInt32(b.count))
            out.append(contentsOf: b)
        case (.fixedLenByteArray, .bytes(let b)):
            guard b.count == column.typeLength else {
                throw ParquetError(path: path, message: "\(context()): \(b.count) bytes in a FIXED_LEN_BYTE_ARRAY(\(column.typeLength)) column")
            }
            out.append(contentsOf: b)
        default:
            throw ParquetError(path: path, message: "\(context()): value \(v) does not fit a \(column.physicalType) column")
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try file.write(bytes)
        offset += Int64(bytes.count)
    }
}
