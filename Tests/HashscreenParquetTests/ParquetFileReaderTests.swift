// Cross-check against pyarrow: the files in Fixtures/parquet (made by make_fixtures.py across
// codecs, encodings, page versions, nulls and row-group sizes) read back row for row as pyarrow
// read them; plus damaged and hostile inputs, which must give a ParquetError, never a crash.

import Foundation
@testable import HashscreenParquet
import HashscreenTestSupport
import XCTest

final class ParquetFileReaderTests: XCTestCase {
    static let fixtures = packageRoot().appendingPathComponent("Fixtures/parquet")

    func fixtureIndex() throws -> [(file: String, expected: String)] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("INDEX.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map {
            let f = $0.split(separator: "\t").map(String.init)
            return (f[0], f[1])
        }
    }

    func testEveryFixtureMatchesPyarrowRowForRow() throws {
        let index = try fixtureIndex()
        XCTAssertGreaterThanOrEqual(index.count, 20)
        for (file, expected) in index {
            let rows = try loadExpectedRows(Self.fixtures.appendingPathComponent(expected).path)
            let messages = try compareFile(Self.fixtures.appendingPathComponent(file).path, expected: rows)
            XCTAssertEqual(messages, [], file)
        }
    }

    func testSchemaOfImg2datasetManifest() throws {
        let r = try ParquetFileReader(path: Self.fixtures.appendingPathComponent("img2dataset_snappy.parquet").path)
        XCTAssertEqual(r.columns.map(\.name), ["key", "url", "caption", "status", "error_message", "width", "height",
                                               "original_width", "original_height", "exif", "sha256"])
        XCTAssertEqual(r.columns[0].logicalType, .string)
        XCTAssertEqual(r.columns[5].physicalType, .int64)
        XCTAssertEqual(r.rowCount, 60)
        XCTAssertEqual(r.rowGroupCount, 3)
        XCTAssertTrue(r.keyValueMetadata.contains { $0.key == "ARROW:schema" })
        // Reading a subset of columns returns them in the order asked.
        let g = try r.readRowGroup(1, columns: [10, 1])
        XCTAssertEqual(g.columns.count, 2)
        XCTAssertEqual(g.rowCount, 25)
        XCTAssertEqual(g.row(0)[1].stringValue?.hasPrefix("https://"), true)
    }

    // MARK: - Damaged and hostile input

    func fixtureBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func withTemporaryFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "hashscreen-parquet-\(UUID().uuidString).parquet"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Opens and reads everything; returns the error message, or nil if it read.
    func readOutcome(_ path: String) -> String? {
        do {
            let r = try ParquetFileReader(path: path)
            var rows = 0
            try r.forEachRowGroup { g in
                XCTAssertEqual(g.columns.count, r.columns.count)
                for c in g.columns { XCTAssertEqual(c.count, g.rowCount) }
                rows += g.rowCount
            }
            XCTAssertEqual(rows, r.rowCount)
            return nil
        } catch let e as ParquetError {
            XCTAssertEqual(e.path, path)
            return e.message
        } catch {
            XCTFail("non-Parquet error \(error)")
            return "\(error)"
        }
    }

    func testStructuralDamageGivesClearErrors() throws {
        let good = try fixtureBytes("laion_snappy.parquet")
        try withTemporaryFile(Array(good.prefix(good.count - 3))) { p in
            XCTAssertEqual(readOutcome(p)?.contains("bad magic at end"), true)
        }
        var badHead = good
        badHead[0] = UInt8(ascii: "X")
        try withTemporaryFile(badHead) { p in XCTAssertEqual(readOutcome(p)?.contains("bad magic at start"), true) }
        var badLength = good
        badLength[good.count - 5] = 0x7F   // footer length about 2 GiB
        try withTemporaryFile(badLength) { p in XCTAssertEqual(readOutcome(p)?.contains("footer length"), true) }
        try withTemporaryFile(Array("PAR1PAR1".utf8)) { p in XCTAssertEqual(readOutcome(p)?.contains("too short"), true) }
        // Footer garbled: zero the first half of the footer.
        var garbled = good
        let footerLength = Int(loadLE32(good, good.count - 8))
        for i in (good.count - 8 - footerLength)..<(good.count - 8 - footerLength / 2) { garbled[i] = 0xFF }
        try withTemporaryFile(garbled) { p in XCTAssertEqual(readOutcome(p)?.contains("Thrift decode error"), true, readOutcome(p) ?? "read") }
        XCTAssertThrowsError(try ParquetFileReader(path: "/nonexistent/x.parquet")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/x.parquet"))
        }
    }

    func testCorruptedFilesNeverCrash() throws {
        // Flip bytes across the data region (and sometimes the footer) of files of every codec;
        // each outcome must be either a clean read of the right shape or a ParquetError (a crash
        // fails the whole test run). Seeded, so a failure reproduces.
        let files = ["alltypes_none_dict_v1.parquet", "alltypes_snappy_plain_v2.parquet", "alltypes_gzip_dict_v1.parquet",
                     "alltypes_zstd_dict_v2.parquet", "encodings_delta_bss.parquet", "laion_snappy.parquet"]
        var rng = SplitMix64(seed: 0x5eed)
        var errors = 0, reads = 0
        for name in files {
            let good = try fixtureBytes(name)
            let footerLength = Int(loadLE32(good, good.count - 8))
            let dataEnd = good.count - 8 - footerLength
            for trial in 0..<60 {
                var bad = good
                let flips = 1 + trial % 4
                for _ in 0..<flips {
                    let i = Int.random(in: 4..<(trial % 3 == 0 ? good.count - 8 : dataEnd), using: &rng)
                    bad[i] = UInt8.random(in: 0...255, using: &rng)
                }
                if let _ = try withTemporaryFile(bad, { readOutcome($0) }) { errors += 1 } else { reads += 1 }
            }
            // Truncations at many points.
            for cut in stride(from: 8, to: good.count, by: max(1, good.count / 25)) {
                var bad = Array(good.prefix(cut))
                bad.append(contentsOf: Array("PAR1".utf8))
                if let _ = try withTemporaryFile(bad, { readOutcome($0) }) { errors += 1 } else { reads += 1 }
            }
        }
        print("corruption trials: \(errors) errors, \(reads) clean reads")
        XCTAssertGreaterThan(errors, 0)
    }


    func testUnsupportedCodecIsNamedWithColumn() throws {
        let path = ParquetConformanceTests.vectors.appendingPathComponent("lz4_raw_compressed.parquet").path
        let r = try ParquetFileReader(path: path)
        XCTAssertThrowsError(try r.readRowGroup(0)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("LZ4_RAW") && text.contains("column 'c0'") && text.contains(path), text)
        }
    }

    // MARK: - Decoder units checked against the spec's own examples

    func testHybridDecoderOnEncodingsMdExample() throws {
        // Encodings.md: bit-packed run of 0..7 with bit width 3 is the header (1 group) 0x03
        // followed by 0x88 0xC6 0xFA.
        let bytes: [UInt8] = [0x03, 0x88, 0xC6, 0xFA]
        XCTAssertEqual(try ValueDecoding.decodeHybrid(bytes, from: 0, to: 4, bitWidth: 3, count: 8), [0, 1, 2, 3, 4, 5, 6, 7])
        // Deprecated BIT_PACKED (MSB first) of the same values: 0x05 0x39 0x77.
        let (msb, used) = try ValueDecoding.decodeBitPackedMSB([0x05, 0x39, 0x77], from: 0, to: 3, bitWidth: 3, count: 8)
        XCTAssertEqual(msb, [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(used, 3)
        // Hostile: bit width 40, runs past the end, zero-length run.
        XCTAssertThrowsError(try ValueDecoding.decodeHybrid(bytes, from: 0, to: 4, bitWidth: 40, count: 8))
        XCTAssertThrowsError(try ValueDecoding.decodeHybrid([0x02, 0x01], from: 0, to: 2, bitWidth: 1, count: 5))
        XCTAssertThrowsError(try ValueDecoding.decodeHybrid([0x00, 0x01], from: 0, to: 2, bitWidth: 1, count: 1))
    }

    /// `opensWithRun` (a page's levels read without an array when none is null) holds exactly
    /// where `decodeHybrid` gives `count` copies of the value, on every short stream of these
    /// bytes, and says nothing of a stream that does not decode.
    func testOpensWithRunIsDecodeHybridGivingOneValue() throws {
        XCTAssertTrue(ValueDecoding.opensWithRun([0x0A, 0x01], from: 0, to: 2, bitWidth: 1, count: 5, of: 1))   // RLE run of five 1s
        XCTAssertFalse(ValueDecoding.opensWithRun([0x0A, 0x01], from: 0, to: 2, bitWidth: 1, count: 6, of: 1))  // the run is shorter
        XCTAssertFalse(ValueDecoding.opensWithRun([0x0A, 0x00], from: 0, to: 2, bitWidth: 1, count: 5, of: 1))  // five nulls
        XCTAssertFalse(ValueDecoding.opensWithRun([0x03, 0xFF], from: 0, to: 2, bitWidth: 1, count: 8, of: 1))  // bit-packed, all 1s
        XCTAssertFalse(ValueDecoding.opensWithRun([0x0A], from: 0, to: 1, bitWidth: 1, count: 5, of: 1))        // value missing
        XCTAssertFalse(ValueDecoding.opensWithRun([0x0A, 0x01], from: 0, to: 2, bitWidth: 1, count: 0, of: 1))
        let alphabet: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0A, 0x14, 0x80, 0xFF]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...4, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let width = Int.random(in: 1...3, using: &generator), count = Int.random(in: 1...12, using: &generator)
            let value = UInt32.random(in: 0...3, using: &generator)
            let decoded = try? ValueDecoding.decodeHybrid(bytes, from: 0, to: bytes.count, bitWidth: width, count: count)
            let fast = ValueDecoding.opensWithRun(bytes, from: 0, to: bytes.count, bitWidth: width, count: count, of: value)
            if fast { XCTAssertEqual(decoded, [UInt32](repeating: value, count: count), "\(bytes) width \(width) count \(count) value \(value)") }
            // The other way holds where the first run alone gives the values.
            if let decoded, decoded == [UInt32](repeating: value, count: count), let h = bytes.first, h & 0x81 == 0, Int(h >> 1) >= count {
                XCTAssertTrue(fast, "\(bytes) width \(width) count \(count) value \(value)")
            }
        }
    }

    func testThriftSkipsUnknownFieldsOfEveryType() throws {
        // A SchemaElement with unknown fields of each wire type (ids 20...), then field 4 (name),
        // whose id is lower, so it takes the long-form header.
        var w = ThriftCompactWriter()
        w.beginStruct(nil)
        w.i32(20, -7)
        w.i64(21, 1 << 40)
        w.bool(22, true)
        w.string(23, "skip me")
        w.i32List(24, Array(1...16))          // long-form list header (16 >= 15)
        w.beginStruct(25); w.i32(1, 5); w.endStruct()
        w.fieldHeader(26, .double); w.appendRaw([UInt8](repeating: 0x40, count: 8))
        w.fieldHeader(27, .map); w.appendRaw([0x01, 0x55, 0x02, 0x04])   // {1: 2} as i32 -> i32
        w.string(4, "a")
        w.endStruct()
        XCTAssertEqual(w.bytes.filter { $0 == 0x08 }.count >= 1, true)
        var r = ThriftCompactReader(w.bytes)
        let e = try r.decodeSchemaElement()
        XCTAssertEqual(e.name, "a")
        XCTAssertEqual(r.remaining, 0)
        // Truncated anywhere: an error, never a crash.
        for cut in 0..<w.bytes.count {
            var t = ThriftCompactReader(Array(w.bytes.prefix(cut)))
            XCTAssertThrowsError(try t.decodeSchemaElement(), "cut \(cut)")
        }
    }
}
