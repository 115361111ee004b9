// The footer and page-header structures this reader uses, decoded from Thrift compact bytes.
//
// Reference: apache/parquet-format src/main/thrift/parquet.thrift — FileMetaData, SchemaElement,
// RowGroup, ColumnChunk, ColumnMetaData, PageHeader, DataPageHeader, DataPageHeaderV2,
// DictionaryPageHeader, KeyValue. Field ids below are that file's. Fields not listed are skipped.

/// parquet.thrift `Encoding` values.
enum ParquetEncoding: Int32 {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5
    case deltaLengthByteArray = 6, deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9

    static func name(_ raw: Int32) -> String {
        switch raw {
        case 0: return "PLAIN"
        case 1: return "GROUP_VAR_INT"
        case 2: return "PLAIN_DICTIONARY"
        case 3: return "RLE"
        case 4: return "BIT_PACKED"
        case 5: return "DELTA_BINARY_PACKED"
        case 6: return "DELTA_LENGTH_BYTE_ARRAY"
        case 7: return "DELTA_BYTE_ARRAY"
        case 8: return "RLE_DICTIONARY"
        case 9: return "BYTE_STREAM_SPLIT"
        default: return "encoding \(raw)"
        }
    }
}

/// parquet.thrift `CompressionCodec` values.
enum ParquetCodec: Int32 {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    static func name(_ raw: Int32) -> String {
        switch raw {
        case 0: return "UNCOMPRESSED"
        case 1: return "SNAPPY"
        case 2: return "GZIP"
        case 3: return "LZO"
        case 4: return "BROTLI"
        case 5: return "LZ4 (Hadoop framing)"
        case 6: return "ZSTD"
        case 7: return "LZ4_RAW"
        default: return "codec \(raw)"
        }
    }
}

/// parquet.thrift `PageType` values.
enum ParquetPageType: Int32 {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

struct SchemaElement {
    var type: Int32?
    var typeLength: Int32?
    var repetition: Int32?          // 0 REQUIRED, 1 OPTIONAL, 2 REPEATED
    var name = ""
    var numChildren: Int32?
    var convertedType: Int32?
    var scale: Int32?
    var precision: Int32?
    var fieldID: Int32?
    var logicalType: ParquetLogicalType?
    var logicalTypeRaw: [UInt8]?
}

struct ColumnMetaData {
    var type: Int32 = -1
    var encodings: [Int32] = []
    var pathInSchema: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalUncompressedSize: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = -1
    var dictionaryPageOffset: Int64?
}

struct ColumnChunkMeta {
    var filePath: String?
    var meta: ColumnMetaData?
    var isEncrypted = false
}

struct RowGroupMeta {
    var columns: [ColumnChunkMeta] = []
    var numRows: Int64 = 0
}

struct FileMetaData {
    var version: Int32 = 0
    var schema: [SchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [RowGroupMeta] = []
    var keyValueMetadata: [(String, String?)] = []
    var createdBy: String?
}

struct DataPageHeaderV1 {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelEncoding: Int32 = 3
    var repetitionLevelEncoding: Int32 = 3
}

struct DataPageHeaderV2 {
    var numValues: Int32 = 0
    var numNulls: Int32 = 0
    var numRows: Int32 = 0
    var encoding: Int32 = 0
    var definitionLevelsByteLength: Int32 = 0
    var repetitionLevelsByteLength: Int32 = 0
    var isCompressed = true
}

struct DictionaryPageHeader {
    var numValues: Int32 = 0
    var encoding: Int32 = 0
}

struct PageHeader {
    var type: Int32 = -1
    var uncompressedPageSize: Int32 = -1
    var compressedPageSize: Int32 = -1
    var crc: Int32?
    var dataPage: DataPageHeaderV1?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?
}

// MARK: - Decoding

extension ThriftCompactReader {
    /// Reads an i32 field, checking its wire type.
    fileprivate mutating func i32Field(_ t: ThriftType, _ name: String) throws -> Int32 {
        try Self.expect(t, .i32, field: name)
        return try readI32()
    }

    fileprivate mutating func i64Field(_ t: ThriftType, _ name: String) throws -> Int64 {
        // Some writers use a narrower integer type; accept any varint integer.
        guard t == .i64 || t == .i32 || t == .i16 else {
            throw ParquetError("field \(name) has wire type \(t), expected i64")
        }
        return try readI64()
    }

