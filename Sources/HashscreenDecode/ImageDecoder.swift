/// HashscreenDecode: image bytes in, 8-bit RGB pixels out.
///
/// - *format*: what the magic bytes say the file is, whatever its extension.
/// - *decode*: the whole image to interleaved 8-bit RGB, rows top to bottom; failures are
///   `DecodeError`s (per-sample data for the pipeline, never a crash).
import CImageShim
import HashscreenCore

/// An image file format, sniffed from magic bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp, gif

    /// The format the leading bytes announce, or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        let b = bytes
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 8, b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47,
           b[4] == 0x0D, b[5] == 0x0A, b[6] == 0x1A, b[7] == 0x0A { return .png }
        if b.count >= 12, b[0] == 0x52, b[1] == 0x49, b[2] == 0x46, b[3] == 0x46,
           b[8] == 0x57, b[9] == 0x45, b[10] == 0x42, b[11] == 0x50 { return .webp }
        if b.count >= 6, b[0] == 0x47, b[1] == 0x49, b[2] == 0x46, b[3] == 0x38,
           (b[4] == 0x37 || b[4] == 0x39), b[5] == 0x61 { return .gif }
        return nil
    }
}

/// 8-bit RGB pixels, 3 bytes per pixel, rows top to bottom, no padding.
public struct RGBImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3)
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// Why an image could not be decoded.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case unknownFormat, unsupportedFormat, corrupt, truncated, tooLarge, outOfMemory }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}

/// Limits and options of one decode.
public struct DecodeOptions: Sendable {
    /// Default pixel-count limit: 100 megapixels. A decompression bomb (a small file announcing
    /// a huge canvas) is refused from its header, before any pixel memory is allocated.
    public static let defaultMaxPixels: UInt64 = 100_000_000
    public var maxPixels: UInt64
    /// DCT-domain downscale for JPEG (1, 2, 4 or 8).
    public var jpegScaleDenominator: Int
    public init(maxPixels: UInt64 = DecodeOptions.defaultMaxPixels, jpegScaleDenominator: Int = 1) {
        self.maxPixels = maxPixels; self.jpegScaleDenominator = jpegScaleDenominator
    }
}

/// Decodes whole in-memory image files to RGB.
public enum ImageDecoder {
    public static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = .init()) throws(DecodeError) -> RGBImage {
        guard let format = ImageFormat.sniff(bytes) else {
            throw DecodeError(.unknownFormat, "not a JPEG, PNG, WebP or GIF file (unrecognised leading bytes)")
        }
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var info = hs_image()
        var out: UnsafeMutablePointer<UInt8>? = nil
        let rc: Int32
        switch format {
        case .jpeg:
            rc = hs_jpeg_decode_rgb(base, bytes.count, Int32(options.jpegScaleDenominator), options.maxPixels, &out, &info)
        case .png:
            rc = hs_png_decode_rgb(base, bytes.count, options.maxPixels, &out, &info)
        case .webp, .gif:
            throw DecodeError(.unsupportedFormat, "\(format.rawValue) decoding is not supported yet")
        }
        let message = withUnsafeBytes(of: info.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard rc == HS_OK, let buf = out else {
            if rc == HS_ERR_TOO_LARGE { throw DecodeError(.tooLarge, message) }
            if rc == HS_ERR_NOMEM { throw DecodeError(.outOfMemory, "out of memory decoding \(format.rawValue)") }
            throw DecodeError(.corrupt, "\(format.rawValue): \(message)")
        }
        defer { hs_free(buf) }
        if info.warnings > 0 {
            throw DecodeError(.truncated, "\(format.rawValue): corrupt or truncated data: \(message)")
        }
        let w = Int(info.width), h = Int(info.height)
        let pixels = [UInt8](UnsafeBufferPointer(start: buf, count: w * h * 3))
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws(DecodeError) -> RGBImage {
        do {
            return try bytes.withUnsafeBytes { raw in try decode(raw, options: options) }
        } catch let e as DecodeError { throw e } catch { fatalError("unreachable") }
    }
}
