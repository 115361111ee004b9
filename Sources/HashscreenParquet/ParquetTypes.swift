/// HashscreenParquet: reads and writes flat Parquet files (image-dataset manifests) in pure Swift.
///
/// Words used in this module:
/// - *file metadata* / *footer*: the Thrift-compact `FileMetaData` at the end of the file, which
///   lists the schema, the row groups and key-value metadata.
/// - *row group*: a horizontal slice of rows; the unit this reader loads into memory at once.
/// - *column chunk*: one column's bytes within one row group: an optional dictionary page, then
///   data pages (v1 or v2), each optionally compressed.
/// - *flat column*: a leaf directly under the schema root that is REQUIRED or OPTIONAL (not
///   REPEATED, not inside a group). The writer writes only flat columns.
/// - *struct leaf*: a leaf inside one or more non-repeated groups (structs), named by its dotted
///   path (`image.bytes` for the Hugging Face `datasets` Image feature `struct<bytes, path>`).
///   The reader reads flat columns and struct leaves; leaves under a repeated field (lists,
///   maps) are listed in `ParquetFileReader.skippedColumns` with the reason.
/// - *definition level*: per value, how many of the OPTIONAL fields on its path (its groups and
///   itself) are present; the value is present when the level is the column's maximum (the count
///   of OPTIONAL fields on the path), null otherwise (0/1 in a flat OPTIONAL column).
///
/// Reference: apache/parquet-format `src/main/thrift/parquet.thrift` (field ids and enum values
/// below) and `Encodings.md` (PLAIN, RLE/bit-packed hybrid, dictionary, DELTA_*,
/// BYTE_STREAM_SPLIT).

// MARK: - Errors

/// A Parquet file could not be read or written; the message says which file and what is wrong.
/// The decoders below the file (Thrift, pages, values, codecs) throw it without a path; the file
/// reader and writer catch those and rethrow them with the file and the structure (footer,
/// schema, row group and column) prefixed.
package struct ParquetError: Error, CustomStringConvertible, Sendable {
    /// The file the error is about; empty until the reader or writer names it.
    package var path: String
    /// What is wrong, naming the column, codec or encoding when one is involved.
    package var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// An error of the bytes being decoded or encoded, not yet placed in a file.
    init(_ message: String) { self.init(path: "", message: message) }

    package var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

// MARK: - Schema words

/// The storage type of a column (parquet.thrift `Type`).
package enum ParquetPhysicalType: Int32, Sendable, CustomStringConvertible {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5
    case byteArray = 6, fixedLenByteArray = 7

    package var description: String {
        switch self {
        case .boolean: return "BOOLEAN"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .int96: return "INT96"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .byteArray: return "BYTE_ARRAY"
        case .fixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// Time resolution of TIME and TIMESTAMP logical types.
package enum ParquetTimeUnit: Sendable, Equatable {
    case millis, micros, nanos
}

/// How to interpret a column's physical values (parquet.thrift `LogicalType`, or the legacy
/// `ConvertedType` when no LogicalType is present).
package enum ParquetLogicalType: Sendable, Equatable {
    case string, enumeration, json, bson, uuid, float16, date
    case decimal(precision: Int, scale: Int)
    case time(unit: ParquetTimeUnit, isAdjustedToUTC: Bool)
    case timestamp(unit: ParquetTimeUnit, isAdjustedToUTC: Bool)
    case integer(bitWidth: Int, isSigned: Bool)
    /// The NullType (`UNKNOWN`): every value is null.
    case null
    /// INTERVAL or a logical type newer than this reader; values keep their physical form.
    case other(String)
}

/// One leaf column of a Parquet file: a flat column or a struct leaf.
package struct ParquetColumn: Sendable, Equatable {
    /// The column's name: its schema element name, or for a struct leaf its dotted path (`image.bytes`).
    package var name: String
    /// The schema path from the root's child to the leaf (one element for a flat column).
    package var schemaPath: [String]
    /// Number of OPTIONAL fields on the path (groups and the leaf): the definition level of a
    /// present value. 0 for a REQUIRED flat column, 1 for an OPTIONAL one.
    package var maxDefinitionLevel: Int
    package var physicalType: ParquetPhysicalType
    /// Byte length of each value for FIXED_LEN_BYTE_ARRAY; 0 otherwise.
    var typeLength: Int
    /// OPTIONAL (may hold nulls) rather than REQUIRED.
    package var isOptional: Bool
    /// The interpretation, from LogicalType or else ConvertedType; nil for plain physical values.
    package var logicalType: ParquetLogicalType?
    /// The legacy ConvertedType enum value, as stored (kept so a rewrite preserves it).
    var convertedType: Int32?
    package var scale: Int32?
    var precision: Int32?
    var fieldID: Int32?
    /// The LogicalType struct exactly as it was encoded, so a rewrite preserves it byte for byte.
    var logicalTypeThrift: [UInt8]?

    package init(name: String, physicalType: ParquetPhysicalType, typeLength: Int = 0, isOptional: Bool,
                logicalType: ParquetLogicalType? = nil) {
        self.name = name
        self.schemaPath = [name]
        self.maxDefinitionLevel = isOptional ? 1 : 0
        self.physicalType = physicalType
        self.typeLength = typeLength
        self.isOptional = isOptional
        self.logicalType = logicalType
        if let logicalType {
            self.logicalTypeThrift = LogicalTypeCoding.encode(logicalType)
            self.convertedType = LogicalTypeCoding.convertedType(for: logicalType)
            if case let .decimal(p, s) = logicalType {
                self.precision = Int32(p)
                self.scale = Int32(s)
            }
        }
    }

    /// A leaf inside a struct (not writable by `ParquetFileWriter`, which writes flat columns).
    package var isNested: Bool { schemaPath.count > 1 }

    /// BYTE_ARRAY values of this column are text (STRING, ENUM or JSON) rather than binary.
    package var holdsText: Bool {
        guard physicalType == .byteArray else { return false }
        switch logicalType {
        case .string?, .json?, .enumeration?: return true
        default: return false
        }
    }
}

// MARK: - Values

/// One cell of a flat column.
package enum ParquetValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    /// Legacy INT96 timestamp: nanoseconds within the day and the Julian day number.
    case int96(nanosOfDay: Int64, julianDay: Int32)
    case float(Float)
    case double(Double)
    /// A BYTE_ARRAY of a text column that is valid UTF-8.
    case string(String)
    /// A BYTE_ARRAY (binary, or text that is not valid UTF-8) or FIXED_LEN_BYTE_ARRAY.
    case bytes([UInt8])

    package var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as text: a string, or bytes decoded as UTF-8 when they are valid.
    package var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b): return String(validating: b, as: UTF8.self)
        default: return nil
        }
    }

    /// Julian day number of the Unix epoch (1970-01-01), for INT96 timestamps.
    static let julianDayOfUnixEpoch: Int64 = 2_440_588

    /// Nanoseconds since the Unix epoch of an INT96 timestamp. Out-of-range values wrap as in
    /// Arrow (parquet/types.h Int96GetNanoSeconds: the day is read as unsigned, arithmetic mod 2^64),
    /// so results agree with pyarrow even for the garbage values some writers produce.
    package var int96EpochNanoseconds: Int64? {
        guard case let .int96(nanos, day) = self else { return nil }
        let days = UInt64(UInt32(bitPattern: day)) &- UInt64(Self.julianDayOfUnixEpoch)
        return Int64(bitPattern: days &* 86_400_000_000_000 &+ UInt64(bitPattern: nanos))
    }
}