    mutating func decodeFileMetaData() throws -> FileMetaData {
        var m = FileMetaData()
        var sawSchema = false, sawRows = false, sawGroups = false
        try readStruct { r, id, t in
            switch id {
            case 1: m.version = try r.i32Field(t, "FileMetaData.version")
            case 2:
                try Self.expect(t, .list, field: "FileMetaData.schema")
                try r.readStructList { r in m.schema.append(try r.decodeSchemaElement()) }
                sawSchema = true
            case 3: m.numRows = try r.i64Field(t, "FileMetaData.num_rows"); sawRows = true
            case 4:
                try Self.expect(t, .list, field: "FileMetaData.row_groups")
                try r.readStructList { r in m.rowGroups.append(try r.decodeRowGroup()) }
                sawGroups = true
            case 5:
                try Self.expect(t, .list, field: "FileMetaData.key_value_metadata")
                try r.readStructList { r in
                    var key: String?
                    var value: String?
                    try r.readStruct { r, id, t in
                        if id == 1, t == .binary { key = try r.readString() }
                        else if id == 2, t == .binary { value = try r.readString() }
                        else { try r.skip(t) }
                    }
                    guard let key else { throw ParquetError("KeyValue without a key") }
                    m.keyValueMetadata.append((key, value))
                }
            case 6 where t == .binary: m.createdBy = try r.readString()
            default: try r.skip(t)
            }
        }
        guard sawSchema, sawRows, sawGroups else {
            throw ParquetError("FileMetaData lacks a required field (schema, num_rows or row_groups)")
        }
        return m
    }

    mutating func decodeSchemaElement() throws -> SchemaElement {
        var e = SchemaElement()
        var sawName = false
        try readStruct { r, id, t in
            switch id {
            case 1: e.type = try r.i32Field(t, "SchemaElement.type")
            case 2: e.typeLength = try r.i32Field(t, "SchemaElement.type_length")
            case 3: e.repetition = try r.i32Field(t, "SchemaElement.repetition_type")
            case 4:
                try Self.expect(t, .binary, field: "SchemaElement.name")
                e.name = try r.readString()
                sawName = true
            case 5: e.numChildren = try r.i32Field(t, "SchemaElement.num_children")
            case 6: e.convertedType = try r.i32Field(t, "SchemaElement.converted_type")
            case 7: e.scale = try r.i32Field(t, "SchemaElement.scale")
            case 8: e.precision = try r.i32Field(t, "SchemaElement.precision")
            case 9: e.fieldID = try r.i32Field(t, "SchemaElement.field_id")
            case 10:
                try Self.expect(t, .structure, field: "SchemaElement.logicalType")
                let start = r.position
                var copy = r
                e.logicalType = try LogicalTypeCoding.decode(&r)
                e.logicalTypeRaw = try copy.captureRaw(.structure)
                guard copy.position == r.position, copy.position > start else {
                    throw ParquetError("inconsistent LogicalType encoding")
                }
            default: try r.skip(t)
            }
        }
        guard sawName else { throw ParquetError("SchemaElement without a name") }
        return e
    }

    mutating func decodeRowGroup() throws -> RowGroupMeta {
        var g = RowGroupMeta()
        var sawRows = false
        try readStruct { r, id, t in
            switch id {
            case 1:
                try Self.expect(t, .list, field: "RowGroup.columns")
                try r.readStructList { r in g.columns.append(try r.decodeColumnChunk()) }
            case 3: g.numRows = try r.i64Field(t, "RowGroup.num_rows"); sawRows = true
            default: try r.skip(t)
            }
        }
        guard sawRows else { throw ParquetError("RowGroup without num_rows") }
        return g
    }

    mutating func decodeColumnChunk() throws -> ColumnChunkMeta {
        var c = ColumnChunkMeta()
        try readStruct { r, id, t in
            switch id {
            case 1 where t == .binary: c.filePath = try r.readString()
            case 3:
                try Self.expect(t, .structure, field: "ColumnChunk.meta_data")
                c.meta = try r.decodeColumnMetaData()
            case 8, 9: c.isEncrypted = true; try r.skip(t)
            default: try r.skip(t)
            }
        }
        return c
    }

    mutating func decodeColumnMetaData() throws -> ColumnMetaData {
        var m = ColumnMetaData()
        try readStruct { r, id, t in
            switch id {
            case 1: m.type = try r.i32Field(t, "ColumnMetaData.type")
            case 2:
                try Self.expect(t, .list, field: "ColumnMetaData.encodings")
                m.encodings = try r.readI32List()
            case 3:
                try Self.expect(t, .list, field: "ColumnMetaData.path_in_schema")
                m.pathInSchema = try r.readStringList()
            case 4: m.codec = try r.i32Field(t, "ColumnMetaData.codec")
            case 5: m.numValues = try r.i64Field(t, "ColumnMetaData.num_values")
            case 6: m.totalUncompressedSize = try r.i64Field(t, "ColumnMetaData.total_uncompressed_size")
            case 7: m.totalCompressedSize = try r.i64Field(t, "ColumnMetaData.total_compressed_size")
            case 9: m.dataPageOffset = try r.i64Field(t, "ColumnMetaData.data_page_offset")
            case 11: m.dictionaryPageOffset = try r.i64Field(t, "ColumnMetaData.dictionary_page_offset")
            default: try r.skip(t)
            }
        }
        return m
    }

