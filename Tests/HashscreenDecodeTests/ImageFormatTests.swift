/// Sniffing and header probing: the bytes decide the format, whatever the file is called.
import Foundation
import HashscreenDecode
import XCTest

final class ImageFormatTests: XCTestCase {
    func testSniffUsesMagicBytesNotExtensions() throws {
        let cases: [(String, ImageFormat?)] = [
            ("jpeg_rgb_420.jpg", .jpeg), ("png_rgb.png", .png), ("webp_lossy.webp", .webp),
            ("gif_still.gif", .gif), ("png_named_as.jpg", .png), ("not_an_image.jpg", nil),
        ]
        for (name, format) in cases {
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(name))
            XCTAssertEqual(ImageFormat.sniff(bytes), format, name)
        }
        XCTAssertEqual(try ImageDecoder.probe(try readBytes(DecodePaths.images.appendingPathComponent("png_named_as.jpg"))).format, .png)
        XCTAssertNil(ImageFormat.sniff([0xFF, 0xD8]))
        XCTAssertEqual(ImageFormat.sniff(Array("GIF87a".utf8)), .gif)
    }

    /// Probe sizes agree with Pillow's (fixtures.json, written from Pillow's decode), GIFs whose
    /// first frame sticks out of the logical screen included.
    func testProbeSizesMatchPillow() throws {
        let manifest = try FixtureManifest.load()
        for row in manifest.fixtures where row.error == nil && row.scale == 1 {
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(row.file))
            let h = try ImageDecoder.probe(bytes)
            XCTAssertEqual(h.width, row.width, row.file)
            XCTAssertEqual(h.height, row.height, row.file)
        }
    }

    /// Layouts as make_fixtures.py wrote them.
    func testProbeComponentsAndDepth() throws {
        let cases: [(String, Int, Int)] = [
            ("jpeg_rgb_420.jpg", 3, 8), ("jpeg_grey.jpg", 1, 8), ("jpeg_cmyk_adobe.jpg", 4, 8),
            ("png_rgb.png", 3, 8), ("png_rgba.png", 4, 8), ("png_grey_alpha.png", 2, 8),
            ("png_grey16.png", 1, 16), ("png_rgb16.png", 3, 16), ("png_grey_2bit.png", 1, 2),
            ("png_palette16_4bit.png", 1, 4), ("png_bilevel_1bit.png", 1, 1),
            ("webp_lossy.webp", 3, 8), ("webp_lossy_alpha.webp", 4, 8), ("gif_still.gif", 1, 8),
        ]
        for (name, components, bits) in cases {
            let h = try ImageDecoder.probe(try readBytes(DecodePaths.images.appendingPathComponent(name)))
            XCTAssertEqual(h.components, components, name)
            XCTAssertEqual(h.bitsPerSample, bits, name)
        }
    }

    /// Probing a bomb reads its header only: the huge size is reported, nothing is allocated.
    func testProbeReadsOnlyTheHeader() throws {
        let cases: [(String, Int, Int)] = [
            ("bomb_png_100000x100000.png", 100000, 100000), ("bomb_jpeg_60000x60000.jpg", 60000, 60000),
            ("bomb_gif_screen_65535.gif", 65535, 65535),
            ("bomb_gif_frame_offset.gif", 60002, 60002), ("bomb_webp_canvas_16000.webp", 16000, 16000),
        ]
        for (name, w, h) in cases {
            let header = try ImageDecoder.probe(try readBytes(DecodePaths.images.appendingPathComponent(name)))
            XCTAssertEqual([header.width, header.height], [w, h], name)
        }
    }

    func testMaxPixelsIsAppliedFromTheHeader() throws {
        let bytes = try readBytes(DecodePaths.images.appendingPathComponent("png_rgb.png"))  // 40x32
        XCTAssertNoThrow(try ImageDecoder.decode(bytes, options: .init(maxPixels: 40 * 32)))
        XCTAssertThrowsError(try ImageDecoder.decode(bytes, options: .init(maxPixels: 40 * 32 - 1))) { e in
            XCTAssertEqual((e as! DecodeError).kind, .tooLarge)
        }
    }
}
