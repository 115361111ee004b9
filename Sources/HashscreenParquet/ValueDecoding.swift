// Decoders for the Parquet value and level encodings.
//
// Reference: apache/parquet-format Encodings.md —
//   PLAIN (0): little-endian fixed width; BOOLEAN bit-packed LSB first; BYTE_ARRAY as a 4-byte
//     little-endian length then the bytes; FIXED_LEN_BYTE_ARRAY as the bytes.
//   RLE (3), the RLE/bit-packed hybrid: runs of `varint header`; header LSB 0 = repeated run of
//     header>>1 values stored in ceil(bitWidth/8) little-endian bytes; LSB 1 = header>>1 groups
//     of 8 values bit-packed LSB first. Levels in data page v1 and RLE booleans carry a 4-byte
//     length prefix; levels in data page v2 do not.
//   BIT_PACKED (4, deprecated, levels only): values packed MSB first, no header.
//   PLAIN_DICTIONARY (2) / RLE_DICTIONARY (8): one byte bit width, then hybrid-encoded indices.
//   DELTA_BINARY_PACKED (5), DELTA_LENGTH_BYTE_ARRAY (6), DELTA_BYTE_ARRAY (7),
//   BYTE_STREAM_SPLIT (9): as described there.

/// Reads little-endian values and bit-packed runs from a byte buffer, bounds-checking each read.
struct ByteCursor {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }

    mutating func take(_ n: Int, _ what: @autoclosure () -> String) throws -> Range<Int> {
        guard n >= 0, n <= remaining else {
            throw ParquetError("\(what()) needs \(n) bytes but only \(max(remaining, 0)) remain")
        }
        defer { position += n }
        return position..<position + n
    }

    mutating func uint32LE(_ what: @autoclosure () -> String) throws -> UInt32 {
        let r = try take(4, what())
        return UInt32(bytes[r.lowerBound]) | UInt32(bytes[r.lowerBound + 1]) << 8
            | UInt32(bytes[r.lowerBound + 2]) << 16 | UInt32(bytes[r.lowerBound + 3]) << 24
    }

    mutating func varint(_ what: @autoclosure () -> String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw ParquetError("\(what()): truncated varint") }
            let b = bytes[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw ParquetError("\(what()): varint longer than 64 bits") }
        }
    }

    mutating func zigzag(_ what: @autoclosure () -> String) throws -> Int64 {
        let v = try varint(what())
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}

/// Little-endian loads from a byte array at an index the caller has bounds-checked.
@inline(__always) func loadLE32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}

@inline(__always) func loadLE64(_ b: [UInt8], _ i: Int) -> UInt64 {
    UInt64(loadLE32(b, i)) | UInt64(loadLE32(b, i + 4)) << 32
}

/// Unpacks `count` values of `width` bits (≤ 64), LSB first, starting at byte `start`, appended to `out`.
func unpackLSB(_ b: [UInt8], start: Int, width: Int, count: Int, into out: inout [UInt64]) {
    let first = out.count
    out.append(contentsOf: repeatElement(0, count: count))
    out.withUnsafeMutableBufferPointer { o in unpackLSB(b, start: start, width: width, count: count, to: o.baseAddress! + first) }
}

/// Unpacks `count` values of `width` bits (≤ the bits of `T`), LSB first, starting at byte
/// `start`, into `count` values at `dst` (a hybrid run's dictionary indices or levels written
/// where they go: no array per run, no append per value).
func unpackLSB<T: FixedWidthInteger & UnsignedInteger>(_ b: [UInt8], start: Int, width: Int, count: Int, to dst: UnsafeMutablePointer<T>) {
    precondition(width >= 0 && width <= T.bitWidth)
    if width == 0 {
        dst.update(repeating: 0, count: count)
        return
    }
    var bit = start * 8
    let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
    var done = 0
    // Up to 56 bits, a value lies within the 8 bytes from its first: one load and a shift each,
    // while those 8 bytes are in `b` (the loop below takes the last few).
    if width <= 56 {
        b.withUnsafeBytes { raw in
            while done < count, bit >> 3 + 8 <= raw.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
                dst[done] = T(truncatingIfNeeded: (word >> UInt64(bit & 7)) & mask)
                bit += width
                done += 1
            }
        }
    }
    for k in done..<count {
        var v: UInt64 = 0
        var got = 0
        var byte = bit >> 3
        var off = bit & 7
        while got < width {
            v |= UInt64(b[byte] >> UInt8(off)) << UInt64(got)
            got += 8 - off
            off = 0
            byte += 1
        }
        dst[k] = T(truncatingIfNeeded: v & mask)
        bit += width
    }
}

