// Page decompression and compression over the system snappy, zlib and zstd libraries.
//
// References: parquet-format Compression.md (GZIP is RFC 1952 gzip, possibly several
// concatenated members; SNAPPY is raw snappy blocks, no framing; ZSTD is RFC 8878 frames);
// zlib manual (inflateInit2 windowBits 15+32 = zlib or gzip header auto-detect);
// snappy-c.h; zstd.h (ZSTD_decompress accepts several concatenated frames).

import CSnappy
import CZlib
import CZstd

/// Decompresses and compresses page bodies; errors are plain strings the reader puts in context.
enum PageCompression {
    /// Codecs this module reads.
    static let supported: Set<Int32> = [
        ParquetCodec.uncompressed.rawValue, ParquetCodec.snappy.rawValue,
        ParquetCodec.gzip.rawValue, ParquetCodec.zstd.rawValue,
    ]

    /// Decompresses `input` into exactly `size` bytes, or throws saying why not.
    static func decompress(codec: Int32, _ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        if size == 0 { return [] }
        switch codec {
        case ParquetCodec.uncompressed.rawValue:
            guard input.count == size else {
                throw ParquetError("uncompressed page holds \(input.count) bytes, header says \(size)")
            }
            return Array(input)
        case ParquetCodec.snappy.rawValue:
            return try snappy(input, size: size)
        case ParquetCodec.gzip.rawValue:
            return try gzip(input, size: size)
        case ParquetCodec.zstd.rawValue:
            return try zstd(input, size: size)
        default:
            throw ParquetError("compression codec \(ParquetCodec.name(codec)) is not supported")
        }
    }

    /// Decompresses a SNAPPY or UNCOMPRESSED `input` into exactly `size` bytes at `dst`; false
    /// (nothing said why) where `decompress` would throw, or for another codec.
    static func decompress(codec: Int32, _ input: ArraySlice<UInt8>, size: Int, into dst: UnsafeMutablePointer<UInt8>) -> Bool {
        if size == 0 { return true }
        return input.withUnsafeBufferPointer { src in
            switch codec {
            case ParquetCodec.uncompressed.rawValue:
                guard src.count == size else { return false }
                dst.update(from: src.baseAddress!, count: size)
                return true
            case ParquetCodec.snappy.rawValue:
                return src.withMemoryRebound(to: CChar.self) { csrc in
                    var declared = 0
                    guard snappy_uncompressed_length(csrc.baseAddress, csrc.count, &declared) == SNAPPY_OK, declared == size else { return false }
                    var outLen = size
                    return dst.withMemoryRebound(to: CChar.self, capacity: size) { cdst in
                        snappy_uncompress(csrc.baseAddress, csrc.count, cdst, &outLen) == SNAPPY_OK
                    } && outLen == size
                }
            default:
                return false
            }
        }
    }

