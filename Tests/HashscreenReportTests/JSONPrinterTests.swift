import Foundation
import HashscreenCore
@testable import HashscreenReport
import XCTest

final class JSONPrinterTests: XCTestCase {
    let a64 = String(repeating: "a", count: 64), b64 = String(repeating: "b", count: 64)

    /// The one shape of a list, as summary.json and `list info --json` both print it.
    var provenanceBlock: String {
        """
        {
          "name": "ncmec",
          "version": "2024-05-01",
          "imported_at": "2024-05-01T10:00:00Z",
          "imported_by": "hashscreen 0.1.0",
          "entries": 3,
          "duplicates": 1,
          "skipped_invalid": 2,
          "counts_by_type": {
            "md5": 2,
            "pdq": 1
          },
          "other_type_counts": {
            "future_hash": 4
          },
          "url_convention": "hashscreen",
          "url_convention_recorded": false,
          "sources": [
            {
              "file": "a.csv",
              "sha256": "\(a64)",
              "format": "csv",
              "records": 4,
              "entries": 2,
              "duplicates": 1,
              "skipped_invalid": 1
            },
            {
              "file": "b.txt",
              "sha256": "\(b64)",
              "format": "lines",
              "records": 1,
              "entries": 1,
              "duplicates": 0,
              "skipped_invalid": 1
            }
          ]
        }
        """
    }

    /// `block` indented by `levels` of two spaces after its first line (as nested in a document).
    func nested(_ block: String, _ levels: Int) -> String {
        block.replacingOccurrences(of: "\n", with: "\n" + String(repeating: "  ", count: levels))
    }

    func testListProvenanceHasOneShape() throws {
        XCTAssertEqual(JSONPrinter.render(Fixture.provenance), provenanceBlock + "\n")
    }

    func testListInfoPrintsTheProvenanceShape() throws {
        let d = ListsDescription(database: "db/\"l\".sqlite", schemaVersion: 1, lists: [Fixture.provenance])
        XCTAssertEqual(JSONPrinter.render(d), """
            {
              "database": "db/\\"l\\".sqlite",
              "schema_version": 1,
              "lists": [
                \(nested(provenanceBlock, 2))
              ]
            }

            """)
        XCTAssertEqual(JSONPrinter.render(ListsDescription(database: "x", schemaVersion: 1, lists: [])),
                       "{\n  \"database\": \"x\",\n  \"schema_version\": 1,\n  \"lists\": []\n}\n")
    }

    func testListImportReport() throws {
        let s = ListImportSummary(list: Fixture.provenance, replaced: true, records: 5, duplicates: 1, skipped: 2,
                                  skippedExamples: [.init(file: "a.csv", line: 3, reason: "md5 hash is not hexadecimal")])
        XCTAssertEqual(JSONPrinter.render(s), """
            {
              "list": \(nested(provenanceBlock, 1)),
              "replaced": true,
              "records": 5,
              "duplicates": 1,
              "skipped": 2,
              "skipped_examples": [
                {
                  "file": "a.csv",
                  "line": 3,
                  "reason": "md5 hash is not hexadecimal"
                }
              ]
            }

            """)
    }

    func summary(cleaned: [ScanSummary.CleanedManifest]?) -> ScanSummary {
        var counts = ScanSummary.Counts()
        counts.samples = 5; counts.scanned = 3; counts.matched = 1; counts.errors = 2; counts.decoded = 4
        counts.rowsWithoutPath = 1; counts.nonImageFilesIgnored = 6; counts.rowsNotSuccess = 7
        counts.errorsByStage = [.read: 1, .decode: 1, .manifest: 2]
        counts.perSignal = [.init(signal: .md5, screened: 4, matched: 1), .init(signal: .pdq, screened: 3, matched: 0)]
        counts.perList = [.init(list: ListRef(name: "ncmec", version: "2024-05-01"), matched: 1)]
        let started = Date(timeIntervalSince1970: 1_714_557_600.25)
        return ScanSummary(
            counts: counts, version: "9.9.9", opensslVersion: "OpenSSL 3.0.0",
            lists: [Fixture.provenance], listDatabase: "lists.sqlite",
            inputs: [.init(path: "m.csv", layout: "csv", sha256: a64), .init(path: "imgs", layout: "folder", sha256: nil)],
            options: [("signals", .strings(["md5", "pdq"])), ("jobs", .int(2)), ("pdq_mode", .string("fast")),
                      ("dihedral", .bool(false))],
            cleanedManifests: cleaned,
            times: .init(started: started, finished: started.addingTimeInterval(2.5), setupSeconds: 0.1234,
                         scanSeconds: 2.3766, setupCPUSeconds: 0.05, scanCPUSeconds: 4.0006),
            bytesRead: 1_260_000, exitStatus: 1, outputDirectory: "out")
    }

    func testScanSummary() throws {
        XCTAssertEqual(JSONPrinter.render(summary(cleaned: [.init(path: "out/cleaned/m.csv", kept: 4, removed: 1)])), """
            {
              "counts": {
                "samples": 5,
                "scanned": 3,
                "matched": 1,
                "errors": 2,
                "decoded": 4,
                "rows_without_path": 1,
                "non_image_files_ignored": 6,
                "rows_not_success": 7,
                "errors_by_stage": {
                  "decode": 1,
                  "manifest": 2,
                  "read": 1
                },
                "per_signal": {
                  "md5": {
                    "screened": 4,
                    "matched": 1
                  },
                  "pdq": {
                    "screened": 3,
                    "matched": 0
                  }
                },
                "per_list": [
                  {
                    "name": "ncmec",
                    "version": "2024-05-01",
                    "matched": 1
                  }
                ]
              },
              "provenance": {
                "tool": "hashscreen",
                "version": "9.9.9",
                "openssl": "OpenSSL 3.0.0",
                "lists": [
                  \(nested(provenanceBlock, 3))
                ],
                "list_database": "lists.sqlite",
                "inputs": [
                  {
                    "path": "m.csv",
                    "layout": "csv",
                    "sha256": "\(a64)"
                  },
                  {
                    "path": "imgs",
                    "layout": "folder",
                    "sha256": null
                  }
                ],
                "options": {
                  "signals": [
                    "md5",
                    "pdq"
                  ],
                  "jobs": 2,
                  "pdq_mode": "fast",
                  "dihedral": false
                },
                "started": "2024-05-01T10:00:00.250Z",
                "finished": "2024-05-01T10:00:02.750Z"
              },
              "cleaned_manifests": [
                {
                  "path": "out/cleaned/m.csv",
                  "kept": 4,
                  "removed": 1
                }
              ],
              "throughput": {
                "seconds": 2.5,
                "samples_per_second": 2,
                "megabytes_read": 1.3,
                "setup_seconds": 0.123,
                "scan_seconds": 2.377,
                "cpu_seconds": {
                  "setup": 0.05,
                  "scan": 4.001
                }
              },
              "exit_status": 1
            }

            """)
    }

    func testScanSummaryWithoutCleanedManifestsHasNoSuchKey() throws {
        let text = JSONPrinter.render(summary(cleaned: nil))
        XCTAssertFalse(text.contains("cleaned_manifests"))
        XCTAssertTrue(text.contains("  },\n  \"throughput\": {"), "throughput follows provenance")
        // An empty list of cleaned manifests is still said.
        XCTAssertTrue(JSONPrinter.render(summary(cleaned: [])).contains("\"cleaned_manifests\": [],"))
    }
}
