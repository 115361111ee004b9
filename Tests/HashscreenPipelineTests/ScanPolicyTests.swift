import HashscreenCore
@testable import HashscreenPipeline
import HashscreenReport
import XCTest

/// The CI gate: `--max-unscreened` parsing, its arithmetic, and the exit status under it.
final class ScanPolicyTests: XCTestCase {
    func testLimitsParseAsACountOrAPercentage() {
        XCTAssertEqual(UnscreenedLimit(parsing: "25"), .count(25))
        XCTAssertEqual(UnscreenedLimit(parsing: "0"), .count(0))
        XCTAssertEqual(UnscreenedLimit(parsing: "0.1%"), .percent(0.1, text: "0.1%"))
        XCTAssertEqual(UnscreenedLimit(parsing: "100%"), .percent(100, text: "100%"))
        XCTAssertEqual(UnscreenedLimit(parsing: "0.1%")?.text, "0.1%")
        for bad in ["-1", "1.5", "abc", "%", "101%", "-1%", "1e2%", "nan%", "inf%", " 5", "5 %", ""] {
            XCTAssertNil(UnscreenedLimit(parsing: bad), bad)
        }
    }

    func testAPercentageIsOfTheSamplesAndItsBoundaryIsAllowed() {
        let p = UnscreenedLimit.percent(0.1, text: "0.1%")
        XCTAssertTrue(p.allows(0, of: 0))
        XCTAssertTrue(p.allows(1, of: 1000), "exactly 0.1%")
        XCTAssertFalse(p.allows(2, of: 1000))
        XCTAssertFalse(p.allows(1, of: 999))
        XCTAssertTrue(UnscreenedLimit.percent(25, text: "25%").allows(1, of: 4))
        XCTAssertFalse(UnscreenedLimit.percent(24.9, text: "24.9%").allows(1, of: 4))
        XCTAssertTrue(UnscreenedLimit.count(25).allows(25, of: 26))
        XCTAssertFalse(UnscreenedLimit.count(25).allows(26, of: 1_000_000))
    }

    func counts(samples: Int, matched: Int, errors: Int, missing: Int) -> ScanSummary.Counts {
        var c = ScanSummary.Counts()
        c.samples = samples; c.matched = matched; c.errors = errors
        c.notComputed = [.imageMissing: missing]
        return c
    }

    func testTheGateDecidesIncompleteScansOnlyAndAMatchAlwaysFails() {
        let c = counts(samples: 10, matched: 0, errors: 2, missing: 2)
        XCTAssertEqual(ScanResult.exitCode(counts: c, limit: nil), 3)
        XCTAssertEqual(ScanResult.exitCode(counts: c, limit: .count(2)), 0)
        XCTAssertEqual(ScanResult.exitCode(counts: c, limit: .count(1)), 3)
        XCTAssertEqual(ScanResult.exitCode(counts: c, limit: .percent(20, text: "20%")), 0)
        XCTAssertEqual(ScanResult.exitCode(counts: c, limit: .percent(19, text: "19%")), 3)
        XCTAssertEqual(ScanResult.exitCode(counts: counts(samples: 10, matched: 1, errors: 0, missing: 0), limit: .percent(100, text: "100%")), 1)
        // A failure that left every signal computed (--verify-decode) is not unscreened.
        XCTAssertEqual(ScanResult.exitCode(counts: counts(samples: 10, matched: 0, errors: 1, missing: 0), limit: .count(0)), 0)
        XCTAssertEqual(ScanResult.exitCode(counts: counts(samples: 10, matched: 0, errors: 1, missing: 0), limit: nil), 3)
    }
}
