// Decodes one column chunk of a flat column or struct leaf (dictionary page + data pages v1/v2) into values.
//
// Reference: apache/parquet-format README.md "Data Pages" (v1: repetition levels, definition
// levels, values, all compressed together) and parquet.thrift DataPageHeaderV2 (v2: levels first,
// never compressed, then values compressed when `is_compressed`); Encodings.md for the rest.

/// Decodes the pages of one column chunk; throws `ParquetError`s without a path, with a message the reader prefixes
/// with the file, row group and column.
struct ColumnChunkDecoder {
    /// Largest uncompressed page accepted: bounds allocations on hostile headers. Real writers
    /// use pages of about 1 MiB (parquet-mr and Arrow defaults), rarely more than a few hundred MiB.
    static let maxPageBytes = 1 << 30

    let column: ParquetColumn
    let codec: Int32
    let numRows: Int

    func decode(_ buf: [UInt8]) throws -> [ParquetValue] {
        var values: [ParquetValue] = []
        values.reserveCapacity(numRows)
        var dictionary: [ParquetValue]?
        try forEachPage(buf, dictionaryPage: { data, count in
            dictionary = try ValueDecoding.decodePlain(data, from: 0, to: data.count, count: count, column: column)
        }, dataPage: { data, start, n, defs, encoding in
            try append(data, from: start, to: data.count, count: n, defs: defs, encoding: encoding,
                       dictionary: dictionary, into: &values)
        })
        return values
    }

