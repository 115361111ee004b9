// Manifest text cells as the readers hand them over: trimmed of white space and newlines exactly
// as Foundation's `trimmingCharacters(in: .whitespacesAndNewlines)` trims (the oracle here),
// whichever layout holds them; empty and null cells are missing; a text column's value that is
// not UTF-8 is a row error; captions are read only when asked.

import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class ManifestTextTests: XCTestCase {
    /// URL cells with ASCII and Unicode white space at either end or inside, and none.
    static let urls: [String?] = [
        "http://example.org/a.jpg", " http://example.org/b.jpg", "http://example.org/c.jpg\t", "\r\n http://example.org/d \n",
        "\u{00A0}http://example.org/e\u{00A0}", "\u{3000}http://example.org/f", "http://example.org/g\u{2028}",
        " \u{2003}http://example.org/h", "http://example.org/i \u{00A0} ", "http://example.org/ü", "ühttp://example.org/j ",
        "http://example.org/k\u{0301}", "http://example.org/in side", "   ", "", nil, "\u{0085}x\u{000B}\u{000C}",
        "x\u{001F}", "\u{200B}y\u{200B}",
    ]

    func samples(_ path: String, readsCaptions: Bool = true) throws -> [ManifestItem] {
        var out: [ManifestItem] = []
        try Manifest.open(path: path, options: ManifestOptions(readsCaptions: readsCaptions)).forEachItem { out.append($0) }
        return out
    }

    func expected(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    func testTextCellsAreTrimmedAsFoundationTrimsInEveryLayout() throws {
        let tmp = try TemporaryDirectory()
        let rows = Self.urls.enumerated().map { (key: "k\($0.offset)", url: $0.element) }
        // Parquet: a string column (nulls where the value is nil).
        let w = try ParquetFileWriter(path: tmp.file("m.parquet"), columns: [
            ParquetColumn(name: "key", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "url", physicalType: .byteArray, isOptional: true, logicalType: .string),
            ParquetColumn(name: "caption", physicalType: .byteArray, isOptional: true, logicalType: .string)])
        try w.writeRowGroup([rows.map { .string($0.key) }, rows.map { $0.url.map(ParquetValue.string) ?? .null },
                             rows.map { $0.url.map(ParquetValue.string) ?? .null }])
        try w.close()
        // CSV: every field quoted (a nil is an empty field); JSON lines: JSON strings (nil: null).
        func quoted(_ s: String?) -> String { "\"" + (s ?? "").replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        try tmp.write("m.csv", "key,url,caption\n" + rows.map { "\($0.key),\(quoted($0.url)),\(quoted($0.url))\n" }.joined())
        let jsonl = try rows.map { r -> String in
            let o: [String: Any] = ["key": r.key, "url": r.url ?? NSNull(), "caption": r.url ?? NSNull()]
            return String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self) + "\n"
        }.joined()
        try tmp.write("m.jsonl", jsonl)
        for file in ["m.parquet", "m.csv", "m.jsonl"] {
            for readsCaptions in [true, false] {
                let items = try samples(tmp.file(file), readsCaptions: readsCaptions)
                XCTAssertEqual(items.count, rows.count, file)
                for (item, row) in zip(items, rows) {
                    guard case .sample(let s, _) = item else { XCTFail("\(file) \(row.key): \(item)"); continue }
                    XCTAssertEqual(s.key, row.key, file)
                    XCTAssertEqual(s.url, expected(row.url), "\(file) \(row.key) \(row.url.debugDescription)")
                    XCTAssertEqual(s.caption, readsCaptions ? expected(row.url) : nil, "\(file) \(row.key)")
                }
            }
        }
    }

    /// A string column's value that is not UTF-8 (a writer that did not check) is a row error
    /// for a URL; the rows around it are read.
    func testAParquetTextValueThatIsNotUTF8IsARowError() throws {
        let tmp = try TemporaryDirectory()
        let w = try ParquetFileWriter(path: tmp.file("m.parquet"), columns: [
            ParquetColumn(name: "key", physicalType: .byteArray, isOptional: false, logicalType: .string),
            ParquetColumn(name: "url", physicalType: .byteArray, isOptional: true, logicalType: .string)])
        try w.writeRowGroup([[.string("a"), .string("b"), .string("c")],
                             [.string(" http://a "), .bytes([0x68, 0xFF, 0xFE]), .bytes([])]])
        try w.close()
        let items = try samples(tmp.file("m.parquet"))
        guard items.count == 3, case .sample(let a, _) = items[0], case .failure(_, _, let m, _) = items[1],
              case .sample(let c, _) = items[2] else { return XCTFail("\(items)") }
        XCTAssertEqual(a.url, "http://a")
        XCTAssertTrue(m.contains("column 'url': binary value that is not UTF-8 text"), m)
        XCTAssertNil(c.url, "an empty value is missing")
    }

    /// The byte-level trim against Foundation's over every one- and two-scalar string of ASCII
    /// and the Unicode white space and newline characters around a word.
    func testTrimMatchesFoundationAtEveryEnd() {
        var pieces: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        pieces += ["\u{0085}", "\u{00A0}", "\u{1680}", "\u{2000}", "\u{200A}", "\u{200B}", "\u{2028}", "\u{2029}",
                   "\u{202F}", "\u{205F}", "\u{3000}", "\u{FEFF}", "é", "\u{0301}", "😀"]
        for a in pieces {
            for b in pieces {
                for s in [a, a + b, a + "w" + b, a + " w " + b, b + a + "w\u{0301}"] {
                    XCTAssertEqual(s.trimmedWhitespaceAndNewlines, s.trimmingCharacters(in: .whitespacesAndNewlines),
                                   "\(Array(s.unicodeScalars).map { $0.value })")
                }
            }
        }
    }
}
