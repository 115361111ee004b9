/// HashscreenDecode: image bytes in, 8-bit RGB pixels out.
///
/// - *format*: what the magic bytes say the file is, whatever its extension (`ImageFormat.sniff`).
/// - *header*: format, size and sample layout read without decoding pixels (`ImageDecoder.probe`).
/// - *decode*: the first frame to interleaved 8-bit RGB, rows top to bottom, colour defined as
///   the bench reference (`bench/make_dataset.py` `reference_rgb`): Pillow's first
///   frame `.convert('RGB')`, EXIF orientation not applied, alpha dropped (not composited),
///   16-bit samples `>> 8`. docs/decoding.md gives every rule and what is refused.
/// - *failure*: a `DecodeError` (kind + message), per-sample data for the pipeline, never a crash.
///
/// The C work (libjpeg-turbo, libpng, libwebp, giflib) lives in CImageShim so that no longjmp
/// crosses a Swift frame.
import CImageShim
import HashscreenCore

/// An image file format, sniffed from magic bytes.
package enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, gif

    /// The format the leading bytes announce, or nil (`ImageMagic`; TIFF is recognised there but
    /// not decoded: `sniffUndecoded` names it).
    package static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        switch ImageMagic.sniff(bytes) {
        case .jpeg: return .jpeg
        case .png: return .png
        case .webp: return .webp
        case .gif: return .gif
        case .tiff, nil: return nil
        }
    }

    package static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        bytes.withUnsafeBytes { sniff($0) }
    }

    /// Names a few formats we recognise but do not decode, for a clearer refusal.
    static func sniffUndecoded(_ b: UnsafeRawBufferPointer) -> String? {
        func at(_ i: Int, _ s: String) -> Bool {
            let u = Array(s.utf8)
            return b.count >= i + u.count && (0..<u.count).allSatisfy { b[i + $0] == u[$0] }
        }
        if at(0, "BM") { return "BMP" }
        if at(0, "II*\u{0}") || at(0, "MM\u{0}*") { return "TIFF" }
        if at(4, "ftypavif") || at(4, "ftypavis") { return "AVIF" }
        if at(4, "ftyphei") || at(4, "ftypmif1") || at(4, "ftypmsf1") { return "HEIF" }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0x0A { return "JPEG XL" }
        if at(4, "JXL ") { return "JPEG XL" }
        if at(0, "\u{0}\u{0}\u{1}\u{0}") { return "ICO" }
        if at(0, "RIFF") { return "RIFF (not WebP)" }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xD8 { return "JPEG without a marker after SOI" }
        return nil
    }
}

/// What a file's header says, read without decoding any pixel.
package struct ImageHeader: Sendable, Equatable {
    package var format: ImageFormat
    /// Stored size, before any JPEG DCT scaling: for GIF the logical screen grown to hold the
    /// first frame (what Pillow decodes), for WebP the canvas.
    package var width: Int
    package var height: Int
    /// Samples per pixel as stored: 1 grey or palette index, 2 grey+alpha, 3 colour, 4 colour+alpha
    /// (WebP) or CMYK/YCCK (JPEG).
    package var components: Int
    /// 1, 2, 4, 8 or 16 (PNG); 8 for the others.
    package var bitsPerSample: Int

    init(format: ImageFormat, width: Int, height: Int, components: Int, bitsPerSample: Int) {
        self.format = format; self.width = width; self.height = height
        self.components = components; self.bitsPerSample = bitsPerSample
    }
}

/// 8-bit RGB pixels, 3 bytes per pixel, rows top to bottom, no padding.
package struct RGBImage: Sendable {
    package var width: Int
    package var height: Int
    package var pixels: [UInt8]
    package init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3)
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// A decoded image borrowed from an `ImageDecoder`'s buffer: valid only inside the closure
/// given to `ImageDecoder.withDecoded`, so pixels are never copied on the hot path.
package struct RGBPixels {
    package let width: Int
    package let height: Int
    /// width * height * 3 bytes, RGB, rows top to bottom, no padding.
    package let pixels: UnsafeBufferPointer<UInt8>
    /// The file's header (stored size before any DCT scaling).
    package let header: ImageHeader
    /// The JPEG DCT-domain reduction used (1 = full size; always 1 for other formats).
    package let scaleDenominator: Int
    /// Recoverable decoder warnings that did not fail the decode (e.g. libpng's "known incorrect
    /// sRGB profile", libjpeg's "extraneous bytes before marker").
    let warnings: Int

    /// An owned copy.
    package func makeImage() -> RGBImage {
        RGBImage(width: width, height: height, pixels: Array(pixels))
    }
}

