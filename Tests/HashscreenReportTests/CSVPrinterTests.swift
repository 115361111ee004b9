import HashscreenCore
@testable import HashscreenReport
import XCTest

final class CSVPrinterTests: XCTestCase {
    struct Row: CSVRecord { var csvFields: [String] }

    func testFieldsAreQuotedOnlyWhenTheyMustBe() throws {
        let text = try Fixture.printed([Row(csvFields: ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "semi;colon", " space ", ""])]) {
            try CSVPrinter<Row>(header: ["h1", "h,2"], to: $0)
        }
        XCTAssertEqual(text, "h1,\"h,2\"\nplain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",semi;colon, space ,\n")
    }

    func testHeaderIsWrittenWithoutRecords() throws {
        XCTAssertEqual(try Fixture.printed([Removal]()) { try CSVPrinter<Removal>(header: Removal.csvHeader, to: $0) },
                       "key,url,path,reasons\n")
    }

    func testRemovalsGroupOneRowPerSampleWithDistinctSortedReasons() throws {
        let matches = RecordOrder.sorted([
            Fixture.match("b", .sha256, list: "L2"), Fixture.match("a", .md5),
            Fixture.match("b", .md5), Fixture.match("b", .md5, distance: 0, source: .manifest),
            // The same key at another input position is another sample: its own row.
            Fixture.match("b", .pdq, ordinal: 7, distance: 3),
        ])
        let text = try Fixture.printed(Removal.rows(matches)) { try CSVPrinter<Removal>(header: Removal.csvHeader, to: $0) }
        XCTAssertEqual(text, """
            key,url,path,reasons
            a,http://x/a,"p/a,1.jpg",md5:L1
            b,http://x/b,"p/b,1.jpg",md5:L1;sha256:L2
            b,http://x/b,"p/b,1.jpg",pdq:L1

            """)
    }

    func testRemovalWithoutURLOrPathLeavesThemEmpty() throws {
        let r = Removal(key: "k", url: nil, path: nil, reasons: ["md5:L"])
        XCTAssertEqual(r.csvFields, ["k", "", "", "md5:L"])
    }

    func testFileHashesRowsFollowTheHeader() throws {
        let rows = [
            FileHashes(path: "a,b.jpg", values: [("md5", "00ff"), ("pdq", "ab")], error: nil),
            FileHashes(path: "c.png", values: [("md5", "11ee"), ("pdq", nil)], error: "decode: PNG: bad \"CRC\""),
        ]
        let text = try Fixture.printed(rows) { try CSVPrinter<FileHashes>(header: ["path", "md5", "pdq", "error"], to: $0) }
        XCTAssertEqual(text, """
            path,md5,pdq,error
            "a,b.jpg",00ff,ab,
            c.png,11ee,,"decode: PNG: bad ""CRC\"\"\"

            """)
    }

    // MARK: - Formulas (issue 11, OWASP CSV injection)

    func testFieldsASpreadsheetWouldRunAsFormulasGetAQuoteInFrontAndAreQuoted() throws {
        let r = Removal(key: "=cmd|' /C calc'!A0", url: "+1", path: "-2", reasons: ["@SUM(1)"])
        let text = try Fixture.printed([r]) { try CSVPrinter<Removal>(header: Removal.csvHeader, to: $0) }
        XCTAssertEqual(text, "key,url,path,reasons\n\"'=cmd|' /C calc'!A0\",\"'+1\",\"'-2\",\"'@SUM(1)\"\n")
    }

    func testEveryFormulaStartIsNeutralisedAndOthersAreNot() {
        XCTAssertEqual(CSV.field("\tx"), "\"'\tx\"")
        XCTAssertEqual(CSV.field("\rx"), "\"'\rx\"")
        XCTAssertEqual(CSV.field("\r\nx"), "\"'\r\nx\"")
        XCTAssertEqual(CSV.field("\0x"), "\"'\0x\"")
        XCTAssertEqual(CSV.field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"")
        // A leading quote is doubled too, so the rule reverses: drop one leading ' from a field.
        XCTAssertEqual(CSV.field("'=1"), "\"''=1\"")
        for plain in ["a=b", "1-2", "key@host", "x+y", " =1", ""] { XCTAssertEqual(CSV.field(plain), plain) }
    }

    func testALineBreakCRLFInsideAFieldIsQuoted() {
        XCTAssertEqual(CSV.field("a\r\nb"), "\"a\r\nb\"")
    }

    func testHashRowsNeutraliseAPathThatStartsLikeAFormula() throws {
        let rows = [FileHashes(path: "-rf.jpg", values: [("md5", "00ff")], error: "=1+1")]
        let text = try Fixture.printed(rows) { try CSVPrinter<FileHashes>(header: ["path", "md5", "error"], to: $0) }
        XCTAssertEqual(text, "path,md5,error\n\"'-rf.jpg\",00ff,\"'=1+1\"\n")
    }
}
