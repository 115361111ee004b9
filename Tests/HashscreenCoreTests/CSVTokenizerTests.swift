import HashscreenCore
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
}
