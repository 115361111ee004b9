// The prevalence figures (`Prevalence`), `prevalence.json` and `report.html` on records built
// in code: counting, rates, escaping.
import Foundation
import HashscreenCore
@testable import HashscreenReport
import XCTest

final class PrevalenceReportTests: XCTestCase {
    func id(_ row: Int, shard: UInt32 = 0, input: UInt32 = 0) -> SampleID { SampleID(input: input, shard: shard, .row(UInt64(row))) }

    // MARK: - Counting

    func testASampleCountsOncePerShardKindAndSignalList() {
        var p = Prevalence(inputs: 2, shardNames: [["00000", "00001"], []],
                           perceptual: [(.pdq, threshold: 31, variants: ["orig", "rot90", "flipx"])])
        // Sample a: sha256 computed + pdq at 12 (orig) and 5 (rot90) in one list.
        p.add(id(0), failed: false, matches: [
            Fixture.match("a", .sha256), Fixture.match("a", .pdq, distance: 12, variant: "orig"),
            Fixture.match("a", .pdq, distance: 5, variant: "rot90"),
        ])
        // Sample b: pdq only, a tie at 7 between flipx and orig (orig wins), in two lists; failed too.
        p.add(id(1, shard: 1), failed: true, matches: [
            Fixture.match("b", .pdq, list: "L2", distance: 7, variant: "flipx"),
            Fixture.match("b", .pdq, distance: 7, variant: "orig"),
        ])
        // Sample c: a recorded hash and a URL; d: clean; e: failed, clean (second input).
        p.add(id(2, shard: 1), failed: false, matches: [Fixture.match("c", .sha256, source: .manifest), Fixture.match("c", .urlMD5)])
        p.add(id(3, shard: 1), failed: false, matches: [])
        p.add(id(0, input: 1), failed: true, matches: [])

        XCTAssertEqual(p.shards[0][0], { var s = Prevalence.Shard(shard: 0); s.samples = 1; s.flagged = 1; return s }())
        XCTAssertEqual(p.shards[0][1]?.samples, 3)
        XCTAssertEqual(p.shards[0][1]?.flagged, 2)
        XCTAssertEqual(p.shards[0][1]?.unscreened, 1)
        XCTAssertEqual(p.shards[0][1]?.flaggedUnscreened, 1)
        XCTAssertEqual(p.name(input: 0, shard: 1), "00001")
        XCTAssertEqual(p.name(input: 1, shard: 0), nil, "no shard names for the second input")
        XCTAssertEqual(p.shards[1][0]?.unscreened, 1)
        let l1 = ListRef(name: "L1", version: "1"), l2 = ListRef(name: "L2", version: "1")
        XCTAssertEqual(p.perSignalList[.pdq], [l1: 2, l2: 1], "b counts once in L1 and once in L2")
        XCTAssertEqual(p.perSignalList[.sha256], [l1: 2])
        XCTAssertEqual(p.perKind, [.fileDigest: 1, .perceptual: 2, .recordedHash: 1, .url: 1])
        XCTAssertEqual(p.perceptualOnly, 1)
        XCTAssertEqual(p.perceptual[0].byDistance, [5: 1, 7: 1], "each sample at its closest distance")
        XCTAssertEqual(p.perceptual[0].byVariant, ["rot90": 1, "orig": 1], "a tie goes to orig")
        XCTAssertEqual(PrevalenceReport.variants(p.perceptual[0]).map(\.0), ["orig", "rot90", "flipx"])
        XCTAssertEqual(PrevalenceReport.histogram(p.perceptual[0]).count, 32)
    }

    // MARK: - Numbers

    func testRatesAndCounts() {
        XCTAssertEqual(HTMLReport.rate(0), "0")
        XCTAssertEqual(HTMLReport.rate(880_000), "880,000")
        XCTAssertEqual(HTMLReport.rate(12.345), "12.3")
        XCTAssertEqual(HTMLReport.rate(0.5), "0.500")
        XCTAssertEqual(HTMLReport.rate(PrevalenceReport.perMillion(1, of: 5_800_000_000)), "0.000172")
        XCTAssertEqual(HTMLReport.int(1_234_567), "1,234,567")
        XCTAssertEqual(HTMLReport.int(999), "999")
        XCTAssertEqual(PrevalenceReport.perMillion(3, of: 0), 0)
    }

    // MARK: - Escaping

