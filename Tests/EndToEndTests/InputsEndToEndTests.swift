/// End-to-end (issue 11): what a scan reads — hidden entries, symbolic links and names that are
/// not UTF-8 in folders, special files, CR-only manifests — through the built CLI.
import Foundation
import HashscreenTestSupport
import XCTest

final class InputsEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let demo = TestPaths.fixtures.appendingPathComponent("demo")

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
    }

    override func tearDown() {
        _ = try? runProcess("/bin/rm", ["-rf", tmp.path])  // names Foundation cannot spell
    }

    func md5(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/md5sum", [path]).stdout.split(separator: " ")[0])
    }

    func list(_ md5s: [String]) throws -> String {
        let db = tmp.file("list.sqlite")
        let src = try tmp.write("list.txt", md5s.map { "md5 \($0)" }.joined(separator: "\n") + "\n")
        let r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "1", src])
        XCTAssertEqual(r.status, 0, r.stderr)
        return db
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// An argument that is not UTF-8 (a folder so named, given as the input) is refused before
    /// parsing, exit 64, its bytes shown escaped: Swift would decode it lossily and look for
    /// another name. Its parent folder, given as input, scans it.
    func testAnArgumentThatIsNotUTF8IsRefusedAndItsParentScansIt() throws {
        let image = demo.appendingPathComponent("images/0001.jpg").path
        let db = try list([try md5(image)])
        let d = tmp.file("d")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        // sh makes the name (Foundation cannot spell it) and passes it to the CLI as bytes.
        let make = try runProcess("/bin/sh", ["-c", "n=\"$1/$(printf 'dir\\376')\"; mkdir \"$n\" && cp \"$2\" \"$n/x.jpg\"", "sh", d, image])
        XCTAssertEqual(make.status, 0, make.stderr)
        let r = try runProcess("/bin/sh", ["-c", "exec \"$0\" scan \"$1/$(printf 'dir\\376')\" --list \"$2\" --out \"$3\" --quiet",
                                           TestPaths.executable.path, d, db, tmp.file("out")])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("argument 2 ('\(d)/dir\\xfe') is not valid UTF-8"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("out")), "nothing written")
        let whole = try hashscreen(["scan", d, "--list", db, "--out", tmp.file("out2"), "--signals", "md5", "--quiet"])
        XCTAssertEqual(whole.status, 1, whole.stderr)
        XCTAssertEqual(try jsonLines(tmp.file("out2/report.jsonl")).map { $0["key"] as? String }, ["dir\\xfe/x.jpg"])
    }

    /// A listed image behind a hidden name, a symbolic link and a name that is not UTF-8: the
    /// default scan matches the last (under its escaped key) and passes over the others, and
    /// the flags screen them too.
    func testFolderScanMatchesNonUTF8NamesAndTheFlagsIncludeHiddenEntriesAndLinks() throws {
        let image = demo.appendingPathComponent("images/0001.jpg").path
        let db = try list([try md5(image)])
        let d = tmp.file("d")
        try FileManager.default.createDirectory(atPath: d + "/.hidden", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: image, toPath: d + "/.hidden/copy.jpg")
        try FileManager.default.createSymbolicLink(atPath: d + "/link.jpg", withDestinationPath: image)
        let raw = Array(d.utf8) + Array("/caf".utf8) + [0xE9] + Array(".jpg".utf8) + [0]
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        let fd = raw.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { open($0, O_WRONLY | O_CREAT, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)

        let r = try hashscreen(["scan", d, "--list", db, "--out", tmp.file("out"), "--signals", "md5", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try jsonLines(tmp.file("out/report.jsonl"))
        XCTAssertEqual(report.map { $0["key"] as? String }, ["caf\\xe9.jpg"], "screened, under its escaped name")

        let all = try hashscreen(["scan", d, "--list", db, "--out", tmp.file("out-all"), "--signals", "md5", "--quiet",
                                  "--include-hidden", "--follow-symlinks"])
        XCTAssertEqual(all.status, 1, all.stderr)
        XCTAssertEqual(try jsonLines(tmp.file("out-all/report.jsonl")).map { $0["key"] as? String },
                       [".hidden/copy.jpg", "caf\\xe9.jpg", "link.jpg"])
    }

    /// Issue 11: a CR-only CSV was one header line: 0 rows, exit 0.
    func testCROnlyManifestIsScanned() throws {
        let image = demo.appendingPathComponent("images/0001.jpg").path
        let db = try list([try md5(image)])
        try tmp.write("m.csv", "key,path\rk1,\(image)\rk2,\(image)\r")
        let r = try hashscreen(["scan", tmp.file("m.csv"), "--list", db, "--out", tmp.file("out"), "--signals", "md5", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try jsonLines(tmp.file("out/report.jsonl")).compactMap { $0["key"] as? String }.sorted(), ["k1", "k2"])
    }

    /// A FIFO given to `scan` or to `hash` fails at once with a message naming what it is.
    func testFIFOAsAnInputIsRefusedAtOnce() throws {
        XCTAssertEqual(mkfifo(tmp.file("in.csv"), 0o600), 0)
        let db = try list([String(repeating: "0", count: 32)])
        let r = try hashscreen(["scan", tmp.file("in.csv"), "--list", db, "--out", tmp.file("out"), "--quiet"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("is a FIFO (named pipe): an input must be a manifest file or a folder"), r.stderr)
        let h = try hashscreen(["hash", tmp.file("in.csv")])
        XCTAssertEqual(h.status, 3)
        XCTAssertTrue(h.stdout.contains("is not a regular file: it is a FIFO"), h.stdout)
    }
}
