import Foundation
import HashscreenCore
@testable import HashscreenDigest
import HashscreenTestSupport
import XCTest

/// Each URL convention digests exactly the bytes its list makers digest: `threatexchange` is
/// checked against python-threatexchange itself (`UrlMD5Signal.hash_from_str`, the PyPI package
/// `make pydeps` installs), run at test time on the same URLs.
final class URLConventionTests: XCTestCase {
    /// LAION-style URLs and the corners of `urlparse`/`geturl` that `normalize_url` inherits.
    static let urls: [String] = [
        "https://www.Example.com/A/B.jpg?X=1&y=2#frag",
        "HTTP://Images.Example.NET:80/Photos/IMG_0001.JPG",
        "http://cdn.example.net/img/a/b/c.png?size=large&v=2",
        "https://i.pinimg.com/originals/ab/cd/ef/abcdef0123.jpg",
        "//cdn.example.com/protocol-relative.png",
        "www.example.com/no-scheme.jpg",
        "example.com/x?u=http://other.example/y",
        "http://example.com/empty-query?",
        "http://example.com/empty-fragment#",
        "http://example.com/path;params/last;p=1?q#f",
        "http://example.com/path;",
        "http:no-slashes/path",
        "mailto:Someone@Example.com",
        "ftp://ftp.example.com/pub;type=i",
        "  \t https://lead.example.com/space",
        "https://tab\tand\nnewline.example.com/p\r",
        "https://trailing.example.com/space ",
        "https://example.com/%7Euser/%E2%82%AC",
        "https://例え.jp/ファイル.PNG",
        "https://example.gr/ΣΟΦΙΑΣ/ΑΣ Σ/σ",
        "https://example.com/İstanbul/ǅ",
        "1http://digit-first.example.com/",
        "https://user:Pass@Host.example.com:8443/x",
        "https://[2001:DB8::1]:443/v6",
        "http://example.com/http://nested",
        "",
        "http:",
    ]

    func testThreatExchangeConventionMatchesPythonThreatExchange() throws {
        let input = String(decoding: try JSONSerialization.data(withJSONObject: Self.urls), as: UTF8.self)
        let out = try runPython("""
            import json, sys
            from threatexchange import common
            from threatexchange.signal_type.url_md5 import UrlMD5Signal
            urls = json.loads(sys.argv[1])
            print(json.dumps([[common.normalize_url(u).hex(), UrlMD5Signal.hash_from_str(u)] for u in urls]))
            """, [input])
        let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String]])
        XCTAssertEqual(expected.count, Self.urls.count)
        let d = try Digester(signals: Digester.urlDigests)
        for (url, e) in zip(Self.urls, expected) {
            let bytes = URLNormalizer.bytes(url, convention: .threatexchange)
            XCTAssertEqual(Hex.encode(bytes), e[0], "normalize_url(\(url.debugDescription))")
            let md5 = d.urlHashes(url, convention: .threatexchange, signals: [.urlMD5])
            XCTAssertEqual(md5.first?.1.hex, e[1], "url_md5 of \(url.debugDescription)")
        }
    }

    func testRawConventionDigestsTheBytesAsWritten() throws {
        let d = try Digester(signals: [.md5, .sha256])
        for url in [" HTTP://Example.com:80/A#x ", "https://example.com/a", "\t"] {
            let expected = d.digest(Array(url.utf8))
            let got = Digester.urlHashes(url, convention: .raw)
            XCTAssertEqual(got.map(\.1), expected.map(\.1), url.debugDescription)
        }
    }

    func testConventionsGiveDifferentDigestsForTheSameURL() {
        let url = "https://Images.Example.com:443/A.jpg#top"
        let digests = URLConvention.allCases.map { Digester.urlHashes(url, convention: $0, signals: [.urlMD5]).first!.1 }
        XCTAssertEqual(Set(digests).count, 3)
        XCTAssertEqual(URLNormalizer.bytes(url, convention: .hashscreen), Array("https://images.example.com/A.jpg".utf8))
        XCTAssertEqual(URLNormalizer.bytes(url, convention: .threatexchange), Array("images.example.com:443/a.jpg#top".utf8))
        XCTAssertEqual(URLNormalizer.bytes(url, convention: .raw), Array(url.utf8))
    }
}
