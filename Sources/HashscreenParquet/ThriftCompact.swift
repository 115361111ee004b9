// Thrift compact protocol: the encoding of every Parquet footer and page header.
//
// Reference: Apache Thrift, doc/specs/thrift-compact-protocol.md —
//   field header byte = (field-id delta << 4) | type; delta 0 means a zigzag varint i16 id follows;
//   types 1 TRUE, 2 FALSE, 3 i8, 4 i16, 5 i32, 6 i64, 7 double, 8 binary, 9 list, 10 set,
//   11 map, 12 struct; 0 ends a struct; integers are zigzag ULEB128 varints; list header byte =
//   (size << 4) | element type, size 15 meaning a varint size follows.
// Only what Parquet uses is decoded; every other field is skipped by its wire type, so footers
// written by newer writers (with fields this reader does not know) still decode.

/// The wire type of a Thrift compact field or element.
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, i8 = 3, i16 = 4, i32 = 5, i64 = 6
    case double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
}

/// Decodes Thrift compact bytes from a buffer, bounds-checking every read.
struct ThriftCompactReader {
    /// Deepest struct/list nesting accepted; Parquet metadata nests about 6 deep.
    static let maxNesting = 64
    /// Longest list accepted per header; each element takes at least one byte, so the
    /// remaining length bounds it too (checked below).
    static let maxListCount = 1 << 28

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    private var depth = 0

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }

    mutating func readByte() throws -> UInt8 {
        guard position < end else { throw ParquetError("unexpected end of Thrift data at byte \(position)") }
        let b = bytes[position]
        position += 1
        return b
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try readByte()
            if shift == 63 && (b & 0x7E) != 0 {
                throw ParquetError("varint longer than 64 bits at byte \(position)")
            }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw ParquetError("varint longer than 10 bytes at byte \(position)") }
        }
    }

    mutating func readZigzag64() throws -> Int64 {
        let v = try readVarint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func readI32() throws -> Int32 {
        let v = try readZigzag64()
        guard let r = Int32(exactly: v) else { throw ParquetError("i32 value \(v) out of range") }
        return r
    }

    mutating func readI64() throws -> Int64 { try readZigzag64() }

    mutating func readBinary() throws -> [UInt8] {
        let n = try readVarint()
        guard n <= UInt64(remaining) else {
            throw ParquetError("binary of \(n) bytes runs past the end of the Thrift data (\(remaining) left)")
        }
        let out = Array(bytes[position..<position + Int(n)])
        position += Int(n)
        return out
    }

    mutating func readString() throws -> String {
        let b = try readBinary()
        return String(decoding: b, as: UTF8.self)
    }

    /// Reads a list header: element type and count.
    mutating func readListHeader() throws -> (ThriftType, Int) {
        let h = try readByte()
        guard let t = ThriftType(rawValue: h & 0x0F) else { throw ParquetError("unknown list element type \(h & 0x0F)") }
        var count = Int(h >> 4)
        if count == 15 {
            let n = try readVarint()
            guard n <= UInt64(Self.maxListCount) else { throw ParquetError("list of \(n) elements is implausibly long") }
            count = Int(n)
        }
        // Every element but a bool takes at least one byte.
        guard count <= remaining else {
            throw ParquetError("list of \(count) elements is longer than the \(remaining) bytes left")
        }
        return (t, count)
    }

    /// Reads a struct, calling `field` for each (id, type); `field` must consume the value
    /// or call `skip`. Boolean fields carry their value in the type: read it with `boolValue`.
    mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, ThriftType) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxNesting else { throw ParquetError("Thrift structures nested deeper than \(Self.maxNesting)") }
        var lastID: Int16 = 0
        while true {
            let h = try readByte()
            if h == 0 { return }
            guard let t = ThriftType(rawValue: h & 0x0F), t != .stop else {
                throw ParquetError("unknown Thrift field type \(h & 0x0F) at byte \(position - 1)")
            }
            let delta = Int16(h >> 4)
            let id: Int16
            if delta == 0 {
                let raw = try readZigzag64()
                guard let v = Int16(exactly: raw) else { throw ParquetError("field id \(raw) out of range") }
                id = v
            } else {
                id = lastID &+ delta
            }
            lastID = id
            try field(&self, id, t)
        }
    }

    /// The value of a boolean field (compact protocol stores it in the field type).
    static func boolValue(_ t: ThriftType) throws -> Bool {
        switch t {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw ParquetError("expected a bool field, found type \(t)")
        }
    }

    /// Skips one value of the given type.
    mutating func skip(_ t: ThriftType) throws {
        switch t {
        case .stop: throw ParquetError("cannot skip a stop marker")
        case .boolTrue, .boolFalse: return
        case .i8: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double:
            guard remaining >= 8 else { throw ParquetError("truncated double") }
            position += 8
        case .binary:
            let n = try readVarint()
            guard n <= UInt64(remaining) else { throw ParquetError("binary of \(n) bytes runs past the end") }
            position += Int(n)
        case .list, .set:
            let (et, count) = try readListHeader()
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxNesting else { throw ParquetError("nested too deep") }
            for _ in 0..<count {
                if et == .boolTrue || et == .boolFalse { _ = try readByte() } else { try skip(et) }
            }
        case .map:
            let n = try readVarint()
            guard n <= UInt64(remaining) else { throw ParquetError("map of \(n) entries is longer than the data") }
            if n == 0 { return }
            let kv = try readByte()
            guard let kt = ThriftType(rawValue: kv >> 4), let vt = ThriftType(rawValue: kv & 0x0F) else {
                throw ParquetError("unknown map key/value types")
            }
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxNesting else { throw ParquetError("nested too deep") }
            for _ in 0..<Int(n) {
                if kt == .boolTrue || kt == .boolFalse { _ = try readByte() } else { try skip(kt) }
                if vt == .boolTrue || vt == .boolFalse { _ = try readByte() } else { try skip(vt) }
            }
        case .structure:
            try readStruct { r, _, ft in try r.skip(ft) }
        }
    }

    /// Reads a list of i32 (e.g. enum values) from a field of type list.
    mutating func readI32List() throws -> [Int32] {
        let (et, count) = try readListHeader()
        guard et == .i32 else {
            for _ in 0..<count { try skip(et) }
            throw ParquetError("expected a list of i32, found element type \(et)")
        }
        var out: [Int32] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try readI32()) }
        return out
    }

    mutating func readStringList() throws -> [String] {
        let (et, count) = try readListHeader()
        guard et == .binary else { throw ParquetError("expected a list of strings, found element type \(et)") }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try readString()) }
        return out
    }

    /// Reads a list of structs, calling `element` on each with the reader positioned at it.
    mutating func readStructList(_ element: (inout ThriftCompactReader) throws -> Void) throws {
        let (et, count) = try readListHeader()
        guard et == .structure else { throw ParquetError("expected a list of structs, found element type \(et)") }
        for _ in 0..<count { try element(&self) }
    }

    /// The raw bytes of one value starting here (used to carry a LogicalType through unchanged).
    mutating func captureRaw(_ t: ThriftType) throws -> [UInt8] {
        let start = position
        try skip(t)
        return Array(bytes[start..<position])
    }

    /// Checks a field's wire type before reading it.
    static func expect(_ t: ThriftType, _ wanted: ThriftType, field: String) throws {
        guard t == wanted else { throw ParquetError("field \(field) has wire type \(t), expected \(wanted)") }
    }
}