    mutating func decodePageHeader() throws -> PageHeader {
        var h = PageHeader()
        try readStruct { r, id, t in
            switch id {
            case 1: h.type = try r.i32Field(t, "PageHeader.type")
            case 2: h.uncompressedPageSize = try r.i32Field(t, "PageHeader.uncompressed_page_size")
            case 3: h.compressedPageSize = try r.i32Field(t, "PageHeader.compressed_page_size")
            case 4: h.crc = try r.i32Field(t, "PageHeader.crc")
            case 5:
                try Self.expect(t, .structure, field: "PageHeader.data_page_header")
                var d = DataPageHeaderV1()
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.i32Field(t, "DataPageHeader.num_values")
                    case 2: d.encoding = try r.i32Field(t, "DataPageHeader.encoding")
                    case 3: d.definitionLevelEncoding = try r.i32Field(t, "DataPageHeader.definition_level_encoding")
                    case 4: d.repetitionLevelEncoding = try r.i32Field(t, "DataPageHeader.repetition_level_encoding")
                    default: try r.skip(t)
                    }
                }
                h.dataPage = d
            case 7:
                try Self.expect(t, .structure, field: "PageHeader.dictionary_page_header")
                var d = DictionaryPageHeader()
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.i32Field(t, "DictionaryPageHeader.num_values")
                    case 2: d.encoding = try r.i32Field(t, "DictionaryPageHeader.encoding")
                    default: try r.skip(t)
                    }
                }
                h.dictionaryPage = d
            case 8:
                try Self.expect(t, .structure, field: "PageHeader.data_page_header_v2")
                var d = DataPageHeaderV2()
                try r.readStruct { r, id, t in
                    switch id {
                    case 1: d.numValues = try r.i32Field(t, "DataPageHeaderV2.num_values")
                    case 2: d.numNulls = try r.i32Field(t, "DataPageHeaderV2.num_nulls")
                    case 3: d.numRows = try r.i32Field(t, "DataPageHeaderV2.num_rows")
                    case 4: d.encoding = try r.i32Field(t, "DataPageHeaderV2.encoding")
                    case 5: d.definitionLevelsByteLength = try r.i32Field(t, "DataPageHeaderV2.definition_levels_byte_length")
                    case 6: d.repetitionLevelsByteLength = try r.i32Field(t, "DataPageHeaderV2.repetition_levels_byte_length")
                    case 7 where t == .boolTrue || t == .boolFalse: d.isCompressed = try ThriftCompactReader.boolValue(t)
                    default: try r.skip(t)
                    }
                }
                h.dataPageV2 = d
            default: try r.skip(t)
            }
        }
        guard h.type >= 0, h.uncompressedPageSize >= 0, h.compressedPageSize >= 0 else {
            throw ParquetError("PageHeader lacks or has negative type/sizes (type \(h.type), sizes \(h.uncompressedPageSize)/\(h.compressedPageSize))")
        }
        return h
    }
}

// MARK: - Encoding (writer)

extension ThriftCompactWriter {
    mutating func encodePageHeaderV1(uncompressedSize: Int32, compressedSize: Int32, numValues: Int32,
                                     encoding: Int32, crc: Int32?) {
        beginStruct(nil)
        i32(1, ParquetPageType.dataPage.rawValue)
        i32(2, uncompressedSize)
        i32(3, compressedSize)
        if let crc { i32(4, crc) }
        beginStruct(5)
        i32(1, numValues)
        i32(2, encoding)
        i32(3, ParquetEncoding.rle.rawValue)
        i32(4, ParquetEncoding.rle.rawValue)
        endStruct()
        endStruct()
    }

    mutating func encodeSchemaElement(_ e: SchemaElement) {
        beginStruct(nil)
        if let v = e.type { i32(1, v) }
        if let v = e.typeLength { i32(2, v) }
        if let v = e.repetition { i32(3, v) }
        string(4, e.name)
        if let v = e.numChildren { i32(5, v) }
        if let v = e.convertedType { i32(6, v) }
        if let v = e.scale { i32(7, v) }
        if let v = e.precision { i32(8, v) }
        if let v = e.fieldID { i32(9, v) }
        if let raw = e.logicalTypeRaw { rawStruct(10, raw) }
        endStruct()
    }
}
