import Foundation
import HashscreenCore
@testable import HashscreenList
import HashscreenTestSupport
import XCTest

/// A file of plain lines read on several threads (one byte range each) and values sorted once
/// over every file: the same list, counts and first invalid line as one thread reading it.
final class ListImportThreadsTests: ListStoreTestCase {
    /// `n` md5 hex lines (every 7th a repeat of an earlier one), deterministic.
    func md5Lines(_ n: Int, seed: UInt64 = 3) -> [String] {
        var g = SplitMix64(seed: seed)
        var lines: [String] = []
        for i in 0..<n {
            if i % 7 == 6 { lines.append(lines[i / 2]); continue }
            lines.append(Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }))
        }
        return lines
    }

    func importWith(threads: Int, _ files: [String], db: String, skipInvalid: Bool = false) throws -> ListImportReport {
        var req = request(files, defaultType: "md5", skipInvalid: skipInvalid)
        req.reading = ListReading(threads: threads, minimumChunkBytes: 1)
        return try HashListStore.openForImport(path: db).importList(req)
    }

    /// The line the second thread's range starts with (0-based), for a file of `lines`.
    func boundaryLine(_ path: String, _ lines: [String]) throws -> Int {
        let size = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        let starts = try ListFileParser(path: path, defaultType: .signal(.md5), urlHasher: nil).lineStarts(size: size, parts: 2)
        XCTAssertEqual(starts.count, 3)
        var at = 0
        for (i, l) in lines.enumerated() { if at == starts[1] { return i }; at += l.utf8.count + 1 }
        XCTFail("no line starts at the cut"); return 0
    }

    func testInvalidLineAtTheChunkBoundaryIsNumberedAsInTheFile() throws {
        var lines = md5Lines(2000)
        let path = try write("l.txt", lines.joined(separator: "\n") + "\n")
        let b = try boundaryLine(path, lines)
        XCTAssertGreaterThan(b, 100)
        lines[b] = String(repeating: "z", count: 32)        // same length: the cut stays put
        lines[b + 5] = String(repeating: "q", count: 32)
        try write("l.txt", lines.joined(separator: "\n") + "\n")
        for threads in [1, 2] {
            XCTAssertThrowsError(try importWith(threads: threads, [path], db: dir.appendingPathComponent("t\(threads).db").path)) { e in
                let e = e as! ListError
                XCTAssertEqual(e.code, .invalidLine)
                XCTAssertEqual(e.line, b + 1, "threads \(threads)")
                XCTAssertEqual(e.file, path)
            }
        }
        // One more in the first range: that one is reported, whatever the threads.
        lines[10] = "not-a-hash"
        try write("l.txt", lines.joined(separator: "\n") + "\n")
        XCTAssertThrowsError(try importWith(threads: 2, [path], db: dir.appendingPathComponent("t3.db").path)) { e in
            XCTAssertEqual((e as! ListError).line, 11)
        }
        // Nothing stored (all or nothing).
        XCTAssertEqual(try HashListStore.openReadOnly(path: dir.appendingPathComponent("t3.db").path).lists().count, 0)
    }

    func testSkippedLinesAcrossTheBoundaryAreCountedAndNumbered() throws {
        var lines = md5Lines(3000)
        let path = try write("l.txt", lines.joined(separator: "\n") + "\n")
        let b = try boundaryLine(path, lines)
        for i in [b - 1, b, b + 1] { lines[i] = String(repeating: "g", count: 32) }
        try write("l.txt", lines.joined(separator: "\n") + "\n")
        let one = try importWith(threads: 1, [path], db: dir.appendingPathComponent("a.db").path, skipInvalid: true)
        let two = try importWith(threads: 2, [path], db: dir.appendingPathComponent("b.db").path, skipInvalid: true)
        XCTAssertEqual(two.skipped, 3)
        XCTAssertEqual(two.skippedExamples.map(\.line), [b, b + 1, b + 2])
        XCTAssertEqual(two.skippedExamples, one.skippedExamples)
        XCTAssertEqual(two.records, one.records)
        XCTAssertEqual(two.duplicates, one.duplicates)
        XCTAssertEqual(two.list.provenance.sources.map(\.entries), one.list.provenance.sources.map(\.entries))
        XCTAssertEqual(try allEntries(path: dir.appendingPathComponent("b.db").path).map(\.value),
                       try allEntries(path: dir.appendingPathComponent("a.db").path).map(\.value))
    }

    /// Several files in one import store what one file of all their lines stores, and each
    /// file's new values and repeats are its own; the values are unique and sorted, as in the
    /// file (checked against a sort of the lines here, not the import's code).
    func testSeveralFilesEqualOneFileOfTheirLines() throws {
        let lines = md5Lines(6000)
        let parts = [Array(lines[0..<2500]), Array(lines[2500..<2600]), Array(lines[2600...])]
        let files = try parts.enumerated().map { try write("p\($0.offset).txt", $0.element.joined(separator: "\n") + "\n") }
        let whole = try write("all.txt", lines.joined(separator: "\n") + "\n")
        let many = try importWith(threads: 2, files, db: dir.appendingPathComponent("m.db").path)
        let one = try importWith(threads: 2, [whole], db: dir.appendingPathComponent("o.db").path)
        let stored = try allEntries(path: dir.appendingPathComponent("m.db").path).map { Hex.encode($0.value.bytes) }
        XCTAssertEqual(stored, try allEntries(path: dir.appendingPathComponent("o.db").path).map { Hex.encode($0.value.bytes) })
        XCTAssertEqual(stored, Array(Set(lines)).sorted())
        XCTAssertEqual(many.duplicates, one.duplicates)
        XCTAssertEqual(many.list.provenance.entryCount, Set(lines).count)
        // Per file: the values not in an earlier file (or earlier in itself).
        var seen = Set<String>()
        var expected: [(Int, Int)] = []
        for p in parts {
            var added = 0
            for l in p { if seen.insert(l).inserted { added += 1 } }
            expected.append((added, p.count - added))
        }
        let sources = many.list.provenance.sources
        XCTAssertEqual(sources.map(\.entries), expected.map(\.0))
        XCTAssertEqual(sources.map(\.duplicates), expected.map(\.1))
    }

    /// A labelled line in a range sends the file to the one-thread reading: same result.
    func testLabelledLinesFallBackToOneThread() throws {
        var lines = md5Lines(2000)
        lines[1500] = lines[3] + " a-label"   // a repeat of an earlier unlabelled value
        lines[1600] = lines[1601] + " first"  // labelled before its unlabelled repeat
        let path = try write("l.txt", lines.joined(separator: "\n") + "\n")
        let one = try importWith(threads: 1, [path], db: dir.appendingPathComponent("a.db").path)
        let two = try importWith(threads: 2, [path], db: dir.appendingPathComponent("b.db").path)
        XCTAssertEqual(two.duplicates, one.duplicates)
        XCTAssertEqual(try allEntries(path: dir.appendingPathComponent("b.db").path).map(\.label),
                       try allEntries(path: dir.appendingPathComponent("a.db").path).map(\.label))
    }
}