/// Encodes Thrift compact bytes (for the writer's footer and page headers).
struct ThriftCompactWriter {
    private(set) var bytes: [UInt8] = []
    private var lastIDs: [Int16] = [0]

    mutating func writeVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends bytes already encoded (a captured struct body, a field value written by hand).
    mutating func appendRaw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    mutating func writeZigzag(_ v: Int64) {
        writeVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func fieldHeader(_ id: Int16, _ t: ThriftType) {
        let last = lastIDs[lastIDs.count - 1]
        let delta = Int(id) - Int(last)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | t.rawValue)
        } else {
            bytes.append(t.rawValue)
            writeZigzag(Int64(id))
        }
        lastIDs[lastIDs.count - 1] = id
    }

    mutating func i8(_ id: Int16, _ v: Int8) { fieldHeader(id, .i8); bytes.append(UInt8(bitPattern: v)) }
    mutating func i32(_ id: Int16, _ v: Int32) { fieldHeader(id, .i32); writeZigzag(Int64(v)) }
    mutating func i64(_ id: Int16, _ v: Int64) { fieldHeader(id, .i64); writeZigzag(v) }
    mutating func bool(_ id: Int16, _ v: Bool) { fieldHeader(id, v ? .boolTrue : .boolFalse) }
    mutating func binary(_ id: Int16, _ v: [UInt8]) {
        fieldHeader(id, .binary)
        writeVarint(UInt64(v.count))
        bytes.append(contentsOf: v)
    }
    mutating func string(_ id: Int16, _ v: String) { binary(id, Array(v.utf8)) }

    mutating func listHeader(_ id: Int16, _ et: ThriftType, count: Int) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count << 4) | et.rawValue)
        } else {
            bytes.append(0xF0 | et.rawValue)
            writeVarint(UInt64(count))
        }
    }

    mutating func i32List(_ id: Int16, _ values: [Int32]) {
        listHeader(id, .i32, count: values.count)
        for v in values { writeZigzag(Int64(v)) }
    }

    mutating func stringList(_ id: Int16, _ values: [String]) {
        listHeader(id, .binary, count: values.count)
        for v in values {
            let b = Array(v.utf8)
            writeVarint(UInt64(b.count))
            bytes.append(contentsOf: b)
        }
    }

    /// Begins a struct value (as a field, or as a list element when `id` is nil).
    mutating func beginStruct(_ id: Int16?) {
        if let id { fieldHeader(id, .structure) }
        lastIDs.append(0)
    }

    mutating func endStruct() {
        bytes.append(0)
        lastIDs.removeLast()
    }

    /// Writes a struct field whose encoded value was captured verbatim by the reader.
    mutating func rawStruct(_ id: Int16, _ raw: [UInt8]) {
        fieldHeader(id, .structure)
        bytes.append(contentsOf: raw)
    }
}
