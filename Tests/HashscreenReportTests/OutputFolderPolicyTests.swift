import Foundation
import HashscreenCore
@testable import HashscreenReport
import HashscreenTestSupport
import XCTest

/// The `--out` policy (issue 11): which folders a scan may use, their mode left alone, one scan
/// at a time, and how an earlier scan's files are replaced.
final class OutputFolderPolicyTests: XCTestCase {
    private func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    private func names(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    func testAMissingFolderAndItsParentsAreCreated0700WithALockFile0600() throws {
        let tmp = try TemporaryDirectory()
        let old = umask(0o022)
        defer { umask(old) }
        let folder = try OutputFolder(directory: tmp.file("a/b"))
        XCTAssertEqual(mode(tmp.file("a")), 0o700)
        XCTAssertEqual(mode(tmp.file("a/b")), 0o700)
        XCTAssertEqual(mode(folder.path(OutputFolder.File.lock)), 0o600)
        XCTAssertEqual(try names(tmp.file("a/b")), [OutputFolder.File.lock])
    }

    func testTheModeOfAnExistingFolderIsLeftAlone() throws {
        let tmp = try TemporaryDirectory()
        for m: mode_t in [0o755, 0o1777, 0o750] {
            let dir = tmp.file("m\(String(m, radix: 8))")
            XCTAssertEqual(mkdir(dir, 0o700), 0)
            XCTAssertEqual(chmod(dir, m), 0)
            var warnings: [String] = []
            _ = try OutputFolder(directory: dir, warn: { warnings.append($0) })
            XCTAssertEqual(mode(dir), m, "was chmod'ed to 0700 before issue 11 (`--out .`, a shared 1777 folder)")
            XCTAssertEqual(warnings, [], "sticky or not writable by others: no warning")
        }
    }

    func testAFolderEveryoneMayWriteToWithoutTheStickyBitIsUsedWithAWarning() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("open")
        XCTAssertEqual(mkdir(dir, 0o700), 0)
        XCTAssertEqual(chmod(dir, 0o777), 0)
        var warnings: [String] = []
        _ = try OutputFolder(directory: dir, warn: { warnings.append($0) })
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("writable by everyone without the sticky bit") == true, "\(warnings)")
        XCTAssertEqual(mode(dir), 0o777)
    }

    func testANonEmptyFolderThatHoldsNoScanIsRefusedAndLeftAsItWas() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("mine/notes.txt", "mine\n")
        try tmp.write("mine/removals.csv", "not hashscreen's\n")
        XCTAssertThrowsError(try OutputFolder(directory: tmp.file("mine"))) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .output)
            XCTAssertTrue("\(e)".contains("is not empty and holds no earlier scan (it has notes.txt and no .hashscreen.lock)"), "\(e)")
        }
        XCTAssertEqual(try names(tmp.file("mine")), ["notes.txt", "removals.csv"], "no lock file was made")
        XCTAssertEqual(try String(contentsOfFile: tmp.file("mine/removals.csv"), encoding: .utf8), "not hashscreen's\n")
    }

    func testAFileWhoseNameIsNotUTF8CountsAsContent() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertEqual(mkdir(tmp.file("d"), 0o700), 0)
        var raw = Array((tmp.file("d") + "/caf").utf8CString.dropLast()) + [CChar(bitPattern: 0xE9), 0]
        let f = open(&raw, O_CREAT | O_WRONLY, 0o600)
        XCTAssertGreaterThanOrEqual(f, 0)
        close(f)
        XCTAssertThrowsError(try OutputFolder(directory: tmp.file("d"))) { e in
            XCTAssertTrue("\(e)".contains("is not empty"), "\(e)")
        }
    }

    func testASecondOpeningOfALockedFolderFailsAtOnceAndSucceedsOnceItIsReleased() throws {
        let tmp = try TemporaryDirectory()
        var first: OutputFolder? = try OutputFolder(directory: tmp.file("o"))
        XCTAssertThrowsError(try OutputFolder(directory: tmp.file("o"))) { e in
            XCTAssertEqual((e as? HashscreenError)?.code, .output)
            XCTAssertTrue("\(e)".contains("another scan is writing to output folder"), "\(e)")
        }
        XCTAssertNotNil(first)
        first = nil
        XCTAssertNoThrow(try OutputFolder(directory: tmp.file("o")))
    }

    func testALinkPlantedAtTheLockFileIsRefusedAndItsTargetLeftAsItWas() throws {
        let plantings: [(String, (String, String) -> Int32, String)] = [
            ("symbolic", { symlink($0, $1) }, "is a symbolic link"),
            ("hard", { link($0, $1) }, "not a scan's lock file"),
        ]
        for (kind, plant, message) in plantings {
            let tmp = try TemporaryDirectory()
            let victim = try tmp.write("victim.txt", "precious\n")
            chmod(victim, 0o644)
            XCTAssertEqual(mkdir(tmp.file("o"), 0o700), 0)
            XCTAssertEqual(plant(victim, tmp.file("o/.hashscreen.lock")), 0, kind)
            XCTAssertThrowsError(try OutputFolder(directory: tmp.file("o")), kind) { e in
                XCTAssertTrue("\(e)".contains(message), "\(kind): \(e)")
            }
            XCTAssertEqual(mode(victim), 0o644, kind)
            XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n", kind)
        }
    }

    func testAnEarlierScanIsRemovedSummaryFirstAndOtherEntriesStay() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("o")
        do {
            let earlier = try OutputFolder(directory: dir)
            try earlier.write(matches: [Fixture.match("a", .md5)], failures: [])
        }
        try tmp.write("o/summary.json", "{}\n")
        try tmp.write("o/verify.json", "{}\n")  // a verify run's verdict goes with it
        try tmp.write("o/cleaned/1/m.csv", "key\n")
        try tmp.write("o/.removals.csv.123.00000000000000ff.tmp", "left by a killed scan")
        try tmp.write("o/notes.txt", "the user's\n")
        // This process's own temporaries are files being written now: kept.
        let own = ".report.jsonl.\(getpid()).0000000000000001.tmp"
        try tmp.write("o/" + own, "being written")
        let folder = try OutputFolder(directory: dir)
        XCTAssertEqual(try names(dir).count, 11, "nothing is removed before removePreviousRun()")
        try folder.removePreviousRun()
        XCTAssertEqual(try names(dir), [".hashscreen.lock", own, "notes.txt"])
    }

    /// The spools a killed scan left (docs/spool.md) go with its outputs; this process's own
    /// spool, being written, stays.
    func testSpoolsAKilledScanLeftAreRemovedWithIt() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("o")
        do { _ = try OutputFolder(directory: dir) }
        try tmp.write("o/.matches.123.ff.spool", "left by a killed scan")
        try tmp.write("o/.errors.123.fe.spool", "left by a killed scan")
        try tmp.write("o/.flagged.123.fc.spool", "left by a killed scan")
        try tmp.write("o/.notes.123.fd.spool", "not a scan's name")
        let folder = try OutputFolder(directory: dir)
        let own = try RecordSpool<FailureRecord>(folder: dir, name: OutputFolder.File.failureSpool)
        try folder.removePreviousRun()
        XCTAssertEqual(try names(dir), [".hashscreen.lock", ".notes.123.fd.spool", (own.path as NSString).lastPathComponent].sorted())
    }

    func testRemovingAnEarlierScanUnlinksPlantedLinksAndNeverFollowsThem() throws {
        let tmp = try TemporaryDirectory()
        let victims = try tmp.write("victims/keep.txt", "precious\n")
        let dir = tmp.file("o")
        _ = try OutputFolder(directory: dir)
        XCTAssertEqual(symlink(tmp.file("victims"), dir + "/cleaned"), 0)
        XCTAssertEqual(symlink(victims, dir + "/summary.json"), 0)
        try tmp.write("o/report.jsonl/inner/deep.txt", "a folder where a file was")
        let folder = try OutputFolder(directory: dir)
        try folder.removePreviousRun()
        XCTAssertEqual(try names(dir), [".hashscreen.lock"])
        XCTAssertEqual(try names(tmp.file("victims")), ["keep.txt"])
        XCTAssertEqual(try String(contentsOfFile: victims, encoding: .utf8), "precious\n")
    }

    /// Regression: `--out v` (a one-character relative name) trapped in Foundation's
    /// `deletingLastPathComponent`.
    func testParentFolderOfShortAndOddPaths() {
        XCTAssertEqual(OutputFolder.parentFolder("v"), "")
        XCTAssertEqual(OutputFolder.parentFolder("v/"), "")
        XCTAssertEqual(OutputFolder.parentFolder("a/v"), "a")
        XCTAssertEqual(OutputFolder.parentFolder("a//v/"), "a")
        XCTAssertEqual(OutputFolder.parentFolder("/v"), "/")
        XCTAssertEqual(OutputFolder.parentFolder("/"), "/")
        XCTAssertEqual(OutputFolder.parentFolder("/x/yy/z"), "/x/yy")
    }
}