// MARK: - LogicalType <-> Thrift

/// Decodes and encodes the LogicalType union and maps the legacy ConvertedType.
enum LogicalTypeCoding {
    static func fromConverted(_ c: Int32, precision: Int32?, scale: Int32?) -> ParquetLogicalType? {
        switch c {
        case 0: return .string
        case 4: return .enumeration
        case 5: return .decimal(precision: Int(precision ?? 0), scale: Int(scale ?? 0))
        case 6: return .date
        case 7: return .time(unit: .millis, isAdjustedToUTC: true)
        case 8: return .time(unit: .micros, isAdjustedToUTC: true)
        case 9: return .timestamp(unit: .millis, isAdjustedToUTC: true)
        case 10: return .timestamp(unit: .micros, isAdjustedToUTC: true)
        case 11: return .integer(bitWidth: 8, isSigned: false)
        case 12: return .integer(bitWidth: 16, isSigned: false)
        case 13: return .integer(bitWidth: 32, isSigned: false)
        case 14: return .integer(bitWidth: 64, isSigned: false)
        case 15: return .integer(bitWidth: 8, isSigned: true)
        case 16: return .integer(bitWidth: 16, isSigned: true)
        case 17: return .integer(bitWidth: 32, isSigned: true)
        case 18: return .integer(bitWidth: 64, isSigned: true)
        case 19: return .json
        case 20: return .bson
        case 21: return .other("INTERVAL")
        default: return .other("ConvertedType \(c)")
        }
    }

