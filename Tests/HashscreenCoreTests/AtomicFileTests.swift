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

    // MARK: - Planted links (issue 11)

    /// A victim file a planted link points to, and a check that it is unchanged.
    private func victim(_ tmp: TemporaryDirectory) throws -> (path: String, check: () throws -> Void) {
        let path = try tmp.write("elsewhere/victim.txt", "precious\n")
        return (path, {
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "precious\n", "the link's target was written")
        })
    }

    func testALinkPlantedAtTheNextTemporaryNameIsPassedOverNotFollowed() throws {
        let tmp = try TemporaryDirectory()
        let (target, unchanged) = try victim(tmp)
        try FileManager.default.createDirectory(atPath: tmp.file("out"), withIntermediateDirectories: true)
        let final = tmp.file("out/removals.csv")
        // The names the first two nonces give, a link planted at the first.
        let planted = AtomicFile.temporaryPath(for: final, pid: getpid(), nonce: 1)
        XCTAssertEqual(symlink(target, planted), 0)
        var nonces: [UInt64] = [1, 2]
        let f = try AtomicFile(path: final, nonce: { nonces.removeFirst() })
        XCTAssertEqual(f.temporaryPath, AtomicFile.temporaryPath(for: final, pid: getpid(), nonce: 2))
        try f.write("key\n")
        try f.commit()
        try unchanged()
        XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "key\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: planted), target, "a planted link is left, untouched")
    }

    func testALinkAtTheOldPredictableTemporaryNameIsNeverOpened() throws {
        // Before issue 11 the temporary was NAME.tmp-PID, opened without O_EXCL | O_NOFOLLOW.
        let tmp = try TemporaryDirectory()
        let (target, unchanged) = try victim(tmp)
        let final = tmp.file("summary.json")
        XCTAssertEqual(symlink(target, final + ".tmp-\(getpid())"), 0)
        XCTAssertEqual(symlink(target, tmp.file(".summary.json.\(getpid()).tmp")), 0)
        let f = try AtomicFile(path: final)
        try f.write("{}\n")
        try f.commit()
        try unchanged()
        XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "{}\n")
    }

    func testEveryTemporaryNameTakenIsAnOutputErrorThatWritesNothing() throws {
        let tmp = try TemporaryDirectory()
        let (target, unchanged) = try victim(tmp)
        let final = tmp.file("report.jsonl")
        let planted = AtomicFile.temporaryPath(for: final, pid: getpid(), nonce: 7)
        XCTAssertEqual(symlink(target, planted), 0)
        var tries = 0
        XCTAssertThrowsError(try AtomicFile(path: final, nonce: { tries += 1; return 7 })) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .output, "\(e)")
        }
        XCTAssertEqual(tries, AtomicFile.creationAttempts)
        try unchanged()
        XCTAssertFalse(FileManager.default.fileExists(atPath: final))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: planted), target,
                       "a name the writer did not create is not removed either")
    }

    /// Decision: a link at the final name is replaced by the file (rename(2) replaces the link,
    /// not its target); the target is never written.
    func testCommittingOverALinkReplacesTheLinkNotItsTarget() throws {
        let tmp = try TemporaryDirectory()
        let (target, unchanged) = try victim(tmp)
        let final = tmp.file("errors.jsonl")
        XCTAssertEqual(symlink(target, final), 0)
        let f = try AtomicFile(path: final)
        try f.write("new\n")
        try f.commit()
        try unchanged()
        var st = stat()
        XCTAssertEqual(lstat(final, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG, "the link is gone, a file in its place")
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(try String(contentsOfFile: final, encoding: .utf8), "new\n")
    }

    func testCommitNewWritesANewFileAndNeverReplacesAFileOrALink() throws {
        let tmp = try TemporaryDirectory()
        let fresh = try AtomicFile(path: tmp.file("key"))
        try fresh.write("secret\n")
        try fresh.commitNew()
        XCTAssertEqual(try String(contentsOfFile: tmp.file("key"), encoding: .utf8), "secret\n")
        var st = stat()
        XCTAssertEqual(stat(tmp.file("key"), &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(st.st_nlink, 1, "the temporary name is gone")
        // An existing file, and a dangling link, are both left as they were.
        XCTAssertEqual(symlink(tmp.file("nowhere"), tmp.file("link")), 0)
        for name in ["key", "link"] {
            let again = try AtomicFile(path: tmp.file(name))
            try again.write("other\n")
            XCTAssertThrowsError(try again.commitNew()) { e in
                XCTAssertEqual((e as? HashscreenError)?.code, .output)
                XCTAssertTrue("\(e)".contains("exists"), "\(e)")
            }
        }
        XCTAssertEqual(try String(contentsOfFile: tmp.file("key"), encoding: .utf8), "secret\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("nowhere")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted(), ["key", "link"])
    }

    func testTemporaryNamesCarry64RandomBitsBesideThePid() throws {
        let tmp = try TemporaryDirectory()
        let a = try AtomicFile(path: tmp.file("f")), b = try AtomicFile(path: tmp.file("f"))
        XCTAssertNotEqual(a.temporaryPath, b.temporaryPath)
        for f in [a, b] {
            let name = (f.temporaryPath as NSString).lastPathComponent
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            XCTAssertEqual(parts.count, 5, name)   // "", "f", pid, nonce, "tmp"
            XCTAssertEqual(parts[2], "\(getpid())")
            XCTAssertEqual(parts[3].count, 16, name)
            XCTAssertNotNil(UInt64(parts[3], radix: 16), name)
        }
        XCTAssertEqual(AtomicFile.temporaryPath(for: "d/x.csv", pid: 42, nonce: 0xab), "d/.x.csv.42.00000000000000ab.tmp")
    }
}