    /// Walks the pages of a chunk: the dictionary page's decompressed bytes and value count,
    /// then each data page's decompressed bytes, where its values start, its value count, its
    /// definition levels (nil: the column has none) and its encoding. Index pages and unknown
    /// page types are skipped by their size.
    func forEachPage(_ buf: [UInt8], dictionaryPage: ([UInt8], Int) throws -> Void,
                     dataPage: ([UInt8], Int, Int, [UInt32]?, Int32) throws -> Void) throws {
        var rows = 0
        var pos = 0
        var sawDictionary = false
        while rows < numRows {
            guard pos < buf.count else {
                throw ParquetError("column chunk ends after \(rows) of \(numRows) values")
            }
            let pageOffset = pos
            var r = ThriftCompactReader(buf, from: pos)
            let h: PageHeader
            do { h = try r.decodePageHeader() } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError("page header at chunk offset \(pos): Thrift decode error: \(e.description)")
            }
            let bodyStart = r.position
            let csize = Int(h.compressedPageSize)
            let usize = Int(h.uncompressedPageSize)
            guard csize <= buf.count - bodyStart else {
                throw ParquetError("page of \(csize) bytes at chunk offset \(pos) runs past the end of the column chunk (\(buf.count - bodyStart) bytes left)")
            }
            guard usize <= Self.maxPageBytes else {
                throw ParquetError("page claims \(usize) uncompressed bytes, more than the \(Self.maxPageBytes) accepted")
            }
            let bodyEnd = bodyStart + csize
            pos = bodyEnd
            do {
                switch h.type {
                case ParquetPageType.dictionaryPage.rawValue:
                    guard let dh = h.dictionaryPage else { throw ParquetError("dictionary page without its header") }
                    guard !sawDictionary, rows == 0 else {
                        throw ParquetError("a second dictionary page, or one after data pages")
                    }
                    guard dh.encoding == ParquetEncoding.plain.rawValue || dh.encoding == ParquetEncoding.plainDictionary.rawValue else {
                        throw ParquetError("dictionary page encoding \(ParquetEncoding.name(dh.encoding)) is not supported")
                    }
                    guard dh.numValues >= 0 else { throw ParquetError("dictionary page with \(dh.numValues) values") }
                    let data = try PageCompression.decompress(codec: codec, buf[bodyStart..<bodyEnd], size: usize)
                    sawDictionary = true
                    try dictionaryPage(data, Int(dh.numValues))
                case ParquetPageType.dataPage.rawValue:
                    guard let dp = h.dataPage else { throw ParquetError("data page without its header") }
                    let n = try checkedCount(dp.numValues, already: rows)
                    let data = try PageCompression.decompress(codec: codec, buf[bodyStart..<bodyEnd], size: usize)
                    var p = 0
                    var defs: [UInt32]?
                    if column.maxDefinitionLevel > 0 {
                        switch dp.definitionLevelEncoding {
                        case ParquetEncoding.rle.rawValue:
                            var c = ByteCursor(data)
                            let len = Int(try c.uint32LE("definition levels length"))
                            let lr = try c.take(len, "definition levels")
                            defs = try definitionLevels(data, from: lr.lowerBound, to: lr.upperBound, count: n)
                            p = lr.upperBound
                        case ParquetEncoding.bitPacked.rawValue:
                            let (d, used) = try ValueDecoding.decodeBitPackedMSB(data, from: 0, to: data.count, bitWidth: levelBitWidth, count: n)
                            defs = d
                            p = used
                        default:
                            throw ParquetError("definition level encoding \(ParquetEncoding.name(dp.definitionLevelEncoding)) is not supported")
                        }
                    }
                    try dataPage(data, p, n, defs, dp.encoding)
                    rows += n
                case ParquetPageType.dataPageV2.rawValue:
                    guard let dp = h.dataPageV2 else { throw ParquetError("data page v2 without its header") }
                    let n = try checkedCount(dp.numValues, already: rows)
                    let repLen = Int(dp.repetitionLevelsByteLength), defLen = Int(dp.definitionLevelsByteLength)
                    guard repLen >= 0, defLen >= 0, repLen + defLen <= csize, repLen + defLen <= usize else {
                        throw ParquetError("data page v2 level lengths \(repLen)+\(defLen) exceed the page (\(csize) bytes)")
                    }
                    var defs: [UInt32]?
                    if column.maxDefinitionLevel > 0 {
                        let s = bodyStart + repLen
                        defs = try definitionLevels(buf, from: s, to: s + defLen, count: n)
                    }
                    let valuesStart = bodyStart + repLen + defLen
                    let valuesSize = usize - repLen - defLen
                    let data: [UInt8]
                    if dp.isCompressed {
                        data = try PageCompression.decompress(codec: codec, buf[valuesStart..<bodyEnd], size: valuesSize)
                    } else {
                        guard bodyEnd - valuesStart == valuesSize else {
                            throw ParquetError("uncompressed v2 page values hold \(bodyEnd - valuesStart) bytes, header says \(valuesSize)")
                        }
                        data = Array(buf[valuesStart..<bodyEnd])
                    }
                    try dataPage(data, 0, n, defs, dp.encoding)
                    rows += n
                default:
                    continue   // index pages and unknown page types are skipped by their size
                }
            } catch let e as ParquetError where e.path.isEmpty {
                throw ParquetError("page at chunk offset \(pageOffset): \(e.description)")
            }
        }
    }

    /// Values present in a page of `n` (those whose definition level is the maximum; all
    /// without levels); a level above the maximum is an error.
    func presentCount(_ defs: [UInt32]?, of n: Int) throws -> Int {
        guard let defs else { return n }
        let maxLevel = UInt32(column.maxDefinitionLevel)
        var present = 0
        for d in defs {
            guard d <= maxLevel else { throw ParquetError("definition level \(d) exceeds the column's maximum \(maxLevel)") }
            if d == maxLevel { present += 1 }
        }
        return present
    }

    /// A page's `count` definition levels (RLE / bit-packing hybrid at `start..<end`); nil when
    /// they are one run of the maximum level, no value of the page null (as for a column
    /// without levels).
    private func definitionLevels(_ bytes: [UInt8], from start: Int, to end: Int, count: Int) throws -> [UInt32]? {
        if ValueDecoding.opensWithRun(bytes, from: start, to: end, bitWidth: levelBitWidth, count: count,
                                      of: UInt32(column.maxDefinitionLevel)) { return nil }
        return try ValueDecoding.decodeHybrid(bytes, from: start, to: end, bitWidth: levelBitWidth, count: count)
    }

    /// Bits per definition level (parquet-format Encodings.md: the width of the maximum level).
    private var levelBitWidth: Int { ValueDecoding.bitWidth(column.maxDefinitionLevel) }

    /// Checks a page's value count against the rows still expected (no repeated field on the
    /// path: one value a row).
    private func checkedCount(_ n: Int32, already: Int) throws -> Int {
        guard n >= 0 else { throw ParquetError("data page with \(n) values") }
        guard Int(n) <= numRows - already else {
            throw ParquetError("data page holds \(n) values but only \(numRows - already) rows remain in the row group")
        }
        return Int(n)
    }

    /// Decodes a page's values and merges them with its definition levels (the maximum: present;
    /// lower: null, the leaf or a struct above it absent).
    private func append(_ data: [UInt8], from start: Int, to end: Int, count: Int, defs: [UInt32]?,
                        encoding: Int32, dictionary: [ParquetValue]?, into values: inout [ParquetValue]) throws {
        let present = try presentCount(defs, of: count)
        let maxLevel = UInt32(column.maxDefinitionLevel)
        let decoded = try decodeValues(data, from: start, to: end, count: present, encoding: encoding, dictionary: dictionary)
        guard decoded.count == present else {
            throw ParquetError("decoded \(decoded.count) values, expected \(present)")
        }
        if let defs {
            var k = 0
            for d in defs {
                if d == maxLevel { values.append(decoded[k]); k += 1 } else { values.append(.null) }
            }
        } else {
            values.append(contentsOf: decoded)
        }
    }

    private func decodeValues(_ data: [UInt8], from start: Int, to end: Int, count: Int, encoding: Int32,
                              dictionary: [ParquetValue]?) throws -> [ParquetValue] {
        if count == 0 { return [] }
        switch encoding {
        case ParquetEncoding.plain.rawValue:
            return try ValueDecoding.decodePlain(data, from: start, to: end, count: count, column: column)
        case ParquetEncoding.plainDictionary.rawValue, ParquetEncoding.rleDictionary.rawValue:
            guard let dictionary else { throw ParquetError("dictionary-encoded page but the chunk has no dictionary page") }
            guard start < end else { throw ParquetError("dictionary-encoded page has no index data") }
            let width = Int(data[start])
            let indices = try ValueDecoding.decodeHybrid(data, from: start + 1, to: end, bitWidth: width, count: count)
            var out: [ParquetValue] = []
            out.reserveCapacity(count)
            for i in indices {
                guard Int(i) < dictionary.count else {
                    throw ParquetError("dictionary index \(i) out of range (dictionary has \(dictionary.count) values)")
                }
                out.append(dictionary[Int(i)])
            }
            return out
        case ParquetEncoding.rle.rawValue where column.physicalType == .boolean:
            return try ValueDecoding.decodeRLEBooleans(data, from: start, to: end, count: count)
        case ParquetEncoding.deltaBinaryPacked.rawValue where column.physicalType == .int32 || column.physicalType == .int64:
            let (ints, _) = try ValueDecoding.decodeDeltaBinaryPacked(data, from: start, to: end, expected: count)
            return try ValueDecoding.integers(ints, column: column)
        case ParquetEncoding.deltaLengthByteArray.rawValue where column.physicalType == .byteArray:
            let text = column.holdsText
            let (slices, _) = try ValueDecoding.decodeDeltaLengthByteArray(data, from: start, to: end, count: count, text: text)
            return slices.map { ValueDecoding.makeByteArray($0, text: text) }
        case ParquetEncoding.deltaByteArray.rawValue where column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray:
            return try ValueDecoding.decodeDeltaByteArray(data, from: start, to: end, count: count, column: column)
        case ParquetEncoding.byteStreamSplit.rawValue:
            return try ValueDecoding.decodeByteStreamSplit(data, from: start, to: end, count: count, column: column)
        default:
            throw ParquetError("encoding \(ParquetEncoding.name(encoding)) is not supported for \(column.physicalType) values")
        }
    }
}
