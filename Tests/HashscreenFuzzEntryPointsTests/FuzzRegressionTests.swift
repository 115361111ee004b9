// Every input a fuzzer found a defect with (Fixtures/fuzz/<target>/<what-it-is>), kept: each is
// replayed through its target's entry point (the fuzzer's own path), and has a test named after
// what it checks that asserts the parser's outcome. DEVELOPERS.md, "Add a regression".

import Foundation
import HashscreenFuzzEntryPoints
import HashscreenParquet
import HashscreenTar
import HashscreenTestSupport
import XCTest

final class FuzzRegressionTests: XCTestCase {
    static let targets: [(name: String, run: (UnsafeRawBufferPointer) -> Void)] = [
        ("parquet-file", FuzzEntryPoints.parquetFile),
        ("parquet-pages", FuzzEntryPoints.parquetPages),
        ("tar", FuzzEntryPoints.tar),
        ("csv-tokenizer", FuzzEntryPoints.csvTokenizer),
        ("delimited-manifest", FuzzEntryPoints.delimitedManifest),
        ("jsonl-manifest", FuzzEntryPoints.jsonlManifest),
        ("list-file", FuzzEntryPoints.listFile),
        ("image", FuzzEntryPoints.image),
    ]

    static var root: URL { TestPaths.fixtures.appendingPathComponent("fuzz") }

    func input(_ target: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.root.appendingPathComponent(target).appendingPathComponent(name)))
    }

    /// Runs every kept input through its entry point: none may trap (each once did). Folders
    /// under Fixtures/fuzz must be targets.
    func testEveryFuzzRegressionInputIsHandled() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertFalse(folders.isEmpty)
        var replayed = 0
        for folder in folders {
            let target = try XCTUnwrap(Self.targets.first { $0.name == folder }, "Fixtures/fuzz/\(folder) is not a fuzz target")
            let dir = Self.root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasPrefix(".") {
                let bytes = try input(folder, name)
                bytes.withUnsafeBytes { target.run($0) }
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }

    // MARK: - Parquet

    /// Opens a `parquet-pages` input as the file it stands for and reads its one row group.
    func readPagesInput(_ name: String) throws -> Result<ParquetRowGroup, Error> {
        let bytes = try input("parquet-pages", name)
        let file = try XCTUnwrap(bytes.withUnsafeBytes { FuzzEntryPoints.parquetPagesFile($0) })
        let dir = try TemporaryDirectory()
        let reader = try ParquetFileReader(path: try dir.write("input.parquet", bytes: file))
        return Result { try reader.readRowGroup(0) }
    }

    /// A bit-packed run header stating 2^63 groups: groups x 8 values overflowed UInt64 (a trap
    /// that ended the scan). The run is cut to the bytes it has, and the column's short data is
    /// an error for that column.
    func testBitPackedRunStatingTwoToThe63GroupsIsAnErrorNotATrap() throws {
        guard case .failure(let error) = try readPagesInput("rle-bit-packed-run-of-2e63-groups") else {
            return XCTFail("the damaged chunk was read without an error")
        }
        XCTAssertTrue(error is ParquetError, "\(error)")
        XCTAssertTrue("\(error)".hasSuffix("row group 0, column 'v': page at chunk offset 0: RLE data ends after 627 of 1000 values"), "\(error)")
    }

    // MARK: - Tar

    /// The error `TarReader` gives for the input's first member (nil when it reads one).
    func firstTarError(_ name: String) throws -> TarError? {
        let dir = try TemporaryDirectory()
        let reader = try TarReader(path: try dir.write("input.tar", bytes: try input("tar", name)))
        do { _ = try reader.next(); return nil } catch let e as TarError { return e }
    }

    /// A GNU base-256 size of about Int.max (found reading the reader while fuzzing): rounding it
    /// up to whole blocks overflowed (a trap). Now the member runs past the end: an error.
    func testBase256SizeNearIntMaxIsATruncatedMemberError() throws {
        let error = try XCTUnwrap(try firstTarError("base-256-size-near-int-max"))
        XCTAssertEqual(error.offset, 0)
        XCTAssertEqual(error.message, "member of 9223372036854775551 bytes runs past the end of the archive (truncated)")
    }

    /// The same size from a pax `size` record: `dataOffset + size` overflowed.
    func testPaxSizeNearIntMaxIsATruncatedMemberError() throws {
        let error = try XCTUnwrap(try firstTarError("pax-size-near-int-max"))
        XCTAssertEqual(error.offset, 1024)
        XCTAssertEqual(error.message, "member of 9223372036854775000 bytes runs past the end of the archive (truncated)")
    }
}
