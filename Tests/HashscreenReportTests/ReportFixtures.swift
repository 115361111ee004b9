// Small records for the printer tests, built in one place.
import Foundation
import HashscreenCore
@testable import HashscreenReport

enum Fixture {
    /// A match of sample `key` (row `ordinal` of the first input) by `signal` in list `list`@1.
    static func match(_ key: String, _ signal: SignalKind, list: String = "L1", ordinal: Int = 0, distance: Int = 0,
                      variant: String? = nil, notes: [String] = [], source: ValueSource = .computed) -> MatchRecord {
        MatchRecord(key: key, url: "http://x/\(key)", path: "p/\(key),1.jpg", signal: signal,
                    value: HashValue(bytes: [UInt8](repeating: 1, count: signal.byteCount)), source: source,
                    list: ListRef(name: list, version: "1"), distance: distance, variant: variant, notes: notes,
                    sampleID: SampleID(input: 0, row: ordinal))
    }

    static func failure(_ key: String, _ stage: FailureStage, _ message: String, path: String? = nil,
                        ordinal: Int = 0) -> FailureRecord {
        FailureRecord(key: key, path: path, stage: stage, message: message, sampleID: SampleID(input: 0, row: ordinal))
    }

    /// A list of two source files, md5 and pdq entries and one type this build does not know.
    static let provenance = ListProvenance(
        name: "ncmec", version: "2024-05-01", importedAt: "2024-05-01T10:00:00Z", toolVersion: "hashscreen 0.1.0",
        entryCount: 3, duplicateCount: 1, skippedCount: 2, countsByType: [.pdq: 1, .md5: 2],
        otherTypeCounts: ["future_hash": 4],
        sources: [
            .init(path: "exports/a.csv", sha256: String(repeating: "a", count: 64), format: "csv",
                  records: 4, entries: 2, duplicates: 1, skipped: 1),
            .init(path: "/abs/b.txt", sha256: String(repeating: "b", count: 64), format: "lines",
                  records: 1, entries: 1, duplicates: 0, skipped: 1),
        ])

    /// A printer's output as text.
    static func printed<S: ReportSink>(_ records: [S.Record], _ make: (StringOutput) throws -> S) throws -> String {
        let out = StringOutput()
        var sink = try make(out)
        for r in records { try sink.write(r) }
        try sink.finish()
        return out.text
    }
}
