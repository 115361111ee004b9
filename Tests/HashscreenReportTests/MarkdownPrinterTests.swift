import Foundation
import HashscreenCore
@testable import HashscreenReport
import XCTest

final class MarkdownPrinterTests: XCTestCase {
    func testNamesAreEscapedSoTheyPrintAsTheyAre() {
        let e = MarkdownPrinter<ScanSummary>.escape
        XCTAssertEqual(e("a|b"), "a\\|b")
        XCTAssertEqual(e("![x](http://e.invalid/t.png)"), "\\!\\[x\\](http\\://e.invalid/t.png)")
        XCTAssertEqual(e("<img src=x>&"), "&lt;img src=x&gt;&amp;")
        XCTAssertEqual(e("*_`~#\\"), "\\*\\_\\`\\~\\#\\\\")
        XCTAssertEqual(e("two\nlines\r\n"), "two lines ")
        XCTAssertEqual(e("part-00000.parquet"), "part-00000.parquet")
    }

    func summary(exitStatus: Int, maxUnscreened: String?) -> ScanSummary {
        var c = ScanSummary.Counts()
        c.samples = 4; c.scanned = 3; c.matched = exitStatus == 1 ? 1 : 0; c.errors = 1
        c.notComputed = [.imageMissing: 1]
        c.perSignal = [ScanSummary.SignalCount(signal: .sha256, screened: 3, matched: c.matched, notComputed: 1)]
        var list = Fixture.provenance
        list.name = "L|1"
        c.perList = [ScanSummary.ListCount(list: list.ref, matched: c.matched)]
        c.perInput = [c]
        let t = Date(timeIntervalSince1970: 0)
        return ScanSummary(counts: c, opensslVersion: "OpenSSL", lists: [list], listDatabase: "/secret/lists.db",
                           inputs: [.init(path: "/home/ci/data/m.csv", layout: "csv", sha256: nil)], options: [], cleanedManifests: nil,
                           times: .init(started: t, finished: t, setupSeconds: 0, scanSeconds: 0, setupCPUSeconds: 0, scanCPUSeconds: 0),
                           bytesRead: 0, exitStatus: exitStatus, outputDirectory: "out", maxUnscreened: maxUnscreened)
    }

    func testTheSummaryIsTablesOfCountsAndNamesOnly() throws {
        let md = try Fixture.printed([summary(exitStatus: 0, maxUnscreened: "25%")]) { MarkdownPrinter<ScanSummary>(to: $0) }
        XCTAssertEqual(md, """
            ### hashscreen scan: exit 0

            **passed**, 1 sample unscreened within the limit. 4 samples: 3 fully screened, 0 matched, 1 not fully screened.

            Unscreened samples: 1 of 4, limit 25%: within.

            | signal | screened | matched | not computed | low quality | not applicable |
            |---|---:|---:|---:|---:|---:|
            | sha256 | 3 | 0 | 1 | 0 | 0 |

            | list | version | entries | matched |
            |---|---|---:|---:|
            | L\\|1 | 2024-05-01 | 3 | 0 |

            | input | layout | samples | matched | not fully screened |
            |---|---|---:|---:|---:|
            | m.csv | csv | 4 | 0 | 1 |

            Not computed, by reason: image_missing 1.

            hashscreen 0.1.0; flagged samples in `removals.csv`, failures in `errors.jsonl` of the output folder.

            """)
        XCTAssertFalse(md.contains("/home/ci") || md.contains("/secret"), "no local path")
        XCTAssertTrue(MarkdownPrinter.render(summary(exitStatus: 3, maxUnscreened: "0")).contains("**incomplete**: 1 sample not screened by every requested signal."))
        XCTAssertTrue(MarkdownPrinter.render(summary(exitStatus: 3, maxUnscreened: "0")).contains("limit 0: exceeded."))
        XCTAssertTrue(MarkdownPrinter.render(summary(exitStatus: 1, maxUnscreened: nil)).contains("**matched**: 1 sample on a list."))
        XCTAssertFalse(MarkdownPrinter.render(summary(exitStatus: 1, maxUnscreened: nil)).contains("Unscreened samples"))
    }
}
