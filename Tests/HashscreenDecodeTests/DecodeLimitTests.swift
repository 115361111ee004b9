/// Decoding-cost limits (issue 11, docs/decoding.md "Cost bound"): inputs that would make one
/// image cost many normal ones are refused, with a message that names the limit. No test here
/// times anything: each checks the refusal and where it happens.
import Foundation
@testable import HashscreenDecode
import CImageShim
import HashscreenTestSupport
import XCTest

final class DecodeLimitTests: XCTestCase {
    /// A valid progressive JPEG of `scans` scans (all of them when nil), written by the
    /// committed generator Fixtures/decode/make_many_scan_jpeg.py.
    func manyScanJPEG(width: Int, height: Int, scans: Int?) throws -> [UInt8] {
        let tmp = try TemporaryDirectory()
        let script = DecodePaths.fixtures.appendingPathComponent("make_many_scan_jpeg.py").path
        var args = TestPaths.pythonArguments + [script, tmp.file("m.jpg"), "--width", "\(width)", "--height", "\(height)"]
        if let scans { args += ["--scans", "\(scans)"] }
        let r = try runProcess(TestPaths.python, args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try readBytes(URL(fileURLWithPath: tmp.file("m.jpg")))
    }

    func assertRefusedForScans(_ bytes: [UInt8], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageDecoder.decode(bytes), label, file: file, line: line) { e in
            let err = e as! DecodeError
            XCTAssertEqual(err.kind, .overLimit, "\(label): \(err)", file: file, line: line)
            XCTAssertTrue(err.message.contains("more than 100 scans") && err.message.contains("HS_JPEG_MAX_SCANS"),
                          "\(label): the message names the limit: \(err.message)", file: file, line: line)
        }
    }

    func testProgressiveJPEGWithAThousandScansIsRefused() throws {
        assertRefusedForScans(try manyScanJPEG(width: 256, height: 256, scans: 1000), "1000 scans")
    }

    /// The shape of the 424 KB file: every scan a valid progression allows (2,660) over a
    /// 2128 x 2128 image; it took tens of seconds before it was refused.
    func testTheLargestValidScanScriptIsRefused() throws {
        let bytes = try manyScanJPEG(width: 2128, height: 2128, scans: nil)
        XCTAssertGreaterThan(bytes.count, 400_000)
        assertRefusedForScans(bytes, "2660 scans, \(bytes.count) bytes")
    }

    func testTheScanLimitIsInclusive() throws {
        XCTAssertEqual(DecodeOptions.defaultJPEGMaxScans, 100)
        let at = try manyScanJPEG(width: 64, height: 64, scans: 100)
        let image = try ImageDecoder.decode(at)
        XCTAssertEqual(image.width, 64)
        XCTAssertTrue(image.pixels.allSatisfy { $0 == 128 }, "uniform mid-grey")
        assertRefusedForScans(try manyScanJPEG(width: 64, height: 64, scans: 101), "101 scans")
        XCTAssertNoThrow(try ImageDecoder.decode(try manyScanJPEG(width: 64, height: 64, scans: 101),
                                                 options: .init(jpegMaxScans: 0)), "0 = no limit")
    }

    /// A JPEG cut short is a decode failure (kind truncated), whichever option accepts corrupt data.
    func testTruncatedJPEGIsADecodeFailure() throws {
        let whole = try readBytes(DecodePaths.images.appendingPathComponent("jpeg_progressive.jpg"))
        let cut = Array(whole.prefix(whole.count * 3 / 5))
        for accept in [false, true] {
            XCTAssertThrowsError(try ImageDecoder.decode(cut, options: .init(acceptCorruptJPEGData: accept))) { e in
                XCTAssertEqual((e as! DecodeError).kind, .truncated, "\(e)")
            }
        }
    }

    /// Corrupt entropy-coded data stops the decode at the first warning (the image is refused,
    /// so the rest is not decoded): a JPEG with two damaged restart intervals reports one
    /// warning, where decoding it to the end (corrupt data accepted) meets both.
    func testCorruptJPEGDataStopsAtTheFirstWarning() throws {
        let bytes = try pythonBytes("""
            import io, re, sys, numpy as np
            from PIL import Image
            im = Image.fromarray(np.random.default_rng(1).integers(0, 255, (128, 128, 3), dtype=np.uint8))
            b = io.BytesIO(); im.save(b, "JPEG", quality=90, restart_marker_rows=1); d = bytearray(b.getvalue())
            rst = [m.start() for m in re.finditer(b"\\xff[\\xd0-\\xd7]", bytes(d))]
            for p in (rst[1], rst[4]): d[p + 1] = 0xD0 + (d[p + 1] - 0xD0 + 4) % 8   # wrong restart numbers
            sys.stdout.write(d.hex())
            """)
        XCTAssertThrowsError(try ImageDecoder.decode(bytes)) { e in
            let err = e as! DecodeError
            XCTAssertEqual(err.kind, .corrupt)
            XCTAssertTrue(err.message.contains("(1 libjpeg warning(s))"), err.message)
        }
        let decoder = ImageDecoder(options: .init(acceptCorruptJPEGData: true))
        let warnings = try bytes.withUnsafeBytes { raw in try decoder.withDecoded(raw) { $0.warnings } }
        XCTAssertGreaterThan(warnings, 1, "decoded to its end, the file has more than one corrupt spot")
    }

