/// A JSON value with ordered object keys, so every output is byte-for-byte deterministic.
/// Rendering follows RFC 8259; strings are escaped minimally (`"`, `\`, control characters).
package indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    package static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }

    /// Compact single-line JSON (for JSON lines).
    package func rendered() -> String {
        var out = ""
        render(into: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON (for summary files a person reads).
    package func pretty() -> String {
        var out = ""
        render(into: &out, indent: "  ", level: 0)
        return out
    }

    private func render(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 { out += String(Int(d)) } else { out += String(d) }
            } else { out += "null" }
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                v.render(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                JSONValue.escape(k, into: &out)
                out += indent == nil ? ":" : ": "
                v.render(into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\r`,
    /// `\t` or `\u00XX`, every other character as it is. The runs between escapes are
    /// appended whole (a byte that needs an escape is ASCII, so never inside a character's
    /// UTF-8 sequence).
    package static func escape(_ s: String, into out: inout String) {
        out += "\""
        var text = s
        text.withUTF8 { b in
            var from = 0
            for i in 0..<b.count {
                let c = b[i]
                guard c == 0x22 || c == 0x5C || c < 0x20 else { continue }
                if from < i { out += String(decoding: UnsafeBufferPointer(rebasing: b[from..<i]), as: UTF8.self) }
                switch c {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default:
                    let h = String(c, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                }
                from = i + 1
            }
            if from < b.count { out += String(decoding: UnsafeBufferPointer(rebasing: b[from...]), as: UTF8.self) }
        }
        out += "\""
    }
}

extension JSONValue {
    /// `.string(s)` or `.null` when s is nil.
    package static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
}