/// Decoders for levels and values; all throw a `ParquetError` without a path, with a message the reader puts in context.
enum ValueDecoding {
    /// Widest dictionary index or level accepted (Encodings.md: indices are at most 32 bits).
    static let maxHybridBitWidth = 32

    /// Whether the hybrid data at `start..<end` opens with one RLE run of `value` holding at
    /// least `count` (> 0) values, so that `decodeHybrid` would return `count` copies of
    /// `value`: a page's definition levels when none of its values is null (the usual page), read
    /// without making an array of them.
    static func opensWithRun(_ bytes: [UInt8], from start: Int, to end: Int, bitWidth: Int, count: Int, of value: UInt32) -> Bool {
        guard count > 0, bitWidth > 0, bitWidth <= maxHybridBitWidth, bitWidth == 32 || value >> UInt32(bitWidth) == 0 else { return false }
        var c = ByteCursor(bytes, from: start, to: end)
        guard let header = try? c.varint("RLE run header"), header & 1 == 0, header >> 1 >= UInt64(count),
              let r = try? c.take((bitWidth + 7) / 8, "RLE run value") else { return false }
        var v: UInt32 = 0
        for (k, i) in r.enumerated() { v |= UInt32(bytes[i]) << UInt32(8 * k) }
        return v == value
    }

    /// Decodes `count` values of the RLE/bit-packed hybrid from `cursor` up to `end`.
    static func decodeHybrid(_ bytes: [UInt8], from start: Int, to end: Int, bitWidth: Int, count: Int) throws -> [UInt32] {
        guard bitWidth >= 0, bitWidth <= maxHybridBitWidth else {
            throw ParquetError("RLE bit width \(bitWidth) is out of range 0...\(maxHybridBitWidth)")
        }
        guard count > 0 else { return [] }
        var c = ByteCursor(bytes, from: start, to: end)
        let valueBytes = (bitWidth + 7) / 8
        // The values written in place, `done` of them so far (what the array holds if a run throws).
        return try [UInt32](unsafeUninitializedCapacity: count) { out, initialized in
            var done = 0
            defer { initialized = done }
            let dst = out.baseAddress!
            while done < count {
                guard c.remaining > 0 else {
                    throw ParquetError("RLE data ends after \(done) of \(count) values")
                }
                let header = try c.varint("RLE run header")
                let n = header >> 1
                if header & 1 == 0 {
                    guard n > 0 else { throw ParquetError("RLE run of length zero") }
                    let r = try c.take(valueBytes, "RLE run value")
                    var v: UInt32 = 0
                    for (k, i) in r.enumerated() { v |= UInt32(bytes[i]) << UInt32(8 * k) }
                    if bitWidth < 32, v >> UInt32(bitWidth) != 0 {
                        throw ParquetError("RLE run value \(v) exceeds bit width \(bitWidth)")
                    }
                    let take = Int(min(n, UInt64(count - done)))
                    (dst + done).initialize(repeating: v, count: take)
                    done += take
                } else {
                    guard n > 0 else { throw ParquetError("bit-packed run of zero groups") }
                    // Writers may end the last run early, after the bytes of the values they hold
                    // (parquet-mr does); accept a short final run and count what it really holds.
                    let stated = n.multipliedReportingOverflow(by: UInt64(bitWidth))
                    let byteCount = stated.overflow ? c.remaining : Int(min(stated.partialValue, UInt64(c.remaining)))
                    let r = try c.take(byteCount, "bit-packed run")
                    let statedValues = n > UInt64.max / 8 ? UInt64.max : n * 8   // a header can claim 2^63 groups
                    let values = bitWidth == 0 ? Int(min(statedValues, UInt64(count))) : Int(min(statedValues, UInt64(byteCount * 8 / bitWidth)))
                    let take = min(values, count - done)
                    guard take > 0 else {
                        throw ParquetError("bit-packed run ends after \(done) of \(count) values")
                    }
                    unpackLSB(bytes, start: r.lowerBound, width: bitWidth, count: take, to: dst + done)
                    done += take
                }
            }
        }
    }

