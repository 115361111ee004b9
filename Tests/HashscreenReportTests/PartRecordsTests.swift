import Foundation
import HashscreenCore
@testable import HashscreenReport
import HashscreenTestSupport
import XCTest

/// `merge`'s reading of the parts' run files (PartRecords.swift): the k-way merge of sorted part
/// files is the records sorted in memory, and a part file whose records are out of order (it was
/// changed after its scan) is refused as damaged, naming the file, not merged into wrong output.
final class PartRecordsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hashscreen-parts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func writePart(_ name: String, _ records: [FailureRecord]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        let w = try PartRecordWriter<FailureRecord>(path: path)
        for r in records { try w.append(r) }
        try w.finish()
        return path
    }

    func merged(_ paths: [String]) throws -> [FailureRecord] {
        var out: [FailureRecord] = []
        try MergedPartRecords<FailureRecord>(paths: paths).forEachSorted { out.append($0) }
        return out
    }

    /// Three parts (one spanning several runs of 4,096) merge into the records sorted in memory.
    func testSortedPartsMergeIntoRecordOrder() throws {
        let all = RecordSpoolTests.randomFailures(10_000, seed: 7)
        let part = { (i: Int) in min(max(i % 5 - 2, 0), 2) }   // 6,000 to part 0 (two runs), 2,000 each to 1 and 2
        let parts = (0..<3).map { p in all.enumerated().filter { part($0.offset) == p }.map(\.element) }
        let paths = try parts.enumerated().map { i, part in
            try writePart("part-\(i).run", part.sorted(by: FailureRecord.precedes))
        }
        let got = try merged(paths)
        let want = all.sorted(by: FailureRecord.precedes)
        XCTAssertEqual(got.count, want.count)
        XCTAssertEqual(got.map(\.sampleID), want.map(\.sampleID))
        XCTAssertEqual(got.map(\.key), want.map(\.key))
    }

    /// One part's records out of order: refused, whether the disorder is inside a run or across
    /// two runs of the file; the other parts being in order does not hide it.
    func testPartFileOutOfOrderIsRefused() throws {
        let all = RecordSpoolTests.randomFailures(6_000, seed: 11).sorted(by: FailureRecord.precedes)
        let good = try writePart("good.run", Array(all[0..<1_000]))
        var inRun = Array(all[1_000..<3_000])
        inRun.swapAt(10, 500)
        var acrossRuns = Array(all[1_000..<6_000])       // runs of 4,096: the swap crosses them
        acrossRuns.swapAt(100, 4_500)
        for (name, records) in [("in-run.run", inRun), ("across-runs.run", acrossRuns)] {
            XCTAssertFalse(zip(records, records.dropFirst()).allSatisfy { !FailureRecord.precedes($1, $0) }, "the fixture is out of order")
            let bad = try writePart(name, records)
            XCTAssertThrowsError(try merged([good, bad])) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(name), "the message names the file: \(text)")
                XCTAssertTrue(text.contains("out of order"), text)
            }
            XCTAssertNoThrow(try merged([good]))
        }
    }
}
