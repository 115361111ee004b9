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
}
