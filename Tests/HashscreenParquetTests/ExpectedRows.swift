// Compares what our reader decodes with rows pyarrow wrote as JSON lines.
//
// The expected files (Fixtures/vectors/parquet/*.expected.jsonl and Fixtures/parquet/*.jsonl) hold
// one JSON object per row, columns by name, in pyarrow's conventions: binary as
// {"base64": ...}, timestamps and dates ISO 8601, decimals as strings, NaN as "NaN".
// Numbers are kept as their text so 64-bit integers and doubles compare exactly.

import Foundation
import HashscreenParquet

/// A parsed JSON value, numbers kept as text.
indirect enum JSONValue: Equatable, CustomStringConvertible {
    case null, bool(Bool), number(String), string(String), array([JSONValue]), object([(String, JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool { a.description == b.description }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let s): return s
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o.first { $0.0 == key }?.1 }
        return nil
    }
}

/// A small strict JSON parser (enough for pyarrow's json.dumps output).
struct JSONParser {
    struct Failure: Error { var message: String }
    private let s: [UInt8]
    private var i = 0

    static func parse(_ text: String) throws -> JSONValue {
        var p = JSONParser(s: Array(text.utf8))
        let v = try p.value()
        p.ws()
        guard p.i == p.s.count else { throw Failure(message: "trailing characters") }
        return v
    }

    private init(s: [UInt8]) { self.s = s }

    private mutating func ws() { while i < s.count, [0x20, 0x09, 0x0A, 0x0D].contains(s[i]) { i += 1 } }

    private mutating func lit(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= s.count, Array(s[i..<i + w.count]) == w else { throw Failure(message: "expected \(word) at \(i)") }
        i += w.count
    }

