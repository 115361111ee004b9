import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

final class AtomicFileTests: XCTestCase {
    func testReplacesTheFileWholeWithMode0600WhateverTheUmask() throws {
        let tmp = try TemporaryDirectory()
        let path = try tmp.write("f.txt", "old\n")
        chmod(path, 0o644)
        let old = umask(0)
        defer { umask(old) }
        let f = try AtomicFile(path: path)
        let big = String(repeating: "0123456789abcdef", count: AtomicFile.bufferBytes / 8)  // two chunks and more
        try f.write("a\n")
        try f.write(big)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n", "the old file until commit()")
        try f.commit()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a\n" + big)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), ["f.txt"])
    }

    func testAnUnfinishedFileLeavesNothing() throws {
        let tmp = try TemporaryDirectory()
        do {
            let f = try AtomicFile(path: tmp.file("never.txt"))
            try f.write("partial")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [])
    }

    func testAMissingFolderIsAnOutputError() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertThrowsError(try AtomicFile(path: tmp.file("no/such/folder/f.txt"))) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .output)
            XCTAssertTrue("\(e)".contains("cannot write \(tmp.file("no/such/folder/f.txt"))"), "\(e)")
        }
    }
}
