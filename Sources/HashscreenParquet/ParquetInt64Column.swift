// INT64 column chunks decoded into integers (a metadata scan's integer key: LAION's SAMPLE_ID),
// without a `ParquetValue` per row.
//
// Reference: apache/parquet-format Encodings.md: PLAIN (INT64: 8 bytes little-endian),
// PLAIN_DICTIONARY / RLE_DICTIONARY (a bit width byte, then the RLE / bit-packing hybrid of
// dictionary indices into a PLAIN dictionary page).

/// One INT64 column of a row group: row `r` is `values[r]`, or null where `present[r]` is
/// false (its value is then 0).
package struct ParquetInt64Column: Sendable {
    package var values: [Int64] = []
    package var present: [Bool] = []

    package var rowCount: Int { present.count }

    /// Row `r` as `ParquetFileReader.readRowGroup` returns it.
    package func parquetValue(_ r: Int) -> ParquetValue { present[r] ? .int64(values[r]) : .null }
}

extension ColumnChunkDecoder {
    /// Decodes an INT64 chunk of PLAIN or dictionary pages only; the values `decode` returns, as
    /// integers, with the same checks (any other encoding throws: the caller decodes values).
    func decodeInt64s(_ buf: [UInt8]) throws -> ParquetInt64Column {
        var out = ParquetInt64Column()
        out.values.reserveCapacity(numRows); out.present.reserveCapacity(numRows)
        var dictionary: [Int64]?
        let maxLevel = UInt32(column.maxDefinitionLevel)
        var page: [Int64] = []
        try forEachPage(buf, dictionaryPage: { data, count in
            var d: [Int64] = []
            try Self.plainInt64s(data, from: 0, count: count, into: &d)
            dictionary = d
        }, dataPage: { data, start, n, defs, encoding in
            let present = try presentCount(defs, of: n)
            // A page without nulls (the usual one) is decoded straight into the column's values.
            let direct = present == n
            page.removeAll(keepingCapacity: true)
            let first = direct ? out.values.count : 0
            if present > 0 {
                switch encoding {
                case ParquetEncoding.plain.rawValue:
                    if direct { try Self.plainInt64s(data, from: start, count: present, into: &out.values) } else {
                        try Self.plainInt64s(data, from: start, count: present, into: &page)
                    }
                case ParquetEncoding.plainDictionary.rawValue, ParquetEncoding.rleDictionary.rawValue:
                    guard let dictionary else { throw ParquetError("dictionary-encoded page but the chunk has no dictionary page") }
                    guard start < data.count else { throw ParquetError("dictionary-encoded page has no index data") }
                    let indices = try ValueDecoding.decodeHybrid(data, from: start + 1, to: data.count, bitWidth: Int(data[start]), count: present)
                    if direct { try Self.lookUp(indices, in: dictionary, into: &out.values) } else {
                        try Self.lookUp(indices, in: dictionary, into: &page)
                    }
                default:
                    throw ParquetError("encoding \(ParquetEncoding.name(encoding)) is not read as integers")
                }
            }
            let decoded = direct ? out.values.count - first : page.count
            guard decoded == present else { throw ParquetError("decoded \(decoded) values, expected \(present)") }
            if direct {
                out.present.append(contentsOf: repeatElement(true, count: present))
            } else if let defs {
                var k = 0
                for d in defs {
                    if d == maxLevel { out.values.append(page[k]); out.present.append(true); k += 1 } else { out.values.append(0); out.present.append(false) }
                }
            }
        })
        return out
    }

    /// The dictionary's values at `indices`, appended to `out`; an index past the dictionary throws.
    private static func lookUp(_ indices: [UInt32], in dictionary: [Int64], into out: inout [Int64]) throws {
        let first = out.count
        out.append(contentsOf: repeatElement(0, count: indices.count))
        try out.withUnsafeMutableBufferPointer { o in
            try indices.withUnsafeBufferPointer { idx in
                try dictionary.withUnsafeBufferPointer { d in
                    for k in 0..<idx.count {
                        let i = Int(idx[k])
                        guard i < d.count else { throw ParquetError("dictionary index \(i) out of range (dictionary has \(d.count) values)") }
                        o[first + k] = d[i]
                    }
                }
            }
        }
    }

    /// `count` PLAIN INT64 values of `data` from `start`, appended to `out`.
    private static func plainInt64s(_ data: [UInt8], from start: Int, count: Int, into out: inout [Int64]) throws {
        guard count >= 0, count <= (data.count - start) / 8 else {
            throw ParquetError("PLAIN INT64 data of \(data.count - start) bytes cannot hold \(count) values")
        }
        let first = out.count
        out.append(contentsOf: repeatElement(0, count: count))
        data.withUnsafeBytes { b in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<count { o[first + i] = Int64(littleEndian: b.loadUnaligned(fromByteOffset: start + 8 * i, as: Int64.self)) }
            }
        }
    }
}
