import XCTest

final class HashscreenListPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
