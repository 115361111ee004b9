@testable import HashscreenCore
import XCTest

final class CSVTokenizerTests: XCTestCase {
    /// Fields and record of the first record in `text`.
    func split(_ text: String, delimiter: Character = ",", trims: Bool = false,
               atEnd: Bool = true) -> (fields: [String], record: CSVTokenizer.Record?) {
        let tokenizer = CSVTokenizer(delimiter: delimiter.asciiValue!, trimsSpaces: trims)
        var f = FieldBuffer()
        let record = Array(text.utf8).withUnsafeBufferPointer { tokenizer.nextRecord($0, atEnd: atEnd, into: &f) }
        return ((0..<f.count).map { f.string($0) }, record)
    }

    /// Every record of `text`, read one after another.
    func records(_ text: String, delimiter: Character = ",") -> [[String]] {
        let tokenizer = CSVTokenizer(delimiter: delimiter.asciiValue!)
        let bytes = Array(text.utf8)
        var f = FieldBuffer(), out: [[String]] = [], at = 0
        while at < bytes.count {
            let r = bytes.withUnsafeBufferPointer {
                tokenizer.nextRecord(UnsafeBufferPointer(rebasing: $0[at...]), atEnd: true, into: &f)
            }!
            out.append((0..<f.count).map { f.string($0) })
            at += r.end
        }
        return out
    }

