import HashscreenCore
@testable import HashscreenReport
import XCTest

final class RecordOrderTests: XCTestCase {
    func testMatchesSortByKeyThenInputOrderThenEveryOtherField() {
        let expected = [
            Fixture.match("a", .sha256, ordinal: 9),
            Fixture.match("b", .md5, ordinal: 1),
            Fixture.match("b", .md5, ordinal: 2),
            Fixture.match("b", .pdq, ordinal: 2, source: .computed),
            Fixture.match("b", .pdq, ordinal: 2, distance: 0, source: .manifest),
            Fixture.match("b", .pdq, list: "L2", ordinal: 2, source: .manifest),
            Fixture.match("b", .pdq, list: "L2", ordinal: 2, distance: 4, source: .manifest),
            Fixture.match("b", .pdq, list: "L2", ordinal: 2, distance: 4, variant: "flipx", source: .manifest),
            Fixture.match("b", .pdq, list: "L2", ordinal: 2, distance: 4, variant: "rot90", source: .manifest),
        ]
        XCTAssertEqual(RecordOrder.sorted(expected.reversed()), expected)
        XCTAssertEqual(RecordOrder.sorted([expected[5], expected[0], expected[8], expected[3], expected[1], expected[7],
                                           expected[2], expected[6], expected[4]]), expected)
    }

    func testFailuresSortByKeyThenInputOrderThenStageThenMessage() {
        let expected = [
            Fixture.failure("a", .read, "z", ordinal: 5),
            Fixture.failure("b", .read, "z", ordinal: 0),
            Fixture.failure("b", .decode, "b", ordinal: 1),
            Fixture.failure("b", .read, "a", ordinal: 1),
            Fixture.failure("b", .read, "b", ordinal: 1),
        ]
        XCTAssertEqual(RecordOrder.sorted(expected.reversed()), expected)
    }
}