/// Why an image could not be decoded.
package struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// Zero bytes.
        case empty
        /// The leading bytes are not those of an image format we know.
        case unknownFormat
        /// A format (or variant, e.g. 12-bit JPEG) recognised but not decoded.
        case unsupportedFormat
        /// Invalid or damaged data.
        case corrupt
        /// The data ends before the image does.
        case truncated
        /// Over `DecodeOptions.maxPixels`: refused from the header, before allocating pixels.
        case tooLarge
        /// Over a decoding-cost limit (`DecodeOptions.jpegMaxScans`, PNG chunk limits, GIF
        /// extension records, WebP frames): refused before its cost is paid.
        case overLimit
        case outOfMemory
    }
    package var kind: Kind
    package var message: String
    package init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    package var description: String { message }
}

/// Limits and options of one decode.
package struct DecodeOptions: Sendable {
    /// Default pixel-count limit: 100 megapixels (Pillow warns at 89.5 MP and refuses at 179 MP,
    /// `Image.MAX_IMAGE_PIXELS`); web images are far below it. A decompression bomb (a small file
    /// announcing a huge canvas) is refused from its header, before any pixel memory is allocated.
    package static let defaultMaxPixels: UInt64 = 100_000_000
    /// The DCT scaling factors libjpeg offers as 1/N for this option (libjpeg.txt, scale_denom).
    static let jpegScaleDenominators = [1, 2, 4, 8]

    /// Largest stored width * height accepted (GIF: the canvas grown to hold the first frame).
    package var maxPixels: UInt64
    /// DCT-domain downscale for JPEG: 1, 2, 4 or 8. Ignored when `jpegMinimumSide` is set.
    package var jpegScaleDenominator: Int
    /// If set, JPEGs are reduced in the DCT domain by the largest of 1/8, 1/4, 1/2 that keeps
    /// both output sides >= this many pixels (1/1 if none does). Perceptual hashes need only
    /// ~64-512 px, and decoding at 1/4 costs a fraction of decoding at 1/1. Other formats
    /// are always decoded whole.
    package var jpegMinimumSide: Int?
    /// JPEG only: accept images whose entropy-coded data libjpeg had to resynchronise past
    /// (garbage pixels in places, as Pillow returns them). Default false: such a file fails
    /// with kind `.corrupt`. A JPEG cut short always fails as `.truncated`. Either way decoding
    /// stops at the damage: the rest of a refused image is never decoded.
    package var acceptCorruptJPEGData: Bool
    /// Most scans a progressive JPEG may have (`HS_JPEG_MAX_SCANS` = 100; docs/decoding.md,
    /// "Cost bound"): every scan walks every block, so this bounds a JPEG's decoding cost.
    package var jpegMaxScans: Int
    /// The default scan limit, from the C shim.
    package static let defaultJPEGMaxScans = Int(HS_JPEG_MAX_SCANS)

    package init(maxPixels: UInt64 = DecodeOptions.defaultMaxPixels, jpegScaleDenominator: Int = 1,
                jpegMinimumSide: Int? = nil, acceptCorruptJPEGData: Bool = false,
                jpegMaxScans: Int = DecodeOptions.defaultJPEGMaxScans) {
        self.maxPixels = maxPixels; self.jpegScaleDenominator = jpegScaleDenominator
        self.jpegMinimumSide = jpegMinimumSide; self.acceptCorruptJPEGData = acceptCorruptJPEGData
        self.jpegMaxScans = jpegMaxScans
    }
}