    /// Decodes deprecated BIT_PACKED levels (MSB first); returns the levels and bytes used.
    static func decodeBitPackedMSB(_ bytes: [UInt8], from start: Int, to end: Int, bitWidth: Int, count: Int) throws -> ([UInt32], Int) {
        guard bitWidth >= 0, bitWidth <= maxHybridBitWidth else {
            throw ParquetError("BIT_PACKED bit width \(bitWidth) is out of range")
        }
        let needed = (count * bitWidth + 7) / 8
        guard needed <= end - start else {
            throw ParquetError("BIT_PACKED levels need \(needed) bytes, \(end - start) remain")
        }
        var out: [UInt32] = []
        out.reserveCapacity(count)
        var bit = start * 8
        for _ in 0..<count {
            var v: UInt32 = 0
            for _ in 0..<bitWidth {
                let b = (bytes[bit >> 3] >> UInt8(7 - (bit & 7))) & 1
                v = (v << 1) | UInt32(b)
                bit += 1
            }
            out.append(v)
        }
        return (out, needed)
    }

    /// Number of bits needed for values 0...maxValue.
    static func bitWidth(_ maxValue: Int) -> Int {
        maxValue <= 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
    }

    // MARK: - PLAIN

    /// Decodes `count` PLAIN values of a column; returns values and the end position.
    static func decodePlain(_ bytes: [UInt8], from start: Int, to end: Int, count: Int, column: ParquetColumn) throws -> [ParquetValue] {
        let minBitsPerValue: Int
        switch column.physicalType {
        case .boolean: minBitsPerValue = 1
        case .int32, .float, .byteArray: minBitsPerValue = 32
        case .int64, .double: minBitsPerValue = 64
        case .int96: minBitsPerValue = 96
        case .fixedLenByteArray: minBitsPerValue = max(column.typeLength, 1) * 8
        }
        guard count >= 0, count <= (end - start) * 8 / minBitsPerValue else {
            throw ParquetError("PLAIN \(column.physicalType) data of \(end - start) bytes cannot hold \(count) values")
        }
        var out: [ParquetValue] = []
        out.reserveCapacity(count)
        var c = ByteCursor(bytes, from: start, to: end)
        switch column.physicalType {
        case .boolean:
            let r = try c.take((count + 7) / 8, "PLAIN booleans")
            for i in 0..<count { out.append(.bool((bytes[r.lowerBound + i >> 3] >> UInt8(i & 7)) & 1 == 1)) }
        case .int32:
            let r = try c.take(count * 4, "PLAIN INT32 values")
            for i in 0..<count { out.append(.int32(Int32(bitPattern: loadLE32(bytes, r.lowerBound + 4 * i)))) }
        case .int64:
            let r = try c.take(count * 8, "PLAIN INT64 values")
            for i in 0..<count { out.append(.int64(Int64(bitPattern: loadLE64(bytes, r.lowerBound + 8 * i)))) }
        case .int96:
            let r = try c.take(count * 12, "PLAIN INT96 values")
            for i in 0..<count {
                let p = r.lowerBound + 12 * i
                out.append(.int96(nanosOfDay: Int64(bitPattern: loadLE64(bytes, p)), julianDay: Int32(bitPattern: loadLE32(bytes, p + 8))))
            }
        case .float:
            let r = try c.take(count * 4, "PLAIN FLOAT values")
            for i in 0..<count { out.append(.float(Float(bitPattern: loadLE32(bytes, r.lowerBound + 4 * i)))) }
        case .double:
            let r = try c.take(count * 8, "PLAIN DOUBLE values")
            for i in 0..<count { out.append(.double(Double(bitPattern: loadLE64(bytes, r.lowerBound + 8 * i)))) }
        case .byteArray:
            let text = column.holdsText
            for i in 0..<count {
                let n = try c.uint32LE("length of BYTE_ARRAY value \(i)")
                let r = try c.take(Int(n), "BYTE_ARRAY value \(i)")
                out.append(makeByteArray(bytes[r], text: text))
            }
        case .fixedLenByteArray:
            let w = column.typeLength
            guard w > 0 else { throw ParquetError("FIXED_LEN_BYTE_ARRAY with type_length \(w)") }
            guard count <= c.remaining / w else {
                throw ParquetError("PLAIN FIXED_LEN_BYTE_ARRAY values need \(count) × \(w) bytes but only \(c.remaining) remain")
            }
            for _ in 0..<count {
                let r = try c.take(w, "FIXED_LEN_BYTE_ARRAY value")
                out.append(.bytes(Array(bytes[r])))
            }
        }
        return out
    }