    func testEscapingHostileText() {
        XCTAssertEqual(HTML.escape("<script>alert('x')</script>&\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")
        XCTAssertEqual(HTML.escape("a\u{1}b\u{7F}c\u{9B}"), "a\\x01b\\x7Fc\\x9B", "control characters shown, not printed")
        // A file name that is not UTF-8, as Core's EscapedName writes it, stays readable text.
        let name = EscapedName.escape([0x3C, 0xFF, 0x3E, 0x26])
        XCTAssertFalse(HTML.escape(name).contains("<"))
        XCTAssertTrue(HTML.escape(name).contains("&lt;") && HTML.escape(name).contains("&amp;"))
    }

    func report(lists: [ListProvenance], inputPath: String, option: String) -> PrevalenceReport {
        var counts = ScanSummary.Counts()
        counts.samples = 4; counts.matched = 1; counts.errors = 1; counts.scanned = 3
        counts.errorsByStage = [.decode: 1]
        counts.perSignal = [.init(signal: .sha256, screened: 4, matched: 1), .init(signal: .pdq, screened: 3, matched: 0, notComputed: 1)]
        counts.perList = lists.map { .init(list: $0.ref, matched: 1) }
        var c0 = counts
        c0.perList = []
        counts.perInput = [c0]
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        let summary = ScanSummary(counts: counts, version: "0.1.0", opensslVersion: "OpenSSL 3", lists: lists, listDatabase: "db<&>.sqlite",
                                  inputs: [.init(path: inputPath, layout: "csv", sha256: String(repeating: "c", count: 64))],
                                  options: [("signals", .strings(["sha256", "pdq"])), ("jobs", .int(4)), ("image_column", .string(option))],
                                  cleanedManifests: nil,
                                  times: .init(started: t, finished: t.addingTimeInterval(2), setupSeconds: 0.5, scanSeconds: 1.5,
                                               setupCPUSeconds: 0.4, scanCPUSeconds: 2.5),
                                  bytesRead: 1000, exitStatus: 1, outputDirectory: "out")
        var p = Prevalence(inputs: 1, perceptual: [(.pdq, threshold: 31, variants: ["orig"])])
        p.add(id(0), failed: false, matches: [Fixture.match("k", .sha256, list: lists.first?.name ?? "L1")])
        for r in 1...2 { p.add(id(r), failed: false, matches: []) }
        p.add(id(3), failed: true, matches: [])
        return PrevalenceReport(summary: summary, prevalence: p)
    }

    func testThePageEscapesEveryStringFromTheInputsListsAndOptions() throws {
        var list = Fixture.provenance
        list.name = "<b>list</b>"; list.version = "1\"&'"
        list.sources[0].path = "dir/<src>&.csv"
        let r = report(lists: [list], inputPath: "in/<script>x</script>.csv", option: "\"><svg onload=1>")
        let html = try Fixture.printed([r]) { HTMLPrinter(to: $0) }
        for raw in ["<script", "<b>", "<src>", "<svg onload", "db<&>"] { XCTAssertFalse(html.contains(raw), raw) }
        for escaped in ["&lt;b&gt;list&lt;/b&gt;", "1&quot;&amp;&#39;", "&lt;src&gt;&amp;.csv", "in/&lt;script&gt;x&lt;/script&gt;.csv",
                        "&quot;&gt;&lt;svg onload=1&gt;", "db&lt;&amp;&gt;.sqlite"] {
            XCTAssertTrue(html.contains(escaped), escaped)
        }
        XCTAssertFalse(html.contains("dir/"), "source files by name only, as in summary.json")
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
        // jobs only in the run section.
        let run = try XCTUnwrap(html.range(of: HTMLReport.timesBegin))
        XCTAssertFalse(html[..<run.lowerBound].contains("Jobs"))
        XCTAssertTrue(html[run.lowerBound...].contains("<dt>Jobs</dt><dd>4</dd>"))
    }

    func testPrevalenceJSONFigures() throws {
        let r = report(lists: [Fixture.provenance], inputPath: "in.csv", option: "img")
        let text = try Fixture.printed([r]) { JSONPrinter<PrevalenceReport>(to: $0) }
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(o.keys.sorted(), ["after_removal", "before_removal", "errors_by_stage", "exit_status", "not_computed",
                                         "per_input", "per_list", "per_match_kind", "per_signal", "perceptual", "provenance",
                                         "run", "schema", "tool"])
        XCTAssertTrue(text.hasSuffix("}\n}\n") && text.contains("\"run\": {"), "run last")
        let before = try XCTUnwrap(o["before_removal"] as? [String: Any])
        XCTAssertEqual(before["flagged_per_million"] as? Double, 250_000)
        XCTAssertEqual(before["unscreened_per_million"] as? Double, 250_000)
        let after = try XCTUnwrap(o["after_removal"] as? [String: Any])
        XCTAssertEqual(after["samples"] as? Int, 3)
        XCTAssertEqual(after["unscreened"] as? Int, 1, "the unscreened sample was not flagged: it stays")
        XCTAssertEqual(after["basis"] as? String, "computed")
        XCTAssertEqual((o["per_match_kind"] as? [String: Int])?["file_digest"], 1)
        let options = try XCTUnwrap((o["provenance"] as? [String: Any])?["options"] as? [String: Any])
        XCTAssertNil(options["jobs"], "jobs is in run")
        XCTAssertEqual((o["run"] as? [String: Any])?["jobs"] as? Int, 4)
        XCTAssertEqual((o["errors_by_stage"] as? [String: Int]), ["manifest": 0, "read": 0, "decode": 1])
    }
}
