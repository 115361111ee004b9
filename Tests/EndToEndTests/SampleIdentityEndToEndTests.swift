/// End-to-end: sample identities past the bounds of the packed ordinal they replaced (65,536
/// shards in one input; 2^23 rows in one shard parquet, above which rows took the places of the
/// shard's images without a row). Samples there must keep their own lines in the outputs and
/// `--write-cleaned` must drop exactly the matched rows. Each dataset is built so that the old
/// collisions would show: with them, a second input's row or a neighbouring row was dropped too,
/// and two samples under one key were merged into one removal.
import Foundation
import HashscreenTestSupport
import XCTest

final class SampleIdentityEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    /// The image the list holds (by md5), and another one.
    var listed: (ext: String, bytes: [UInt8])!
    var other: (ext: String, bytes: [UInt8])!
    var list: String!

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        listed = try DatasetFixture.image("0001.jpg")
        other = try DatasetFixture.image("0002.jpg")
        let md5 = String(try runProcess("/usr/bin/md5sum", [TestPaths.fixtures.appendingPathComponent("demo/images/0001.jpg").path])
            .stdout.prefix(32))
        list = tmp.file("l.sqlite")
        try tmp.write("list.txt", "md5 \(md5)\n")
        let r = try hashscreen(["list", "import", "--list", list, "--name", "L", "--version", "1", tmp.file("list.txt")])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func scan(_ inputs: [String]) throws -> (status: Int32, out: String, summary: [String: Any]) {
        let out = tmp.file("out")
        let r = try hashscreen(["scan"] + inputs + ["--list", list, "--out", out, "--signals", "md5", "--write-cleaned", "--quiet"])
        XCTAssertTrue(r.stderr.isEmpty, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        return (r.status, out, summary ?? [:])
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func cleaned(_ summary: [String: Any]) -> [[String: Int]] {
        (summary["cleaned_manifests"] as? [[String: Any]] ?? []).map { ["kept": $0["kept"] as! Int, "removed": $0["removed"] as! Int] }
    }

    /// Input 1: img2dataset `files` output of 65,537 shards (000000 ... 065536), all empty but the
    /// last; its parquet holds `dup` (its image is the listed one) and `keep1` (a failed
    /// download). Input 2: a CSV whose rows `dup` and `x1` record the listed md5, and `keep2`.
    /// Shard 65,536's rows used to take input 2's places: `dup` and `dup` were one removal line,
    /// and `x1`'s removal dropped `keep1` from the cleaned parquet.
    func testAnInputOfMoreThan65536ShardsBesideASecondInput() throws {
        let started = Date()
        let many = tmp.file("many")
        XCTAssertEqual(mkdir(many, 0o755), 0)
        let shards = 65_537
        for s in 0..<shards { XCTAssertEqual(mkdir(many + String(format: "/%06d", s), 0o755), 0) }
        let last = String(format: "%06d", shards - 1)
        try tmp.write("many/\(last)/dup.jpg", bytes: listed.bytes)
        try ParquetFixture.writeStrings(path: "\(many)/\(last).parquet", columns: ["key", "url", "status"], rowCount: 2, rowGroupSize: 2) {
            [["dup", "http://a.invalid/dup", "success"], ["keep1", "http://a.invalid/keep1", "failed_to_download"]][$1][$0]
        }
        let md5 = String(try runProcess("/usr/bin/md5sum", [tmp.file("many/\(last)/dup.jpg")]).stdout.prefix(32))
        let unlisted = String(repeating: "0", count: 32)
        let csv = try tmp.write("small.csv", "key,url,md5\ndup,http://b.invalid/dup,\(md5)\nx1,http://b.invalid/x1,\(md5)\nkeep2,http://b.invalid/keep2,\(unlisted)\n")

        let r = try scan([many, csv])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual((r.summary["counts"] as? [String: Any])?["samples"] as? Int, 5)
        XCTAssertEqual(try text(r.out + "/removals.csv"), """
            key,url,path,reasons
            dup,http://a.invalid/dup,\(last)/dup.jpg,md5:L
            dup,http://b.invalid/dup,,md5:L
            x1,http://b.invalid/x1,,md5:L

            """)
        XCTAssertEqual(try text(r.out + "/cleaned/2/small.csv"), "key,url,md5\nkeep2,http://b.invalid/keep2,\(unlisted)\n")
        let keys = try ParquetFixture.nonNullStrings(path: r.out + "/cleaned/1/\(last).parquet", column: "key")
        XCTAssertEqual(keys.values.map(\.value), ["keep1"])
        XCTAssertEqual(cleaned(r.summary), [["kept": 1, "removed": 1], ["kept": 1, "removed": 2]])
        print("65,537 shards: built and scanned in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// One `files` shard whose parquet has 2^23 + 4 rows: rows 0 ... 2^23 - 1 without a key (no
    /// image joins them; they are only counted), then r0 (its image, not listed), r1 and r3 (no
    /// image), r2 (the listed image). The shard also stores m0 and m1 (listed), images without a
    /// row. m1 used to take r1's place: r1 was dropped from the cleaned parquet with r2.
    func testAShardParquetOfMoreThan2To23Rows() throws {
        let started = Date()
        let filler = 1 << 23
        let keyed = ["r0", "r1", "r2", "r3"]
        try FileManager.default.createDirectory(atPath: tmp.file("big"), withIntermediateDirectories: true)
        try ParquetFixture.writeStrings(path: tmp.file("big/00000.parquet"), columns: ["key", "url"],
                                        rowCount: filler + keyed.count, rowGroupSize: 1 << 20) { c, row in
            guard row >= filler else { return nil }
            return c == 0 ? keyed[row - filler] : "http://example.org/\(keyed[row - filler])"
        }
        for (name, image) in [("r0", other!), ("r2", listed!), ("m0", other!), ("m1", listed!)] {
            try tmp.write("big/00000/\(name).jpg", bytes: image.bytes)
        }
        let built = Date()

        let r = try scan([tmp.file("big")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(try text(r.out + "/removals.csv"), """
            key,url,path,reasons
            m1,,00000/m1.jpg,md5:L
            r2,http://example.org/r2,00000/r2.jpg,md5:L

            """)
        // The rows whose image is lost are reported under their own keys.
        let errors = try text(r.out + "/errors.jsonl").split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(errors.map { $0["key"] as? String }, ["r1", "r3"])
        XCTAssertEqual((r.summary["counts"] as? [String: Any])?["samples"] as? Int, 6)
        XCTAssertEqual(cleaned(r.summary), [["kept": filler + 3, "removed": 1]])
        let kept = try ParquetFixture.nonNullStrings(path: r.out + "/cleaned/00000.parquet", column: "key")
        XCTAssertEqual(kept.rowCount, filler + 3)
        XCTAssertEqual(kept.values.map(\.row), [filler, filler + 1, filler + 2], "the keyless rows are all kept, in place")
        XCTAssertEqual(kept.values.map(\.value), ["r0", "r1", "r3"])
        print("2^23 + 4 rows: built in \(String(format: "%.1f", built.timeIntervalSince(started))) s, scanned and checked in \(String(format: "%.1f", Date().timeIntervalSince(built))) s")
    }
}
