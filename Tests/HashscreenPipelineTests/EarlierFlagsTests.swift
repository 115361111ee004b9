import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// `verify`'s earlier flagged.jsonl is read once (docs/verify.md "The flagged rows, read
/// once"): the digest verify checks is of the bytes read through one descriptor, and the index
/// is built from that descriptor, digested again as it is built. A file renamed over the path
/// after it was opened is never read; one changed in place fails before the index is used.
final class EarlierFlagsTests: XCTestCase {
    func row(_ key: String, _ digestByte: String) -> String {
        "{\"key\":\"\(key)\",\"content_digests\":[\"\(String(repeating: digestByte, count: 64))\"]}\n"
    }

    func sha256(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    /// The digest is the file's (sha256sum, independent); a file swapped in by rename after the
    /// open is not what gets indexed: the rows are the first file's.
    func testTheIndexIsOfTheFileDigestedNotOneSwappedInAfter() throws {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write("flagged.jsonl", row("k1", "a") + row("k2", "b"))
        let expected = try sha256(path)
        let file = try FlaggedFile(path: path)
        XCTAssertEqual(file.sha256, expected)
        // Swapped: tmp.write renames a new file (three rows) over the path.
        try tmp.write("flagged.jsonl", row("x1", "c") + row("x2", "d") + row("x3", "e"))
        XCTAssertNotEqual(try sha256(path), expected)
        let flags = EarlierFlags(file: file)
        try flags.prepare(in: tmp.path)
        XCTAssertFalse(flags.changedWhileRead)
        XCTAssertEqual(flags.rows, 2)
        XCTAssertEqual(flags.withContent, 2)
    }

    /// Changed in place (same inode) between the digest and the index: prepare stops with
    /// `changedWhileRead` (verify: exit 6) and nothing is indexed.
    func testAFileChangedInPlaceAfterItsDigestIsRefused() throws {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write("flagged.jsonl", row("k1", "a") + row("k2", "b"))
        let file = try FlaggedFile(path: path)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(row("k1", "a").utf8))
        try handle.close()
        let flags = EarlierFlags(file: file)
        XCTAssertThrowsError(try flags.prepare(in: tmp.path)) { error in
            XCTAssertTrue("\(error)".contains("changed while verify read it"), "\(error)")
        }
        XCTAssertTrue(flags.changedWhileRead)
        // The unlinked index files only: nothing is left in the folder but the file itself.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["flagged.jsonl"])
    }
}
