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
import CPixelKernels
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
package enum DihedralVariant: String, CaseIterable, Sendable {
    case orig, rot90, rot180, rot270, flipx, flipy, flipp, flipm
}

/// A PDQ hash, its quality, and optionally the dihedral variants.
package struct PDQResult: Sendable, Equatable {
    /// 32 bytes; `hash.hex` is the reference's 64-hex-digit text.
    package var hash: HashValue
    /// `QualityGate.pdq.range`; below `QualityGate.pdq.minimum` the hash is too flat to screen.
    package var quality: Int
    /// All 8 variants (including `.orig`) when asked for, else nil.
    package var variants: [DihedralVariant: HashValue]?

    package init(hash: HashValue, quality: Int, variants: [DihedralVariant: HashValue]? = nil) {
        self.hash = hash; self.quality = quality; self.variants = variants
    }
}

/// Computes PDQ hashes, reusing its scratch buffers from image to image.
///
/// Not thread-safe: give each worker thread its own hasher. Scratch is small (a few rows:
/// about `(height / 128 + 10) x width` floats), grows to the largest image seen and is kept.
package final class PDQHasher {
    // MARK: Reference constants

    /// Side of the downsampled image the DCT reads (pdqhashing.cpp: 64x64 buffer).
    static let downsampleSide = 64
    /// Number of DCT coefficients kept per axis (pdqhashing.cpp: 16x16 output).
    static let dctSide = 16
    /// Side of the `cimg512` pre-resize (pdqio.cpp `DOWNSAMPLE_DIMS = 512`).
    static let cimgSide = 512
    /// Quality: the gradient sum is divided by this and capped at `qualityCap`
    /// (pdqhashing.cpp `pdqImageDomainQualityMetric`, "heuristic scaling factor").
    static let qualityDivisor = 90
    static let qualityCap = QualityGate.pdq.range.upperBound

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

    /// Where the luma rows come from.
    private enum Source {
        case rgb(UnsafePointer<UInt8>, width: Int, height: Int)
        /// RGB hashed whole, each row also converted to Pillow grey and handed to a resizer
        /// (the 64-bit hashes), so the pixels are read once for both.
        case rgbAndGrey(UnsafePointer<UInt8>, width: Int, height: Int, PillowResample.Resizer)
        case luma(UnsafePointer<Float>, width: Int, height: Int)
    }

    /// Growable float scratch, owned by the hasher.
    private struct Scratch {
        var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        var capacity = 1
        mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
            if count > capacity {
                pointer.deallocate()
                pointer = .allocate(capacity: count)
                capacity = count
            }
            return pointer
        }
        func free() { pointer.deallocate() }
    }

    /// 16 luma rows, the two box-filter ring buffers, column sums, pass-2 output rows, the
    /// 16-row blocks the row filters run on (lane r of element j = row r, column j), the
    /// pass-1 block output, per-index divisors, and a row for outputs of unused lanes.
    /// (Blocks are read as Block, 16-byte aligned: malloc's alignment, which Swift's
    /// allocator uses for Float.)
    private var pass1Scratch = Scratch(), ring1 = Scratch(), sums1 = Scratch(), midRows = Scratch()
    private var lumaScratch = Scratch(), ring2 = Scratch()
    private var blockIn = Scratch(), blockMid = Scratch(), blockOut = Scratch(), divisors = Scratch()
    private var discardScratch = Scratch()
    private let rowPointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: PDQHasher.lanes)
    private let sampled = UnsafeMutablePointer<Block>.allocate(capacity: 64)
    private let sums2 = UnsafeMutablePointer<Float>.allocate(capacity: 64)
    private let outRow = UnsafeMutablePointer<Float>.allocate(capacity: 64)
    private let buffer64 = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 64)
    private let buffer16x64 = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 64)
    private let buffer16 = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 16)
    private let buffer16Aux = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 16)
    private let sampleIndex = UnsafeMutablePointer<Int>.allocate(capacity: 64)

    package init() {}

    deinit {
        pass1Scratch.free(); ring1.free(); sums1.free(); midRows.free(); lumaScratch.free(); ring2.free()
        blockIn.free(); blockMid.free(); blockOut.free(); discardScratch.free(); rowPointers.deallocate(); divisors.free(); sampled.deallocate()
        sums2.deallocate(); outRow.deallocate()
        buffer64.deallocate(); buffer16x64.deallocate(); buffer16.deallocate(); buffer16Aux.deallocate()
        sampleIndex.deallocate()
    }

    // MARK: Public entry points

    /// Hashes interleaved 8-bit RGB (3 bytes per pixel, rows top to bottom, no padding).
    package func hash(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        precondition(width >= 0 && height >= 0 && rgb.count >= width * height * 3,
                     "RGB buffer smaller than width x height x 3")
        let (rows, cols) = Self.hashedSize(width: width, height: height, mode: mode)
        guard rows >= PDQConstants.minHashableDimension, cols >= PDQConstants.minHashableDimension,
              let src = rgb.baseAddress else {
            return Self.zeroResult(dihedral: dihedral)
        }
        return hash(.rgb(src, width: width, height: height), rows: rows, cols: cols, dihedral: dihedral)
    }

    /// PDQ of interleaved 8-bit RGB, and the requested 64-bit ImageHash hashes of the same
    /// image from `hasher64`, reading each pixel once for both where it can (`.full` mode,
    /// images other than 64x64 and at least 5 px a side); the results are those of the two
    /// separate calls.
    package func hash(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, mode: PDQMode = .full,
                     dihedral: Bool = false, alongside hasher64: ImageHasher64,
                     kinds: Set<SignalKind>) -> (pdq: PDQResult, hashes64: [SignalKind: HashValue]) {
        precondition(width >= 0 && height >= 0 && rgb.count >= width * height * 3,
                     "RGB buffer smaller than width x height x 3")
        let side = Self.downsampleSide
        guard ImageHasher64.computesAny(kinds), mode == .full, let src = rgb.baseAddress,
              width >= PDQConstants.minHashableDimension, height >= PDQConstants.minHashableDimension,
              !(width == side && height == side) else {
            let r = hash(rgb: rgb, width: width, height: height, mode: mode, dihedral: dihedral)
            return (r, hasher64.hashes(rgb: rgb, width: width, height: height, kinds: kinds))
        }
        let resizer = hasher64.beginRows(width: width, height: height, kinds: kinds)
        let r = hash(.rgbAndGrey(src, width: width, height: height, resizer), rows: height, cols: width, dihedral: dihedral)
        return (r, hasher64.endRows(kinds))
    }

    /// Hashes interleaved 8-bit RGB held in an array.
    package func hash(rgb: [UInt8], width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        rgb.withUnsafeBufferPointer { hash(rgb: $0, width: width, height: height, mode: mode, dihedral: dihedral) }
    }

    /// Hashes a float32 luma plane (row-major, width x height), e.g. a greyscale image's
    /// values as floats, which the reference's grey path uses unweighted.
    package func hash(luma: UnsafeBufferPointer<Float>, width: Int, height: Int,
                     mode: PDQMode = .full, dihedral: Bool = false) -> PDQResult {
        precondition(width >= 0 && height >= 0 && luma.count >= width * height,
                     "luma buffer smaller than width x height")
        let (rows, cols) = Self.hashedSize(width: width, height: height, mode: mode)
        guard rows >= PDQConstants.minHashableDimension, cols >= PDQConstants.minHashableDimension,
              let src = luma.baseAddress else {
            return Self.zeroResult(dihedral: dihedral)
        }
        return hash(.luma(src, width: width, height: height), rows: rows, cols: cols, dihedral: dihedral)
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

    /// Writes luma row `i` of the hashed plane (rows x cols) into `out`: the source row, or
    /// in `cimg512` mode the nearest-neighbour sample (luma is per pixel, so sampling luma
    /// equals resizing the RGB first, as CImg does).
    @inline(__always)
    private static func fillRow(_ source: Source, _ i: Int, rows: Int, cols: Int, _ out: UnsafeMutablePointer<Float>) {
        let cr = lumaR, cg = lumaG, cb = lumaB
        switch source {
        case let .rgb(src, width, height):
            if rows == height && cols == width {
                hs_pdq_luma_row(src + 3 * i * width, cols, cr, cg, cb, out)
            } else {
                let row = src + 3 * (i * height / cimgSide) * width
                for j in 0..<cols {
                    let q = row + 3 * (j * width / cimgSide)
                    out[j] = cr * Float(q[0]) + cg * Float(q[1]) + cb * Float(q[2])
                }
            }
        case let .rgbAndGrey(src, width, _, resizer):
            // Only used unscaled (.full mode); called once per row, rows in order. The grey
            // row is Convert.c `rgb2l`, as PillowResample's.
            hs_pdq_luma_grey_row(src + 3 * i * width, cols, cr, cg, cb, out, resizer.rowBuffer)
            resizer.push(row: i)
        case let .luma(src, width, height):
            if rows == height && cols == width {
                out.update(from: src + i * width, count: cols)
            } else {
                let row = src + (i * height / cimgSide) * width
                for j in 0..<cols { out[j] = row[j * width / cimgSide] }
            }
        }
    }

    /// Hashes the plane the source gives (rows x cols, at least 5x5).
    private func hash(_ source: Source, rows: Int, cols: Int, dihedral: Bool) -> PDQResult {
        let side = Self.downsampleSide
        if rows == side && cols == side {
            // pdqFloat256FromFloatLuma takes a 64x64 input as already downsampled; the
            // reference's dihedral function has no such shortcut and filters it (below).
            for i in 0..<side { Self.fillRow(source, i, rows: rows, cols: cols, buffer64 + i * side) }
            let quality = Self.quality(buffer64)
            dct64To16()
            let hash = Self.bits(buffer16)
            guard dihedral else { return PDQResult(hash: hash, quality: quality) }
            downsample(source, rows: rows, cols: cols)
            dct64To16()
            return PDQResult(hash: hash, quality: quality, variants: variantHashes())
        }
        downsample(source, rows: rows, cols: cols)
        let quality = Self.quality(buffer64)
        dct64To16()
        if dihedral {
            let variants = variantHashes()
            return PDQResult(hash: variants[.orig]!, quality: quality, variants: variants)
        }
        return PDQResult(hash: Self.bits(buffer16), quality: quality)
    }

    /// Two row/column box-filter passes (pdqhashing.cpp `PDQ_NUM_JAROSZ_XY_PASSES = 2`: passes
    /// 1-4 below), then sampling at pixel centres into `buffer64`
    /// (downscaling.cpp `jaroszFilterFloat` + `decimateFloat`).
    ///
    /// Streamed row by row instead of over two full planes: a column filter only needs the
    /// last `window + 1` rows, so memory is O(window x cols), not O(rows x cols), and each
    /// value sees exactly the reference's operations in the reference's order.
    ///
    /// The row filters (passes 1 and 3) are serial running sums along a row; they run on
    /// blocks of 16 rows transposed so that one SIMD lane carries one row (16 independent
    /// chains, 8 divisions per instruction). The column filters (2 and 4) run all columns side
    /// by side. Pass 3's outputs are only read at the 64 sampled columns, so only those are
    /// divided (its running sums are the reference's); the sums and divisions themselves
    /// are unchanged, lane by lane.
    private func downsample(_ source: Source, rows: Int, cols: Int) {
        let side = Self.downsampleSide
        let windowAlongRows = Self.jaroszWindow(cols)
        let windowAlongCols = Self.jaroszWindow(rows)
        // Pass 2 gets rows in batches of 16, written before they are pushed: its ring keeps
        // `window + 16` rows so a new row never overwrites one still to be subtracted.
        let batch = Self.lanes
        // Block layout: element j of a block is column j, lane r is row r of the strip.
        let lumaBlock = UnsafeMutableRawPointer(blockIn.reserve(batch * cols)).assumingMemoryBound(to: Block.self)
        let midBlock = UnsafeMutableRawPointer(blockMid.reserve(batch * cols)).assumingMemoryBound(to: Block.self)
        let mid = midRows.reserve(batch * cols)   // pass-2 output rows, row-major
        let sumsBlock = UnsafeMutableRawPointer(blockOut.reserve(batch * cols)).assumingMemoryBound(to: Block.self)
        let lumaRowsBase = lumaScratch.reserve(batch * cols)   // 16 luma rows, row-major
        let discard = discardScratch.reserve(cols)                   // outputs of lanes past the last row
        let pass1Block = UnsafeMutableRawPointer(pass1Scratch.reserve(batch * cols)).assumingMemoryBound(to: Block.self)
        var pass2 = ColumnBox(width: cols, length: rows, window: windowAlongCols, ringRows: windowAlongCols + batch,
                              ring: ring1.reserve((windowAlongCols + batch) * cols), sums: sums1.reserve(cols))
        var pass4 = ColumnBox(width: side, length: rows, window: windowAlongCols, ringRows: windowAlongCols + 1,
                              ring: ring2.reserve((windowAlongCols + 1) * side), sums: sums2)
        let div = divisors.reserve(cols)
        Self.boxDivisors(div, cols, windowAlongRows)
        for j in 0..<side { sampleIndex[j] = Self.decimationIndex(j, cols) }
        var pending = 0       // pass-2 output rows waiting in `mid`
        var emitted = 0       // pass-4 output rows so far (= their row index)
        var nextOut = 0       // next buffer64 row to fill

        func emitPass4(_ row: UnsafeMutablePointer<Float>) {
            while nextOut < side && Self.decimationIndex(nextOut, rows) == emitted {
                (buffer64 + nextOut * side).update(from: row, count: side)
                nextOut += 1
            }
            emitted += 1
        }
        func flushPass3() {
            guard pending > 0 else { return }
            // Row filter (pass 3) over the pending pass-2 rows at the 64 sampled columns,
            // then each row's 64 values into the last column filter (pass 4).
            for r in pending..<batch { (mid + r * cols).update(repeating: 0, count: cols) }
            for r in 0..<batch { rowPointers[r] = mid + r * cols }
            Self.rowsToBlock(rowPointers, cols, midBlock)
            hs_box_lanes_sampled(Self.floats(midBlock), Self.floats(sumsBlock), cols, windowAlongRows,
                                 sampleIndex, side, div, Self.floats(sampled))
            for r in 0..<pending {
                let slot = pass4.nextSlot()
                for k in 0..<side { slot[k] = sampled[k][r] }
                if pass4.push(output: outRow) { emitPass4(outRow) }
            }
            pending = 0
        }

        var i = 0
        while i < rows {
            let n = Swift.min(batch, rows - i)
            for r in 0..<n { Self.fillRow(source, i + r, rows: rows, cols: cols, lumaRowsBase + r * cols) }
            for r in n..<batch { (lumaRowsBase + r * cols).update(repeating: 0, count: cols) }
            for r in 0..<batch { rowPointers[r] = lumaRowsBase + r * cols }
            Self.rowsToBlock(rowPointers, cols, lumaBlock)
            // Pass 1 (rows) on the block (vector divisions kept: results stay vectors until
            // stored), then each lane into its pass-2 ring slot.
            hs_box_lanes(Self.floats(lumaBlock), Self.floats(pass1Block), cols, windowAlongRows, div)
            for r in 0..<batch { rowPointers[r] = r < n ? pass2.slot(ahead: r) : discard }
            Self.blockToRows(pass1Block, cols, rowPointers)
            for _ in 0..<n {
                if pass2.push(output: mid + pending * cols) {
                    pending += 1
                    if pending == batch { flushPass3() }
                }
            }
            i += n
        }
        while pass2.hasTail {
            pass2.tail(output: mid + pending * cols)
            pending += 1
            if pending == batch { flushPass3() }
        }
        flushPass3()
        while pass4.hasTail {
            pass4.tail(output: outRow)
            emitPass4(outRow)
        }
        precondition(nextOut == side && emitted == rows, "PDQ downsampling bookkeeping")
    }

    /// Rows filtered side by side in one SIMD vector (`hs_box_lanes`).
    static let lanes = Int(HS_BOX_LANES)
    /// One block element: column j of the strip's 16 rows. Two AVX registers, so the
    /// running sums form two independent dependency chains.
    typealias Block = SIMD16<Float>

    /// 16 rows (`rows[r]`, `cols` floats each) into the lanes of a block, in 4x4 tiles.
    static func rowsToBlock(_ rows: UnsafePointer<UnsafeMutablePointer<Float>>, _ cols: Int,
                            _ block: UnsafeMutablePointer<Block>) {
        let b = UnsafeMutableRawPointer(block).assumingMemoryBound(to: Float.self)
        // Column by column (the block is written once, in order), the 4 row groups inside.
        var j = 0
        while j + 4 <= cols {
            for g in stride(from: 0, to: lanes, by: 4) {
                tileIn(rows[g] + j, rows[g + 1] + j, rows[g + 2] + j, rows[g + 3] + j, b + j * lanes + g)
            }
            j += 4
        }
        while j < cols {
            for r in 0..<lanes { b[j * lanes + r] = rows[r][j] }
            j += 1
        }
    }

    /// The lanes of a block back into 16 rows (`rows[r]`), in 4x4 tiles.
    static func blockToRows(_ block: UnsafePointer<Block>, _ cols: Int,
                            _ rows: UnsafePointer<UnsafeMutablePointer<Float>>) {
        let b = UnsafeRawPointer(block).assumingMemoryBound(to: Float.self)
        var j = 0
        while j + 4 <= cols {
            for g in stride(from: 0, to: lanes, by: 4) {
                tileOut(b + j * lanes + g, rows[g] + j, rows[g + 1] + j, rows[g + 2] + j, rows[g + 3] + j)
            }
            j += 4
        }
        while j < cols {
            for r in 0..<lanes { rows[r][j] = b[j * lanes + r] }
            j += 1
        }
    }

    /// Columns j..j+3 of 4 rows into 4 lanes of blocks j..j+3 (`dst` = lane 0 of block j).
    @inline(__always)
    static func tileIn(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                       _ d: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let va = load4(a), vb = load4(b), vc = load4(c), vd = load4(d)
        store4(SIMD4(va[0], vb[0], vc[0], vd[0]), dst)
        store4(SIMD4(va[1], vb[1], vc[1], vd[1]), dst + lanes)
        store4(SIMD4(va[2], vb[2], vc[2], vd[2]), dst + 2 * lanes)
        store4(SIMD4(va[3], vb[3], vc[3], vd[3]), dst + 3 * lanes)
    }

    /// The reverse of `tileIn`.
    @inline(__always)
    static func tileOut(_ src: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, _ d: UnsafeMutablePointer<Float>) {
        let v0 = load4(src), v1 = load4(src + lanes), v2 = load4(src + 2 * lanes), v3 = load4(src + 3 * lanes)
        store4(SIMD4(v0[0], v1[0], v2[0], v3[0]), a)
        store4(SIMD4(v0[1], v1[1], v2[1], v3[1]), b)
        store4(SIMD4(v0[2], v1[2], v2[2], v3[2]), c)
        store4(SIMD4(v0[3], v1[3], v2[3], v3[3]), d)
    }

    @inline(__always) static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }

    @inline(__always) static func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
    }

    /// The divisor `box1DFloat` uses at each output index: the growing count, then the full
    /// window, then the shrinking count (as floats, as the reference converts them).
    static func boxDivisors(_ d: UnsafeMutablePointer<Float>, _ length: Int, _ window: Int) {
        let half = (window + 2) / 2
        let phase1 = half - 1, phase2 = window - half + 1, phase3 = length - window, phase4 = half - 1
        var count = phase1, oi = 0
        for _ in 0..<phase2 { count += 1; d[oi] = Float(count); oi += 1 }
        for _ in 0..<phase3 { d[oi] = Float(count); oi += 1 }
        for _ in 0..<phase4 { count -= 1; d[oi] = Float(count); oi += 1 }
    }

    /// A block's floats, lane 0 of element 0 first (what the C kernels take).
    @inline(__always) static func floats(_ block: UnsafeMutablePointer<Block>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(block).assumingMemoryBound(to: Float.self)
    }

    /// downscaling.cpp `computeJaroszFilterWindowSize(dim, 64)`: ceil(dim / 128).
    @inline(__always) static func jaroszWindow(_ dim: Int) -> Int {
        (dim + 2 * downsampleSide - 1) / (2 * downsampleSide)
    }

    /// downscaling.cpp `decimateFloat`: `(int)(((k + 0.5) * dim) / 64)` in double.
    @inline(__always) static func decimationIndex(_ k: Int, _ dim: Int) -> Int {
        Int(((Double(k) + 0.5) * Double(dim)) / Double(downsampleSide))
    }

    /// downscaling.cpp `box1DFloat` down the columns of a stream of rows: a running-sum box
    /// filter whose window shrinks at both ends, fed one row at a time, all columns side by
    /// side. Rows live in a ring of at least `window + 1` slots (row r - window is subtracted
    /// when row r arrives).
    struct ColumnBox {
        let width: Int, window: Int, ringRows: Int
        let phase1: Int, phase2: Int, phase4: Int
        let ring: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
        private var pushed = 0, left = 0, count = 0, tailDone = 0

        init(width: Int, length: Int, window: Int, ringRows: Int,
             ring: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
            precondition(ringRows > window)
            self.width = width; self.window = window; self.ringRows = ringRows
            let half = (window + 2) / 2
            phase1 = half - 1; phase2 = window - half + 1; phase4 = half - 1
            precondition(length >= window)
            self.ring = ring; self.sums = sums
            sums.update(repeating: 0, count: width)
        }

        @inline(__always) private func slotPointer(_ row: Int) -> UnsafeMutablePointer<Float> {
            ring + (row % ringRows) * width
        }
        /// Where the next row to push must be written (`ahead` rows later for batches).
        func slot(ahead: Int = 0) -> UnsafeMutablePointer<Float> { slotPointer(pushed + ahead) }
        func nextSlot() -> UnsafeMutablePointer<Float> { slotPointer(pushed) }

        /// Takes the row written in `slot()`; true when an output row was written.
        @inline(__always)
        mutating func push(output o: UnsafeMutablePointer<Float>) -> Bool {
            let x = slotPointer(pushed)
            pushed += 1
            if pushed <= phase1 {
                hs_box_add(sums, x, width)
                count += 1
                return false
            }
            if pushed <= phase1 + phase2 {
                count += 1
                hs_box_add_divide(sums, x, Float(count), o, width)
                return true
            }
            let l = slotPointer(left)
            left += 1
            hs_box_slide(sums, x, l, Float(count), o, width)
            return true
        }

        /// Output rows still due after the last push (the shrinking window at the end).
        var hasTail: Bool { tailDone < phase4 }

        @inline(__always)
        mutating func tail(output o: UnsafeMutablePointer<Float>) {
            let l = slotPointer(left)
            left += 1
            tailDone += 1
            count -= 1
            hs_box_subtract_divide(sums, l, Float(count), o, width)
        }
    }

    /// pdqhashing.cpp `pdqImageDomainQualityMetric`: count of significant gradients.
    static func quality(_ b: UnsafeMutablePointer<Float>) -> Int {
        let side = downsampleSide
        // 8 neighbour pairs at a time: the same float ops per pair, truncated toward zero as
        // the C `(int)` cast, kept as floats: |d| <= 100 and the sums stay below 2^20, whole
        // numbers that float32 adds exactly.
        @inline(__always) func gradients(_ u: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> {
            let d = (((u - v) * 100) / 255).rounded(.towardZero)
            return d.replacing(with: -d, where: d .< 0)
        }
        @inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        }
        var acc = SIMD8<Float>(repeating: 0)
        for i in 0..<(side - 1) {
            for j in stride(from: 0, to: side, by: 8) {
                acc += gradients(load8(b + i * side + j), load8(b + (i + 1) * side + j))
            }
        }
        var gradientSum = Int(acc.sum())
        acc = SIMD8<Float>(repeating: 0)
        for i in 0..<side {
            for j in stride(from: 0, to: side - 8, by: 8) {
                acc += gradients(load8(b + i * side + j), load8(b + i * side + j + 1))
            }
            for j in (side - 8)..<(side - 1) {
                let u = b[i * side + j], v = b[i * side + j + 1]
                gradientSum += abs(Int(((u - v) * 100) / 255))
            }
        }
        gradientSum += Int(acc.sum())
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

    /// pdqhashing.cpp `pdqBuffer16x16ToBits`: the bit of B[i][j] is set when it exceeds the
    /// median, at `PDQBitLayout.position(row: i, column: j)` (so that `HashValue.hex` prints
    /// words 15...0 like the reference).
    static func bits(_ b: UnsafeMutablePointer<Float>) -> HashValue {
        let count = dctSide * dctSide
        let median = torbenMedian(b, count)
        var bytes = [UInt8](repeating: 0, count: PDQConstants.hashByteCount)
        for k in 0..<count where b[k] > median {
            let p = PDQBitLayout.position(row: k >> 4, column: k & 15)
            bytes[p >> 3] |= UInt8(0x80) >> UInt8(p & 7)
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
