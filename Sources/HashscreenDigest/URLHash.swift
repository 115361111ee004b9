/// URL hashes (`url_md5`, `url_sha256`): the digest of a URL's UTF-8 bytes after a minimal,
/// documented normalisation, so lists of URLs built elsewhere match the URLs in a manifest.
///
/// Normalisation (docs/url-hashing.md): trim surrounding whitespace; lower-case the scheme and
/// the host; drop the port when it is the scheme's default (http 80, https 443); drop the
/// fragment (`#...`). Nothing else: no percent-decoding, no path or query rewriting, so two
/// URLs equal after this are byte-equal on the wire.
import HashscreenCore

package enum URLNormalizer {
    static let defaultPorts = ["http": "80", "https": "443"]

    package static func normalize(_ raw: String) -> String {
        var s = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        if let hash = s.firstIndex(of: "#") { s = s[..<hash] }
        guard let colon = s.range(of: "://") else { return String(s) }
        let scheme = s[..<colon.lowerBound].lowercased()
        let rest = s[colon.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        // userinfo@host:port — only host (and port) are normalised.
        var userinfo = Substring("")
        var hostport = authority
        if let at = authority.lastIndex(of: "@") {
            userinfo = authority[...at]
            hostport = authority[authority.index(after: at)...]
        }
        var host = hostport
        var port: Substring? = nil
        if let c = hostport.lastIndex(of: ":"), !hostport[c...].contains("]") {
            host = hostport[..<c]
            port = hostport[hostport.index(after: c)...]
        }
        var out = scheme + "://" + userinfo + host.lowercased()
        if let port, !port.isEmpty, defaultPorts[scheme] != String(port) { out += ":" + port }
        out += tail
        return out
    }
}

extension Digester {
    /// The URL signals (url_md5, url_sha256), in canonical order.
    package static let urlSignals = SignalKind.allCases.filter(\.isURL)
    /// The digests the URL signals apply to the normalised URL (md5, sha256).
    package static let urlDigests = SignalKind.allCases.filter { d in urlSignals.contains { $0.urlDigest == d } }

    /// The URL signals of a URL after `URLNormalizer.normalize`, with this digester's contexts
    /// (make it with `signals: Digester.urlDigests`); one pass over the URL's bytes.
    package func urlHashes(_ url: String, signals: Set<SignalKind> = Set(Digester.urlSignals)) -> [(SignalKind, HashValue)] {
        var bytes = Array(URLNormalizer.normalize(url).utf8)
        var out: [(SignalKind, HashValue)] = []
        for (d, v) in digest(bytes) {
            for s in Self.urlSignals where s.urlDigest == d && signals.contains(s) { out.append((s, v)) }
        }
        bytes.removeAll()
        return out
    }

    /// The URL signals of a URL (a convenience that makes its own contexts).
    package static func urlHashes(_ url: String, signals: Set<SignalKind> = Set(Digester.urlSignals)) -> [(SignalKind, HashValue)] {
        guard let d = try? Digester(signals: urlDigests) else { return [] }
        return d.urlHashes(url, signals: signals)
    }
}

import Foundation