    /// Bytes a Python snippet writes to stdout as hex.
    func pythonBytes(_ script: String) throws -> [UInt8] {
        let out = try runPython(script)
        var bytes: [UInt8] = []
        var i = out.startIndex
        while i < out.endIndex, let j = out.index(i, offsetBy: 2, limitedBy: out.endIndex) {
            bytes.append(UInt8(out[i..<j], radix: 16)!)
            i = j
        }
        return bytes
    }

    /// A GIF made of extension records before its image: refused past HS_GIF_MAX_EXTENSIONS.
    func testGIFWithTooManyExtensionsBeforeItsImageIsRefused() throws {
        func gif(extensions: Int) -> [UInt8] {
            var b = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]          // 1x1 screen, no global table
            for _ in 0..<extensions { b += [0x21, 0xFE, 1, UInt8(ascii: "c"), 0] }  // comment extension
            b += [0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0]     // image, 2-colour local table
            b += [2, 2, 0x44, 0x01, 0, 0x3B]                                  // LZW data, trailer
            return b
        }
        XCTAssertNoThrow(try ImageDecoder.decode(gif(extensions: 10)))
        XCTAssertThrowsError(try ImageDecoder.decode(gif(extensions: 5000))) { e in
            let err = e as! DecodeError
            XCTAssertEqual(err.kind, .overLimit, "\(err)")
            XCTAssertTrue(err.message.contains("HS_GIF_MAX_EXTENSIONS"), err.message)
        }
    }

    /// A PNG wider than libpng's user limit is refused from its IHDR, even when its pixel count
    /// is under maxPixels.
    func testPNGOverTheSideLimitIsRefusedFromItsHeader() throws {
        let bytes = try pythonBytes("""
            import struct, sys, zlib
            def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
            w = 2_000_000
            ihdr = struct.pack(">IIBBBBB", w, 1, 8, 0, 0, 0, 0)
            png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\\0" * (w + 1))) + chunk(b"IEND", b"")
            sys.stdout.write(png.hex())
            """)
        XCTAssertThrowsError(try ImageDecoder.decode(bytes)) { e in
            let err = e as! DecodeError
            XCTAssertEqual(err.kind, .overLimit, "\(err)")
            XCTAssertTrue(err.message.contains("limit"), err.message)
        }
    }

    /// An animated WebP is demuxed only as far as its first frame (the demuxer indexes every
    /// frame it is given): damage in a later frame's header does not stop frame 1.
    func testAnimatedWebPIsDemuxedOnlyAsFarAsItsFirstFrame() throws {
        let bytes = try pythonBytes("""
            import io, struct, sys, numpy as np
            from PIL import Image
            rng = np.random.default_rng(2)
            frames = [Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)) for _ in range(3)]
            b = io.BytesIO(); frames[0].save(b, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
            sys.stdout.write(b.getvalue().hex())
            """)
        XCTAssertGreaterThan(bytes.count, 3 * Int(HS_WEBP_DEMUX_FIRST_BYTES), "frame 1 lies past the first prefix")
        let intact = try ImageDecoder.decode(bytes)
        // The last ANMF chunk claims far more bytes than the file has.
        var damaged = bytes
        var i = 12, anmf: [Int] = []
        while i + 8 <= damaged.count {
            let n = Int(damaged[i + 4]) | Int(damaged[i + 5]) << 8 | Int(damaged[i + 6]) << 16 | Int(damaged[i + 7]) << 24
            if damaged[i..<i + 4].elementsEqual("ANMF".utf8) { anmf.append(i) }
            i += 8 + n + (n & 1)
        }
        XCTAssertEqual(anmf.count, 3)
        damaged.replaceSubrange(anmf[2] + 4..<anmf[2] + 8, with: [0xF0, 0xFF, 0xFF, 0x7F])
        let first = try ImageDecoder.decode(damaged)
        XCTAssertEqual(first.pixels, intact.pixels)
    }
}
