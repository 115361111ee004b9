import XCTest

final class HashscreenDigestPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
