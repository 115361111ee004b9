/// `verify`'s verdict: the exit status precedence, the checks in `verify.json`, the text.
import HashscreenCore
@testable import HashscreenReport
import XCTest

final class VerifyReportTests: XCTestCase {
    func report(remaining: [RemainingRow] = [], matched: Int = 0, errors: Int = 0,
                differences: [VerifyReport.Difference] = [], lists: [VerifyReport.ListCheck] = []) -> VerifyReport {
        VerifyReport(earlierDirectory: "e", earlierFlagged: 2, earlierWithContent: 2, earlierWithURL: 1, earlierRowNumberKeys: 0,
                     samples: 10, matched: matched, errors: errors, remaining: remaining, contentChecked: true,
                     lists: lists, differences: differences, outputDirectory: "v")
    }

    let row = RemainingRow(key: "b", path: nil, by: ["content"], earlierKeys: ["a"], sampleID: SampleID(input: 0, row: 3))
    let option = VerifyReport.Difference(field: "options.pdq_threshold", earlier: .int(31), now: .int(20), affectsScreening: true)
    let version = VerifyReport.Difference(field: "version", earlier: .string("0.0.9"), now: .string("0.1.0"), affectsScreening: false)

    /// The first failing check wins, in the order 1 (remaining), 4 (match), 3 (incomplete), 5 (provenance).
    func testExitStatusPrecedence() {
        XCTAssertEqual(report().exitStatus, 0)
        XCTAssertEqual(report(differences: [version]).exitStatus, 0, "a listed difference that changes no screening")
        XCTAssertEqual(report(differences: [option]).exitStatus, 5)
        XCTAssertEqual(report(errors: 1, differences: [option]).exitStatus, 3)
        XCTAssertEqual(report(matched: 1, errors: 1, differences: [option]).exitStatus, 4)
        XCTAssertEqual(report(remaining: [row], matched: 1, errors: 1, differences: [option]).exitStatus, 1)
        XCTAssertEqual(report().verdict, "verified")
        XCTAssertEqual(report(errors: 1).verdict, "not verified")
    }

    func testJSONHoldsEveryCheckAndTheTextNamesNewLists() {
        let lists = [VerifyReport.ListCheck(list: ListRef(name: "L", version: "1"), status: .same, entries: 5, matched: 0),
                     VerifyReport.ListCheck(list: ListRef(name: "L", version: "2"), status: .new, entries: 1, matched: 1)]
        let r = report(remaining: [row], matched: 1, differences: [version], lists: lists)
        let json = r.json.rendered()
        XCTAssertTrue(json.hasPrefix(#"{"verdict":"not verified","exit_status":1,"#), json)
        XCTAssertTrue(json.contains(#""earlier_flagged_gone":{"checked":true,"passed":false,"remaining":1,"by_key":0,"by_content":1,"by_url":0,"content_checked":true}"#), json)
        XCTAssertTrue(json.contains(#""no_match_now":{"passed":false,"matched":1,"matched_by_new_lists":1}"#), json)
        XCTAssertTrue(json.contains(#""remaining":[{"key":"b","path":null,"by":["content"],"earlier_keys":["a"]}]"#), json)
        let text = r.text
        XCTAssertTrue(text.contains("list L@2: new, 1 entry, 1 matched"), text)
        XCTAssertFalse(text.contains("list L@1"), "an unchanged list without matches is not named: \(text)")
        XCTAssertTrue(text.contains("remaining b (by content; flagged earlier as a)"), text)
        XCTAssertTrue(text.contains("differs version: \"0.0.9\" -> \"0.1.0\"\n"), text)
    }

    /// Against an attestation without `--flagged`: the flagged-rows check is "not checked"
    /// (checked false, passed null, the counts that need the rows null) and does not decide the
    /// verdict; `earlier` names the attestation and its keyid.
    func testFlaggedRowsNotGivenAreNotChecked() {
        var r = report()
        r.earlierDirectory = "a.intoto.json"
        r.earlier = .init(kind: VerifyReport.EarlierSource.attestation, sha256: String(repeating: "0", count: 64), keyID: "k1",
                          flaggedChecked: false, flaggedSHA256: String(repeating: "1", count: 64))
        XCTAssertEqual(r.exitStatus, 0)
        let json = r.json.rendered()
        XCTAssertTrue(json.contains(#""earlier":{"attestation":"a.intoto.json","keyid":"k1","flagged_file":null,"flagged":2,"with_content_digest":null,"with_url_digest":null,"keys_that_are_row_numbers":null}"#), json)
        XCTAssertTrue(json.contains(#""earlier_flagged_gone":{"checked":false,"passed":null,"remaining":0,"by_key":0,"by_content":0,"by_url":0,"content_checked":false}"#), json)
        XCTAssertTrue(r.text.contains("  --   earlier flagged rows gone: not checked (the 2 flagged rows a.intoto.json records are not given"), r.text)
        XCTAssertFalse(r.text.contains("ok   earlier flagged rows gone"), r.text)
    }
}