/// Decodes whole in-memory image files to RGB.
///
/// An instance owns reusable pixel and scratch memory: make one per worker (it is not
/// thread-safe) and call `withDecoded` to read pixels in place with no copy and no allocation
/// once the buffers have grown. The static functions are conveniences that return an owned copy.
package final class ImageDecoder {
    /// Buffers grown past this are released after each decode, so one huge image does not pin
    /// its memory in a worker for the rest of a run (64 MiB = a 21-megapixel RGB image).
    static let defaultRetainedBytesLimit = 64 << 20

    package var options: DecodeOptions
    package var retainedBytesLimit: Int
    private var output = hs_buffer()
    private var scratch = hs_buffer()

    package init(options: DecodeOptions = .init(), retainedBytesLimit: Int = ImageDecoder.defaultRetainedBytesLimit) {
        self.options = options
        self.retainedBytesLimit = retainedBytesLimit
    }

    deinit {
        hs_buffer_free(&output)
        hs_buffer_free(&scratch)
    }

    /// Decodes `bytes` into this decoder's buffer and hands the pixels to `body`; they are valid
    /// only during the call. Throws `DecodeError` for a bad image, or what `body` throws.
    package func withDecoded<R>(_ bytes: UnsafeRawBufferPointer, _ body: (RGBPixels) throws -> R) throws -> R {
        defer { trimBuffers() }
        let view = try decodeInPlace(bytes)
        return try body(view)
    }

    /// Decodes `bytes` to an owned image (one copy out of the reusable buffer).
    package func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> RGBImage {
        defer { trimBuffers() }
        return try decodeInPlace(bytes).makeImage()
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = .init()) throws(DecodeError) -> RGBImage {
        try ImageDecoder(options: options, retainedBytesLimit: 0).decode(bytes)
    }

    package static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws(DecodeError) -> RGBImage {
        let result: Result<RGBImage, DecodeError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DecodeError) -> RGBImage in try decode(raw, options: options) }
        }
        return try result.get()
    }

    /// Reads only the header: format, stored size, components and bit depth.
    package static func probe(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> ImageHeader {
        let format = try sniffOrThrow(bytes)
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var info = hs_image()
        let rc: Int32
        switch format {
        case .jpeg: rc = hs_jpeg_info(base, bytes.count, &info)
        case .png: rc = hs_png_info(base, bytes.count, &info)
        case .webp: rc = hs_webp_info(base, bytes.count, &info)
        case .gif: rc = hs_gif_info(base, bytes.count, &info)
        }
        try check(rc, format, info)
        return header(format, info)
    }

    package static func probe(_ bytes: [UInt8]) throws(DecodeError) -> ImageHeader {
        let result: Result<ImageHeader, DecodeError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DecodeError) -> ImageHeader in try probe(raw) }
        }
        return try result.get()
    }

    // MARK: - Internals

    private func decodeInPlace(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> RGBPixels {
        let format = try Self.sniffOrThrow(bytes)
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let o = options
        precondition(DecodeOptions.jpegScaleDenominators.contains(o.jpegScaleDenominator),
                     "jpegScaleDenominator must be 1, 2, 4 or 8")
        var info = hs_image()
        let rc: Int32
        switch format {
        case .jpeg:
            let minSide = Int32(clamping: max(o.jpegMinimumSide ?? 0, 0))
            rc = hs_jpeg_decode(base, bytes.count, Int32(o.jpegScaleDenominator), minSide, o.maxPixels,
                                Int32(clamping: max(o.jpegMaxScans, 0)), o.acceptCorruptJPEGData ? 1 : 0,
                                &output, &scratch, &info)
        case .png: rc = hs_png_decode(base, bytes.count, o.maxPixels, &output, &scratch, &info)
        case .webp: rc = hs_webp_decode(base, bytes.count, o.maxPixels, &output, &info)
        case .gif: rc = hs_gif_decode(base, bytes.count, o.maxPixels, &output, &scratch, &info)
        }
        if format == .jpeg, rc == Int32(HS_ERR_DECODE) || rc == Int32(HS_OK), info.corrupt_warnings > 0, !o.acceptCorruptJPEGData {
            throw DecodeError(.corrupt, "JPEG: corrupt compressed data (\(info.corrupt_warnings) libjpeg warning(s)): \(Self.message(info))")
        }
        try Self.check(rc, format, info)
        let w = Int(info.width), h = Int(info.height)
        return RGBPixels(width: w, height: h,
                         pixels: UnsafeBufferPointer(start: output.data, count: w * h * 3),
                         header: Self.header(format, info), scaleDenominator: Int(info.scale_denom),
                         warnings: Int(info.warnings))
    }

    private func trimBuffers() {
        if output.capacity > retainedBytesLimit { hs_buffer_free(&output) }
        if scratch.capacity > retainedBytesLimit { hs_buffer_free(&scratch) }
    }

    private static func sniffOrThrow(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> ImageFormat {
        if bytes.isEmpty { throw DecodeError(.empty, "empty file (0 bytes)") }
        if let format = ImageFormat.sniff(bytes) { return format }
        if let other = ImageFormat.sniffUndecoded(bytes) {
            throw DecodeError(.unsupportedFormat, "\(other) file: only JPEG, PNG, WebP and GIF are decoded")
        }
        throw DecodeError(.unknownFormat, "not a JPEG, PNG, WebP or GIF file (unrecognised leading bytes, \(bytes.count) bytes)")
    }

    private static func message(_ info: hs_image) -> String {
        withUnsafeBytes(of: info.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    private static func check(_ rc: Int32, _ format: ImageFormat, _ info: hs_image) throws(DecodeError) {
        if rc == HS_OK { return }
        let name = format.rawValue.uppercased()
        let text = message(info)
        switch rc {
        case Int32(HS_ERR_TOO_LARGE): throw DecodeError(.tooLarge, "\(name): \(text)")
        case Int32(HS_ERR_LIMIT): throw DecodeError(.overLimit, "\(name): \(text)")
        case Int32(HS_ERR_NOMEM): throw DecodeError(.outOfMemory, "\(name): out of memory \(text)")
        case Int32(HS_ERR_TRUNCATED): throw DecodeError(.truncated, "\(name): truncated file: \(text)")
        case Int32(HS_ERR_UNSUPPORTED): throw DecodeError(.unsupportedFormat, "\(name): \(text)")
        default: throw DecodeError(.corrupt, "\(name): corrupt file: \(text)")
        }
    }

    private static func header(_ format: ImageFormat, _ info: hs_image) -> ImageHeader {
        ImageHeader(format: format, width: Int(info.source_width), height: Int(info.source_height),
                    components: Int(info.components), bitsPerSample: Int(info.bits_per_sample))
    }
}
