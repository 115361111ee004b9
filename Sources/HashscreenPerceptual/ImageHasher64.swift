// pHash, dHash and average hash as the Python ImageHash library defines them.
//
// References:
// - JohannesBuchner/imagehash 4.3.2 `imagehash/__init__.py`: `phash` (hash_size 8,
//   highfreq_factor 4), `dhash`, `average_hash`, `_binary_array_to_hex`.
// - scipy.fftpack.dct, type II, norm None: y[k] = 2 * sum_n x[n] cos(pi k (2n+1) / 2N),
//   computed with pocketfft's operations (ScipyDCT.swift).
// - numpy.median (mean of the two middle values), numpy.mean.
// - Pillow: see PillowResample.swift (greyscale `L` and Lanczos resize).
//
// Bits are row-major, the first bit the most significant of byte 0: `HashValue.hex` is the
// 16 hex digits `str(imagehash.phash(img))` prints.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashscreenCore

/// The three 64-bit ImageHash hashes of one image.
package struct ImageHashes64: Sendable, Equatable {
    var phash: HashValue
    var dhash: HashValue
    var ahash: HashValue
    init(phash: HashValue, dhash: HashValue, ahash: HashValue) {
        self.phash = phash; self.dhash = dhash; self.ahash = ahash
    }
}

