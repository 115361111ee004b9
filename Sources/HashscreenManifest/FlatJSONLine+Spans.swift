import Foundation

/// The plain line's reading without a `String` (docs/manifests.md, "JSON lines in blocks"): a
/// line checked on its bytes to be one `FlatJSONLine.parse` reads, with the keys a column map
/// was made for, in that order; each value left where it lies in the line (`Span`), unescaped
/// by no one. Conservative: a line it cannot vouch for (another set or order of keys, an
/// escaped key, a `\u` escape of a surrogate or of NUL, anything `parse` refuses) is `false`,
/// and the caller reads it with `parse`.
extension FlatJSONLine {
    /// A value's place in its line: a string's content (quotes excluded), or a literal's or a
    /// number's text.
    struct Span {
        var start: Int, end: Int
        var kind: Kind
    }

    enum Kind: UInt8 {
        /// A string without a backslash: its bytes are its UTF-8 text.
        case string
        /// A string with escapes (valid ones, that `parse` unescapes).
        case escapedString
        case null
        /// An integer `parse` reads as text (its digits).
        case integer
        /// Another number, `true` or `false` (`parse`: `.unsure`).
        case other
    }

    /// The keys a line must have, in order: their UTF-8 bytes end to end, `ends[k]` the end
    /// of key `k`.
    struct Keys {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        var count: Int { ends.count }

        init() {}
        init(_ keys: [String]) {
            for k in keys { bytes.append(contentsOf: k.utf8); ends.append(bytes.count) }
        }
    }

    /// A word of 8 bytes with `b` in each byte.
    @inline(__always) static func splat(_ b: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(b) }

    /// The bytes of the little-endian word `v` that are a quote, a backslash, a control
    /// character or over 0x7F, as their high bits: the lowest one set is the first such byte
    /// (bits above it may be set wrongly, by a borrow; they are not read).
    @inline(__always) static func special(_ v: UInt64) -> UInt64 {
        let ones = splat(0x01), high = splat(0x80)
        let q = v ^ splat(0x22), s = v ^ splat(0x5C)
        let quote = (q &- ones) & ~q
        let slash = (s &- ones) & ~s
        let control = (v &- splat(0x20)) & ~v
        return ((quote | slash | control) & high) | (v & high)
    }

