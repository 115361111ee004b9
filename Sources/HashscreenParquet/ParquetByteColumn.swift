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
        if let column = decodeBytesInPlace(buf, capacity: capacity, classifying: classifying) { return column }
        return try decodeBytesCopying(buf, capacity: capacity, classifying: classifying)
    }

    /// `decodeBytes` for the usual chunk (SNAPPY or UNCOMPRESSED, data pages v1 with RLE levels,
    /// PLAIN or dictionary-encoded): each page the column keeps (the dictionary page, PLAIN data
    /// pages) is decompressed where it goes in the column's bytes, not into an array of its own
    /// and then copied. Nil for any other chunk, any page that breaks a rule
    /// `decodeBytesCopying` checks, and bytes beyond `capacity` (a footer's claim): that one then
    /// decodes it, or says what is wrong. Where both decode, the columns are the same
    /// (`ParquetByteColumnTests`, and the parquet-file fuzz target against `readRowGroup`).
    private func decodeBytesInPlace(_ buf: [UInt8], capacity: Int, classifying: Bool) -> ParquetByteColumn? {
        guard codec == ParquetCodec.snappy.rawValue || codec == ParquetCodec.uncompressed.rawValue, capacity > 0, numRows > 0 else { return nil }
        // The column's ranges and presence in variables of their own (two of them borrowed at
        // once below: fields of one captured struct would be an access conflict).
        // Made at their full size (a row a value: `filled` of them so far), written in place.
        var rowStarts = [Int](repeating: 0, count: numRows), rowEnds = [Int](repeating: 0, count: numRows)
        var rowPresent = [Bool](repeating: true, count: numRows)
        var filled = 0
        let looked = classifying ? HS_VALUES_ASCII | HS_VALUES_PRINTABLE : 0
        var classes = looked, dictionaryClasses = looked
        var dictionary: (starts: [Int], ends: [Int])?
        let maxLevel = UInt32(column.maxDefinitionLevel)
        var starts: [Int] = [], ends: [Int] = []   // a page with nulls: its values' ranges
        var scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)   // a dictionary-encoded page (not kept)
        defer { scratch.deallocate() }
        var decoded = false
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { dst, initialized in
            var used = 0
            defer { initialized = used }
            let base = dst.baseAddress!
            var pos = 0, rows = 0, sawDictionary = false
            while rows < numRows {
                guard pos < buf.count else { return }
                var r = ThriftCompactReader(buf, from: pos)
                guard let h = try? r.decodePageHeader() else { return }
                let bodyStart = r.position, csize = Int(h.compressedPageSize), usize = Int(h.uncompressedPageSize)
                guard csize >= 0, usize >= 0, csize <= buf.count - bodyStart, usize <= Self.maxPageBytes else { return }
                let body = buf[bodyStart..<bodyStart + csize]
                pos = bodyStart + csize
                switch h.type {
                case ParquetPageType.dictionaryPage.rawValue:
                    guard let dh = h.dictionaryPage, !sawDictionary, rows == 0, dh.numValues >= 0,
                          dh.encoding == ParquetEncoding.plain.rawValue || dh.encoding == ParquetEncoding.plainDictionary.rawValue,
                          usize <= capacity - used, PageCompression.decompress(codec: codec, body, size: usize, into: base + used) else { return }
                    sawDictionary = true
                    var d: (starts: [Int], ends: [Int]) = ([], [])
                    guard (try? Self.plain(in: UnsafeBufferPointer(start: base + used, count: usize), from: 0, count: Int(dh.numValues), base: used,
                                           starts: &d.starts, ends: &d.ends, classes: &dictionaryClasses)) != nil else { return }
                    dictionary = d
                    used += usize
                case ParquetPageType.dataPage.rawValue:
                    guard let dp = h.dataPage, dp.numValues >= 0, Int(dp.numValues) <= numRows - rows else { return }
                    let n = Int(dp.numValues)
                    let plain = dp.encoding == ParquetEncoding.plain.rawValue
                    guard plain || dp.encoding == ParquetEncoding.plainDictionary.rawValue || dp.encoding == ParquetEncoding.rleDictionary.rawValue else { return }
                    // A PLAIN page is decompressed where the column keeps it, a dictionary-encoded one into `scratch`.
                    let page: UnsafeBufferPointer<UInt8>
                    if plain {
                        guard usize <= capacity - used, PageCompression.decompress(codec: codec, body, size: usize, into: base + used) else { return }
                        page = UnsafeBufferPointer(start: base + used, count: usize)
                    } else {
                        if usize > scratch.count {
                            scratch.deallocate()
                            scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: usize)
                        }
                        guard PageCompression.decompress(codec: codec, body, size: usize, into: scratch.baseAddress!) else { return }
                        page = UnsafeBufferPointer(start: scratch.baseAddress!, count: usize)
                    }
                    // Definition levels (RLE, a 4-byte length first): none null when they are one run of the maximum.
                    var start = 0
                    var defs: [UInt32]?
                    if maxLevel > 0 {
                        guard dp.definitionLevelEncoding == ParquetEncoding.rle.rawValue, usize >= 4 else { return }
                        let len = Int(page[0]) | Int(page[1]) << 8 | Int(page[2]) << 16 | Int(page[3]) << 24
                        guard len <= usize - 4 else { return }
                        let levels = Self.copy(page, 4..<4 + len), width = ValueDecoding.bitWidth(column.maxDefinitionLevel)
                        if !ValueDecoding.opensWithRun(levels, from: 0, to: len, bitWidth: width, count: n, of: maxLevel) {
                            guard let d = try? ValueDecoding.decodeHybrid(levels, from: 0, to: len, bitWidth: width, count: n) else { return }
                            defs = d
                        }
                        start = 4 + len
                    }
                    guard let present = try? presentCount(defs, of: n) else { return }
                    starts.removeAll(keepingCapacity: true); ends.removeAll(keepingCapacity: true)
                    let direct = present == n   // no nulls: straight to the column's ranges
                    if present > 0 {
                        if plain {
                            do {
                                if direct {
                                    try rowStarts.withUnsafeMutableBufferPointer { s in try rowEnds.withUnsafeMutableBufferPointer { e in
                                        try Self.plain(in: page, from: start, count: n, base: used, startsAt: s.baseAddress! + filled, endsAt: e.baseAddress! + filled, classes: &classes)
                                    } }
                                } else {
                                    try Self.plain(in: page, from: start, count: present, base: used, starts: &starts, ends: &ends, classes: &classes)
                                }
                            } catch { return }
                            used += usize
                        } else {
                            guard let dictionary, start < usize,
                                  let indices = try? ValueDecoding.decodeHybrid(Self.copy(page, start + 1..<usize), from: 0, to: usize - start - 1,
                                                                                 bitWidth: Int(page[start]), count: present)
                            else { return }
                            classes &= dictionaryClasses
                            do {
                                if direct {
                                    try rowStarts.withUnsafeMutableBufferPointer { s in try rowEnds.withUnsafeMutableBufferPointer { e in
                                        try Self.lookUp(indices, in: dictionary, startsAt: s.baseAddress! + filled, endsAt: e.baseAddress! + filled)
                                    } }
                                } else {
                                    try Self.lookUp(indices, in: dictionary, starts: &starts, ends: &ends)
                                }
                            } catch { return }
                        }
                    }
                    if !direct, let defs {   // present rows take the page's ranges in order; nulls stay empty
                        var k = 0
                        for j in 0..<n {   // (not `enumerated()`: its metadata crashes debug builds inside this closure)
                            let d = defs[j]
                            if d == maxLevel { rowStarts[filled + j] = starts[k]; rowEnds[filled + j] = ends[k]; k += 1 } else { rowPresent[filled + j] = false }
                        }
                    }
                    filled += n
                    rows += n
                case ParquetPageType.dataPageV2.rawValue:
                    return   // decodeBytesCopying reads these
                default:
                    continue   // index pages and unknown page types, skipped by their size
                }
            }
            decoded = filled == numRows
        }
        guard decoded else { return nil }
        var out = ParquetByteColumn(rows: 0)
        out.bytes = bytes; out.starts = rowStarts; out.ends = rowEnds; out.present = rowPresent
        out.allASCII = looked != 0 && classes & HS_VALUES_ASCII != 0
        out.allPrintable = looked != 0 && classes & HS_VALUES_PRINTABLE != 0
        return out
    }

    /// The bytes of `page` at `range` (checked by the caller), as an array.
    private static func copy(_ page: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: range.count) { dst, n in
            if range.count > 0 { dst.baseAddress!.update(from: page.baseAddress! + range.lowerBound, count: range.count) }
            n = range.count
        }
    }

    private func decodeBytesCopying(_ buf: [UInt8], capacity: Int, classifying: Bool) throws -> ParquetByteColumn {
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
                               startsAt starts: UnsafeMutablePointer<Int>, endsAt ends: UnsafeMutablePointer<Int>) throws {
        try indices.withUnsafeBufferPointer { idx in
            try dictionary.starts.withUnsafeBufferPointer { ds in
                try dictionary.ends.withUnsafeBufferPointer { de in
                    for k in 0..<idx.count {
                        let i = Int(idx[k])
                        guard i < ds.count else { throw ParquetError("dictionary index \(i) out of range (dictionary has \(ds.count) values)") }
                        starts[k] = ds[i]; ends[k] = de[i]
                    }
                }
            }
        }
    }

    private static func lookUp(_ indices: [UInt32], in dictionary: (starts: [Int], ends: [Int]),
                               starts: inout [Int], ends: inout [Int]) throws {
        let first = starts.count
        starts.append(contentsOf: repeatElement(0, count: indices.count)); ends.append(contentsOf: repeatElement(0, count: indices.count))
        try starts.withUnsafeMutableBufferPointer { s in
            try ends.withUnsafeMutableBufferPointer { e in
                try lookUp(indices, in: dictionary, startsAt: s.baseAddress! + first, endsAt: e.baseAddress! + first)
            }
        }
    }

    /// PLAIN BYTE_ARRAY values: a 4-byte little-endian length, then the bytes, `count` times;
    /// their ranges (offset by `base`: where `data` sits in the column's bytes) are appended,
    /// and the bits of `classes` (HS_VALUES_*) cleared for values not of the class
    /// (`hs_plain_ranges`: one C call a page).
    private static func plain(_ data: [UInt8], from start: Int, count: Int, base: Int,
                              starts: inout [Int], ends: inout [Int], classes: inout Int32) throws {
        try data.withUnsafeBufferPointer { d in try plain(in: d, from: start, count: count, base: base, starts: &starts, ends: &ends, classes: &classes) }
    }

    /// `plain` over a page in memory.
    private static func plain(in data: UnsafeBufferPointer<UInt8>, from start: Int, count: Int, base: Int,
                              starts: inout [Int], ends: inout [Int], classes: inout Int32) throws {
        try checkPlainCount(data, from: start, count: count)
        let first = starts.count
        starts.append(contentsOf: repeatElement(0, count: count)); ends.append(contentsOf: repeatElement(0, count: count))
        try starts.withUnsafeMutableBufferPointer { s in
            try ends.withUnsafeMutableBufferPointer { e in
                try plain(in: data, from: start, count: count, base: base, startsAt: s.baseAddress! + first, endsAt: e.baseAddress! + first, classes: &classes)
            }
        }
    }

    /// `plain` with the `count` ranges written at `starts` and `ends` (room for them made by the caller).
    private static func plain(in data: UnsafeBufferPointer<UInt8>, from start: Int, count: Int, base: Int,
                              startsAt starts: UnsafeMutablePointer<Int>, endsAt ends: UnsafeMutablePointer<Int>, classes: inout Int32) throws {
        try checkPlainCount(data, from: start, count: count)
        var at: Int64 = 0
        let walked = starts.withMemoryRebound(to: Int64.self, capacity: count) { s in
            ends.withMemoryRebound(to: Int64.self, capacity: count) { e in
                hs_plain_ranges(data.baseAddress, Int64(data.count), Int64(start), Int64(count), Int64(base), s, e, &classes, &at)
            }
        }
        guard walked == count else {
            let i = Int(walked), p = Int(at)
            guard data.count - p >= 4 else { throw ParquetError("length of BYTE_ARRAY value \(i): data ends") }
            let n = Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24
            throw ParquetError("BYTE_ARRAY value \(i): \(n) bytes but \(data.count - p - 4) remain")
        }
    }

    private static func checkPlainCount(_ data: UnsafeBufferPointer<UInt8>, from start: Int, count: Int) throws {
        guard count >= 0, count <= (data.count - start) / 4 else {
            throw ParquetError("PLAIN BYTE_ARRAY data of \(data.count - start) bytes cannot hold \(count) values")
        }
    }
}
