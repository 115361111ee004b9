// PDQ perceptual hash, bit-exact with the reference C++ implementation.
//
// References (facebook/ThreatExchange, BSD licence; this is an independent Swift rewrite):
// - pdq/cpp/hashing/pdqhashing.cpp: luma coefficients, 16x64 DCT matrix, quality metric,
//   bit layout, DCT-domain dihedral transforms.
// - pdq/cpp/downscaling/downscaling.cpp: Jarosz two-pass box ("tent") filter, decimation.
// - pdq/cpp/hashing/torben.cpp: the median.
// - pdq/cpp/io/pdqio.cpp: the file hasher's nearest-neighbour resize to 512x512 (`cimg512`).
// - pdq/cpp/common/pdqhashtypes.{h,cpp}: bit k lives in 16-bit word k/16, bit k%16; the hex
//   text prints words 15...0, four hex digits each.
// - Algorithm: "The TMK+PDQF and PDQ hashing algorithms", pdqhash-2017-10-09.pdf.
//
// Exactness: every arithmetic step is float32 in the reference's order (sums in index order,
// `a + b` then `- c` as two roundings, divisions kept as divisions, no fused multiply-add:
// Swift does not contract `a * b + c`). Loops are restructured only where each output's own
// sequence of operations is unchanged (e.g. the column filter runs all columns side by side).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashscreenCore

/// How the pixels are prepared before hashing.
public enum PDQMode: String, Sendable, CaseIterable {
    /// The whole buffer, as `pdqhash` (Python), the Java port and `pdqHash256FromFloatLuma` do.
    case full
    /// The reference C++ file hasher (`pdq-photo-hasher`): when a side exceeds 512 px, first a
    /// nearest-neighbour resize to exactly 512x512 (source index `floor(dst * dim / 512)`).
    case cimg512
}

/// One of the 8 rotations and flips of the square, named as the reference names them.
///
/// The hash of a variant is derived from the original's DCT (sign flips and a transpose), so
/// it is what the transformed image would hash to up to the downscaling's asymmetry; hashing a
/// physically rotated image can differ (by more than 31 bits on small textured images).
///
/// Conventions (checked against the reference's `reg-test-input/dih` images, image y axis
/// pointing down): `rot90` turns a quarter counter-clockwise, `rot270` a quarter clockwise,
/// `flipx` mirrors top to bottom (about the x axis), `flipy` mirrors left to right (about the
/// y axis), `flipp` transposes (about the main diagonal), `flipm` about the anti-diagonal.
public enum DihedralVariant: String, CaseIterable, Sendable {
    case orig, rot90, rot180, rot270, flipx, flipy, flipp, flipm
}

/// A PDQ hash, its quality, and optionally the dihedral variants.
public struct PDQResult: Sendable, Equatable {
    /// 32 bytes; `hash.hex` is the reference's 64-hex-digit text.
    public var hash: HashValue
    /// 0...100; below `PDQConstants.qualityThreshold` the hash is too flat to screen.
    public var quality: Int
    /// All 8 variants (including `.orig`) when asked for, else nil.
    public var variants: [DihedralVariant: HashValue]?

    public init(hash: HashValue, quality: Int, variants: [DihedralVariant: HashValue]? = nil) {
        self.hash = hash; self.quality = quality; self.variants = variants
    }
}

/// Computes PDQ hashes, reusing its scratch buffers from image to image.
///
/// Not thread-safe: give each worker thread its own hasher. Buffers grow to the largest image
/// seen (two float32 planes of width x height) and are kept for the next image.
public final class PDQHasher {
    // MARK: Reference constants

    /// Side of the downsampled image the DCT reads (pdqhashing.cpp: 64x64 buffer).
    static let downsampleSide = 64
    /// Number of DCT coefficients kept per axis (pdqhashing.cpp: 16x16 output).
    static let dctSide = 16
    /// Side of the `cimg512` pre-resize (pdqio.cpp `DOWNSAMPLE_DIMS = 512`).
    static let cimgSide = 512
    /// Box-filter row+column pass pairs (pdqhashing.cpp `PDQ_NUM_JAROSZ_XY_PASSES = 2`).
    static let jaroszPasses = 2
    /// Quality: the gradient sum is divided by this and capped at `qualityCap`
    /// (pdqhashing.cpp `pdqImageDomainQualityMetric`, "heuristic scaling factor").
    static let qualityDivisor = 90
    static let qualityCap = 100

