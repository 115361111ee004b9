import XCTest
@testable import HashscreenCore

final class ImageMagicTests: XCTestCase {
    func testEachFormatAndItsNearMisses() {
        let cases: [([UInt8], ImageMagic?)] = [
            ([0xFF, 0xD8, 0xFF, 0xE0], .jpeg),
            ([0xFF, 0xD8], nil),                                   // SOI without a marker
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0], .png),
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A], nil),     // signature cut short
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x0A, 0x0A], nil),
            (Array("RIFF\u{1}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), .webp),
            (Array("RIFF\u{1}\u{0}\u{0}\u{0}WAVE".utf8), nil),
            (Array("RIFF\u{1}\u{0}\u{0}\u{0}WEB".utf8), nil),
            (Array("GIF87a".utf8), .gif), (Array("GIF89a..".utf8), .gif),
            (Array("GIF88a".utf8), nil), (Array("GIF8".utf8), nil),
            (Array("II*\u{0}".utf8), .tiff), (Array("MM\u{0}*".utf8), .tiff), (Array("II*".utf8), nil),
            (Array("BM..".utf8), nil), ([], nil), (Array("https://example.com/a.jpg".utf8), nil),
        ]
        for (bytes, want) in cases {
            XCTAssertEqual(ImageMagic.sniff(bytes), want, "\(bytes)")
            XCTAssertEqual(bytes.withUnsafeBytes { ImageMagic.sniff($0) }, want, "\(bytes)")
            XCTAssertEqual(ImageMagic.matches(bytes[...]), want != nil)
        }
        // Only the first prefixLength bytes count: a signature further in is not one.
        XCTAssertNil(ImageMagic.sniff([UInt8](repeating: 0x20, count: ImageMagic.prefixLength) + [0xFF, 0xD8, 0xFF]))
    }
}
