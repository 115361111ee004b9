/// End-to-end: each list's index file, written by `list import`, mapped by `scan`; a missing,
/// damaged or stale one is never used (a warning, the in-memory build, the same outputs).
import Foundation
import HashscreenTestSupport
import XCTest

final class IndexFileEndToEndTests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private func indexFiles(_ tmp: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.hasPrefix("l.sqlite.index-") }.sorted()
    }

    /// The scan's outputs that must not change (the summary holds times).
    private func outputs(_ dir: String) throws -> [String] {
        try ["removals.csv", "report.jsonl", "errors.jsonl"].map {
            try String(contentsOfFile: (dir as NSString).appendingPathComponent($0), encoding: .utf8)
        }
    }

    func testScansUseTheIndexFileAndFallBackToTheSameOutputsWhenItIsMissingDamagedOrStale() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("l.sqlite")
        var rng = SplitMix64(seed: 21)
        func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        // 300 rows with a recorded md5; rows 0, 7, 14... are in list A, rows 5, 10... in list B.
        var rows = ["key,url,md5"]
        var a = (0..<3000).map { _ in "md5 " + hex(random(16)) }
        var b = (0..<500).map { _ in "md5 " + hex(random(16)) }
        for i in 0..<300 {
            let v = hex(random(16))
            rows.append("k\(i),https://example.com/\(i).jpg,\(v)")
            if i % 7 == 0 { a.append("md5 \(v)") }
            if i % 5 == 0 { b.append("md5 \(v)") }
        }
        let manifest = try tmp.write("m.csv", rows.joined(separator: "\n") + "\n")
        let fileA = try tmp.write("a.txt", a.joined(separator: "\n") + "\n")
        let fileB = try tmp.write("b.txt", b.joined(separator: "\n") + "\n")
        var r = try hashscreen(["list", "import", "--list", db, "--name", "A", "--version", "1", fileA])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try indexFiles(tmp).count, 1)
        var n = 0
        func scan(warning: String?, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
            n += 1
            let out = tmp.file("o\(n)")
            let r = try hashscreen(["scan", manifest, "--list", db, "--signals", "md5", "--out", out, "--quiet"])
            XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
            if let warning {
                XCTAssertTrue(r.stderr.contains("warning: list A@1 in \(db)") && r.stderr.contains(warning), r.stderr, file: file, line: line)
            } else {
                XCTAssertEqual(r.stderr, "", file: file, line: line)
            }
            return try outputs(out)
        }
        let onlyA = try scan(warning: nil)
        XCTAssertEqual(onlyA[0].split(separator: "\n").count, 1 + 43)      // header + rows 0, 7, ..., 294

        // A second list: its own file; the first one's stays valid.
        r = try hashscreen(["list", "import", "--list", db, "--name", "B", "--version", "1", fileB])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try indexFiles(tmp)
        XCTAssertEqual(files.count, 2)
        for f in files {
            var st = stat()
            XCTAssertEqual(stat(tmp.file(f), &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, "index files are created 0600")
        }
        let mapped = try scan(warning: nil)
        XCTAssertNotEqual(mapped, onlyA)

        // Without index files: the in-memory build, the same outputs.
        // List A's file, as the database names it.
        let fileOfA = try runPython("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute("SELECT file FROM list_indexes JOIN lists ON lists.id = list_id WHERE name = 'A'").fetchone()[0], end="")
            """, [db])
        XCTAssertTrue(files.contains(fileOfA), fileOfA)
        let saved = try Data(contentsOf: URL(fileURLWithPath: tmp.file(fileOfA)))
        unlink(tmp.file(fileOfA))
        XCTAssertEqual(try scan(warning: "No such file"), mapped)
        // A flipped byte in the body, then in the header; a truncated file.
        var damaged = saved; damaged[4096 + 100] ^= 0x10
        try damaged.write(to: URL(fileURLWithPath: tmp.file(fileOfA)))
        XCTAssertEqual(try scan(warning: "damaged (checksum)"), mapped)
        damaged = saved; damaged[8 * 7] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: tmp.file(fileOfA)))
        XCTAssertEqual(try scan(warning: "damaged (header checksum)"), mapped)
        try saved.prefix(saved.count - 4096).write(to: URL(fileURLWithPath: tmp.file(fileOfA)))
        XCTAssertEqual(try scan(warning: "truncated"), mapped)
        try saved.write(to: URL(fileURLWithPath: tmp.file(fileOfA)))
        XCTAssertEqual(try scan(warning: nil), mapped)

        // The list changed after its file was written (as an older build's import could): stale.
        _ = try runPython("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE lists SET imported_at = '2020-01-01T00:00:00Z' WHERE name = 'A'"); c.commit()
            """, [db])
        XCTAssertEqual(try scan(warning: "stale"), mapped)
        // `list index` rebuilds every list's file (the old ones removed).
        r = try hashscreen(["list", "index", "--list", db])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("A@1"), r.stdout)
        XCTAssertEqual(try indexFiles(tmp).count, 2)
        XCTAssertTrue(Set(try indexFiles(tmp)).isDisjoint(with: files))
        XCTAssertEqual(try scan(warning: nil), mapped)

        // Replacing a list removes its old file; a refused import leaves no file behind.
        let before = try indexFiles(tmp)
        r = try hashscreen(["list", "import", "--list", db, "--name", "B", "--version", "1", "--replace", fileA])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try indexFiles(tmp).count, 2)
        XCTAssertEqual(Set(try indexFiles(tmp)).intersection(before).count, 1)
        let bad = try tmp.write("bad.txt", "md5 \(hex(random(16)))\nmd5 abc\n")
        r = try hashscreen(["list", "import", "--list", db, "--name", "C", "--version", "1", bad])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(bad):2:"), r.stderr)
        XCTAssertEqual(try indexFiles(tmp).count, 2)
    }
}
