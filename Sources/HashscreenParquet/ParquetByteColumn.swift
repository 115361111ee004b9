import CByteKernels

// BYTE_ARRAY column chunks decoded into one byte buffer and value ranges (the columnar form a
// metadata scan reads: no value object, no String per row).
//
// Reference: apache/parquet-format Encodings.md: PLAIN (BYTE_ARRAY: 4-byte little-endian
// length, then the bytes), PLAIN_DICTIONARY / RLE_DICTIONARY (a bit width byte, then the RLE /
// bit-packing hybrid of dictionary indices).

/// One BYTE_ARRAY column of a row group: row `r`'s value is `bytes[starts[r]..<ends[r]]`, or
/// null where `present[r]` is false (its range is then empty). `bytes` holds the decompressed
/// pages as they are (PLAIN's length prefixes included), and a dictionary page's values are
/// referred to where they are: no value is copied.
package struct ParquetByteColumn: Sendable {
    package var bytes: [UInt8] = []
    package var starts: [Int] = []
    package var ends: [Int] = []
    package var present: [Bool] = []
    /// Every present value is ASCII (bytes below 0x80), so valid UTF-8. Found as the pages
    /// are decoded (their bytes in cache) when asked for (`decodeBytes(classifying:)`); else false.
    package var allASCII = false
    /// Every present value is non-empty printable ASCII without white space (bytes
    /// 0x21...0x7E), found as `allASCII` is.
    package var allPrintable = false

    init(rows: Int) {
        starts.reserveCapacity(rows); ends.reserveCapacity(rows); present.reserveCapacity(rows)
    }

    package var rowCount: Int { present.count }

    /// Row `r`'s bytes (empty for a null).
    package func value(_ r: Int) -> ArraySlice<UInt8> { bytes[starts[r]..<ends[r]] }

    /// Row `r` as `ParquetFileReader.readRowGroup` returns it (`text`: the column holds text).
    package func parquetValue(_ r: Int, text: Bool) -> ParquetValue {
        present[r] ? ValueDecoding.makeByteArray(value(r), text: text) : .null
    }

    /// The column's bytes, starts, ends and presence, borrowed for `body` (a loop over many
    /// rows reads them without an array access per row).
    package func withBuffers<T>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>,
                                          UnsafeBufferPointer<Bool>) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { b in
            try starts.withUnsafeBufferPointer { s in
                try ends.withUnsafeBufferPointer { e in try present.withUnsafeBufferPointer { p in try body(b, s, e, p) } }
            }
        }
    }

    mutating func append(start: Int, end: Int) { starts.append(start); ends.append(end); present.append(true) }
    mutating func appendNull() { starts.append(0); ends.append(0); present.append(false) }
}

extension ColumnChunkDecoder {
    /// Decodes a BYTE_ARRAY chunk (PLAIN or dictionary pages only) into bytes and ranges; the
    /// values are those `decode` returns, as bytes (checks of the page structure are the same).
    /// `capacity`: the decompressed pages' expected size (one allocation instead of regrowing).
    /// `classifying`: find `allASCII` and `allPrintable`.
    func decodeBytes(_ buf: [UInt8], capacity: Int = 0, classifying: Bool = false) throws -> ParquetByteColumn {
        var out = ParquetByteColumn(rows: numRows)
        out.bytes.reserveCapacity(capacity)
        /// The dictionary's values: ranges in `out.bytes`.
        var dictionary: (starts: [Int], ends: [Int])?
        let maxLevel = UInt32(column.maxDefinitionLevel)
        var starts: [Int] = [], ends: [Int] = []
        /// The classes (CByteKernels' HS_VALUES_*) of every value so far, and of the dictionary's.
        let looked = classifying ? HS_VALUES_ASCII | HS_VALUES_PRINTABLE : 0
        var classes = looked, dictionaryClasses = looked
        try forEachPage(buf, dictionaryPage: { data, count in
            let base = out.bytes.count
            out.bytes += data
            var d: (starts: [Int], ends: [Int]) = ([], [])
            try Self.plain(data, from: 0, count: count, base: base, starts: &d.starts, ends: &d.ends, classes: &dictionaryClasses)
            dictionary = d
        }, dataPage: { data, start, n, defs, encoding in
            let present = try presentCount(defs, of: n)
            starts.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
            if present > 0 {
                switch encoding {
                case ParquetEncoding.plain.rawValue:
                    let base = out.bytes.count
                    out.bytes += data
                    if present == n {   // no nulls (the usual page): the ranges go straight to the column's
                        try Self.plain(data, from: start, count: n, base: base, starts: &out.starts, ends: &out.ends, classes: &classes)
                        out.present.append(contentsOf: repeatElement(true, count: n))
                        return
                    }
                    try Self.plain(data, from: start, count: present, base: base, starts: &starts, ends: &ends, classes: &classes)
                case ParquetEncoding.plainDictionary.rawValue, ParquetEncoding.rleDictionary.rawValue:
                    guard let dictionary else { throw ParquetError("dictionary-encoded page but the chunk has no dictionary page") }
                    guard start < data.count else { throw ParquetError("dictionary-encoded page has no index data") }
                    let width = Int(data[start])
                    let indices = try ValueDecoding.decodeHybrid(data, from: start + 1, to: data.count, bitWidth: width, count: present)
                    classes &= dictionaryClasses
                    if present == n {   // no nulls: straight to the column's ranges
                        try Self.lookUp(indices, in: dictionary, starts: &out.starts, ends: &out.ends)
                        out.present.append(contentsOf: repeatElement(true, count: n))
                        return
                    }
                    try Self.lookUp(indices, in: dictionary, starts: &starts, ends: &ends)
                default:
                    throw ParquetError("encoding \(ParquetEncoding.name(encoding)) is not read as bytes")
                }
            }
            guard starts.count == present else { throw ParquetError("decoded \(starts.count) values, expected \(present)") }
            if let defs, present < defs.count {
                var k = 0
                for d in defs {
                    if d == maxLevel { out.append(start: starts[k], end: ends[k]); k += 1 } else { out.appendNull() }
                }
            } else {   // no nulls in the page
                out.starts += starts; out.ends += ends
                out.present.append(contentsOf: repeatElement(true, count: present))
            }
        })
        out.allASCII = looked != 0 && classes & HS_VALUES_ASCII != 0
        out.allPrintable = looked != 0 && classes & HS_VALUES_PRINTABLE != 0
        return out
    }