    private static func snappy(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        // Check the length snappy itself declares before allocating for the header's claim.
        var declared = 0
        let lengthOK = input.withUnsafeBufferPointer { src in
            src.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress, $0.count, &declared) == SNAPPY_OK }
        }
        guard lengthOK, declared == size else {
            throw ParquetError("snappy data declares \(lengthOK ? "\(declared) bytes" : "no valid length"), the page header \(size)")
        }
        // Not zeroed first: snappy writes all `size` bytes or the page is refused (count 0).
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: size) { dst, count in
            ok = input.withUnsafeBufferPointer { src in
                src.withMemoryRebound(to: CChar.self) { csrc in
                    var outLen = size
                    return dst.withMemoryRebound(to: CChar.self) { cdst in
                        snappy_uncompress(csrc.baseAddress, csrc.count, cdst.baseAddress, &outLen) == SNAPPY_OK
                    } && outLen == size
                }
            }
            count = ok ? size : 0
        }
        guard ok else { throw ParquetError("snappy decompression failed (corrupt data or size other than \(size) bytes)") }
        return out
    }

    private static func zstd(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        // The first frame usually declares its content size (zstd.h ZSTD_getFrameContentSize;
        // 0ULL-1 unknown, 0ULL-2 error); more than the page holds is refused before allocating.
        let declared = input.withUnsafeBufferPointer { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        let unknown = UInt64.max, notZstd = UInt64.max - 1
        if declared == notZstd { throw ParquetError("zstd decompression failed: not a zstd frame") }
        if declared != unknown && declared > UInt64(size) {
            throw ParquetError("zstd frame declares \(declared) bytes, the page header \(size)")
        }
        var out = [UInt8](repeating: 0, count: size)
        let n = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                ZSTD_decompress(dst.baseAddress, size, src.baseAddress, src.count)
            }
        }
        if ZSTD_isError(n) != 0 {
            let name = String(cString: ZSTD_getErrorName(n))
            throw ParquetError("zstd decompression failed: \(name)")
        }
        guard n == size else { throw ParquetError("zstd data expands to \(n) bytes, header says \(size)") }
        return out
    }

    /// Deflate's largest expansion is about 1032:1 (zlib FAQ / zlib tech notes); a page header
    /// claiming more than that of its compressed bytes is refused before allocating.
    static let maxDeflateRatio = 1032
    static let deflateSlackBytes = 1024

    /// Inflates one or more concatenated gzip (or zlib) members.
    private static func gzip(_ input: ArraySlice<UInt8>, size: Int) throws -> [UInt8] {
        guard size <= input.count * maxDeflateRatio + deflateSlackBytes else {
            throw ParquetError("gzip page of \(input.count) bytes cannot expand to the \(size) bytes the header says")
        }
        var out = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        let windowBitsAutoDetect: Int32 = 15 + 32   // zlib manual: gzip or zlib header
        guard inflateInit2_(&stream, windowBitsAutoDetect, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ParquetError("zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var consumed = 0
        let total = input.count
        try input.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBufferPointer { dst in
                while consumed < total {
                    stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress! + consumed)
                    stream.avail_in = UInt32(total - consumed)
                    stream.next_out = dst.baseAddress! + produced
                    stream.avail_out = UInt32(size - produced)
                    let rc = inflate(&stream, Z_FINISH)
                    let usedIn = (total - consumed) - Int(stream.avail_in)
                    consumed += usedIn
                    produced = size - Int(stream.avail_out)
                    if rc == Z_STREAM_END {
                        // Another member may follow; trailing zero padding is tolerated.
                        if consumed < total {
                            if src[consumed...].allSatisfy({ $0 == 0 }) { break }
                            guard inflateReset(&stream) == Z_OK else { throw ParquetError("zlib inflateReset failed") }
                        }
                        continue
                    }
                    if rc == Z_BUF_ERROR && stream.avail_out == 0 {
                        throw ParquetError("gzip data expands to more than the \(size) bytes the header says")
                    }
                    let msg = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                    throw ParquetError("gzip decompression failed: \(msg)")
                }
            }
        }
        guard produced == size else { throw ParquetError("gzip data expands to \(produced) bytes, header says \(size)") }
        return out
    }

    /// Compresses a page body for the writer (UNCOMPRESSED or SNAPPY).
    static func compress(codec: Int32, _ input: [UInt8]) throws -> [UInt8] {
        switch codec {
        case ParquetCodec.uncompressed.rawValue:
            return input
        case ParquetCodec.snappy.rawValue:
            var outLen = snappy_max_compressed_length(input.count)
            var out = [UInt8](repeating: 0, count: outLen)
            let rc = input.withUnsafeBufferPointer { src in
                src.withMemoryRebound(to: CChar.self) { csrc in
                    out.withUnsafeMutableBufferPointer { dst in
                        dst.withMemoryRebound(to: CChar.self) { cdst in
                            snappy_compress(csrc.baseAddress, csrc.count, cdst.baseAddress, &outLen)
                        }
                    }
                }
            }
            guard rc == SNAPPY_OK else { throw ParquetError("snappy compression failed") }
            out.removeSubrange(outLen...)
            return out
        default:
            throw ParquetError("the writer does not support codec \(ParquetCodec.name(codec))")
        }
    }
}