    /// Whether `b[from..<to]` is well-formed UTF-8 (Unicode's table 3-7: no overlong form, no
    /// surrogate, nothing over U+10FFFF), as `String(validating:as:)` decides.
    static func isUTF8(_ b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        var i = from
        @inline(__always) func cont(_ k: Int) -> Bool { k < to && b[k] & 0xC0 == 0x80 }
        while i < to {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            switch c {
            case 0xC2...0xDF:
                guard cont(i + 1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard i + 1 < to else { return false }
                let c1 = b[i + 1]
                let low: UInt8 = c == 0xE0 ? 0xA0 : 0x80, high: UInt8 = c == 0xED ? 0x9F : 0xBF
                guard c1 >= low, c1 <= high, cont(i + 2) else { return false }
                i += 3
            case 0xF0...0xF4:
                guard i + 1 < to else { return false }
                let c1 = b[i + 1]
                let low: UInt8 = c == 0xF0 ? 0x90 : 0x80, high: UInt8 = c == 0xF4 ? 0x8F : 0xBF
                guard c1 >= low, c1 <= high, cont(i + 2), cont(i + 3) else { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }

    /// Reads `b` as a flat object with exactly `keys`, in order, each value's place in `spans`
    /// (emptied first, one per key): true only when `parse(b)` gives fields with these keys, and
    /// then a `.string` span's bytes are the field's text, an `.escapedString` the escaped form
    /// of it, `.null` null, `.integer` an integer `parse` reads as its digits, `.other` a
    /// number or boolean `parse` calls `.unsure`. False for any other line, which the caller
    /// reads with `parse`.
    static func spans(_ b: UnsafeBufferPointer<UInt8>, keys: Keys, into spans: inout [Span]) -> Bool {
        spans.removeAll(keepingCapacity: true)
        return keys.bytes.withUnsafeBufferPointer { kb in
            var scanner = SpanScanner(b: b)
            return scanner.object(keys: kb, ends: keys.ends, into: &spans)
        }
    }
}

/// `FlatJSONLine.spans`'s reading of one line (a struct, so that its position is checked for
/// exclusive access when compiled, not at run time).
private struct SpanScanner {
    typealias Kind = FlatJSONLine.Kind
    let b: UnsafeBufferPointer<UInt8>
    let n: Int
    var i = 0

    init(b: UnsafeBufferPointer<UInt8>) { self.b = b; n = b.count }

    @inline(__always) mutating func skipSpace() {
        while i < n, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    @inline(__always) func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= n else { return nil }
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            guard let h = FlatJSONLine.hexValue(b[k]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    /// The string whose opening quote was at `i - 1`: on return `i` is at its closing quote;
    /// nil when it is not one `parse` reads.
    @inline(__always) mutating func string() -> Kind? {
        let start = i
        var escaped = false, high = false
        let base = b.baseAddress!
        while true {
            while i + 8 <= n {
                let v = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let m = FlatJSONLine.special(v)
                if m != 0 { i += m.trailingZeroBitCount >> 3; break }
                i += 8
            }
            guard i < n else { return nil }
            let c = b[i]
            if c == 0x22 { break }
            if c < 0x20 { return nil }
            if c >= 0x80 { high = true; i += 1; continue }
            if c == 0x5C {
                escaped = true
                guard i + 1 < n else { return nil }
                switch b[i + 1] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard let v = hex4(i + 2) else { return nil }
                    i += 6
                    if v == 0 || (v >= 0xDC00 && v < 0xE000) { return nil }
                    if v >= 0xD800 && v < 0xDC00 {
                        // Only a high surrogate followed by an escaped low one.
                        guard i + 6 <= n, b[i] == 0x5C, b[i + 1] == 0x75, let lo = hex4(i + 2), lo >= 0xDC00, lo < 0xE000 else { return nil }
                        i += 6
                    }
                default: return nil
                }
                continue
            }
            i += 1
        }
        // Escapes are ASCII: the unescaped text is UTF-8 when the bytes between them are.
        if high, !FlatJSONLine.isUTF8(b, from: start, to: i) { return nil }
        return escaped ? .escapedString : .string
    }

    @inline(__always) mutating func digits() -> Bool {
        guard i < n, b[i] >= 0x30, b[i] <= 0x39 else { return false }
        while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        return true
    }

    /// A number at `i` (`parse`'s grammar): `.integer` when `parse` reads it as text (at most
    /// 18 digits, no fraction or exponent, not `-0`), else `.other`.
    mutating func number() -> Kind? {
        let start = i
        if b[i] == 0x2D { i += 1 }
        guard i < n, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
        let first = i
        if b[i] == 0x30 { i += 1 } else { _ = digits() }
        var kind = Kind.integer
        if i - first > 18 || (i - start == 2 && b[start] == 0x2D && b[first] == 0x30) { kind = .other }
        if i < n, b[i] == 0x2E {
            i += 1
            guard digits() else { return nil }
            kind = .other
        }
        if i < n, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard digits() else { return nil }
            kind = .other
        }
        return kind
    }

    /// The object with keys `kb` (key `k` ends at `ends[k]`), its values' spans appended to `spans`.
    mutating func object(keys kb: UnsafeBufferPointer<UInt8>, ends: [Int], into spans: inout [FlatJSONLine.Span]) -> Bool {
        skipSpace()
        guard i < n, b[i] == 0x7B else { return false }
        i += 1
        skipSpace()
        if ends.isEmpty {
            guard i < n, b[i] == 0x7D else { return false }
            i += 1
            skipSpace()
            return i == n
        }
        var keyStart = 0
        for k in 0..<ends.count {
            if k > 0 {
                guard i < n, b[i] == 0x2C else { return false }
                i += 1
                skipSpace()
            }
            // The key: the bytes of key `k`, then a quote (an escaped key is not one of them).
            let keyEnd = ends[k], length = keyEnd - keyStart
            guard i + length + 2 <= n, b[i] == 0x22, b[i + 1 + length] == 0x22 else { return false }
            if length > 0, memcmp(b.baseAddress! + i + 1, kb.baseAddress! + keyStart, length) != 0 { return false }
            i += length + 2
            keyStart = keyEnd
            skipSpace()
            guard i < n, b[i] == 0x3A else { return false }
            i += 1
            skipSpace()
            guard i < n else { return false }
            let start = i
            let kind: Kind
            switch b[i] {
            case 0x22:
                i += 1
                guard let s = string() else { return false }
                spans.append(FlatJSONLine.Span(start: start + 1, end: i, kind: s))
                i += 1
                skipSpace()
                continue
            case 0x6E, 0x74, 0x66:
                guard let end = FlatJSONLine.literalEnd(b, at: i) else { return false }
                kind = b[i] == 0x6E ? .null : .other
                i = end
            case 0x2D, 0x30...0x39:
                guard let k = number() else { return false }
                kind = k
            default:
                return false
            }
            spans.append(FlatJSONLine.Span(start: start, end: i, kind: kind))
            skipSpace()
        }
        guard i < n, b[i] == 0x7D else { return false }
        i += 1
        skipSpace()
        return i == n
    }
}
