// The input layout of the `parquet-pages` target: a column chunk under a footer written here.
//
// Reference: apache/parquet-format parquet.thrift (FileMetaData, SchemaElement, RowGroup,
// ColumnChunk, ColumnMetaData) and the Thrift compact protocol spec (thrift/doc/specs/
// thrift-compact-protocol.md): field header = (id delta << 4) | type, zigzag varints, list
// header = (count << 4) | element type, struct end = 0.

/// Builds a one-column, one-row-group Parquet file around a fuzzed column chunk.
///
/// Input: 4 header bytes, then the chunk (its page headers and pages, as a writer laid them
/// out from the chunk's first byte).
/// - byte 0: bits 0-2 the physical type (0 BOOLEAN ... 7 FIXED_LEN_BYTE_ARRAY), bit 3 OPTIONAL
///   (else REQUIRED), bits 4-5 the codec (UNCOMPRESSED, SNAPPY, GZIP, ZSTD), bit 6 a UTF8
///   converted type (BYTE_ARRAY as text);
/// - bytes 1-2: the row count, little-endian (0 reads as 1);
/// - byte 3: FIXED_LEN_BYTE_ARRAY's type length (0 reads as 1).
/// `Fuzzing/make_seeds.py` cuts the seeds out of the fixture files in this layout.
enum ParquetPageInput {
    static let headerBytes = 4
    /// Codec numbers (parquet.thrift CompressionCodec) by bits 4-5 of byte 0.
    static let codecs: [Int32] = [0, 1, 2, 6]

    static func file(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes.count > headerBytes else { return nil }
        let type = Int32(bytes[0] & 7)
        let optional = bytes[0] & 8 != 0
        let codec = codecs[Int(bytes[0] >> 4) & 3]
        let utf8 = bytes[0] & 64 != 0
        let rows = max(1, Int64(bytes[1]) | Int64(bytes[2]) << 8)
        let typeLength = max(1, Int32(bytes[3]))
        let chunk = UnsafeRawBufferPointer(rebasing: bytes[headerBytes...])

        var w = CompactWriter()
        w.i32(1, 1)                                        // version
        w.listOfStructs(2, count: 2)                       // schema
        w.beginElement(); w.string(4, "schema"); w.i32(5, 1); w.end()
        w.beginElement()
        w.i32(1, type)
        if type == 7 { w.i32(2, typeLength) }
        w.i32(3, optional ? 1 : 0)
        w.string(4, "v")
        if utf8 { w.i32(6, 0) }
        w.end()
        w.i64(3, rows)                                     // num_rows
        w.listOfStructs(4, count: 1)                       // row_groups
        w.beginElement()
        w.listOfStructs(1, count: 1)                       //   columns
        w.beginElement()
        w.i64(2, 4)                                        //     file_offset
        w.structField(3)                                   //     meta_data
        w.i32(1, type)
        w.listOfI32(2, [0])                                //       encodings (informative only)
        w.listOfStrings(3, ["v"])
        w.i32(4, codec)
        w.i64(5, rows)
        w.i64(6, Int64(chunk.count))
        w.i64(7, Int64(chunk.count))
        w.i64(9, 4)                                        //       data_page_offset
        w.end()                                            //     end meta_data
        w.end()                                            //   end column chunk
        w.i64(2, Int64(chunk.count))                       //   total_byte_size
        w.i64(3, rows)                                     //   num_rows
        w.end()                                            // end row group
        w.end()                                            // end FileMetaData

        let magic = Array("PAR1".utf8)
        var file = magic
        file.append(contentsOf: chunk)
        file.append(contentsOf: w.bytes)
        let n = UInt32(w.bytes.count)
        file.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
        file.append(contentsOf: magic)
        return file
    }
}

/// The few Thrift compact-protocol writes a footer needs. Field ids are written as deltas from
/// the previous id of the enclosing struct (each struct starts at 0).
struct CompactWriter {
    var bytes: [UInt8] = []
    private var lastID: [Int16] = [0]

    private mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    private mutating func zigzag(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    private mutating func field(_ id: Int16, _ type: UInt8) {
        let delta = id - lastID[lastID.count - 1]
        precondition(delta > 0 && delta <= 15, "CompactWriter: field ids must ascend by 1...15")
        bytes.append(UInt8(delta) << 4 | type)
        lastID[lastID.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ v: Int32) { field(id, 5); zigzag(Int64(v)) }
    mutating func i64(_ id: Int16, _ v: Int64) { field(id, 6); zigzag(v) }
    mutating func string(_ id: Int16, _ s: String) {
        field(id, 8); varint(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8)
    }
    mutating func listOfI32(_ id: Int16, _ values: [Int32]) {
        field(id, 9); bytes.append(UInt8(values.count) << 4 | 5)
        for v in values { zigzag(Int64(v)) }
    }
    mutating func listOfStrings(_ id: Int16, _ values: [String]) {
        field(id, 9); bytes.append(UInt8(values.count) << 4 | 8)
        for s in values { varint(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }
    }
    /// The header of a list of `count` (< 15) structs; write each with `beginElement()` ... `end()`.
    mutating func listOfStructs(_ id: Int16, count: Int) { field(id, 9); bytes.append(UInt8(count) << 4 | 12) }
    mutating func beginElement() { lastID.append(0) }
    mutating func structField(_ id: Int16) { field(id, 12); lastID.append(0) }
    /// Ends the innermost struct (a list element, a struct field, or the top level).
    mutating func end() {
        bytes.append(0)
        lastID.removeLast()
    }
}