    /// The dictionary's ranges at `indices`, appended to `starts` and `ends`; an index past the
    /// dictionary throws.
    private static func lookUp(_ indices: [UInt32], in dictionary: (starts: [Int], ends: [Int]),
                               starts: inout [Int], ends: inout [Int]) throws {
        let first = starts.count
        starts.append(contentsOf: repeatElement(0, count: indices.count)); ends.append(contentsOf: repeatElement(0, count: indices.count))
        try starts.withUnsafeMutableBufferPointer { s in
            try ends.withUnsafeMutableBufferPointer { e in
                try indices.withUnsafeBufferPointer { idx in
                    try dictionary.starts.withUnsafeBufferPointer { ds in
                        try dictionary.ends.withUnsafeBufferPointer { de in
                            for k in 0..<idx.count {
                                let i = Int(idx[k])
                                guard i < ds.count else { throw ParquetError("dictionary index \(i) out of range (dictionary has \(ds.count) values)") }
                                s[first + k] = ds[i]; e[first + k] = de[i]
                            }
                        }
                    }
                }
            }
        }
    }

    /// PLAIN BYTE_ARRAY values: a 4-byte little-endian length, then the bytes, `count` times;
    /// their ranges (offset by `base`: where `data` sits in the column's bytes) are appended,
    /// and the bits of `classes` (HS_VALUES_*) cleared for values not of the class
    /// (`hs_plain_ranges`: one C call a page).
    private static func plain(_ data: [UInt8], from start: Int, count: Int, base: Int,
                              starts: inout [Int], ends: inout [Int], classes: inout Int32) throws {
        guard count >= 0, count <= (data.count - start) / 4 else {
            throw ParquetError("PLAIN BYTE_ARRAY data of \(data.count - start) bytes cannot hold \(count) values")
        }
        let first = starts.count
        starts.append(contentsOf: repeatElement(0, count: count)); ends.append(contentsOf: repeatElement(0, count: count))
        var at: Int64 = 0
        let walked = data.withUnsafeBufferPointer { d in
            starts.withUnsafeMutableBufferPointer { s in
                ends.withUnsafeMutableBufferPointer { e in
                    s.withMemoryRebound(to: Int64.self) { s in
                        e.withMemoryRebound(to: Int64.self) { e in
                            hs_plain_ranges(d.baseAddress, Int64(d.count), Int64(start), Int64(count), Int64(base),
                                            s.baseAddress! + first, e.baseAddress! + first, &classes, &at)
                        }
                    }
                }
            }
        }
        guard walked == count else {
            let i = Int(walked), p = Int(at)
            guard data.count - p >= 4 else { throw ParquetError("length of BYTE_ARRAY value \(i): data ends") }
            let n = Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24
            throw ParquetError("BYTE_ARRAY value \(i): \(n) bytes but \(data.count - p - 4) remain")
        }
    }
}
