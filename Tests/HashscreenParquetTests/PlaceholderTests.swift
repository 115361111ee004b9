import XCTest

final class HashscreenParquetPlaceholderTests: XCTestCase {
    func testPlaceholder() {}
}
