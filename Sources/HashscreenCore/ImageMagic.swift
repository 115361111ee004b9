/// The image formats a dataset carries, told by their first bytes: the one sniffer the decoder
/// (`ImageFormat.sniff`), the manifest readers (embedded images against text) and the folder
/// walker (an image file without an image extension) share. References: JPEG SOI (ITU T.81
/// B.1.1.2), PNG signature (PNG spec 5.2), RIFF/WEBP (RFC 9649 2.5), GIF87a/GIF89a (GIF89a
/// spec 17), TIFF byte-order header (TIFF 6.0 section 2).
package enum ImageMagic: Sendable, Equatable {
    case jpeg, png, webp, gif, tiff

    /// Bytes `sniff` looks at, at most.
    package static let prefixLength = 12

    /// The format `bytes` start with, or nil.
    package static func sniff(_ b: UnsafeRawBufferPointer) -> ImageMagic? {
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 8, b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47,
           b[4] == 0x0D, b[5] == 0x0A, b[6] == 0x1A, b[7] == 0x0A { return .png }
        if b.count >= 12, b[0] == 0x52, b[1] == 0x49, b[2] == 0x46, b[3] == 0x46,
           b[8] == 0x57, b[9] == 0x45, b[10] == 0x42, b[11] == 0x50 { return .webp }
        if b.count >= 6, b[0] == 0x47, b[1] == 0x49, b[2] == 0x46, b[3] == 0x38,
           b[4] == 0x37 || b[4] == 0x39, b[5] == 0x61 { return .gif }
        if b.count >= 4, (b[0] == 0x49 && b[1] == 0x49 && b[2] == 0x2A && b[3] == 0x00)
            || (b[0] == 0x4D && b[1] == 0x4D && b[2] == 0x00 && b[3] == 0x2A) { return .tiff }
        return nil
    }

    /// The format a collection of bytes starts with (its first `prefixLength` bytes are read).
    package static func sniff<C: Collection>(_ bytes: C) -> ImageMagic? where C.Element == UInt8 {
        Array(bytes.prefix(prefixLength)).withUnsafeBytes { sniff($0) }
    }

    /// Whether `bytes` start like an image of one of these formats.
    package static func matches<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 { sniff(bytes) != nil }
}
