import HashscreenCore
@testable import HashscreenReport
import XCTest

final class TextPrinterTests: XCTestCase {
    let a64 = String(repeating: "a", count: 64), b64 = String(repeating: "b", count: 64)

    func testListInfo() throws {
        var one = Fixture.provenance
        one.name = "other"; one.version = "7"; one.entryCount = 1; one.duplicateCount = 0; one.skippedCount = 1
        one.countsByType = [.sha1: 1]; one.otherTypeCounts = [:]; one.sources = [one.sources[1]]
        one.recordedURLConvention = .raw
        let text = try Fixture.printed([ListsDescription(database: "lists.db", schemaVersion: 1, lists: [Fixture.provenance, one])]) {
            TextPrinter<ListsDescription>(to: $0)
        }
        XCTAssertEqual(text, """
            lists.db: 2 lists

            ncmec@2024-05-01
              imported  2024-05-01T10:00:00Z by hashscreen 0.1.0
              entries   3 (md5 2, pdq 1, future_hash 4 (unknown type))
              dropped   1 duplicate, 2 invalid lines skipped
              URLs      hashed as hashscreen (not recorded: imported before hashscreen recorded URL conventions)
              source    exports/a.csv (csv, 4 lines) sha256 \(a64)
              source    /abs/b.txt (lines, 1 line) sha256 \(b64)

            other@7
              imported  2024-05-01T10:00:00Z by hashscreen 0.1.0
              entries   1 (sha1 1)
              dropped   0 duplicates, 1 invalid line skipped
              URLs      hashed as raw
              source    /abs/b.txt (lines, 1 line) sha256 \(b64)

            """)
        XCTAssertEqual(TextPrinter.render(ListsDescription(database: "lists.db", schemaVersion: 1, lists: [])),
                       "lists.db: no lists\n")
        XCTAssertTrue(TextPrinter.render(ListsDescription(database: "d", schemaVersion: 1, lists: [one])).hasPrefix("d: 1 list\n"))
    }

    func testListImport() throws {
        var one = Fixture.provenance
        one.entryCount = 1; one.sources = [one.sources[0]]; one.countsByType = [.md5: 1]; one.otherTypeCounts = [:]
        let s = ListImportSummary(list: one, replaced: false, records: 14, duplicates: 1, skipped: 12,
                                  skippedExamples: [.init(file: "a.csv", line: 2, reason: "md5 hash must be 32 hex digits, got 3"),
                                                    .init(file: "a.csv", line: 9, reason: "unknown hash type 'bogus'")])
        XCTAssertEqual(TextPrinter.render(s), """
            imported ncmec@2024-05-01: 1 entry (md5 1) from 1 file; 1 duplicate stored once; 12 invalid lines skipped
              a.csv:2: md5 hash must be 32 hex digits, got 3
              a.csv:9: unknown hash type 'bogus'
              (and 10 more)

            """)
        let replaced = ListImportSummary(list: Fixture.provenance, replaced: true, records: 5, duplicates: 0, skipped: 1,
                                         skippedExamples: [.init(file: "b.txt", line: 1, reason: "r")])
        XCTAssertEqual(TextPrinter.render(replaced), """
            replaced ncmec@2024-05-01: 3 entries (md5 2, pdq 1, future_hash 4 (unknown type)) from 2 files; 0 duplicates stored once; 1 invalid line skipped
              b.txt:1: r

            """)
    }

    func testScanClosingLine() throws {
        var counts = ScanSummary.Counts()
        counts.samples = 10; counts.matched = 2; counts.errors = 3
        let s = ScanSummary(counts: counts, opensslVersion: "", lists: [], listDatabase: "", inputs: [], options: [],
                            cleanedManifests: nil,
                            times: .init(started: .init(), finished: .init(), setupSeconds: 0, scanSeconds: 0,
                                         setupCPUSeconds: 0, scanCPUSeconds: 0),
                            bytesRead: 0, exitStatus: 1, outputDirectory: "out dir")
        XCTAssertEqual(TextPrinter.render(s), "hashscreen: 10 samples, 2 matched, 3 not fully screened; outputs in out dir\n")
    }
}