    private mutating func value() throws -> JSONValue {
        ws()
        guard i < s.count else { throw Failure(message: "unexpected end") }
        switch s[i] {
        case UInt8(ascii: "n"): try lit("null"); return .null
        case UInt8(ascii: "t"): try lit("true"); return .bool(true)
        case UInt8(ascii: "f"): try lit("false"); return .bool(false)
        case UInt8(ascii: "N"): try lit("NaN"); return .number("NaN")
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            i += 1
            var out: [JSONValue] = []
            ws()
            if i < s.count, s[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
            while true {
                out.append(try value())
                ws()
                guard i < s.count else { throw Failure(message: "unterminated array") }
                if s[i] == UInt8(ascii: ",") { i += 1; continue }
                if s[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
                throw Failure(message: "bad array at \(i)")
            }
        case UInt8(ascii: "{"):
            i += 1
            var out: [(String, JSONValue)] = []
            ws()
            if i < s.count, s[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
            while true {
                ws()
                let k = try string()
                ws()
                guard i < s.count, s[i] == UInt8(ascii: ":") else { throw Failure(message: "expected : at \(i)") }
                i += 1
                out.append((k, try value()))
                ws()
                guard i < s.count else { throw Failure(message: "unterminated object") }
                if s[i] == UInt8(ascii: ",") { i += 1; continue }
                if s[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
                throw Failure(message: "bad object at \(i)")
            }
        default:
            let start = i
            while i < s.count, "+-0123456789.eEInfinity".utf8.contains(s[i]) { i += 1 }
            guard i > start else { throw Failure(message: "unexpected character at \(i)") }
            return .number(String(decoding: s[start..<i], as: UTF8.self))
        }
    }

    private mutating func string() throws -> String {
        guard i < s.count, s[i] == UInt8(ascii: "\"") else { throw Failure(message: "expected string at \(i)") }
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < s.count else { throw Failure(message: "unterminated string") }
            let c = s[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard i < s.count else { throw Failure(message: "bad escape") }
            let e = s[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), i + 1 < s.count, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= s.count, let v = UInt32(String(decoding: s[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw Failure(message: "bad \\u escape")
        }
        i += 4
        return v
    }
}

/// Reads a JSON-lines file of expected rows.
func loadExpectedRows(_ path: String) throws -> [JSONValue] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n", omittingEmptySubsequences: true).map { try JSONParser.parse(String($0)) }
}

// MARK: - Formatting our values in pyarrow's JSON conventions

enum PyarrowJSON {
    /// Returns nil when `value` of `column` matches `expected`, else a description of the mismatch.
    static func mismatch(_ value: ParquetValue, _ column: ParquetColumn, _ expected: JSONValue) -> String? {
        let ours = format(value, column)
        if let ours, ours == expected { return nil }
        // Floats: compare as numbers (pyarrow prints shortest round-trip reprs).
        if case let .number(e) = expected, let d = Double(e) {
            switch value {
            case .float(let f) where Double(f) == d: return nil
            case .double(let v) where v == d: return nil
            default: break
            }
        }
        return "ours \(ours.map(\.description) ?? "unformattable \(value)") vs expected \(expected)"
    }

    static func format(_ value: ParquetValue, _ column: ParquetColumn) -> JSONValue? {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int32(let v): return formatInteger(Int64(v), column: column, physicalBits: 32)
        case .int64(let v): return formatInteger(v, column: column, physicalBits: 64)
        case .int96:
            return value.int96EpochNanoseconds.map { .string(isoTimestamp($0, unitsPerSecond: 1_000_000_000)) }
        case .float(let f): return f.isNaN ? .string("NaN") : .number(shortest(Double(f)))
        case .double(let d): return d.isNaN ? .string("NaN") : .number(shortest(d))
        case .string(let s): return .string(s)
        case .bytes(let b):
            if case let .decimal(_, scale)? = column.logicalType { return .string(decimalString(bigEndian: b, scale: scale)) }
            return .object([("base64", .string(Data(b).base64EncodedString()))])
        }
    }

    static func shortest(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        return "\(d)"
    }

    static func formatInteger(_ v: Int64, column: ParquetColumn, physicalBits: Int) -> JSONValue {
        switch column.logicalType {
        case .date?:
            return .string(isoDate(days: v))
        case let .timestamp(unit, utc)?:
            let perSecond: Int64 = unit == .millis ? 1_000 : unit == .micros ? 1_000_000 : 1_000_000_000
            return .string(isoTimestamp(v, unitsPerSecond: perSecond) + (utc ? "+00:00" : ""))
        case let .decimal(_, scale)?:
            var be: [UInt8] = []
            for k in stride(from: physicalBits - 8, through: 0, by: -8) { be.append(UInt8(truncatingIfNeeded: v >> Int64(k))) }
            return .string(decimalString(bigEndian: be, scale: scale))
        case let .integer(bits, signed)? where !signed:
            let mask: UInt64 = bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1
            return .number(String(UInt64(bitPattern: v) & mask))
        default:
            return .number(String(v))
        }
    }

    static func isoDate(days: Int64) -> String {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return String(format: "%04lld-%02lld-%02lld", y, m, d)
    }

    static func isoTimestamp(_ v: Int64, unitsPerSecond: Int64) -> String {
        var secs = v / unitsPerSecond
        var frac = v % unitsPerSecond
        if frac < 0 { frac += unitsPerSecond; secs -= 1 }
        var days = secs / 86_400
        var sod = secs % 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        let nanos = frac * (1_000_000_000 / unitsPerSecond)
        var s = isoDate(days: days) + String(format: "T%02lld:%02lld:%02lld", sod / 3600, (sod / 60) % 60, sod % 60)
        if nanos != 0 {
            s += nanos % 1000 == 0 ? String(format: ".%06lld", nanos / 1000) : String(format: ".%09lld", nanos)
        }
        return s
    }

    /// A two's-complement big-endian integer with `scale` decimal places, as Python's str(Decimal).
    static func decimalString(bigEndian: [UInt8], scale: Int) -> String {
        let negative = (bigEndian.first ?? 0) & 0x80 != 0
        var mag = bigEndian
        if negative {   // negate: invert and add one
            for k in mag.indices { mag[k] = ~mag[k] }
            var k = mag.count - 1
            while k >= 0 { mag[k] &+= 1; if mag[k] != 0 { break }; k -= 1 }
        }
        var digits: [UInt8] = []
        while mag.contains(where: { $0 != 0 }) {
            var rem = 0
            for k in mag.indices {
                let cur = rem * 256 + Int(mag[k])
                mag[k] = UInt8(cur / 10)
                rem = cur % 10
            }
            digits.append(UInt8(rem))
        }
        var text = digits.reversed().map { String($0) }.joined()
        if text.isEmpty { text = "0" }
        if scale > 0 {
            while text.count <= scale { text = "0" + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
        }
        return (negative ? "-" : "") + text
    }
}

/// Package root (the folder holding Package.swift), from this file's path.
func packageRoot(_ file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Compares every row our reader decodes from `path` with `expected`; returns mismatch messages.
/// The expected value of a leaf at `schemaPath` in a row object: a struct leaf is found inside
/// its parents' objects; a null parent makes the leaf null (as the reader returns it).
func expectedValue(_ row: JSONValue, _ schemaPath: [String]) -> JSONValue? {
    var v = row
    for name in schemaPath {
        if case .null = v { return .null }
        guard let next = v[name] else { return nil }
        v = next
    }
    return v
}

func compareFile(_ path: String, expected: [JSONValue], maxMessages: Int = 5) throws -> [String] {
    let reader = try ParquetFileReader(path: path)
    var messages: [String] = []
    var row = 0
    try reader.forEachRowGroup { group in
        for r in 0..<group.rowCount {
            defer { row += 1 }
            guard row < expected.count else {
                if messages.count < maxMessages { messages.append("row \(row): beyond the \(expected.count) expected rows") }
                continue
            }
            for (c, column) in reader.columns.enumerated() {
                guard let e = expectedValue(expected[row], column.schemaPath) else {
                    if messages.count < maxMessages { messages.append("row \(row): expected has no column '\(column.name)'") }
                    continue
                }
                if let m = PyarrowJSON.mismatch(group.columns[c][r], column, e), messages.count < maxMessages {
                    messages.append("row \(row) column '\(column.name)': \(m)")
                }
            }
        }
    }
    if row != expected.count { messages.append("read \(row) rows, expected \(expected.count)") }
    return messages
}
