/// ImageDecoder against Pillow: committed fixtures (Fixtures/decode, made by make_fixtures.py
/// with the expected pixels of the bench's reference decode), the reference set's photo in many
/// Pillow modes (Fixtures/vectors/pdq) (reference computed at test time), hostile files, truncation and DCT scaling.
import Foundation
import HashscreenDecode
import XCTest

final class ImageDecoderTests: XCTestCase {
    /// Largest per-sample difference allowed against Pillow, by fixture. Pillow 13's wheel
    /// bundles libjpeg-turbo 3.x and libwebp 1.6; this build links Debian's libjpeg-turbo 2.1.5
    /// and libwebp 1.2.4. Lossless paths (PNG, GIF, WebP lossless, the JPEG ISLOW IDCT with
    /// fancy upsampling) must be exact; see docs/decoding.md for the measured figures.
    static let exact = 0
    /// libwebp's lossy decoder (VP8 + fancy YUV->RGB upsampling): also bit-exact between
    /// 1.2.4 and 1.6.0 on every file measured, so no slack is given.
    static let webpLossyTolerance = 0

    static func tolerance(_ file: String) -> Int {
        file.hasPrefix("webp_lossy") || file.hasSuffix(".webp") ? webpLossyTolerance : exact
    }

    func testEveryFixtureMatchesPillow() throws {
        let manifest = try FixtureManifest.load()
        let decoder = ImageDecoder()
        var checked = 0
        for row in manifest.fixtures where row.error == nil {
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(row.file))
            let expected = try readBytes(DecodePaths.expected.appendingPathComponent(row.expected!))
            decoder.options = DecodeOptions(jpegScaleDenominator: row.scale ?? 1,
                                            acceptCorruptJPEGData: row.accept_corrupt ?? false)
            let image: RGBImage
            do {
                image = try bytes.withUnsafeBytes { try decoder.decode($0) }
            } catch {
                XCTFail("\(row.file) (1/\(row.scale ?? 1)): \(error)")
                continue
            }
            XCTAssertEqual(image.width, row.width, row.file)
            XCTAssertEqual(image.height, row.height, row.file)
            guard image.pixels.count == expected.count else { XCTFail("\(row.file): size differs"); continue }
            let diff = PixelDiff(image.pixels, expected)
            print("fixture \(row.file) 1/\(row.scale ?? 1): \(diff)")
            XCTAssertLessThanOrEqual(diff.maxAbs, Self.tolerance(row.file), "\(row.file) 1/\(row.scale ?? 1): \(diff)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 50, "fixtures.json lists the decodable fixtures")
    }

    func testHostileFixturesFailWithTheirKind() throws {
        let manifest = try FixtureManifest.load()
        var checked = 0
        for row in manifest.fixtures {
            guard let kind = row.error else { continue }
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(row.file))
            XCTAssertThrowsError(try ImageDecoder.decode(bytes), row.file) { error in
                let e = error as! DecodeError
                XCTAssertEqual(e.kind.rawValue, kind, "\(row.file): \(e)")
                XCTAssertFalse(e.message.isEmpty)
                print("hostile \(row.file): \(e.kind) — \(e.message)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 10)
    }

    /// Every file of the reference set's `modes/` folder (one photo in many Pillow modes) against
    /// Pillow at test time.
    func testSharedModeImagesMatchPillow() throws {
        let files = try FileManager.default.contentsOfDirectory(at: DecodePaths.modes, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertEqual(files.count, 12, "modes images at \(DecodePaths.modes.path)")
        let refs = try PillowReference.decode(files)
        let decoder = ImageDecoder()
        for (url, ref) in zip(files, refs) {
            let name = url.lastPathComponent
            let bytes = try readBytes(url)
            let ours = Result { try bytes.withUnsafeBytes { try decoder.decode($0) } }
            switch (ours, ref) {
            case let (.success(img), .success(r)):
                XCTAssertEqual(img.width, r.width, name)
                XCTAssertEqual(img.height, r.height, name)
                guard img.pixels.count == r.pixels.count else { XCTFail("\(name): size differs"); continue }
                let diff = PixelDiff(img.pixels, r.pixels)
                print("modes \(name): \(diff)")
                let tol = Self.tolerance(name)
                XCTAssertLessThanOrEqual(diff.maxAbs, tol, "\(name): \(diff)")
            case let (.failure(e), .success):
                XCTFail("\(name): Pillow decodes it, we refuse: \(e)")
            case let (.success, .failure(e)):
                XCTFail("\(name): Pillow refuses it (\(e.localizedDescription)), we decode it")
            case let (.failure(e), .failure):
                print("modes \(name): both refuse: \(e)")
            }
        }
    }
}
