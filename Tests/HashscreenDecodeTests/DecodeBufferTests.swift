/// The reusable-buffer path (`ImageDecoder` instances, `withDecoded`) and JPEG DCT scaling by
/// minimum side.
import Foundation
import HashscreenDecode
import XCTest

final class DecodeBufferTests: XCTestCase {
    /// One decoder, images of growing and shrinking size in turn: each result equals the
    /// fresh-decoder result, so no state leaks between decodes.
    func testReusedDecoderGivesTheSameImages() throws {
        let names = ["jpeg_scaling_123x97.jpg", "png_rgb.png", "jpeg_odd_1x1.jpg", "webp_animated_offset.webp",
                     "gif_frame_offset_transparent.gif", "png_rgb16_interlaced.png", "jpeg_cmyk_adobe.jpg"]
        let decoder = ImageDecoder(retainedBytesLimit: 1 << 30)
        for _ in 0..<2 {
            for name in names {
                let bytes = try readBytes(DecodePaths.images.appendingPathComponent(name))
                let fresh = try ImageDecoder.decode(bytes)
                let reused: [UInt8] = try bytes.withUnsafeBytes { raw in
                    try decoder.withDecoded(raw) { px in
                        XCTAssertEqual(px.width, fresh.width, name)
                        XCTAssertEqual(px.height, fresh.height, name)
                        return Array(px.pixels)
                    }
                }
                XCTAssertEqual(reused, fresh.pixels, name)
            }
        }
    }

    func testErrorsInsideAndOutsideTheBody() throws {
        struct BodyError: Error {}
        let decoder = ImageDecoder()
        let bytes = try readBytes(DecodePaths.images.appendingPathComponent("png_rgb.png"))
        XCTAssertThrowsError(try bytes.withUnsafeBytes { raw in try decoder.withDecoded(raw) { _ in throw BodyError() } }) {
            XCTAssertTrue($0 is BodyError)
        }
        let bad = Array(bytes.prefix(100))
        XCTAssertThrowsError(try bad.withUnsafeBytes { raw in try decoder.withDecoded(raw) { _ in 0 } }) {
            XCTAssertEqual(($0 as? DecodeError)?.kind, .truncated)
        }
        // the decoder still works after both
        let px = try bytes.withUnsafeBytes { raw in try decoder.withDecoded(raw) { ($0.width, $0.height) } }
        XCTAssertEqual(px.0, 40)
        XCTAssertEqual(px.1, 32)
    }

    /// `jpegMinimumSide` picks the largest of 1/8, 1/4, 1/2 keeping both sides >= N, by
    /// libjpeg's ceil(side / d) sizes, and the pixels are Pillow's `draft()` pixels at that scale.
    func testMinimumSideChoosesTheLargestReduction() throws {
        let name = "jpeg_scaling_123x97.jpg"
        let bytes = try readBytes(DecodePaths.images.appendingPathComponent(name))
        let manifest = try FixtureManifest.load()
        func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        for n in [1, 12, 13, 14, 20, 25, 26, 40, 49, 50, 64, 97, 98, 500] {
            let expectedDenom = [8, 4, 2].first { ceilDiv(123, $0) >= n && ceilDiv(97, $0) >= n } ?? 1
            let img = try bytes.withUnsafeBytes { raw in
                try ImageDecoder(options: .init(jpegMinimumSide: n)).withDecoded(raw) { px -> RGBImage in
                    XCTAssertEqual(px.scaleDenominator, expectedDenom, "minimum side \(n)")
                    XCTAssertEqual(px.header.width, 123)
                    return px.makeImage()
                }
            }
            XCTAssertEqual(img.width, ceilDiv(123, expectedDenom), "minimum side \(n)")
            XCTAssertEqual(img.height, ceilDiv(97, expectedDenom), "minimum side \(n)")
            let row = manifest.fixtures.first { $0.file == name && $0.scale == expectedDenom }!
            let expected = try readBytes(DecodePaths.expected.appendingPathComponent(row.expected!))
            XCTAssertEqual(img.pixels, expected, "minimum side \(n): Pillow draft 1/\(expectedDenom)")
        }
        // other formats ignore the option
        let png = try ImageDecoder.decode(try readBytes(DecodePaths.images.appendingPathComponent("png_rgb.png")),
                                          options: .init(jpegMinimumSide: 8))
        XCTAssertEqual(png.width, 40)
    }

    func testRetainedBytesLimitReleasesLargeBuffers() throws {
        // a limit of 0 frees after every decode; decoding must keep working
        let decoder = ImageDecoder(retainedBytesLimit: 0)
        for name in ["png_rgb.png", "jpeg_rgb_420.jpg", "png_rgb.png"] {
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(name))
            let a = try bytes.withUnsafeBytes { try decoder.decode($0) }
            XCTAssertEqual(a.pixels, try ImageDecoder.decode(bytes).pixels, name)
        }
    }
}