    func testQuotesAndDoubledQuotes() {
        XCTAssertEqual(split(#"a,"b,c","say ""hi""",d"#).fields, ["a", "b,c", #"say "hi""#, "d"])
        XCTAssertEqual(split(#""""""#).fields, [#"""#])
        XCTAssertEqual(split(#"a"b,c"#).fields, [#"a"b"#, "c"], "a quote inside an unquoted field is literal")
        XCTAssertEqual(split("\"a\tb\"\tc", delimiter: "\t").fields, ["a\tb", "c"])
    }

    func testLineEndings() {
        XCTAssertEqual(records("a,b\r\nc,d\ne,f"), [["a", "b"], ["c", "d"], ["e", "f"]])
        XCTAssertEqual(records("\"a\",\"b\"\r\nc\r\r\n"), [["a", "b"], ["c"], [""]], "CR, then CRLF: two line ends")
        XCTAssertEqual(split("a,b\nc").record?.end, 4)
        XCTAssertEqual(split("a,b\r\nc").record?.end, 5)
    }

    /// Issue 11: a file with CR-only line ends (classic Mac OS, some spreadsheet exports) read
    /// as one header line, so a manifest had 0 rows and exited 0.
    func testCROnlyLineEndsSeparateRecords() {
        XCTAssertEqual(records("key,path\rk1,a.jpg\rk2,b.jpg\r"), [["key", "path"], ["k1", "a.jpg"], ["k2", "b.jpg"]])
        XCTAssertEqual(records("key,path\rk1,a.jpg"), [["key", "path"], ["k1", "a.jpg"]])
        XCTAssertEqual(split("a,b\rc").record?.end, 4)
        XCTAssertEqual(split("a\rb,c").fields, ["a"], "a CR outside quotes ends the record")
        XCTAssertEqual(records("\"q\"\rx"), [["q"], ["x"]], "after a closing quote too")
    }

    func testMixedLineEndsEachEndALine() {
        XCTAssertEqual(records("h\ra\r\nb\nc\rd"), [["h"], ["a"], ["b"], ["c"], ["d"]])
    }

    func testQuotedFieldsKeepEmbeddedLineEndsOfEveryKind() {
        let (fields, record) = split("\"one\rtwo\r\nthree\nfour\",x\rnext")
        XCTAssertEqual(fields, ["one\rtwo\r\nthree\nfour", "x"])
        XCTAssertEqual(record?.lines, 4)
        XCTAssertEqual(record?.end, 24)
    }

    func testATrailingCRWaitsForThePossibleLF() {
        XCTAssertNil(split("a,b\r", atEnd: false).record, "an LF may follow the CR")
        XCTAssertEqual(split("a,b\r", atEnd: true).record?.end, 4)
        XCTAssertEqual(split("a,b\r\n", atEnd: false).record?.end, 5)
        XCTAssertEqual(split("a,b\rc", atEnd: false).record?.end, 4)
    }

    func testQuotedNewlinesCountLines() {
        let (fields, record) = split("\"line1\nline2\r\nline3\",x\nnext")
        XCTAssertEqual(fields, ["line1\nline2\r\nline3", "x"])
        XCTAssertEqual(record?.lines, 3)
        XCTAssertEqual(record?.end, 23)
    }

    func testEmptyFieldsAndTrailingDelimiter() {
        XCTAssertEqual(split(",,").fields, ["", "", ""])
        XCTAssertEqual(split("a,").fields, ["a", ""])
        XCTAssertEqual(split(#"a,"",b"#).fields, ["a", "", "b"])
        XCTAssertEqual(records("\n\nx"), [[""], [""], ["x"]])
    }

    func testTextAfterClosingQuoteIsKeptAndReported() {
        let (fields, record) = split(#"x,"ab"c d,"e""#)
        XCTAssertEqual(fields, ["x", "abc d", "e"])
        XCTAssertEqual(record?.textAfterQuote, 2)
        XCTAssertEqual(split("\"a\"\r,b").fields, ["a"], "a CR after the quote ends the record")
        XCTAssertNil(split("\"a\"\r,b").record?.textAfterQuote)
        XCTAssertNil(split("\"a\"\r\nb").record?.textAfterQuote, "CRLF ends the record")
        XCTAssertEqual(split(#""a" ,b"#).record?.textAfterQuote, 1, "spaces count unless trimmed")
        XCTAssertNil(split(#""a" ,b"#, trims: true).record?.textAfterQuote)
        XCTAssertEqual(split(#""a" x,b"#, trims: true).record?.textAfterQuote, 1)
    }

    func testTrimmingSpaces() {
        XCTAssertEqual(split(#"  a , " b " ,c  "#, trims: true).fields, ["a", "b", "c"])
        XCTAssertEqual(split(#"  a , " b " ,c  "#).fields, ["  a ", #" " b " "#, "c  "])
        XCTAssertEqual(split("\ta \t b", delimiter: "\t", trims: true).fields, ["", "a", "b"],
                       "a tab delimiter is not padding")
    }

    func testUnterminatedAndIncompleteInput() {
        let (fields, record) = split("a,\"b\nc")
        XCTAssertEqual(fields, ["a", "b\nc"])
        XCTAssertEqual(record?.unterminated, true)
        XCTAssertEqual(split("a,b").record?.unterminated, false)
        XCTAssertNil(split("a,b", atEnd: false).record, "no LF yet: the record may continue")
        XCTAssertNil(split("a,\"b\nc", atEnd: false).record)
        XCTAssertNil(split("\"a\"", atEnd: false).record, "a final quote may be half of a doubled one")
        XCTAssertEqual(split("\"a\"\n", atEnd: false).fields, ["a"])
    }

    /// The tokenizer as it was before quoted fields were read in runs (a byte at a time): the
    /// reference the run reading must equal.
    static func referenceRecord(_ b: [UInt8], delimiter: UInt8, trims: Bool, atEnd: Bool) -> ([[UInt8]], CSVTokenizer.Record)? {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        func isPad(_ c: UInt8) -> Bool { c == 32 || (c == 9 && delimiter != 9) }
        let n = b.count
        var fields: [[UInt8]] = [], i = 0, lines = 1
        var textAfterQuote: Int? = nil
        while true {
            var j = i
            if trims { while j < n, isPad(b[j]) { j += 1 } }
            if j < n, b[j] == quote {
                var field: [UInt8] = [], k = j + 1, closed = false
                while k < n {
                    let c = b[k]
                    if c == quote {
                        if k + 1 < n { if b[k + 1] == quote { field.append(quote); k += 2; continue } } else if !atEnd { return nil }
                        closed = true; k += 1; break
                    }
                    if c == lf || (c == cr && (k + 1 >= n || b[k + 1] != lf)) { lines += 1 }
                    field.append(c); k += 1
                }
                guard closed else {
                    guard atEnd else { return nil }
                    fields.append(field)
                    return (fields, .init(end: n, lines: lines, unterminated: true, textAfterQuote: textAfterQuote))
                }
                var after = false
                while k < n, b[k] != delimiter, b[k] != lf, b[k] != cr {
                    if !(trims && isPad(b[k])) { after = true }
                    field.append(b[k]); k += 1
                }
                if trims {
                    while let f = field.first, f == 32 || f == 9 { field.removeFirst() }
                    while let l = field.last, l == 32 || l == 9 { field.removeLast() }
                }
                fields.append(field)
                if after, textAfterQuote == nil { textAfterQuote = fields.count }
                i = k
            } else {
                var k = j
                while k < n, b[k] != delimiter, b[k] != lf, b[k] != cr { k += 1 }
                var e = k
                if trims { while e > j, isPad(b[e - 1]) { e -= 1 } }
                fields.append(Array(b[j..<e]))
                i = k
            }
            if i == n {
                guard atEnd else { return nil }
                return (fields, .init(end: n, lines: lines, unterminated: false, textAfterQuote: textAfterQuote))
            }
            if b[i] == lf { return (fields, .init(end: i + 1, lines: lines, unterminated: false, textAfterQuote: textAfterQuote)) }
            if b[i] == cr {
                if i + 1 < n { return (fields, .init(end: b[i + 1] == lf ? i + 2 : i + 1, lines: lines, unterminated: false, textAfterQuote: textAfterQuote)) }
                guard atEnd else { return nil }
                return (fields, .init(end: n, lines: lines, unterminated: false, textAfterQuote: textAfterQuote))
            }
            i += 1
        }
    }

    /// Calls `body` 20,000 times with a random text of `alphabet`'s bytes (up to `maxLength`)
    /// and a delimiter, comma and tab in turn.
    static func forRandomTexts(of alphabet: String, maxLength: Int, _ body: (_ text: [UInt8], _ delimiter: UInt8) -> Void) {
        var rng = SystemRandomNumberGenerator()
        let bytes = Array(alphabet.utf8)
        for round in 0..<20_000 {
            let text = (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in bytes.randomElement(using: &rng)! }
            body(text, round % 2 == 0 ? UInt8(ascii: ",") : UInt8(ascii: "\t"))
        }
    }

    /// Quoted fields read in runs (memchr to the next quote, line ends counted only in runs
    /// holding one) give the byte-at-a-time reference's fields and records on random text of
    /// quotes, delimiters, line ends of every kind and padding, whole and cut short.
    func testRunReadingEqualsTheByteAtATimeReference() {
        Self.forRandomTexts(of: "ab\"\"\",\t \n\r\r\n", maxLength: 40) { text, delimiter in
            for trims in [false, true] {
                let tokenizer = CSVTokenizer(delimiter: delimiter, trimsSpaces: trims)
                for atEnd in [true, false] {
                    var f = FieldBuffer()
                    let got = text.withUnsafeBufferPointer { tokenizer.nextRecord($0, atEnd: atEnd, into: &f) }
                    let want = Self.referenceRecord(text, delimiter: delimiter, trims: trims, atEnd: atEnd)
                    XCTAssertEqual(got, want?.1, "\(text) trims \(trims) atEnd \(atEnd)")
                    if let want, got != nil {
                        XCTAssertEqual((0..<f.count).map { Array(f.field($0)) }, want.0, "\(text) trims \(trims)")
                    }
                }
            }
        }
    }

    /// `recordEnd` (quotes, LFs and CRs only, a word at a time) ends a record where `nextRecord`
    /// does, with its line count and unterminated flag, and waits (nil) when it waits, on random
    /// text of quotes, delimiters, line ends of every kind, and letters (runs over 8 bytes, for
    /// the word-at-a-time search), whole and cut short, from every start.
    func testRecordEndIsTheTokenizersEnd() {
        Self.forRandomTexts(of: "abcdefghij\"\"\",,\t \n\r\r\n", maxLength: 60) { text, delimiter in
            let tokenizer = CSVTokenizer(delimiter: delimiter)
            for from in [0, text.count / 3, text.count / 2] {
                for atEnd in [true, false] {
                    var f = FieldBuffer()
                    let (got, want) = text.withUnsafeBufferPointer { b -> (CSVTokenizer.Record?, CSVTokenizer.Record?) in
                        let part = UnsafeBufferPointer(rebasing: b[from...])
                        return (tokenizer.recordEnd(part, atEnd: atEnd), tokenizer.nextRecord(part, atEnd: atEnd, into: &f))
                    }
                    var expected = want
                    expected?.textAfterQuote = nil
                    XCTAssertEqual(got, expected, "\(text[from...]) atEnd \(atEnd)")
                }
            }
        }
    }

    func testRecordEndOnKnownRecords() {
        let tokenizer = CSVTokenizer(delimiter: UInt8(ascii: ","))
        func end(_ s: String, atEnd: Bool = true) -> CSVTokenizer.Record? {
            Array(s.utf8).withUnsafeBufferPointer { tokenizer.recordEnd($0, atEnd: atEnd) }
        }
        XCTAssertEqual(end("abcdefghijklmnop,q\nnext"), .init(end: 19, lines: 1, unterminated: false, textAfterQuote: nil))
        XCTAssertEqual(end("a\"b,c\"d\ne"), .init(end: 8, lines: 1, unterminated: false, textAfterQuote: nil))   // literal quotes
        XCTAssertEqual(end("a,\"b\nc\r\nd\re\",f\rg"), .init(end: 15, lines: 4, unterminated: false, textAfterQuote: nil))
        XCTAssertEqual(end("\"a\"\"\nb\"x\"y\r\nz"), .init(end: 12, lines: 2, unterminated: false, textAfterQuote: nil))
        XCTAssertEqual(end("a,\"never\nclosed"), .init(end: 15, lines: 2, unterminated: true, textAfterQuote: nil))
        XCTAssertNil(end("a,\"never\nclosed", atEnd: false))
        XCTAssertNil(end("a,b\r", atEnd: false))
        XCTAssertNil(end("a,\"b\"", atEnd: false))
        XCTAssertEqual(end("a,\"b\"", atEnd: true), .init(end: 5, lines: 1, unterminated: false, textAfterQuote: nil))
        XCTAssertEqual(end(""), .init(end: 0, lines: 1, unterminated: false, textAfterQuote: nil))
        XCTAssertNil(end("", atEnd: false))
    }

    /// `verbatimFields` on a record `recordEnd` cut (from random text, from inner starts too):
    /// as many fields as `nextRecord` gives; a verbatim field's range holds exactly its bytes,
    /// and every other field is one whose bytes are not in the record as they stand (a `""`
    /// inside, or text after the closing quote), its range where it stands, from its quote.
    func testVerbatimFieldsAreTheTokenizersFields() {
        var nonVerbatim = 0, round = 0
        Self.forRandomTexts(of: "abcdefghij\"\"\"\",,\t \n\r\r\n", maxLength: 60) { text, delimiter in
            round += 1
            let length = text.count
            let tokenizer = CSVTokenizer(delimiter: delimiter)
            for from in [0, length / 3, length / 2] where from <= length {
                text.withUnsafeBufferPointer { b in
                    let rest = UnsafeBufferPointer(rebasing: b[from...])
                    // The record as the block splitter hands it on: up to `recordEnd`'s end.
                    guard let end = tokenizer.recordEnd(rest, atEnd: true)?.end else { return XCTFail("no end") }
                    let record = UnsafeBufferPointer(rebasing: rest[0..<end])
                    var f = FieldBuffer()
                    let spans = FieldSpans(capacity: round % 3 == 0 ? 2 : 64)   // fields past it counted only
                    _ = tokenizer.nextRecord(record, atEnd: true, into: &f)
                    tokenizer.verbatimFields(record, into: spans)
                    let shown = String(decoding: record, as: UTF8.self).debugDescription
                    XCTAssertEqual(spans.count, f.count, shown)
                    for k in 0..<min(spans.count, f.count, spans.capacity) {
                        let r = spans.range(k)
                        XCTAssertTrue(r.lowerBound >= 0 && r.upperBound <= record.count, shown)
                        if spans.isVerbatim(k) {
                            XCTAssertEqual(Array(record[r]), Array(f.field(k)), "\(shown) field \(k)")
                        } else {
                            nonVerbatim += 1
                            XCTAssertEqual(record[r.lowerBound], UInt8(ascii: "\""), shown)
                            // A quote after the opening one that does not end the range: `""`,
                            // or text after the closing quote.
                            let inner = Array(record[(r.lowerBound + 1)..<r.upperBound])
                            let q = inner.firstIndex(of: UInt8(ascii: "\""))
                            XCTAssertTrue(q != nil && q! != inner.count - 1, "\(shown) field \(k)")
                            // The range is where the field stands: alone, it reads as that field.
                            var alone = FieldBuffer()
                            _ = tokenizer.nextRecord(UnsafeBufferPointer(rebasing: record[r]), atEnd: true, into: &alone)
                            XCTAssertEqual(alone.count, 1, shown)
                            XCTAssertEqual(Array(alone.field(0)), Array(f.field(k)), "\(shown) field \(k)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(nonVerbatim, 1000)
    }

    func testVerbatimFieldsOnKnownRecords() {
        let tokenizer = CSVTokenizer(delimiter: UInt8(ascii: ","))
        func spans(_ s: String) -> [String] {
            let bytes = Array(s.utf8)
            let f = FieldSpans(capacity: 8)
            bytes.withUnsafeBufferPointer { tokenizer.verbatimFields($0, into: f) }
            return (0..<f.count).map { (f.isVerbatim($0) ? "" : "~") + String(decoding: bytes[f.range($0)], as: UTF8.self) }
        }
        XCTAssertEqual(spans("a,\"b,c\",,\"d\"\"e\",\"f\"g,\"h\nx\"\r\n"), ["a", "b,c", "", "~\"d\"\"e\"", "~\"f\"g", "h\nx"])
        XCTAssertEqual(spans(""), [""])
        XCTAssertEqual(spans("\n"), [""])
        XCTAssertEqual(spans("a,"), ["a", ""])
        XCTAssertEqual(spans("x\"y\",\"open"), ["x\"y\"", "open"])         // a literal quote; unterminated
        XCTAssertEqual(spans("\"a\"\"b"), ["~\"a\"\"b"])                  // unterminated after `""`
        XCTAssertEqual(spans("\"a\"\r"), ["a"])
    }
}
