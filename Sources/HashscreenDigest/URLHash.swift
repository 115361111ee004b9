/// URL hashes (`url_md5`, `url_sha256`): the digest of a URL's bytes under a convention
/// (`URLConvention`): the way the list being matched was made (docs/url-hashing.md).
///
/// References: python-threatexchange `threatexchange/common.py` `normalize_url` and
/// `signal_type/url_md5.py` (facebook/ThreatExchange); CPython 3.11 `Lib/urllib/parse.py`
/// (`urlparse`, `geturl`), which `normalize_url` calls and `ThreatExchangeURL` follows.
import HashscreenCore

/// hashscreen's own normalisation (the `hashscreen` convention): trim surrounding whitespace;
/// lower-case the scheme and the host; drop the port when it is the scheme's default (http 80,
/// https 443); drop the fragment (`#...`). Nothing else: no percent-decoding, no path or query
/// rewriting, so two URLs equal after this are byte-equal on the wire.
package enum URLNormalizer {
    static let defaultPorts = ["http": "80", "https": "443"]

    package static func normalize(_ raw: String) -> String {
        var s = Substring(raw.trimmedWhitespaceAndNewlines)
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

    /// The bytes a URL's hashes digest under `convention`.
    package static func bytes(_ url: String, convention: URLConvention) -> [UInt8] {
        switch convention {
        case .raw: return Array(url.utf8)
        case .hashscreen: return Array(normalize(url).utf8)
        case .threatexchange: return Array(ThreatExchangeURL.normalize(url).utf8)
        }
    }
}

/// python-threatexchange's `normalize_url` (the `threatexchange` convention): `url.lower()`,
/// then `urlparse(url).geturl()` with the first `"<scheme>://"` removed, UTF-8.
///
/// `geturl()` is not the identity: it drops C0 controls and spaces at the start, every tab, CR
/// and LF, an empty query (`?`), fragment (`#`) or `;params`, and adds `//` after a scheme that
/// has a network location but was written without one (`http:x` -> `http:///x`). This follows
/// CPython 3.11's `urlsplit`/`urlparse`/`urlunparse` step by step, on Unicode scalars as Python
/// works on code points. Not followed: the `ValueError`s `urlsplit` raises for unbalanced IPv6
/// brackets or a non-ASCII host that NFKC-normalises to a delimiter; ThreatExchange cannot hash
/// such a URL, so no list holds its digest, and hashscreen digests it as parsed.
package enum ThreatExchangeURL {
    typealias Scalars = [Unicode.Scalar]
    /// CPython 3.11 `urllib.parse.uses_netloc`.
    static let usesNetloc: Set<String> = ["", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file",
                                          "mms", "https", "shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu",
                                          "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss"]
    /// CPython 3.11 `urllib.parse.uses_params`.
    static let usesParams: Set<String> = ["", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp",
                                          "rtsps", "rtspu", "sip", "sips", "mms", "sftp", "tel"]

    package static func normalize(_ url: String) -> String {
        var s = pythonLower(url)
        // urlsplit: strip leading C0 controls and spaces; remove every tab, CR and LF.
        let lead = s.firstIndex { $0.value > 0x20 } ?? s.endIndex
        s = s[lead...].filter { $0 != "\t" && $0 != "\r" && $0 != "\n" }
        var scheme: Scalars = []
        var rest = s[...]
        if let colon = s.firstIndex(of: ":"), colon > 0, s[0].isASCII, s[0].properties.isAlphabetic,
           s[..<colon].allSatisfy(isSchemeScalar) {
            scheme = Array(s[..<colon])
            rest = s[(colon + 1)...]
        }
        let schemeName = String(String.UnicodeScalarView(scheme))
        var netloc: ArraySlice<Unicode.Scalar> = []
        if rest.starts(with: ["/", "/"]) {
            let after = rest.dropFirst(2)
            let end = after.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? after.endIndex
            netloc = after[..<end]
            rest = after[end...]
        }
        var fragment: ArraySlice<Unicode.Scalar> = [], query: ArraySlice<Unicode.Scalar> = []
        if let h = rest.firstIndex(of: "#") { fragment = rest[(h + 1)...]; rest = rest[..<h] }
        if let q = rest.firstIndex(of: "?") { query = rest[(q + 1)...]; rest = rest[..<q] }
        // urlparse: `;params` of the last path segment.
        var path = rest, params: ArraySlice<Unicode.Scalar> = []
        if usesParams.contains(schemeName), path.contains(";") {
            let from = path.lastIndex(of: "/") ?? path.startIndex
            if let semi = path[from...].firstIndex(of: ";") {
                params = path[(semi + 1)...]
                path = path[..<semi]
            }
        }
        // urlunparse / urlunsplit.
        var out = Array(path)
        if !params.isEmpty { out += [";"] + params }
        if !netloc.isEmpty || (!scheme.isEmpty && usesNetloc.contains(schemeName) && !out.starts(with: ["/", "/"])) {
            if let first = out.first, first != "/" { out.insert("/", at: 0) }
            out = ["/", "/"] + netloc + out
        }
        if !scheme.isEmpty { out = scheme + [":"] + out }
        if !query.isEmpty { out += ["?"] + query }
        if !fragment.isEmpty { out += ["#"] + fragment }
        // normalize_url: remove the first occurrence of "<scheme>://", wherever it is.
        let needle = scheme + [":", "/", "/"]
        if let at = firstIndex(of: needle, in: out) { out.removeSubrange(at..<(at + needle.count)) }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: out)
        return String(view)
    }

    /// `scheme_chars`: ASCII letters, digits, `+`, `-`, `.`.
    static func isSchemeScalar(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "+" || c == "-" || c == ".")
    }

    static func firstIndex(of needle: Scalars, in hay: Scalars) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }

    /// Python's `str.lower()`: each code point's full lower-case mapping, and capital sigma
    /// as final sigma (ς) at the end of a word (Unicode's Final_Sigma condition, which Swift's
    /// `lowercased()` does not apply).
    static func pythonLower(_ s: String) -> Scalars {
        let input = Array(s.unicodeScalars)
        var out: Scalars = []
        out.reserveCapacity(input.count)
        for (i, c) in input.enumerated() {
            if c == "\u{03A3}", isFinalSigma(input, i) { out.append("\u{03C2}"); continue }
            if c.isASCII {
                out.append(("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32)! : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    /// Preceded by a cased letter (skipping case-ignorables) and not followed by one.
    static func isFinalSigma(_ s: Scalars, _ i: Int) -> Bool {
        var j = i - 1
        while j >= 0, s[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, s[j].properties.isCased else { return false }
        var k = i + 1
        while k < s.count, s[k].properties.isCaseIgnorable { k += 1 }
        return k == s.count || !s[k].properties.isCased
    }
}

extension Digester {
    /// The URL signals (url_md5, url_sha256), in canonical order.
    package static let urlSignals = SignalKind.allCases.filter(\.isURL)
    /// The digests the URL signals apply to the URL's bytes (md5, sha256).
    package static let urlDigests = SignalKind.allCases.filter { d in urlSignals.contains { $0.urlDigest == d } }
    /// Each URL signal with its digest, in canonical order (read once, not per URL).
    static let urlSignalDigests: [(signal: SignalKind, digest: SignalKind)] = urlSignals.map { ($0, $0.urlDigest!) }

    /// The URL signals of a URL under `convention`, with this digester's contexts (make it with
    /// `signals: Digester.urlDigests`); one pass over the URL's bytes.
    package func urlHashes(_ url: String, convention: URLConvention,
                           signals: Set<SignalKind> = Set(Digester.urlSignals)) -> [(SignalKind, HashValue)] {
        var out: [(SignalKind, HashValue)] = []
        func collect(_ digests: [(SignalKind, HashValue)]) {
            for (d, v) in digests {
                for (s, sd) in Self.urlSignalDigests where sd == d && signals.contains(s) { out.append((s, v)) }
            }
        }
        if convention == .raw {
            // The URL's own UTF-8 bytes, digested in place (no copy).
            var u = url
            u.withUTF8 { collect(digest(UnsafeRawBufferPointer($0))) }
        } else {
            collect(digest(URLNormalizer.bytes(url, convention: convention)))
        }
        return out
    }

    /// `urlHashes(_:convention:signals:)` of the URL whose UTF-8 bytes are `utf8`: the raw
    /// convention digests them in place, the others normalise the URL's text.
    package func urlHashes(utf8: UnsafeRawBufferPointer, convention: URLConvention,
                           signals: Set<SignalKind>) -> [(SignalKind, HashValue)] {
        guard convention == .raw else {
            return urlHashes(String(decoding: utf8, as: UTF8.self), convention: convention, signals: signals)
        }
        var out: [(SignalKind, HashValue)] = []
        for (d, v) in digest(utf8) {
            for (s, sd) in Self.urlSignalDigests where sd == d && signals.contains(s) { out.append((s, v)) }
        }
        return out
    }

    /// The URL signals of a URL (a convenience that makes its own contexts).
    package static func urlHashes(_ url: String, convention: URLConvention,
                                  signals: Set<SignalKind> = Set(Digester.urlSignals)) -> [(SignalKind, HashValue)] {
        guard let d = try? Digester(signals: urlDigests) else { return [] }
        return d.urlHashes(url, convention: convention, signals: signals)
    }
}
