import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenTestSupport
import XCTest

final class DigesterTests: XCTestCase {
    /// FIPS 180 / RFC 1321 test vectors.
    func testKnownVectors() throws {
        let d = try Digester(signals: [.md5, .sha1, .sha256])
        let abc = d.digest(Array("abc".utf8))
        XCTAssertEqual(abc.map { $0.0 }, [.md5, .sha1, .sha256])
        XCTAssertEqual(abc[0].1.hex, "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(abc[1].1.hex, "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(abc[2].1.hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let empty = d.digest([UInt8]())
        XCTAssertEqual(empty[0].1.hex, "d41d8cd98f00b204e9800998ecf8427e")
    }

    /// Chunked one-pass digesting equals whole-buffer digests across chunk boundaries.
    func testLargeBuffersMatchFoundationIndependentReference() throws {
        var rng = SplitMix64(seed: 42)
        let d = try Digester(signals: [.sha256, .md5])
        let tmp = try TemporaryDirectory()
        for size in [1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 1_000_003] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let p = try tmp.write("f\(size)", bytes: bytes)
            let ours = d.digest(bytes)
            let out = try runProcess("/usr/bin/sha256sum", [p]).stdout
            XCTAssertEqual(ours.first { $0.0 == .sha256 }!.1.hex, String(out.prefix(64)), "size \(size)")
            let md = try runProcess("/usr/bin/md5sum", [p]).stdout
            XCTAssertEqual(ours.first { $0.0 == .md5 }!.1.hex, String(md.prefix(32)), "size \(size)")
            XCTAssertEqual(try Digester.sha256(ofFile: p), String(out.prefix(64)))
        }
    }

    func testURLNormalisation() {
        XCTAssertEqual(URLNormalizer.normalize("  HTTP://Example.COM:80/A/b?Q=1#frag \n"), "http://example.com/A/b?Q=1")
        XCTAssertEqual(URLNormalizer.normalize("https://Host.example:443"), "https://host.example")
        XCTAssertEqual(URLNormalizer.normalize("https://host.example:8443/x"), "https://host.example:8443/x")
        XCTAssertEqual(URLNormalizer.normalize("http://User@Host.example/x%20y"), "http://User@host.example/x%20y")
        XCTAssertEqual(URLNormalizer.normalize("http://[::1]:80/"), "http://[::1]/")
        XCTAssertEqual(URLNormalizer.normalize("not a url"), "not a url")
    }

    func testURLHashesAreDigestsOfTheNormalisedURL() throws {
        let h = Digester.urlHashes("HTTP://Example.com:80/a#x", convention: .hashscreen)
        XCTAssertEqual(h.map { $0.0 }, [.urlMD5, .urlSHA256])
        let expected = try Digester(signals: [.md5, .sha256]).digest(Array("http://example.com/a".utf8))
        XCTAssertEqual(h[0].1, expected[0].1)
        XCTAssertEqual(h[1].1, expected[1].1)
    }
}