    @inline(__always) static func makeByteArray(_ b: ArraySlice<UInt8>, text: Bool) -> ParquetValue {
        if text, let s = String(validating: b, as: UTF8.self) { return .string(s) }
        return .bytes(Array(b))
    }

    // MARK: - RLE booleans

    /// Decodes RLE-encoded booleans (4-byte length prefix, then the hybrid with bit width 1).
    static func decodeRLEBooleans(_ bytes: [UInt8], from start: Int, to end: Int, count: Int) throws -> [ParquetValue] {
        var c = ByteCursor(bytes, from: start, to: end)
        let n = try c.uint32LE("RLE boolean length")
        let r = try c.take(Int(n), "RLE booleans")
        return try decodeHybrid(bytes, from: r.lowerBound, to: r.upperBound, bitWidth: 1, count: count).map { .bool($0 == 1) }
    }

    // MARK: - DELTA_BINARY_PACKED

    /// Most miniblocks per block / values per block accepted (parquet-mr writes 4 and 128).
    static let maxDeltaMiniblocks = 1 << 16
    static let maxDeltaBlockSize = 1 << 20

    /// Decodes DELTA_BINARY_PACKED integers; returns them and the position after the stream.
    static func decodeDeltaBinaryPacked(_ bytes: [UInt8], from start: Int, to end: Int, expected: Int?) throws -> ([Int64], Int) {
        var c = ByteCursor(bytes, from: start, to: end)
        let blockSize = try c.varint("delta block size")
        let miniblocks = try c.varint("delta miniblock count")
        let total = try c.varint("delta value count")
        var last = try c.zigzag("delta first value")
        guard blockSize > 0, blockSize <= UInt64(maxDeltaBlockSize), blockSize % 128 == 0,
              miniblocks > 0, miniblocks <= UInt64(maxDeltaMiniblocks), blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0 else {
            throw ParquetError("DELTA_BINARY_PACKED header is invalid (block \(blockSize), miniblocks \(miniblocks))")
        }
        if let expected, total != UInt64(expected) {
            throw ParquetError("DELTA_BINARY_PACKED holds \(total) values, the page needs \(expected)")
        }
        // Each value after the first needs at least one bit... or a zero-width miniblock; bound by
        // the page's expected count when known, else by a generous multiple of the bytes left.
        guard total <= UInt64(c.remaining) * 8 * 64 + 1 else {
            throw ParquetError("DELTA_BINARY_PACKED value count \(total) is implausible for its size")
        }
        let count = Int(total)
        var out: [Int64] = []
        out.reserveCapacity(count)
        if count == 0 { return (out, c.position) }
        out.append(last)
        let perMini = Int(blockSize / miniblocks)
        var widths = [Int](repeating: 0, count: Int(miniblocks))
        var scratch: [UInt64] = []
        while out.count < count {
            let minDelta = try c.zigzag("delta block min delta")
            let wr = try c.take(Int(miniblocks), "delta miniblock bit widths")
            for (k, i) in wr.enumerated() { widths[k] = Int(bytes[i]) }
            for m in 0..<Int(miniblocks) where out.count < count {
                let w = widths[m]
                guard w <= 64 else { throw ParquetError("DELTA_BINARY_PACKED bit width \(w) > 64") }
                let need = min(perMini, count - out.count)
                let fullBytes = perMini * w / 8
                let usedBytes = (need * w + 7) / 8
                guard usedBytes <= c.remaining else {
                    throw ParquetError("DELTA_BINARY_PACKED miniblock runs past the end of the page")
                }
                scratch.removeAll(keepingCapacity: true)
                unpackLSB(bytes, start: c.position, width: w, count: need, into: &scratch)
                c.position += min(fullBytes, c.remaining)
                for d in scratch {
                    last = last &+ minDelta &+ Int64(bitPattern: d)
                    out.append(last)
                }
            }
        }
        return (out, c.position)
    }

