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
//
// Speed without changing a byte: the passes' sums are C `int` sums of products, exact in any
// order (wrapping 32-bit arithmetic, and every sum fits: |sum| < 2^31 for 8-bit input), so
// the vertical pass is run as accumulation, input row by input row, and one walk over the
// image feeds several output sizes (pHash 32x32, dHash 9x8, aHash 8x8) and converts each RGB
// row to grey once, into a one-row buffer. Only the intermediate 8-bit rounding between the
// two passes is an order that matters, and it is kept (Pillow's pass order per target).
// Checked against the Pillow 13.0.0 release sources (the version the cross-checks pin).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPixelKernels

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

    /// Fixed-point filter taps for one axis: for output k, taps `weights[k*stride ..< +count[k]]`
    /// apply to inputs `start[k] ..< start[k]+count[k]`. Owns its memory (read through
    /// pointers in the inner loops). Each output's taps are padded with zero weights to
    /// `count8[k]` (a multiple of 8) so that the horizontal pass runs whole 8-lane vectors;
    /// a zero weight adds 0 to the integer sum, so the result is unchanged.
    final class Coefficients {
        let inSize: Int, outSize: Int, ksize: Int
        /// Distance between two outputs' taps: `ksize` rounded up to a multiple of 8.
        let stride: Int
        let start: UnsafeMutablePointer<Int>
        let count: UnsafeMutablePointer<Int>
        let count8: UnsafeMutablePointer<Int>
        let weights: UnsafeMutablePointer<Int32>

        /// Resample.c `precompute_coeffs` (box = the whole axis) + `normalize_coeffs_8bpc`.
        init(inSize: Int, outSize: Int) {
            let in0: Float = 0, in1 = Float(inSize)
            let scale = Double(in1 - in0) / Double(outSize)
            let filterscale = scale < 1.0 ? 1.0 : scale
            let support = lanczosSupport * filterscale
            let ksize = Int(ceil(support)) * 2 + 1
            let stride = (ksize + 7) & ~7
            self.inSize = inSize; self.outSize = outSize; self.ksize = ksize; self.stride = stride
            start = .allocate(capacity: outSize)
            count = .allocate(capacity: outSize)
            count8 = .allocate(capacity: outSize)
            weights = .allocate(capacity: outSize * stride)
            weights.update(repeating: 0, count: outSize * stride)
            let k = UnsafeMutablePointer<Double>.allocate(capacity: ksize)
            defer { k.deallocate() }
            let invFilterscale = 1.0 / filterscale
            let one = Double(1 << precisionBits)
            var memo = LanczosMemo(reach: Int(ceil(support)) + 2)
            for xx in 0..<outSize {
                let center = Double(in0) + (Double(xx) + 0.5) * scale
                let slot = memo.slot(center)
                var ww = 0.0
                var xmin = Int(center - support + 0.5)
                if xmin < 0 { xmin = 0 }
                var xmax = Int(center + support + 0.5)
                if xmax > inSize { xmax = inSize }
                xmax -= xmin
                k.update(repeating: 0, count: ksize)
                for x in 0..<max(xmax, 0) {
                    let w = memo.lanczos((Double(x + xmin) - center + 0.5) * invFilterscale, slot: slot,
                                         offset: x + xmin - memo.floorCenter)
                    k[x] = w
                    ww += w
                }
                if ww != 0.0 {
                    for x in 0..<max(xmax, 0) { k[x] /= ww }
                }
                for x in 0..<ksize {
                    let v = k[x]
                    weights[xx * stride + x] = v < 0 ? Int32(-0.5 + v * one) : Int32(0.5 + v * one)
                }
                start[xx] = xmin
                count[xx] = max(xmax, 0)
                count8[xx] = (count[xx] + 7) & ~7
            }
        }

        deinit { start.deallocate(); count.deallocate(); count8.deallocate(); weights.deallocate() }

        /// First input index any output reads, and one past the last.
        var inputRange: Range<Int> {
            guard outSize > 0 else { return 0..<0 }
            return start[0] ..< Swift.max(start[0], start[outSize - 1] + count[outSize - 1])
        }
    }

    /// Remembers `lanczos(arg)` by argument while one coefficient set is built: output
    /// centres with the same fractional part (`(k + 0.5) * in / out`: 1 to 32 distinct ones for
    /// 32 outputs, few for even sizes) give the same tap arguments, and each `lanczos` costs two
    /// `sin`. A value is reused only for a bit-identical argument, so nothing changes.
    struct LanczosMemo {
        /// Distinct fractional parts remembered (one per output at most for pHash).
        static let maxSlots = 32
        let reach: Int, rowLength: Int
        private var fractions: [UInt64] = []
        private var args: [UInt64]
        private var values: [Double]
        private(set) var floorCenter = 0

        init(reach: Int) {
            self.reach = reach
            rowLength = 2 * reach + 1
            args = [UInt64](repeating: Double.nan.bitPattern, count: Self.maxSlots * rowLength)
            values = [Double](repeating: 0, count: Self.maxSlots * rowLength)
        }

        /// The slot for an output centred at `center` (-1: not remembered).
        mutating func slot(_ center: Double) -> Int {
            let f = center.rounded(.down)
            floorCenter = Int(f)
            let key = (center - f).bitPattern
            if let i = fractions.firstIndex(of: key) { return i }
            guard fractions.count < Self.maxSlots else { return -1 }
            fractions.append(key)
            return fractions.count - 1
        }

        /// `PillowResample.lanczos(arg)` for the tap `offset` inputs from the centre's floor.
        mutating func lanczos(_ arg: Double, slot: Int, offset: Int) -> Double {
            guard slot >= 0, offset >= -reach, offset <= reach else { return PillowResample.lanczos(arg) }
            let i = slot * rowLength + offset + reach
            if args[i] == arg.bitPattern { return values[i] }
            let v = PillowResample.lanczos(arg)
            args[i] = arg.bitPattern
            values[i] = v
            return v
        }
    }

    /// Coefficients by (input size, output size), kept between images: each set costs
    /// thousands of `sin` calls and dataset sizes repeat (the 2000-image bench set has 982
    /// distinct sides among its 4000). Bounded by taps held, oldest dropped first.
    final class CoefficientCache {
        /// Taps (Int32) held at most: 4 MiB per hasher, about 170 sets for 1000 px sides.
        static let maxWeights = 1 << 20
        private var entries: [Int: Coefficients] = [:]
        private var order: [Int] = []
        private var oldest = 0
        private var held = 0

        func get(inSize: Int, outSize: Int) -> Coefficients {
            let key = inSize << 24 | outSize
            if let c = entries[key] { return c }
            let c = Coefficients(inSize: inSize, outSize: outSize)
            let size = c.outSize * c.stride
            while held + size > Self.maxWeights && oldest < order.count {
                if let gone = entries.removeValue(forKey: order[oldest]) { held -= gone.outSize * gone.stride }
                oldest += 1
            }
            if oldest > 64 && oldest * 2 > order.count { order.removeFirst(oldest); oldest = 0 }
            entries[key] = c
            order.append(key)
            held += size
            return c
        }
    }

    /// Resample.c `clip8`: the fixed-point sum back to 0...255.
    @inline(__always) static func clip8(_ ss: Int32) -> UInt8 {
        let v = ss >> Int32(precisionBits)
        return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
    }

    /// Resample.c: the rounding half added before the sums are shifted down.
    static let half = Int32(1 << (precisionBits - 1))

    /// Where the rows of the image come from.
    enum Source {
        /// An 8-bit grey plane (`width` bytes per row).
        case grey(UnsafePointer<UInt8>)
        /// Interleaved 8-bit RGB (`3 * width` bytes per row), converted with `rgb2l` per row.
        case rgb(UnsafePointer<UInt8>)
    }

    /// `Image.resize((outWidth, outHeight), LANCZOS)` of an 8-bit plane into `out`
    /// (outWidth x outHeight); one-off, without a reusable `Resizer`.
    static func resize(_ src: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>) {
        precondition(src.count >= width * height)
        guard width > 0, height > 0, let base = src.baseAddress else { return }
        Resizer().resize(.grey(base), width: width, height: height, targets: [(outWidth, outHeight, out)])
    }

    /// Runs Pillow's LANCZOS resize of one image to several sizes in one walk over its rows,
    /// reusing its scratch and coefficient cache from image to image. Not thread-safe.
    ///
    /// Per target, the pass order of Pillow 13.0.0 `ImagingResampleInner`: a side of the same
    /// size is not resampled; with both passes, vertical first when the height shrinks by more
    /// than twice as many pixels as the width, else horizontal first (on the rows the vertical
    /// pass reads). Pillow 12 and older always went horizontal first; the two orders can differ
    /// by one grey level on such tall images.
    final class Resizer {
        let cache = CoefficientCache()
        /// One grey row (RGB sources).
        private var row = Buffer<UInt8>()
        private var slots: [Slot] = []

        /// Per-target scratch: vertical accumulators, one horizontal row, the vertical-first
        /// intermediate plane.
        private final class Slot {
            var acc = Buffer<Int32>(), hrow = Buffer<UInt8>(), plane = Buffer<UInt8>()
            var plan = Plan.copy
            var out: UnsafeMutablePointer<UInt8>? = nil
            var outWidth = 0, outHeight = 0
            var hor: Coefficients? = nil, vert: Coefficients? = nil
            var rows = 0..<0
            var lo = 0
        }

        /// What a target's two passes are.
        private enum Plan { case copy, horizontalOnly, verticalOnly, horizontalFirst, verticalFirst }

        init() { rowBuffer = row.pointer }

        deinit {
            row.free()
            for s in slots { s.acc.free(); s.hrow.free(); s.plane.free() }
        }

        /// Resizes to every `(outWidth, outHeight, out)` target; `out` holds outWidth x outHeight.
        func resize(_ source: Source, width: Int, height: Int,
                    targets: [(outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>)]) {
            let needed = begin(width: width, height: height, targets: targets)
            let line = rowBuffer
            for y in needed {
                switch source {
                case .grey(let p): line.update(from: p + y * width, count: width)
                case .rgb(let p): Self.greyRow(p + 3 * y * width, line, width)
                }
                push(row: y)
            }
            end()
        }

        // State of the resize under way (between `begin` and `end`).
        private var width = 0, height = 0, active = 0

        /// Where the caller writes grey row y before `push(row: y)` (`width` bytes, followed by
        /// `padding` zero bytes the horizontal pass may read on zero weights).
        private(set) var rowBuffer: UnsafeMutablePointer<UInt8>

        /// Starts a resize fed row by row; returns the rows the targets read (push those, in
        /// order; other rows may be pushed too and are ignored).
        func begin(width: Int, height: Int,
                   targets: [(outWidth: Int, outHeight: Int, out: UnsafeMutablePointer<UInt8>)]) -> Range<Int> {
            precondition(width > 0 && height > 0)
            self.width = width; self.height = height; active = targets.count
            while slots.count < targets.count { slots.append(Slot()) }
            var neededLo = height, neededHi = 0   // the rows any target reads
            for (t, target) in targets.enumerated() {
                let s = slots[t], ow = target.outWidth, oh = target.outHeight
                precondition(ow > 0 && oh > 0)
                s.out = target.out; s.outWidth = ow; s.outHeight = oh; s.lo = 0
                let needH = ow != width, needV = oh != height
                s.hor = needH ? cache.get(inSize: width, outSize: ow) : nil
                s.vert = needV ? cache.get(inSize: height, outSize: oh) : nil
                if needH && needV {
                    let verticalFirst = (height - oh) > 0 && (height - oh) > (width - ow) * 2
                    s.plan = verticalFirst ? .verticalFirst : .horizontalFirst
                } else {
                    s.plan = needH ? .horizontalOnly : (needV ? .verticalOnly : .copy)
                }
                s.rows = s.vert?.inputRange ?? 0..<height
                switch s.plan {
                case .copy, .horizontalOnly: break
                case .horizontalFirst:
                    Self.startAccumulators(s.acc.reserve(oh * ow), oh * ow)
                    _ = s.hrow.reserve(ow)
                case .verticalOnly, .verticalFirst:
                    Self.startAccumulators(s.acc.reserve(oh * width), oh * width)
                }
                if !s.rows.isEmpty {
                    neededLo = Swift.min(neededLo, s.rows.lowerBound)
                    neededHi = Swift.max(neededHi, s.rows.upperBound)
                }
            }
            rowBuffer = row.reserve(width + Self.padding)
            (rowBuffer + width).update(repeating: 0, count: Self.padding)
            return neededLo ..< Swift.max(neededLo, neededHi)
        }

        /// Takes grey row `y`, written in `rowBuffer`.
        func push(row y: Int) {
            let line = UnsafePointer(rowBuffer)
            for t in 0..<active {
                let s = slots[t]
                guard s.rows.contains(y) else { continue }
                switch s.plan {
                case .copy:
                    (s.out! + y * width).update(from: line, count: width)
                case .horizontalOnly:
                    horizontal(line, s.hor!, s.out! + y * s.outWidth)
                case .horizontalFirst:
                    let h = s.hrow.pointer
                    horizontal(line, s.hor!, h)
                    Self.accumulate(UnsafePointer(h), y, width: s.outWidth, s.vert!, s.acc.pointer, lo: &s.lo)
                case .verticalOnly, .verticalFirst:
                    Self.accumulate(line, y, width: width, s.vert!, s.acc.pointer, lo: &s.lo)
                }
            }
        }

        /// Finishes the targets once every needed row was pushed.
        func end() {
            for t in 0..<active {
                let s = slots[t]
                switch s.plan {
                case .copy, .horizontalOnly: break
                case .horizontalFirst:
                    Self.finish(s.acc.pointer, s.out!, s.outHeight * s.outWidth)
                case .verticalOnly:
                    Self.finish(s.acc.pointer, s.out!, s.outHeight * width)
                case .verticalFirst:
                    let plane = s.plane.reserve(s.outHeight * width + Self.padding)
                    Self.finish(s.acc.pointer, plane, s.outHeight * width)
                    (plane + s.outHeight * width).update(repeating: 0, count: Self.padding)
                    for yy in 0..<s.outHeight {
                        horizontal(UnsafePointer(plane + yy * width), s.hor!, s.out! + yy * s.outWidth)
                    }
                }
            }
            active = 0
        }

        /// Convert.c `rgb2l` along one row (32-bit arithmetic: the sum is below 2^24).
        @inline(__always)
        static func greyRow(_ rgb: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<UInt8>, _ width: Int) {
            hs_grey_row(rgb, width, out)
        }

        /// Readable bytes after a row the horizontal pass reads.
        static let padding = 8

        /// Resample.c `ImagingResampleHorizontal_8bpc` for one row (`line` followed by
        /// `padding` readable bytes): C `int` arithmetic, wrapping 32-bit sums over each
        /// output's `count8` taps, exact in any order (see top).
        @inline(__always)
        func horizontal(_ line: UnsafePointer<UInt8>, _ c: Coefficients, _ out: UnsafeMutablePointer<UInt8>) {
            hs_resample_row(line, c.weights, c.stride, c.start, c.count8, c.outSize, half, Int32(precisionBits), out)
        }

        /// Resample.c `ImagingResampleVertical_8bpc`, turned inside out: adds input row `y`'s
        /// share to every output row whose window holds it. Windows start and end in
        /// increasing order, so the rows holding `y` follow `lo`.
        @inline(__always)
        static func accumulate(_ line: UnsafePointer<UInt8>, _ y: Int, width: Int, _ c: Coefficients,
                               _ acc: UnsafeMutablePointer<Int32>, lo: inout Int) {
            let start = c.start, count = c.count, weights = c.weights, n = c.outSize, stride = c.stride
            while lo < n && start[lo] + count[lo] <= y { lo += 1 }
            var yy = lo
            while yy < n && start[yy] <= y {
                let j = y - start[yy]
                if j < count[yy] {
                    let w = weights[yy * stride + j]
                    if w != 0 { hs_resample_accumulate(acc + yy * width, line, w, width) }
                }
                yy += 1
            }
        }

        static func startAccumulators(_ acc: UnsafeMutablePointer<Int32>, _ n: Int) {
            acc.update(repeating: half, count: n)
        }

        static func finish(_ acc: UnsafeMutablePointer<Int32>, _ out: UnsafeMutablePointer<UInt8>, _ n: Int) {
            for i in 0..<n { out[i] = clip8(acc[i]) }
        }
    }

    /// A growable scratch array kept from image to image (grown, never shrunk).
    struct Buffer<T> {
        private(set) var pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        private(set) var capacity = 1
        mutating func reserve(_ n: Int) -> UnsafeMutablePointer<T> {
            if n > capacity {
                pointer.deallocate()
                pointer = .allocate(capacity: n)
                capacity = n
            }
            return pointer
        }
        func free() { pointer.deallocate() }
    }
}
