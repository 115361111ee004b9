// Pillow's 8-bit greyscale conversion and Lanczos resize, reproduced integer for integer.
//
// References (python-pillow/Pillow, HPND licence; this is an independent Swift rewrite):
// - src/libImaging/Convert.c `rgb2l`: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
//   (ITU-R 601-2 luma in 16-bit fixed point).
// - src/libImaging/Resample.c `precompute_coeffs`, `normalize_coeffs_8bpc`,
//   `ImagingResampleHorizontal_8bpc`/`Vertical_8bpc`, `ImagingResampleInner`: separable
//   convolution, horizontal pass first (only on the rows the vertical pass reads), support
//   scaled by the downscale factor, coefficients normalised to sum 1 in double then rounded to
//   fixed point with PRECISION_BITS = 22, each pass rounded and clipped to 8 bits.
// - src/PIL/Image.py `Image.resize`: same size returns a copy; no `reducing_gap` by default.
// Checked against the Pillow 13.0.0 release sources (the version the cross-checks pin).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pillow's `L` conversion and `Image.resize(..., LANCZOS)` for 8-bit greyscale planes.
enum PillowResample {
    /// Resample.c `PRECISION_BITS = 32 - 8 - 2`.
    static let precisionBits = 22
    /// Resample.c `LANCZOS` support radius (a = 3).
    static let lanczosSupport = 3.0

