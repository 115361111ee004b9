import HashscreenCore
@testable import HashscreenReport
import XCTest

final class JSONLinesPrinterTests: XCTestCase {
    func testMatchLinesHaveAFixedKeyOrderAndOptionalFieldsOnlyWhenSet() throws {
        let text = try Fixture.printed([Fixture.match("a", .md5),
                                        Fixture.match("b", .pdq, distance: 12, variant: "rot90", notes: ["padding removed"])]) {
            JSONLinesPrinter<MatchRecord>(to: $0)
        }
        let ones32 = String(repeating: "01", count: 32)
        XCTAssertEqual(text, """
            {"key":"a","url":"http://x/a","path":"p/a,1.jpg","signal":"md5","value":"01010101010101010101010101010101","source":"computed","list":"L1","list_version":"1","distance":0}
            {"key":"b","url":"http://x/b","path":"p/b,1.jpg","signal":"pdq","value":"\(ones32)","source":"computed","list":"L1","list_version":"1","distance":12,"variant":"rot90","notes":["padding removed"]}

            """)
    }

    func testFailureLinesWithNullPath() throws {
        let text = try Fixture.printed([Fixture.failure("z", .read, "m"),
                                        Fixture.failure("q", .decode, "not an image", path: "x.jpg")]) {
            JSONLinesPrinter<FailureRecord>(to: $0)
        }
        XCTAssertEqual(text, """
            {"key":"z","path":null,"stage":"read","error":"m"}
            {"key":"q","path":"x.jpg","stage":"decode","error":"not an image"}

            """)
    }

    func testStringsAreEscaped() throws {
        let key = "q\"b\\s\nn\r\tt\u{1}\u{1f}é😀/"
        let text = try Fixture.printed([Fixture.failure(key, .decode, "x")]) { JSONLinesPrinter<FailureRecord>(to: $0) }
        XCTAssertEqual(text, #"{"key":"q\"b\\s\nn\r\tt\u0001\u001fé😀/","path":null,"stage":"decode","error":"x"}"# + "\n")
    }

    func testFileHashesOmitErrorWhenNoneAndGiveNullForMissingValues() throws {
        let text = try Fixture.printed([
            FileHashes(path: "a.jpg", values: [("md5", "00ff"), ("pdq", "ab"), ("pdq_quality", "100")], error: nil),
            FileHashes(path: "b.png", values: [("md5", "11ee"), ("pdq", nil), ("pdq_quality", nil)], error: "decode: bad"),
        ]) { JSONLinesPrinter<FileHashes>(to: $0) }
        XCTAssertEqual(text, """
            {"path":"a.jpg","md5":"00ff","pdq":"ab","pdq_quality":"100"}
            {"path":"b.png","md5":"11ee","pdq":null,"pdq_quality":null,"error":"decode: bad"}

            """)
    }

    func testADocumentIsPrintedAsItIs() throws {
        let row: JSONValue = .object([("b", .int(1)), ("a", .array([.bool(true), .null, .double(1.5)]))])
        XCTAssertEqual(try Fixture.printed([row, .object([])]) { JSONLinesPrinter<JSONValue>(to: $0) },
                       "{\"b\":1,\"a\":[true,null,1.5]}\n{}\n")
    }
}
