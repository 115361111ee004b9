import HashscreenCore
@testable import HashscreenReport
import XCTest

final class ProgressLineTests: XCTestCase {
    func testStatusLineWithKnownTotal() {
        let s = ProgressSnapshot(elapsedSeconds: 10, samples: 12_345, total: 100_000, matched: 3, errors: 1, final: false)
        XCTAssertEqual(ProgressLine.text(s, width: 200),
                       "scan: 12,345/100,000 samples (12.3%)  1,235/s  ETA 1m11s  matched 3  errors 1")
        XCTAssertEqual(ProgressLine.terminalUpdate(s, width: 200), "\r" + ProgressLine.text(s, width: 200) + "\u{1B}[K")
    }

    func testStatusLineWithoutTotalAndFinal() {
        let s = ProgressSnapshot(elapsedSeconds: 4000, samples: 5, total: nil, matched: 0, errors: 0, final: true)
        XCTAssertEqual(ProgressLine.text(s, width: 200), "scan: 5 samples  0/s  in 1h06m  matched 0  errors 0")
        XCTAssertTrue(ProgressLine.terminalUpdate(s, width: 200).hasSuffix("\u{1B}[K\n"))
    }

    func testLineNeverWraps() {
        let s = ProgressSnapshot(elapsedSeconds: 1, samples: 1, total: 2, matched: 0, errors: 0, final: false)
        XCTAssertEqual(ProgressLine.text(s, width: 20).count, 19)
    }

    func testTotalNeverBelowDone() {
        XCTAssertEqual(ProgressSnapshot(elapsedSeconds: 1, samples: 30, total: 25, matched: 0, errors: 0, final: false).total, 30)
    }

    func testJSONFields() {
        let s = ProgressSnapshot(elapsedSeconds: 2.04, samples: 10, total: 30, matched: 2, errors: 1, final: false)
        XCTAssertEqual(s.json.rendered(),
                       #"{"type":"progress","elapsed_seconds":2,"samples":10,"total":30,"rate":4.9,"eta_seconds":4.1,"matched":2,"errors":1,"final":false}"#)
        let u = ProgressSnapshot(elapsedSeconds: 0.05, samples: 0, total: nil, matched: 0, errors: 0, final: true)
        XCTAssertEqual(u.json.rendered(),
                       #"{"type":"progress","elapsed_seconds":0.1,"samples":0,"total":null,"rate":0,"eta_seconds":null,"matched":0,"errors":0,"final":true}"#)
    }

    func testDurations() {
        XCTAssertEqual(ProgressLine.duration(9.4), "9s")
        XCTAssertEqual(ProgressLine.duration(75), "1m15s")
        XCTAssertEqual(ProgressLine.duration(3 * 86400 + 7200), "3d02h")
        XCTAssertEqual(ProgressLine.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(ProgressLine.grouped(999), "999")
    }
}
