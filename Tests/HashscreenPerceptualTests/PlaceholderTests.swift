import XCTest

final class HashscreenPerceptualPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