    // MARK: - DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY

    static func decodeDeltaLengthByteArray(_ bytes: [UInt8], from start: Int, to end: Int, count: Int, text: Bool) throws -> ([ArraySlice<UInt8>], Int) {
        let (lengths, p) = try decodeDeltaBinaryPacked(bytes, from: start, to: end, expected: count)
        var c = ByteCursor(bytes, from: p, to: end)
        var out: [ArraySlice<UInt8>] = []
        out.reserveCapacity(count)
        for (i, n) in lengths.enumerated() {
            guard n >= 0, n <= Int64(c.remaining) else {
                throw ParquetError("DELTA_LENGTH_BYTE_ARRAY value \(i) has length \(n), \(c.remaining) bytes remain")
            }
            let r = try c.take(Int(n), "DELTA_LENGTH_BYTE_ARRAY value")
            out.append(bytes[r])
        }
        return (out, c.position)
    }

    static func decodeDeltaByteArray(_ bytes: [UInt8], from start: Int, to end: Int, count: Int, column: ParquetColumn) throws -> [ParquetValue] {
        let (prefixes, p) = try decodeDeltaBinaryPacked(bytes, from: start, to: end, expected: count)
        let (suffixes, _) = try decodeDeltaLengthByteArray(bytes, from: p, to: end, count: count, text: false)
        var out: [ParquetValue] = []
        out.reserveCapacity(count)
        var previous: [UInt8] = []
        let text = column.holdsText
        for i in 0..<count {
            let pre = prefixes[i]
            guard pre >= 0, pre <= Int64(previous.count) else {
                throw ParquetError("DELTA_BYTE_ARRAY prefix length \(pre) exceeds the previous value's \(previous.count) bytes")
            }
            var v = Array(previous[0..<Int(pre)])
            v.append(contentsOf: suffixes[i])
            if column.physicalType == .fixedLenByteArray, v.count != column.typeLength {
                throw ParquetError("DELTA_BYTE_ARRAY value of \(v.count) bytes in a FIXED_LEN_BYTE_ARRAY(\(column.typeLength)) column")
            }
            out.append(column.physicalType == .fixedLenByteArray ? .bytes(v) : makeByteArray(v[...], text: text))
            previous = v
        }
        return out
    }

    // MARK: - BYTE_STREAM_SPLIT

    static func decodeByteStreamSplit(_ bytes: [UInt8], from start: Int, to end: Int, count: Int, column: ParquetColumn) throws -> [ParquetValue] {
        let width: Int
        switch column.physicalType {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray: width = column.typeLength
        default:
            throw ParquetError("BYTE_STREAM_SPLIT is not defined for \(column.physicalType)")
        }
        guard width > 0, (end - start) % width == 0, count <= (end - start) / width else {
            throw ParquetError("BYTE_STREAM_SPLIT needs \(count) × \(width) bytes, the page holds \(end - start)")
        }
        // Each of the `width` streams is as long as the number of encoded (non-null) values.
        let stride = (end - start) / width
        var out: [ParquetValue] = []
        out.reserveCapacity(count)
        var v = [UInt8](repeating: 0, count: width)
        for i in 0..<count {
            for k in 0..<width { v[k] = bytes[start + k * stride + i] }
            switch column.physicalType {
            case .int32: out.append(.int32(Int32(bitPattern: loadLE32(v, 0))))
            case .float: out.append(.float(Float(bitPattern: loadLE32(v, 0))))
            case .int64: out.append(.int64(Int64(bitPattern: loadLE64(v, 0))))
            case .double: out.append(.double(Double(bitPattern: loadLE64(v, 0))))
            default: out.append(.bytes(v))
            }
        }
        return out
    }

    // MARK: - Conversion of integers decoded as Int64

    static func integers(_ values: [Int64], column: ParquetColumn) throws -> [ParquetValue] {
        switch column.physicalType {
        case .int32: return values.map { .int32(Int32(truncatingIfNeeded: $0)) }
        case .int64: return values.map { .int64($0) }
        default: throw ParquetError("DELTA_BINARY_PACKED is not defined for \(column.physicalType)")
        }
    }
}