/// Computes ImageHash's pHash, dHash and average hash, reusing scratch buffers.
///
/// Not thread-safe: one per worker thread. Empty images (a side of 0) hash to zeros.
package final class ImageHasher64 {
    /// The signals this hasher computes: imagehash `phash` (DCT of a 32x32 reduction), `dhash`
    /// (horizontal gradient of a 9x8 reduction) and `average_hash` (8x8 reduction against its
    /// mean). A set of `kinds` given to it may hold other signals: they are ignored.
    package static let signals: [SignalKind] = [.phash, .dhash, .ahash]

    /// imagehash `hash_size = 8`: 8x8 = 64 bits.
    static let hashSide = 8
    /// imagehash `phash(highfreq_factor=4)`: the DCT runs on a 32x32 image.
    static let phashSide = 32

    /// The 32-point DCT-II exactly as scipy computes it (see ScipyDCT.swift).
    static let dct32 = ScipyDCT2(length: phashSide)

    /// The reduced images: pHash 32x32, dHash 9x8, aHash 8x8.
    private let smallP = UnsafeMutablePointer<UInt8>.allocate(capacity: 32 * 32)
    private let smallD = UnsafeMutablePointer<UInt8>.allocate(capacity: 9 * 8)
    private let smallA = UnsafeMutablePointer<UInt8>.allocate(capacity: 8 * 8)
    private let resizer = PillowResample.Resizer()

    package init() {}

    deinit { smallP.deallocate(); smallD.deallocate(); smallA.deallocate() }

    /// All three hashes of interleaved 8-bit RGB (3 bytes per pixel, rows top to bottom).
    package func hashes(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) -> ImageHashes64 {
        let h = hashes(rgb: rgb, width: width, height: height, kinds: Set(Self.signals))
        return ImageHashes64(phash: h[.phash]!, dhash: h[.dhash]!, ahash: h[.ahash]!)
    }

    /// All three hashes of interleaved 8-bit RGB held in an array.
    package func hashes(rgb: [UInt8], width: Int, height: Int) -> ImageHashes64 {
        rgb.withUnsafeBufferPointer { hashes(rgb: $0, width: width, height: height) }
    }

    /// Only the requested hashes of interleaved 8-bit RGB: each costs a Lanczos reduction of
    /// the whole image, so the ones nobody asked for are not computed. The greyscale
    /// conversion is done once per row for all of them, in the same walk over the image.
    package func hashes(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        precondition(width >= 0 && height >= 0 && rgb.count >= width * height * 3,
                     "RGB buffer smaller than width x height x 3")
        guard width > 0, height > 0, let base = rgb.baseAddress else { return Self.zeros(kinds) }
        return hashes(.rgb(base), width: width, height: height, kinds: kinds)
    }

    /// All three hashes of an 8-bit greyscale plane (Pillow mode `L`).
    package func hashes(grey: UnsafeBufferPointer<UInt8>, width: Int, height: Int) -> ImageHashes64 {
        let h = hashes(grey: grey, width: width, height: height, kinds: Set(Self.signals))
        return ImageHashes64(phash: h[.phash]!, dhash: h[.dhash]!, ahash: h[.ahash]!)
    }

    /// Only the requested hashes of an 8-bit greyscale plane (Pillow mode `L`).
    package func hashes(grey: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        precondition(width >= 0 && height >= 0 && grey.count >= width * height, "grey buffer smaller than width x height")
        guard width > 0, height > 0, let base = grey.baseAddress else { return Self.zeros(kinds) }
        return hashes(.grey(base), width: width, height: height, kinds: kinds)
    }

    static func zeros(_ kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        var out: [SignalKind: HashValue] = [:]
        for k in signals where kinds.contains(k) { out[k] = HashValue(bytes: [UInt8](repeating: 0, count: k.byteCount)) }
        return out
    }

    /// One walk over the rows reduces the image to every requested size, then each hash reads
    /// its reduction.
    private func hashes(_ source: PillowResample.Source, width: Int, height: Int,
                        kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        guard Self.computesAny(kinds) else { return [:] }
        resizer.resize(source, width: width, height: height, targets: targets(kinds))
        return finishHashes(kinds)
    }

    /// Whether `kinds` holds a signal this hasher computes.
    static func computesAny(_ kinds: Set<SignalKind>) -> Bool { signals.contains(where: kinds.contains) }

    /// The reductions the requested hashes read.
    private func targets(_ kinds: Set<SignalKind>) -> [(outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>)] {
        let p = Self.phashSide, m = Self.hashSide
        var targets: [(outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>)] = []
        if kinds.contains(.phash) { targets.append((p, p, smallP)) }
        if kinds.contains(.dhash) { targets.append((m + 1, m, smallD)) }
        if kinds.contains(.ahash) { targets.append((m, m, smallA)) }
        return targets
    }

    private func finishHashes(_ kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        var out: [SignalKind: HashValue] = [:]
        if kinds.contains(.phash) { out[.phash] = phash(smallP) }
        if kinds.contains(.dhash) { out[.dhash] = dhash(smallD) }
        if kinds.contains(.ahash) { out[.ahash] = averageHash(smallA) }
        return out
    }

    /// Starts the requested hashes of a width x height image whose grey rows someone else
    /// produces (`PDQHasher`'s combined walk): write row y in `resizer.rowBuffer`, then
    /// `resizer.push(row: y)`, for every row in order; then `endRows(kinds)`.
    func beginRows(width: Int, height: Int, kinds: Set<SignalKind>) -> PillowResample.Resizer {
        _ = resizer.begin(width: width, height: height, targets: targets(kinds))
        return resizer
    }

    func endRows(_ kinds: Set<SignalKind>) -> [SignalKind: HashValue] {
        resizer.end()
        return finishHashes(kinds)
    }

    // MARK: - The three hashes

    /// imagehash `phash` of the 32x32 Lanczos reduction: scipy.fftpack.dct along columns
    /// then rows, top-left 8x8 including DC, bit = coefficient > median of the 64 (numpy.median: mean
    /// of the two middle values).
    func phash(_ small: UnsafeMutablePointer<UInt8>) -> HashValue {
        let n = Self.phashSide, m = Self.hashSide
        let dct = Self.dct32
        var low = [Double](repeating: 0, count: m * m)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n * n + 2 * n) { buf in
            let colDCT = buf.baseAddress!, vec = colDCT + n * n, scratch = vec + n
            // Axis 0: each column; rows k < 8 are all the row transform needs.
            for x in 0..<n {
                for y in 0..<n { vec[y] = Double(small[y * n + x]) }
                dct.transform(vec, scratch: scratch)
                for k in 0..<m { colDCT[k * n + x] = vec[k] }
            }
            // Axis 1: each of the first 8 rows.
            for i in 0..<m {
                vec.update(from: colDCT + i * n, count: n)
                dct.transform(vec, scratch: scratch)
                for k in 0..<m { low[i * m + k] = vec[k] }
            }
        }
        let sorted = low.sorted()
        let median = (sorted[m * m / 2 - 1] + sorted[m * m / 2]) / 2
        return Self.pack(low.map { $0 > median })
    }

    /// imagehash `dhash`: 9x8 Lanczos (9 wide), bit = right neighbour brighter than left.
    func dhash(_ small: UnsafeMutablePointer<UInt8>) -> HashValue {
        let m = Self.hashSide
        var bits = [Bool]()
        bits.reserveCapacity(m * m)
        for y in 0..<m { for x in 0..<m { bits.append(small[y * (m + 1) + x + 1] > small[y * (m + 1) + x]) } }
        return Self.pack(bits)
    }

    /// imagehash `average_hash`: 8x8 Lanczos, bit = pixel > mean (compared exactly as
    /// 64 * pixel > sum).
    func averageHash(_ small: UnsafeMutablePointer<UInt8>) -> HashValue {
        let m = Self.hashSide
        var sum = 0
        for i in 0..<(m * m) { sum += Int(small[i]) }
        return Self.pack((0..<(m * m)).map { Int(small[$0]) * (m * m) > sum })
    }

    /// imagehash `_binary_array_to_hex`: bits row-major, first bit most significant.
    static func pack(_ bits: [Bool]) -> HashValue {
        var bytes = [UInt8](repeating: 0, count: bits.count / 8)
        for (i, b) in bits.enumerated() where b { bytes[i / 8] |= 0x80 >> UInt8(i % 8) }
        return HashValue(bytes: bytes)
    }
}
