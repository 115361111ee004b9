import XCTest

final class HashscreenManifestPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
