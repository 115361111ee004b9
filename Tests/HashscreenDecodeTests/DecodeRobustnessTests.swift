/// Hostile input: empty, non-image, truncated and mutated files must end in a DecodeError
/// (or, for a harmless mutation, an image), never a crash or an abort.
import Foundation
import HashscreenDecode
import HashscreenTestSupport
import XCTest

final class DecodeRobustnessTests: XCTestCase {
    /// Cut points tried per fixture, spread over the whole file.
    static let cutsPerFile = 40
    /// Random byte mutations tried per fixture (fixed seed, so failures reproduce).
    static let mutationsPerFile = 150

    private func goodFixtures() throws -> [(String, [UInt8])] {
        let manifest = try FixtureManifest.load()
        var seen = Set<String>()
        var out: [(String, [UInt8])] = []
        for row in manifest.fixtures where row.error == nil && row.accept_corrupt == nil && seen.insert(row.file).inserted {
            out.append((row.file, try readBytes(DecodePaths.images.appendingPathComponent(row.file))))
        }
        return out
    }

    func testZeroLengthIsEmpty() {
        XCTAssertThrowsError(try ImageDecoder.decode([UInt8]())) { e in
            XCTAssertEqual((e as! DecodeError).kind, .empty)
        }
        XCTAssertThrowsError(try ImageDecoder.probe([UInt8]())) { e in
            XCTAssertEqual((e as! DecodeError).kind, .empty)
        }
    }

    func testNonImageBytesAreUnknownFormat() {
        for text in ["<html><body>404</body></html>", "GIF8", "\u{89}PNG", "{\"json\": 1}", "x"] {
            XCTAssertThrowsError(try ImageDecoder.decode(Array(text.utf8)), text) { e in
                XCTAssertEqual((e as! DecodeError).kind, .unknownFormat, text)
            }
        }
        // a RIFF container that is not WebP (AVI, WAV...) is named in the refusal
        XCTAssertThrowsError(try ImageDecoder.decode(Array("RIFF\0\0\0\0AVI LIST".utf8))) { e in
            XCTAssertEqual((e as! DecodeError).kind, .unsupportedFormat)
            XCTAssertTrue((e as! DecodeError).message.contains("RIFF"))
        }
    }

    /// Valid JPEG variants libjpeg's 8-bit API cannot decode (12-bit samples, the lossless
    /// process) are refused as unsupported, from the header, by decode and probe alike.
    func testUnsupportedJPEGVariants() throws {
        let bytes = try readBytes(DecodePaths.images.appendingPathComponent("jpeg_rgb_444.jpg"))
        let sof = (0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }!
        var twelveBit = bytes
        twelveBit[sof + 4] = 12          // SOF precision byte
        var lossless = bytes
        lossless[sof + 1] = 0xC3         // SOF3: lossless process
        for (label, v) in [("12-bit", twelveBit), ("lossless", lossless)] {
            XCTAssertThrowsError(try ImageDecoder.decode(v), label) { e in
                XCTAssertEqual((e as! DecodeError).kind, .unsupportedFormat, "\(label): \(e)")
            }
            XCTAssertThrowsError(try ImageDecoder.probe(v), label) { e in
                XCTAssertEqual((e as! DecodeError).kind, .unsupportedFormat, "\(label): \(e)")
            }
        }
    }

    /// A still image cut in half is reported as truncated, for every format. (Animations are
    /// left out: their first frame may be whole in the first half, and then decodes.)
    func testStillImagesCutInHalfAreTruncated() throws {
        var checked = 0
        for (name, bytes) in try goodFixtures() where !name.contains("animated") && !name.contains("apng") && !name.hasPrefix("jpeg_odd") {
            let cut = Array(bytes.prefix(bytes.count / 2))
            XCTAssertThrowsError(try ImageDecoder.decode(cut), name) { e in
                let err = e as! DecodeError
                XCTAssertEqual(err.kind, .truncated, "\(name): \(err)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 40)
    }

    /// A JPEG cut mid-scan is only a libjpeg warning; it must still fail, with kind .truncated,
    /// for baseline and progressive files alike.
    func testJPEGCutMidScanIsTruncated() throws {
        for name in ["jpeg_rgb_420.jpg", "jpeg_progressive.jpg", "jpeg_cmyk_adobe.jpg", "jpeg_scaling_123x97.jpg"] {
            let bytes = try readBytes(DecodePaths.images.appendingPathComponent(name))
            for frac in [0.7, 0.9, 0.98] {
                let cut = Array(bytes.prefix(Int(Double(bytes.count) * frac)))
                XCTAssertThrowsError(try ImageDecoder.decode(cut, options: .init(acceptCorruptJPEGData: true)), "\(name) \(frac)") { e in
                    XCTAssertEqual((e as! DecodeError).kind, .truncated, "\(name) cut at \(frac): \(e)")
                }
            }
        }
    }

    /// Every prefix length class and many random mutations: no crash, only images or DecodeErrors.
    func testTruncationsAndMutationsNeverCrash() throws {
        var rng = SplitMix64(seed: 0x5eed)
        var outcomes: [DecodeError.Kind: Int] = [:]
        var decoded = 0
        let decoder = ImageDecoder()
        for (_, bytes) in try goodFixtures() {
            var variants: [[UInt8]] = []
            for i in 0..<Self.cutsPerFile { variants.append(Array(bytes.prefix(bytes.count * i / Self.cutsPerFile))) }
            for _ in 0..<Self.mutationsPerFile {
                var m = bytes
                let flips = 1 + Int(rng.next() % 4)
                for _ in 0..<flips {
                    let p = Int(rng.next() % UInt64(m.count))
                    m[p] = UInt8(truncatingIfNeeded: rng.next())
                }
                variants.append(m)
            }
            for v in variants {
                do {
                    try v.withUnsafeBytes { raw in
                        try decoder.withDecoded(raw) { px in
                            XCTAssertEqual(px.pixels.count, px.width * px.height * 3)
                        }
                    }
                    decoded += 1
                } catch let e as DecodeError {
                    XCTAssertFalse(e.message.isEmpty)
                    outcomes[e.kind, default: 0] += 1
                }
            }
        }
        print("robustness: \(decoded) decoded, errors by kind: \(outcomes.map { "\($0.key)=\($0.value)" }.sorted())")
        XCTAssertGreaterThan(outcomes[.truncated, default: 0], 100)
    }
}