    /// The ConvertedType a writer should also set for older readers, if there is one.
    static func convertedType(for t: ParquetLogicalType) -> Int32? {
        switch t {
        case .string: return 0
        case .enumeration: return 4
        case .decimal: return 5
        case .date: return 6
        case .json: return 19
        case .bson: return 20
        case let .time(unit, utc) where utc: return unit == .millis ? 7 : unit == .micros ? 8 : nil
        case let .timestamp(unit, utc) where utc: return unit == .millis ? 9 : unit == .micros ? 10 : nil
        case let .integer(w, signed):
            let base: Int32 = signed ? 15 : 11
            switch w { case 8: return base; case 16: return base + 1; case 32: return base + 2; case 64: return base + 3; default: return nil }
        default: return nil
        }
    }

    private static func decodeUnit(_ r: inout ThriftCompactReader) throws -> ParquetTimeUnit {
        var unit: ParquetTimeUnit?
        try r.readStruct { r, id, t in
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try r.skip(t)
        }
        guard let unit else { throw ParquetError("TimeUnit with no known unit") }
        return unit
    }

    /// Decodes a LogicalType union value (the reader is at the struct body).
    static func decode(_ r: inout ThriftCompactReader) throws -> ParquetLogicalType? {
        var result: ParquetLogicalType?
        try r.readStruct { r, id, t in
            switch (id, t) {
            case (1, _): result = .string; try r.skip(t)
            case (2, _): result = .other("MAP"); try r.skip(t)
            case (3, _): result = .other("LIST"); try r.skip(t)
            case (4, _): result = .enumeration; try r.skip(t)
            case (5, .structure):
                var scale = 0, precision = 0
                try r.readStruct { r, id, t in
                    if id == 1, t == .i32 { scale = Int(try r.readI32()) }
                    else if id == 2, t == .i32 { precision = Int(try r.readI32()) }
                    else { try r.skip(t) }
                }
                result = .decimal(precision: precision, scale: scale)
            case (6, _): result = .date; try r.skip(t)
            case (7, .structure), (8, .structure):
                var utc = false
                var unit: ParquetTimeUnit = .millis
                try r.readStruct { r, fid, ft in
                    if fid == 1, ft == .boolTrue || ft == .boolFalse { utc = try ThriftCompactReader.boolValue(ft) }
                    else if fid == 2, ft == .structure { unit = try decodeUnit(&r) }
                    else { try r.skip(ft) }
                }
                result = id == 7 ? .time(unit: unit, isAdjustedToUTC: utc) : .timestamp(unit: unit, isAdjustedToUTC: utc)
            case (10, .structure):
                var width = 0
                var signed = true
                try r.readStruct { r, fid, ft in
                    if fid == 1, ft == .i8 { width = Int(Int8(bitPattern: try r.readByte())) }
                    else if fid == 2, ft == .boolTrue || ft == .boolFalse { signed = try ThriftCompactReader.boolValue(ft) }
                    else { try r.skip(ft) }
                }
                result = .integer(bitWidth: width, isSigned: signed)
            case (11, _): result = .null; try r.skip(t)
            case (12, _): result = .json; try r.skip(t)
            case (13, _): result = .bson; try r.skip(t)
            case (14, _): result = .uuid; try r.skip(t)
            case (15, _): result = .float16; try r.skip(t)
            default: result = .other("LogicalType \(id)"); try r.skip(t)
            }
        }
        return result
    }

    /// Encodes a LogicalType union body (the bytes after the field header), or nil for `.other`.
    static func encode(_ t: ParquetLogicalType) -> [UInt8]? {
        var w = ThriftCompactWriter()
        func empty(_ id: Int16) { w.beginStruct(id); w.endStruct() }
        func unit(_ u: ParquetTimeUnit) {
            w.beginStruct(2)
            empty(u == .millis ? 1 : u == .micros ? 2 : 3)
            w.endStruct()
        }
        w.beginStruct(nil)
        switch t {
        case .string: empty(1)
        case .enumeration: empty(4)
        case let .decimal(p, s):
            w.beginStruct(5); w.i32(1, Int32(clamping: s)); w.i32(2, Int32(clamping: p)); w.endStruct()
        case .date: empty(6)
        case let .time(u, utc):
            w.beginStruct(7); w.bool(1, utc); unit(u); w.endStruct()
        case let .timestamp(u, utc):
            w.beginStruct(8); w.bool(1, utc); unit(u); w.endStruct()
        case let .integer(width, signed):
            w.beginStruct(10)
            w.i8(1, Int8(truncatingIfNeeded: width))
            w.bool(2, signed)
            w.endStruct()
        case .null: empty(11)
        case .json: empty(12)
        case .bson: empty(13)
        case .uuid: empty(14)
        case .float16: empty(15)
        case .other: return nil
        }
        w.endStruct()
        return w.bytes
    }
}
