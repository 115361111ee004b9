// BYTE_ARRAY column chunks decoded into one byte buffer and offsets (the columnar form a
// metadata scan reads: no value object, no String per row).
//
// Reference: apache/parquet-format Encodings.md: PLAIN (BYTE_ARRAY: 4-byte little-endian
// length, then the bytes), PLAIN_DICTIONARY / RLE_DICTIONARY (a bit width byte, then the RLE /
// bit-packing hybrid of dictionary indices).

/// One BYTE_ARRAY column of a row group: row `r`'s value is `bytes[offsets[r]..<offsets[r + 1]]`,
/// or null where `present[r]` is false (its range is then empty).
package struct ParquetByteColumn: Sendable {
    package var bytes: [UInt8] = []
    package var offsets: [Int]
    package var present: [Bool] = []

    init(rows: Int) {
        offsets = [0]
        offsets.reserveCapacity(rows + 1)
        present.reserveCapacity(rows)
    }

    package var rowCount: Int { present.count }

    /// Row `r`'s bytes (empty for a null).
    package func value(_ r: Int) -> ArraySlice<UInt8> { bytes[offsets[r]..<offsets[r + 1]] }

    /// Row `r` as `ParquetFileReader.readRowGroup` returns it (`text`: the column holds text).
    package func parquetValue(_ r: Int, text: Bool) -> ParquetValue {
        present[r] ? ValueDecoding.makeByteArray(value(r), text: text) : .null
    }

    mutating func appendNull() { present.append(false); offsets.append(bytes.count) }

    mutating func append(_ b: ArraySlice<UInt8>) { bytes += b; present.append(true); offsets.append(bytes.count) }
}

extension ColumnChunkDecoder {
    /// Decodes a BYTE_ARRAY chunk (PLAIN or dictionary pages only) into bytes and offsets; the
    /// values are those `decode` returns, as bytes (checks of the page structure are the same).
    func decodeBytes(_ buf: [UInt8]) throws -> ParquetByteColumn {
        var out = ParquetByteColumn(rows: numRows)
        var dictionary: ParquetByteColumn?
        let maxLevel = UInt32(column.maxDefinitionLevel)
        try forEachPage(buf, dictionaryPage: { data, count in
            var d = ParquetByteColumn(rows: count)
            try Self.plain(data, from: 0, count: count, into: &d)
            dictionary = d
        }, dataPage: { data, start, n, defs, encoding in
            var present = n
            if let defs {
                present = 0
                for d in defs {
                    guard d <= maxLevel else { throw ParquetError("definition level \(d) exceeds the column's maximum \(maxLevel)") }
                    if d == maxLevel { present += 1 }
                }
            }
            var page = ParquetByteColumn(rows: present)
            if present > 0 {
                switch encoding {
                case ParquetEncoding.plain.rawValue:
                    try Self.plain(data, from: start, count: present, into: &page)
                case ParquetEncoding.plainDictionary.rawValue, ParquetEncoding.rleDictionary.rawValue:
                    guard let dictionary else { throw ParquetError("dictionary-encoded page but the chunk has no dictionary page") }
                    guard start < data.count else { throw ParquetError("dictionary-encoded page has no index data") }
                    let width = Int(data[start])
                    let indices = try ValueDecoding.decodeHybrid(data, from: start + 1, to: data.count, bitWidth: width, count: present)
                    for i in indices {
                        guard Int(i) < dictionary.rowCount else {
                            throw ParquetError("dictionary index \(i) out of range (dictionary has \(dictionary.rowCount) values)")
                        }
                        page.append(dictionary.value(Int(i)))
                    }
                default:
                    throw ParquetError("encoding \(ParquetEncoding.name(encoding)) is not read as bytes")
                }
            }
            guard page.rowCount == present else { throw ParquetError("decoded \(page.rowCount) values, expected \(present)") }
            if let defs {
                var k = 0
                for d in defs {
                    if d == maxLevel { out.append(page.value(k)); k += 1 } else { out.appendNull() }
                }
            } else {
                out.bytes += page.bytes
                let base = out.offsets[out.offsets.count - 1]
                for r in 0..<present { out.offsets.append(base + page.offsets[r + 1]) }
                out.present += page.present
            }
        })
        return out
    }

    /// PLAIN BYTE_ARRAY values: a 4-byte little-endian length, then the bytes, `count` times.
    private static func plain(_ data: [UInt8], from start: Int, count: Int, into out: inout ParquetByteColumn) throws {
        guard count >= 0, count <= (data.count - start) / 4 else {
            throw ParquetError("PLAIN BYTE_ARRAY data of \(data.count - start) bytes cannot hold \(count) values")
        }
        var p = start
        for i in 0..<count {
            guard data.count - p >= 4 else { throw ParquetError("length of BYTE_ARRAY value \(i): data ends") }
            let n = Int(data[p]) | Int(data[p + 1]) << 8 | Int(data[p + 2]) << 16 | Int(data[p + 3]) << 24
            p += 4
            guard n <= data.count - p else { throw ParquetError("BYTE_ARRAY value \(i): \(n) bytes but \(data.count - p) remain") }
            out.append(data[p..<(p + n)])
            p += n
        }
    }
}