    /// Convert.c `rgb2l`.
    @inline(__always) static func grey(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (Int(r) * 19595 + Int(g) * 38470 + Int(b) * 7471 + 0x8000) >> 16)
    }

    /// Resample.c `sinc_filter`.
    @inline(__always) static func sinc(_ x: Double) -> Double {
        if x == 0.0 { return 1.0 }
        let y = x * Double.pi
        return sin(y) / y
    }

    /// Resample.c `lanczos_filter`: truncated sinc, a = 3.
    @inline(__always) static func lanczos(_ x: Double) -> Double {
        if -3.0 <= x && x < 3.0 { return sinc(x) * sinc(x / 3) }
        return 0.0
    }

    /// Coefficients by (input size, output size), kept between images of the same size
    /// (datasets repeat sizes; each set costs thousands of `sin` calls).
    final class CoefficientCache {
        /// Entries kept before the cache is emptied (sizes in a dataset repeat, but bound it).
        static let capacity = 64
        private var entries: [Int: Coefficients] = [:]
        func get(inSize: Int, outSize: Int) -> Coefficients {
            let key = inSize << 20 | outSize
            if let c = entries[key] { return c }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            let c = PillowResample.coefficients(inSize: inSize, outSize: outSize)
            entries[key] = c
            return c
        }
    }

    /// Fixed-point filter taps for one axis: for output k, taps `weights[k*ksize ..< +count]`
    /// apply to inputs `start ..< start+count`.
    struct Coefficients {
        var ksize: Int
        var start: [Int]
        var count: [Int]
        var weights: [Int32]
    }

    /// Resample.c `precompute_coeffs` (box = the whole axis) + `normalize_coeffs_8bpc`.
    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let in0: Float = 0, in1 = Float(inSize)
        let scale = Double(in1 - in0) / Double(outSize)
        let filterscale = scale < 1.0 ? 1.0 : scale
        let support = lanczosSupport * filterscale
        let ksize = Int(ceil(support)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        let invFilterscale = 1.0 / filterscale
        let one = Double(1 << precisionBits)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            var ww = 0.0
            var xmin = Int(center - support + 0.5)
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            for x in 0..<ksize { k[x] = 0 }
            for x in 0..<max(xmax, 0) {
                let w = lanczos((Double(x + xmin) - center + 0.5) * invFilterscale)
                k[x] = w
                ww += w
            }
            if ww != 0.0 {
                for x in 0..<max(xmax, 0) { k[x] /= ww }
            }
            for x in 0..<ksize {
                let v = k[x]
                weights[xx * ksize + x] = v < 0 ? Int32(-0.5 + v * one) : Int32(0.5 + v * one)
            }
            start[xx] = xmin
            count[xx] = max(xmax, 0)
        }
        return Coefficients(ksize: ksize, start: start, count: count, weights: weights)
    }

    /// Resample.c `clip8`: the fixed-point sum back to 0...255.
    @inline(__always) static func clip8(_ ss: Int) -> UInt8 {
        let v = ss >> precisionBits
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(v))
    }

    /// `Image.resize((outWidth, outHeight), LANCZOS)` of an 8-bit plane. `temp` is scratch,
    /// grown as needed; `out` must hold outWidth x outHeight.
    ///
    /// Pass order as Pillow 13.0.0 `ImagingResampleInner`: vertical first when the height
    /// shrinks by more than twice as many pixels as the width, else horizontal first (and then
    /// only on the rows the vertical pass reads). Pillow 12 and older always went horizontal
    /// first; the two orders can differ by one grey level on such tall images.
    static func resize(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>,
                       temp: inout [UInt8], cache: CoefficientCache = CoefficientCache()) {
        if width == outWidth && height == outHeight {
            for i in 0..<(width * height) { out[i] = src[i] }
            return
        }
        let needHorizontal = outWidth != width
        let needVertical = outHeight != height
        let horizontalFirst = !((height - outHeight) > 0 && (height - outHeight) > (width - outWidth) * 2)
        let input = src.baseAddress!

        if !needVertical {
            horizontalPass(input, width: width, rows: height, firstRow: 0, outWidth: outWidth, out: out,
                           coefficients: cache.get(inSize: width, outSize: outWidth))
            return
        }
        if !needHorizontal {
            verticalPass(input, width: width, rowOffset: 0, outHeight: outHeight, out: out,
                         coefficients: cache.get(inSize: height, outSize: outHeight))
            return
        }
        if horizontalFirst {
            let vert = cache.get(inSize: height, outSize: outHeight)
            let firstRow = vert.start[0]
            let lastRow = vert.start[outHeight - 1] + vert.count[outHeight - 1]
            let rows = lastRow - firstRow
            if temp.count < rows * outWidth { temp = [UInt8](repeating: 0, count: rows * outWidth) }
            temp.withUnsafeMutableBufferPointer { t in
                horizontalPass(input, width: width, rows: rows, firstRow: firstRow, outWidth: outWidth, out: t.baseAddress!,
                               coefficients: cache.get(inSize: width, outSize: outWidth))
                verticalPass(t.baseAddress!, width: outWidth, rowOffset: firstRow, outHeight: outHeight,
                             out: out, coefficients: vert)
            }
        } else {
            if temp.count < width * outHeight { temp = [UInt8](repeating: 0, count: width * outHeight) }
            temp.withUnsafeMutableBufferPointer { t in
                verticalPass(input, width: width, rowOffset: 0, outHeight: outHeight, out: t.baseAddress!,
                             coefficients: cache.get(inSize: height, outSize: outHeight))
                horizontalPass(t.baseAddress!, width: width, rows: outHeight, firstRow: 0, outWidth: outWidth, out: out,
                               coefficients: cache.get(inSize: width, outSize: outWidth))
            }
        }
    }

    /// Resample.c `ImagingResampleHorizontal_8bpc`: rows `firstRow ..< firstRow+rows` of a
    /// `width`-wide plane to `outWidth` columns.
    static func horizontalPass(_ input: UnsafePointer<UInt8>, width: Int, rows: Int, firstRow: Int,
                               outWidth: Int, out: UnsafeMutablePointer<UInt8>, coefficients hor: Coefficients) {
        let half = Int32(1 << (precisionBits - 1))
        hor.weights.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            for y in 0..<rows {
                let line = input + (y + firstRow) * width
                for xx in 0..<outWidth {
                    let kx = w + xx * hor.ksize
                    let s = line + hor.start[xx]
                    // C `int` arithmetic; |sum| < 2^31 for any 8-bit input, so wrapping
                    // operators only let the loop vectorise.
                    var ss = half
                    for x in 0..<hor.count[xx] { ss = ss &+ Int32(s[x]) &* kx[x] }
                    out[y * outWidth + xx] = clip8(Int(ss))
                }
            }
        }
    }

    /// Resample.c `ImagingResampleVertical_8bpc`: a `width`-wide plane whose first row is
    /// source row `rowOffset`, to `outHeight` rows.
    static func verticalPass(_ input: UnsafePointer<UInt8>, width: Int, rowOffset: Int, outHeight: Int,
                             out: UnsafeMutablePointer<UInt8>, coefficients vert: Coefficients) {
        let half = Int32(1 << (precisionBits - 1))
        vert.weights.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            for yy in 0..<outHeight {
                let ky = w + yy * vert.ksize
                let ymin = vert.start[yy] - rowOffset
                let n = vert.count[yy]
                for xx in 0..<width {
                    var ss = half
                    for y in 0..<n { ss = ss &+ Int32(input[(y + ymin) * width + xx]) &* ky[y] }
                    out[yy * width + xx] = clip8(Int(ss))
                }
            }
        }
    }
}