    /// Luma weights as the reference stores them: double literals rounded to float
    /// (pdqhashing.cpp `luma_from_R_coeff` etc., "standard RGB to luminance").
    static let lumaR = Float(0.299 as Double)
    static let lumaG = Float(0.587 as Double)
    static let lumaB = Float(0.114 as Double)

    /// The 16x64 DCT matrix `sqrt(2/64) * cos(pi/128 * (i+1) * (2j+1))`, row-major,
    /// computed in double from a float scale factor and rounded to float, as the reference.
    static let dctMatrix: [Float] = {
        let rows = dctSide, cols = downsampleSide
        let scale = Float((2.0 / Double(cols)).squareRoot())
        var m = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols {
                let angle = (Double.pi / 2.0 / Double(cols)) * Double(i + 1) * Double(2 * j + 1)
                m[i * cols + j] = Float(Double(scale) * cos(angle))
            }
        }
        return m
    }()

    /// The same matrix transposed (64x16), for the second DCT product.
    static let dctMatrixTransposed: [Float] = {
        var t = [Float](repeating: 0, count: dctSide * downsampleSide)
        for i in 0..<dctSide { for k in 0..<downsampleSide { t[k * dctSide + i] = dctMatrix[i * downsampleSide + k] } }
        return t
    }()

    // MARK: Scratch buffers

    private var planeCapacity = 0
    private var plane1: UnsafeMutablePointer<Float>
    private var plane2: UnsafeMutablePointer<Float>
    private var columnSumsCapacity = 0
    private var columnSums: UnsafeMutablePointer<Float>
    private var sampledColumnsCapacity = 0
    /// Last column pass, only at the 64 sampled columns: rows x 64.
    private var sampledColumns: UnsafeMutablePointer<Float>
    private let buffer64 = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 64)
    private let buffer16x64 = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 64)
    private let buffer16 = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 16)
    private let buffer16Aux = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 16)
    private let sampleIndex = UnsafeMutablePointer<Int>.allocate(capacity: 64)

    public init() {
        plane1 = .allocate(capacity: 1)
        plane2 = .allocate(capacity: 1)
        columnSums = .allocate(capacity: 1)
        sampledColumns = .allocate(capacity: 1)
    }

    deinit {
        plane1.deallocate(); plane2.deallocate(); columnSums.deallocate(); sampledColumns.deallocate()
        buffer64.deallocate(); buffer16x64.deallocate(); buffer16.deallocate(); buffer16Aux.deallocate()
        sampleIndex.deallocate()
    }

    private func reservePlanes(_ count: Int) {
        guard count > planeCapacity else { return }
        plane1.deallocate(); plane2.deallocate()
        plane1 = .allocate(capacity: count)
        plane2 = .allocate(capacity: count)
        planeCapacity = count
    }

    private func reserveColumnSums(_ count: Int) {
        guard count > columnSumsCapacity else { return }
        columnSums.deallocate()
        columnSums = .allocate(capacity: count)
        columnSumsCapacity = count
    }

    private func reserveSampledColumns(_ count: Int) {
        guard count > sampledColumnsCapacity else { return }
        sampledColumns.deallocate()
        sampledColumns = .allocate(capacity: count)
        sampledColumnsCapacity = count
    }

    // MARK: Public entry points

    /// Hashes interleaved 8-bit RGB (3 bytes per pixel, rows top to bottom, no padding).
    public func hash(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        precondition(width >= 0 && height >= 0 && rgb.count >= width * height * 3,
                     "RGB buffer smaller than width x height x 3")
        let (rows, cols) = Self.hashedSize(width: width, height: height, mode: mode)
        guard rows >= PDQConstants.minHashableDimension, cols >= PDQConstants.minHashableDimension,
              let src = rgb.baseAddress else {
            return Self.zeroResult(dihedral: dihedral)
        }
        reservePlanes(rows * cols)
        let out = plane1
        let cr = Self.lumaR, cg = Self.lumaG, cb = Self.lumaB
        if rows == height && cols == width {
            for p in 0..<(rows * cols) {
                let q = src + 3 * p
                out[p] = cr * Float(q[0]) + cg * Float(q[1]) + cb * Float(q[2])
            }
        } else {
            // Nearest neighbour: luma of the sampled source pixel (luma is per pixel, so this
            // equals resizing the RGB first, as CImg does).
            for i in 0..<rows {
                let si = i * height / Self.cimgSide
                for j in 0..<cols {
                    let sj = j * width / Self.cimgSide
                    let q = src + 3 * (si * width + sj)
                    out[i * cols + j] = cr * Float(q[0]) + cg * Float(q[1]) + cb * Float(q[2])
                }
            }
        }
        return hashPlane1(rows: rows, cols: cols, dihedral: dihedral)
    }

    /// Hashes interleaved 8-bit RGB held in an array.
    public func hash(rgb: [UInt8], width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        rgb.withUnsafeBufferPointer { hash(rgb: $0, width: width, height: height, mode: mode, dihedral: dihedral) }
    }

    /// Hashes a float32 luma plane (row-major, width x height), e.g. a greyscale image's
    /// values as floats, which the reference's grey path uses unweighted.
    public func hash(luma: UnsafeBufferPointer<Float>, width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        precondition(width >= 0 && height >= 0 && luma.count >= width * height,
                     "luma buffer smaller than width x height")
        let (rows, cols) = Self.hashedSize(width: width, height: height, mode: mode)
        guard rows >= PDQConstants.minHashableDimension, cols >= PDQConstants.minHashableDimension,
              let src = luma.baseAddress else {
            return Self.zeroResult(dihedral: dihedral)
        }
        reservePlanes(rows * cols)
        if rows == height && cols == width {
            plane1.update(from: src, count: rows * cols)
        } else {
            for i in 0..<rows {
                let si = i * height / Self.cimgSide
                for j in 0..<cols { plane1[i * cols + j] = src[si * width + j * width / Self.cimgSide] }
            }
        }
        return hashPlane1(rows: rows, cols: cols, dihedral: dihedral)
    }

    // MARK: Steps

    /// Size of the plane that is hashed: the input, or 512x512 in `cimg512` mode when a side
    /// exceeds 512 (CImg resizes both sides then, whatever the aspect ratio).
    static func hashedSize(width: Int, height: Int, mode: PDQMode) -> (rows: Int, cols: Int) {
        if mode == .cimg512, width >= 1, height >= 1, width > cimgSide || height > cimgSide {
            return (cimgSide, cimgSide)
        }
        return (height, width)
    }

    static func zeroResult(dihedral: Bool) -> PDQResult {
        let zero = HashValue(bytes: [UInt8](repeating: 0, count: PDQConstants.hashByteCount))
        var variants: [DihedralVariant: HashValue]? = nil
        if dihedral {
            variants = [:]
            for v in DihedralVariant.allCases { variants![v] = zero }
        }
        return PDQResult(hash: zero, quality: 0, variants: variants)
    }

    /// Hashes the luma in `plane1` (rows x cols, at least 5x5). Overwrites both planes.
    private func hashPlane1(rows: Int, cols: Int, dihedral: Bool) -> PDQResult {
        let side = Self.downsampleSide
        if rows == side && cols == side {
            // pdqFloat256FromFloatLuma takes a 64x64 input as already downsampled; the
            // reference's dihedral function has no such shortcut and filters it (below).
            buffer64.update(from: plane1, count: side * side)
            let quality = Self.quality(buffer64)
            dct64To16()
            let hash = Self.bits(buffer16)
            guard dihedral else { return PDQResult(hash: hash, quality: quality) }
            downsample(rows: rows, cols: cols)
            dct64To16()
            return PDQResult(hash: hash, quality: quality, variants: variantHashes())
        }
        downsample(rows: rows, cols: cols)
        let quality = Self.quality(buffer64)
        dct64To16()
        if dihedral {
            let variants = variantHashes()
            return PDQResult(hash: variants[.orig]!, quality: quality, variants: variants)
        }
        return PDQResult(hash: Self.bits(buffer16), quality: quality)
    }

    /// Two row/column box-filter passes, then sampling at pixel centres into `buffer64`
    /// (downscaling.cpp `jaroszFilterFloat` + `decimateFloat`).
    private func downsample(rows: Int, cols: Int) {
        let side = Self.downsampleSide
        let windowAlongRows = Self.jaroszWindow(cols)
        let windowAlongCols = Self.jaroszWindow(rows)
        reserveColumnSums(Swift.max(cols, side))
        reserveSampledColumns(rows * side)

        // Pass pair 1, and the row half of pair 2, in full.
        Self.boxRows(plane1, plane2, rows: rows, cols: cols, window: windowAlongRows)
        Self.boxColumns(plane2, plane1, rows: rows, cols: cols, window: windowAlongCols, sums: columnSums)
        Self.boxRows(plane1, plane2, rows: rows, cols: cols, window: windowAlongRows)
        // Last column pass: only the 64 columns the decimation samples (each column is
        // filtered independently, so this changes no value).
        for j in 0..<side { sampleIndex[j] = Self.decimationIndex(j, cols) }
        Self.boxColumnsGathered(plane2, rowStride: cols, rows: rows, columns: sampleIndex, count: side,
                                window: windowAlongCols, out: sampledColumns, sums: columnSums)
        for i in 0..<side {
            let si = Self.decimationIndex(i, rows)
            (buffer64 + i * side).update(from: sampledColumns + si * side, count: side)
        }
    }

    /// downscaling.cpp `computeJaroszFilterWindowSize(dim, 64)`: ceil(dim / 128).
    @inline(__always) static func jaroszWindow(_ dim: Int) -> Int {
        (dim + 2 * downsampleSide - 1) / (2 * downsampleSide)
    }

    /// downscaling.cpp `decimateFloat`: `(int)(((k + 0.5) * dim) / 64)` in double.
    @inline(__always) static func decimationIndex(_ k: Int, _ dim: Int) -> Int {
        Int(((Double(k) + 0.5) * Double(dim)) / Double(downsampleSide))
    }

    /// downscaling.cpp `box1DFloat` with stride 1: a running-sum box filter whose window
    /// shrinks at both ends.
    @inline(__always)
    static func box1D(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                      _ length: Int, _ window: Int) {
        let half = (window + 2) / 2
        let phase1 = half - 1, phase2 = window - half + 1, phase3 = length - window, phase4 = half - 1
        var li = 0, ri = 0, oi = 0
        var sum: Float = 0
        var count = 0
        for _ in 0..<phase1 { sum += input[ri]; count += 1; ri += 1 }
        for _ in 0..<phase2 {
            sum += input[ri]; count += 1
            output[oi] = sum / Float(count)
            ri += 1; oi += 1
        }
        let full = Float(count)
        for _ in 0..<phase3 {
            sum += input[ri]
            sum -= input[li]
            output[oi] = sum / full
            li += 1; ri += 1; oi += 1
        }
        for _ in 0..<phase4 {
            sum -= input[li]; count -= 1
            output[oi] = sum / Float(count)
            li += 1; oi += 1
        }
    }

    /// `box1DFloat` along every row, four rows interleaved: the running sums are serial
    /// chains, so four independent ones keep the CPU busy; each row's operations are unchanged.
    static func boxRows(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                        rows: Int, cols: Int, window: Int) {
        let half = (window + 2) / 2
        let phase1 = half - 1, phase2 = window - half + 1, phase3 = cols - window, phase4 = half - 1
        var i = 0
        while i + 4 <= rows {
            let a = input + i * cols, b = a + cols, c = b + cols, d = c + cols
            let oa = output + i * cols, ob = oa + cols, oc = ob + cols, od = oc + cols
            var sa: Float = 0, sb: Float = 0, sc: Float = 0, sd: Float = 0
            var li = 0, ri = 0, oi = 0, count = 0
            for _ in 0..<phase1 {
                sa += a[ri]; sb += b[ri]; sc += c[ri]; sd += d[ri]
                count += 1; ri += 1
            }
            for _ in 0..<phase2 {
                sa += a[ri]; sb += b[ri]; sc += c[ri]; sd += d[ri]
                count += 1
                let n = Float(count)
                oa[oi] = sa / n; ob[oi] = sb / n; oc[oi] = sc / n; od[oi] = sd / n
                ri += 1; oi += 1
            }
            let full = Float(count)
            for _ in 0..<phase3 {
                sa += a[ri]; sb += b[ri]; sc += c[ri]; sd += d[ri]
                sa -= a[li]; sb -= b[li]; sc -= c[li]; sd -= d[li]
                oa[oi] = sa / full; ob[oi] = sb / full; oc[oi] = sc / full; od[oi] = sd / full
                li += 1; ri += 1; oi += 1
            }
            for _ in 0..<phase4 {
                sa -= a[li]; sb -= b[li]; sc -= c[li]; sd -= d[li]
                count -= 1
                let n = Float(count)
                oa[oi] = sa / n; ob[oi] = sb / n; oc[oi] = sc / n; od[oi] = sd / n
                li += 1; oi += 1
            }
            i += 4
        }
        while i < rows {
            box1D(input + i * cols, output + i * cols, cols, window)
            i += 1
        }
    }

    /// `box1DFloat` down every column, all columns advanced together row by row (cache
    /// friendly; each column sees exactly the reference's sequence of float operations).
    static func boxColumns(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                           rows: Int, cols: Int, window: Int, sums: UnsafeMutablePointer<Float>) {
        let half = (window + 2) / 2
        let phase1 = half - 1, phase2 = window - half + 1, phase3 = rows - window, phase4 = half - 1
        sums.update(repeating: 0, count: cols)
        var li = 0, ri = 0, oi = 0
        var count = 0
        for _ in 0..<phase1 {
            let r = input + ri * cols
            for j in 0..<cols { sums[j] += r[j] }
            count += 1; ri += 1
        }
        for _ in 0..<phase2 {
            let r = input + ri * cols, o = output + oi * cols
            count += 1
            let c = Float(count)
            for j in 0..<cols { sums[j] += r[j]; o[j] = sums[j] / c }
            ri += 1; oi += 1
        }
        let full = Float(count)
        for _ in 0..<phase3 {
            let r = input + ri * cols, l = input + li * cols, o = output + oi * cols
            for j in 0..<cols {
                var s = sums[j] + r[j]
                s = s - l[j]
                sums[j] = s
                o[j] = s / full
            }
            li += 1; ri += 1; oi += 1
        }
        for _ in 0..<phase4 {
            let l = input + li * cols, o = output + oi * cols
            count -= 1
            let c = Float(count)
            for j in 0..<cols { sums[j] -= l[j]; o[j] = sums[j] / c }
            li += 1; oi += 1
        }
    }

    /// `boxColumns` restricted to `count` given columns; output is rows x count.
    static func boxColumnsGathered(_ input: UnsafeMutablePointer<Float>, rowStride: Int, rows: Int,
                                   columns: UnsafeMutablePointer<Int>, count n: Int, window: Int,
                                   out: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        let half = (window + 2) / 2
        let phase1 = half - 1, phase2 = window - half + 1, phase3 = rows - window, phase4 = half - 1
        sums.update(repeating: 0, count: n)
        var li = 0, ri = 0, oi = 0
        var count = 0
        for _ in 0..<phase1 {
            let r = input + ri * rowStride
            for k in 0..<n { sums[k] += r[columns[k]] }
            count += 1; ri += 1
        }
        for _ in 0..<phase2 {
            let r = input + ri * rowStride, o = out + oi * n
            count += 1
            let c = Float(count)
            for k in 0..<n { sums[k] += r[columns[k]]; o[k] = sums[k] / c }
            ri += 1; oi += 1
        }
        let full = Float(count)
        for _ in 0..<phase3 {
            let r = input + ri * rowStride, l = input + li * rowStride, o = out + oi * n
            for k in 0..<n {
                let c = columns[k]
                var s = sums[k] + r[c]
                s = s - l[c]
                sums[k] = s
                o[k] = s / full
            }
            li += 1; ri += 1; oi += 1
        }
        for _ in 0..<phase4 {
            let l = input + li * rowStride, o = out + oi * n
            count -= 1
            let c = Float(count)
            for k in 0..<n { sums[k] -= l[columns[k]]; o[k] = sums[k] / c }
            li += 1; oi += 1
        }
    }

    /// pdqhashing.cpp `pdqImageDomainQualityMetric`: count of significant gradients.
    static func quality(_ b: UnsafeMutablePointer<Float>) -> Int {
        let side = downsampleSide
        var gradientSum = 0
        for i in 0..<(side - 1) {
            for j in 0..<side {
                let u = b[i * side + j], v = b[(i + 1) * side + j]
                let d = Int(((u - v) * 100) / 255)
                gradientSum += abs(d)
            }
        }
        for i in 0..<side {
            for j in 0..<(side - 1) {
                let u = b[i * side + j], v = b[i * side + j + 1]
                let d = Int(((u - v) * 100) / 255)
                gradientSum += abs(d)
            }
        }
        return Swift.min(gradientSum / qualityDivisor, qualityCap)
    }

    /// pdqhashing.cpp `dct64To16`: B = D A Dᵀ for the 16 lowest non-DC frequencies, each sum
    /// in index order from 0.
    private func dct64To16() {
        let n = Self.downsampleSide, m = Self.dctSide
        let a = buffer64, t = buffer16x64, b = buffer16
        Self.dctMatrix.withUnsafeBufferPointer { dp in
            let d = dp.baseAddress!
            // T[i][j] = sum_k D[i][k] * A[k][j], k ascending; all j side by side.
            for i in 0..<m {
                let ti = t + i * n
                ti.update(repeating: 0, count: n)
                for k in 0..<n {
                    let dik = d[i * n + k]
                    let ak = a + k * n
                    for j in 0..<n { ti[j] = ti[j] + dik * ak[j] }
                }
            }
        }
        Self.dctMatrixTransposed.withUnsafeBufferPointer { dtp in
            let dt = dtp.baseAddress!
            // B[i][j] = sum_k T[i][k] * D[j][k], k ascending; all j side by side.
            for i in 0..<m {
                let bi = b + i * m
                bi.update(repeating: 0, count: m)
                let ti = t + i * n
                for k in 0..<n {
                    let tik = ti[k]
                    let dk = dt + k * m
                    for j in 0..<m { bi[j] = bi[j] + tik * dk[j] }
                }
            }
        }
    }

    /// torben.cpp: the median of `n` floats without moving them (for n = 256 the 128th
    /// smallest, the lower median).
    static func torbenMedian(_ m: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var lo = m[0], hi = m[0]
        for i in 1..<n {
            if m[i] < lo { lo = m[i] }
            if m[i] > hi { hi = m[i] }
        }
        let halfCount = (n + 1) / 2
        var less = 0, greater = 0, equal = 0
        var guess: Float = 0, maxLessThanGuess: Float = 0, minGreaterThanGuess: Float = 0
        while true {
            guess = (lo + hi) / 2
            less = 0; greater = 0; equal = 0
            maxLessThanGuess = lo
            minGreaterThanGuess = hi
            for i in 0..<n {
                let x = m[i]
                if x < guess {
                    less += 1
                    if x > maxLessThanGuess { maxLessThanGuess = x }
                } else if x > guess {
                    greater += 1
                    if x < minGreaterThanGuess { minGreaterThanGuess = x }
                } else {
                    equal += 1
                }
            }
            if less <= halfCount && greater <= halfCount { break }
            if less > greater { hi = maxLessThanGuess } else { lo = minGreaterThanGuess }
        }
        if less >= halfCount { return maxLessThanGuess }
        if less + equal >= halfCount { return guess }
        return minGreaterThanGuess
    }

    /// pdqhashing.cpp `pdqBuffer16x16ToBits`: bit k = 16i + j is set when B[i][j] exceeds the
    /// median, laid out so that `HashValue.hex` prints words 15...0 like the reference.
    static func bits(_ b: UnsafeMutablePointer<Float>) -> HashValue {
        let count = dctSide * dctSide
        let median = torbenMedian(b, count)
        var bytes = [UInt8](repeating: 0, count: PDQConstants.hashByteCount)
        for k in 0..<count where b[k] > median {
            let word = k >> 4, bit = k & 15
            // Word w prints at hex position 15 - w, high byte first.
            let byteIndex = 2 * (15 - word) + (bit >= 8 ? 0 : 1)
            bytes[byteIndex] |= UInt8(1) << UInt8(bit & 7)
        }
        return HashValue(bytes: bytes)
    }

    /// Hashes of all 8 variants from the DCT in `buffer16` (pdqhashing.cpp
    /// `dct16OriginalTo*`: sign patterns on odd rows/columns, transposes for quarter turns
    /// and diagonal flips).
    private func variantHashes() -> [DihedralVariant: HashValue] {
        var out: [DihedralVariant: HashValue] = [:]
        out.reserveCapacity(DihedralVariant.allCases.count)
        let a = buffer16, b = buffer16Aux, n = Self.dctSide
        for v in DihedralVariant.allCases {
            if v == .orig { out[v] = Self.bits(a); continue }
            for i in 0..<n {
                for j in 0..<n {
                    let x = a[i * n + j]
                    switch v {
                    case .orig: break
                    case .rot90: b[j * n + i] = (j & 1) != 0 ? x : -x
                    case .rot180: b[i * n + j] = ((i + j) & 1) != 0 ? -x : x
                    case .rot270: b[j * n + i] = (i & 1) != 0 ? x : -x
                    case .flipx: b[i * n + j] = (i & 1) != 0 ? x : -x
                    case .flipy: b[i * n + j] = (j & 1) != 0 ? x : -x
                    case .flipp: b[j * n + i] = x
                    case .flipm: b[j * n + i] = ((i + j) & 1) != 0 ? -x : x
                    }
                }
            }
            out[v] = Self.bits(b)
        }
        return out
    }
}
