import HashscreenCore
import XCTest

final class SignalKindTests: XCTestCase {
    func testEverySignalParsesItsOwnHexAndRejectsWrongLengthAndNonHex() throws {
        for s in SignalKind.allCases {
            let hex = String(repeating: "aB", count: s.byteCount)
            let v = try s.parse(hex)
            XCTAssertEqual(v.bytes.count, s.byteCount, "\(s)")
            XCTAssertEqual(v.hex, hex.lowercased())
            XCTAssertThrowsError(try s.parse(String(hex.dropLast(2)))) { e in
                XCTAssertTrue("\(e)".contains("must be \(s.hexLength) hex digits"), "\(e)")
            }
            XCTAssertThrowsError(try s.parse(String(hex.dropLast()) + "g")) { e in
                XCTAssertTrue("\(e)".contains("not hexadecimal"), "\(e)")
            }
        }
    }

    func testNamesRoundTripAndAliases() {
        for s in SignalKind.allCases { XCTAssertEqual(SignalKind(name: s.name), s) }
        XCTAssertEqual(SignalKind(name: "SHA-256"), .sha256)
        XCTAssertEqual(SignalKind(name: " PDQ "), .pdq)
        XCTAssertNil(SignalKind(name: "crc32"))
    }

    func testComparisonKinds() {
        XCTAssertEqual(SignalKind.md5.comparison, .exact)
        XCTAssertEqual(SignalKind.urlSHA256.comparison, .exact)
        XCTAssertEqual(SignalKind.pdq.comparison, .hamming)
        XCTAssertEqual(SignalKind.phash.byteCount, 8)
        XCTAssertTrue(SignalKind.sha1.isCryptographic)
        XCTAssertFalse(SignalKind.urlMD5.isCryptographic)
    }

    func testHammingDistance() throws {
        let a = try SignalKind.phash.parse("0000000000000000")
        let b = try SignalKind.phash.parse("ffffffffffffffff")
        let c = try SignalKind.phash.parse("8000000000000001")
        XCTAssertEqual(a.hammingDistance(to: b), 64)
        XCTAssertEqual(a.hammingDistance(to: c), 2)
        XCTAssertEqual(c.hammingDistance(to: c), 0)
    }

    func testJSONRenderingIsOrderedAndEscaped() {
        let v: JSONValue = .object([("b", .int(1)), ("a", .string("x\"y\\z\n\u{1}")), ("n", .null),
                                    ("l", .array([.bool(true), .double(1.5), .double(2)]))])
        XCTAssertEqual(v.rendered(), #"{"b":1,"a":"x\"y\\z\n\u0001","n":null,"l":[true,1.5,2]}"#)
        XCTAssertTrue(v.pretty().contains("\n  \"b\": 1,"))
    }
}
