/// `JSONValue.parse`: what `render` writes reads back to the same value, keys in order.
@testable import HashscreenCore
import XCTest

final class JSONValueParseTests: XCTestCase {
    func testRoundTrip() {
        let v = JSONValue.object([
            ("b", .int(-12)), ("a", .array([.null, .bool(true), .bool(false), .double(1.5), .string("x\"\\\n\u{1}é😀")])),
            ("empty", .object([])), ("list", .array([])), ("big", .int(Int.max)),
        ])
        XCTAssertEqual(JSONValue.parse(Array(v.pretty().utf8))?.pretty(), v.pretty())
        XCTAssertEqual(JSONValue.parse(Array(v.rendered().utf8))?.rendered(), v.rendered())
        XCTAssertEqual(JSONValue.parse(Array(#"{"k": "\ud83d\ude00\u00e9"}"#.utf8))?[key: "k"]?.stringValue, "😀é")
    }

    func testMalformedIsNil() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"a", "1 2", "{\"a\":1,}", "\"\u{1}\"", "\"\\ud800\""] {
            XCTAssertNil(JSONValue.parse(Array(bad.utf8)), bad)
        }
        XCTAssertNil(JSONValue.parse(Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)))
    }
}
