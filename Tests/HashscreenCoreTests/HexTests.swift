import HashscreenCore
import XCTest

final class HexTests: XCTestCase {
    func testDecodesEitherCaseAndEncodesLowerCase() {
        XCTAssertEqual(Hex.decode(Array("00ff7Fa0".utf8)), [0x00, 0xFF, 0x7F, 0xA0])
        XCTAssertEqual(Hex.decode(Array("".utf8)), [])
        XCTAssertEqual(Hex.encode([0x00, 0xFF, 0x7F, 0xA0]), "00ff7fa0")
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(Hex.decode(Array(Hex.encode(all).utf8)), all)
        XCTAssertEqual(Hex.decode(Array(Hex.encode(all).uppercased().utf8)), all)
    }

    func testRejectsOddLengthsAndNonDigits() {
        XCTAssertNil(Hex.decode(Array("abc".utf8)))
        for bad in ["0g", "g0", "0 ", "-1", "0x", "é0"] {
            XCTAssertNil(Hex.decode(Array(bad.utf8)), bad)
        }
        XCTAssertNil(HashValue(hex: "12345z"))
        XCTAssertEqual(HashValue(hex: "DEADbeef")?.bytes, [0xDE, 0xAD, 0xBE, 0xEF])
    }

    func testDecodesSlicesInPlace() {
        let line = Array("md5 d41d8cd98f00b204e9800998ecf8427e x".utf8)
        XCTAssertEqual(Hex.decode(line[4..<36]).map { Hex.encode($0) }, "d41d8cd98f00b204e9800998ecf8427e")
    }
}
