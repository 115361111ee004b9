// JSON string escaping (`JSONValue.escape`, every record hashscreen writes) against a
// character-by-character reference: every ASCII byte, text in several scripts, random strings
// with escapes at every place; and what it writes parses back to the string.

import Foundation
import HashscreenCore
import XCTest

final class JSONEscapeTests: XCTestCase {
    /// The escape scalar by scalar (`"` `\` and controls escaped, everything else as it is).
    func reference(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let h = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    func escaped(_ s: String) -> String {
        var out = ""
        JSONValue.escape(s, into: &out)
        return out
    }

    func testEveryASCIICharacterAndScripts() throws {
        for b in 0..<128 {
            let s = "a" + String(UnicodeScalar(UInt8(b))) + "b"
            XCTAssertEqual(escaped(s), reference(s), "byte \(b)")
        }
        for s in ["", "\"", "\\", "ünïcödé \"x\"", "日本語\n", "🧪\u{0}🧪", "\r\n", "e\u{301}\t", "\u{2028}\u{7f}"] {
            XCTAssertEqual(escaped(s), reference(s), s)
            let back = try JSONSerialization.jsonObject(with: Data(escaped(s).utf8), options: .fragmentsAllowed) as? String
            XCTAssertEqual(back, s)
        }
    }

    func testRandomStrings() throws {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{1f}", "é", "ß", "中", "🧪", "/", "<", "\u{7f}"]
        for _ in 0..<5_000 {
            let s = (0..<Int.random(in: 0...24, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
            XCTAssertEqual(escaped(s), reference(s), s.debugDescription)
        }
    }
}
