import XCTest

final class HashscreenMatchPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
