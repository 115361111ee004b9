import HashscreenCore

/// A fast reading of the common JSON line: one flat object of strings, numbers, booleans and
/// nulls, its keys unescaped and unique. For such a line it gives the cells `JSONSerialization`
/// and `JSONLinesManifestReader.cell` give, except for values whose text Foundation may write
/// otherwise (a fraction, an exponent, a boolean, an integer of more than 18 digits): those are
/// `.unsure`, and a reader that maps one takes the Foundation path. Any other line (a nested
/// value, a `\u` escape of a lone surrogate, bad UTF-8, a duplicate or escaped key, anything not
/// JSON) is nil: the Foundation path reads it, and reports what is wrong with a bad line.
/// (docs/decisions.md, "The metadata path's speed".)
enum FlatJSONLine {
    /// One key and its value: `nil` for JSON null, else the value's text (a string's content,
    /// an integer's digits).
    struct Field: Equatable {
        var key: String
        var value: Value
    }

    enum Value: Equatable {
        case null
        /// A string's content, or an integer's digits (as `NSNumber.stringValue` writes them).
        case text(String)
        /// A number or boolean whose text Foundation might write differently.
        case unsure
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// The UTF-8 text of `raw`, nil when it is not UTF-8: ASCII (the common value) without the
    /// generic validation, whose metadata look-ups cost more than the check itself.
    @inline(__always) static func text(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for c in raw { high |= c }
        return high < 0x80 ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
    }

    static func parse(_ b: [UInt8]) -> [Field]? {
        b.withUnsafeBufferPointer { parse($0) }
    }

    /// The end of the JSON literal `null`, `true` or `false` that starts at `i`, nil when the
    /// bytes there are none of them (the one literal check of `parse` and `spans`).
    @inline(__always) static func literalEnd(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        let n = b.count
        switch b[i] {
        case 0x6E: return i + 4 <= n && b[i + 1] == 0x75 && b[i + 2] == 0x6C && b[i + 3] == 0x6C ? i + 4 : nil
        case 0x74: return i + 4 <= n && b[i + 1] == 0x72 && b[i + 2] == 0x75 && b[i + 3] == 0x65 ? i + 4 : nil
        case 0x66: return i + 5 <= n && b[i + 1] == 0x61 && b[i + 2] == 0x6C && b[i + 3] == 0x73 && b[i + 4] == 0x65 ? i + 5 : nil
        default: return nil
        }
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> [Field]? {
        var i = 0
        let n = b.count
        @inline(__always) func skipSpace() {
            while i < n, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }
        /// A string at `i` (the opening quote): its text, or nil when it holds a `\u` escape,
        /// a control character, an unknown escape or bytes that are not UTF-8, or does not end.
        func string() -> String? {
            i += 1
            let start = i
            var escaped = false
            while i < n {
                let c = b[i]
                if c == 0x22 { break }
                if c < 0x20 { return nil }
                if c == 0x5C {
                    escaped = true
                    guard i + 1 < n else { return nil }
                    switch b[i + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                    case 0x75:
                        guard i + 6 <= n, (2..<6).allSatisfy({ hexValue(b[i + $0]) != nil }) else { return nil }
                        i += 6
                    default: return nil
                    }
                    continue
                }
                i += 1
            }
            guard i < n else { return nil }
            let raw = UnsafeBufferPointer(rebasing: b[start..<i])
            i += 1
            if !escaped { return text(raw) }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var k = 0
            func hex4(_ at: Int) -> UInt32 {
                (0..<4).reduce(0) { $0 << 4 | UInt32(hexValue(raw[at + $1])!) }
            }
            while k < raw.count {
                let c = raw[k]
                if c != 0x5C { out.append(c); k += 1; continue }
                if raw[k + 1] == 0x75 {
                    var v = hex4(k + 2)
                    k += 6
                    if v >= 0xD800 && v < 0xDC00 {
                        // A high surrogate must be followed by an escaped low one.
                        guard k + 6 <= raw.count, raw[k] == 0x5C, raw[k + 1] == 0x75 else { return nil }
                        let lo = hex4(k + 2)
                        guard lo >= 0xDC00 && lo < 0xE000 else { return nil }
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                        k += 6
                    } else if v >= 0xDC00 && v < 0xE000 {
                        return nil
                    }
                    guard v != 0, let scalar = Unicode.Scalar(v) else { return nil }   // \u0000: Foundation decides
                    out.append(contentsOf: String(Character(scalar)).utf8)
                    continue
                }
                switch raw[k + 1] {
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                default: out.append(raw[k + 1])   // " \ /
                }
                k += 2
            }
            return String(validating: out, as: UTF8.self)
        }
        /// A JSON number at `i` (RFC 8259 grammar); `integer` when it is an integer that an
        /// `Int` holds, written as `String(Int)` writes it (no leading zero, no `-0`).
        func number() -> (text: String, integer: Bool)? {
            let start = i
            if i < n, b[i] == 0x2D { i += 1 }
            guard i < n, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            if b[i] == 0x30 { i += 1 } else { while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 } }
            var integer = true
            if i < n, b[i] == 0x2E {
                integer = false
                i += 1
                guard i < n, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            }
            if i < n, b[i] == 0x65 || b[i] == 0x45 {
                integer = false
                i += 1
                if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard i < n, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            if integer {
                // 18 digits at most: always an Int, and no leading zero or -0 to be rewritten.
                let digits = i - start - (b[start] == 0x2D ? 1 : 0)
                if digits > 18 || text == "-0" { integer = false }
            }
            return (text, integer)
        }
        skipSpace()
        guard i < n, b[i] == 0x7B else { return nil }
        i += 1
        var fields: [Field] = []
        skipSpace()
        if i < n, b[i] == 0x7D {
            i += 1
            skipSpace()
            return i == n ? fields : nil
        }
        while true {
            skipSpace()
            guard i < n, b[i] == 0x22 else { return nil }
            // A key with an escape: Foundation (and the duplicate check) compare it unescaped.
            let keyStart = i + 1
            guard let key = string() else { return nil }
            if key.utf8.count != i - 1 - keyStart { return nil }
            skipSpace()
            guard i < n, b[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            guard i < n else { return nil }
            let value: Value
            switch b[i] {
            case 0x22:
                guard let s = string() else { return nil }
                value = .text(s)
            case 0x6E, 0x74, 0x66:
                guard let end = Self.literalEnd(b, at: i) else { return nil }
                value = b[i] == 0x6E ? .null : .unsure
                i = end
            case 0x2D, 0x30...0x39:
                guard let (text, integer) = number() else { return nil }
                value = integer ? .text(text) : .unsure
            default:
                return nil   // objects, arrays
            }
            if fields.contains(where: { $0.key == key }) { return nil }   // a duplicate: Foundation's path reports it
            fields.append(Field(key: key, value: value))
            skipSpace()
            guard i < n else { return nil }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x7D { i += 1; break }
            return nil
        }
        skipSpace()
        return i == n ? fields : nil
    }
}
