import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenTestSupport
import XCTest

/// Folder walks on the names' bytes: names that are not UTF-8, hidden entries, symbolic links,
/// special files, and the order (issue 11).
final class FolderWalkTests: XCTestCase {
    let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0]

    /// Creates a file whose name is `name`'s bytes (which need not be UTF-8) in `dir`.
    func createFile(_ dir: String, name: [UInt8], bytes: [UInt8]) throws {
        let path = Array(dir.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0, "create \(name)")
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func walk(_ path: String, _ walk: FolderWalk = .init()) throws -> (items: [ManifestItem], counters: [String: Int]) {
        let reader = try Manifest.open(path: path, walk: walk)
        var out: [ManifestItem] = []
        try reader.forEachItem { out.append($0) }
        return (out, Dictionary(uniqueKeysWithValues: reader.counters))
    }

    func samples(_ items: [ManifestItem]) -> [Sample] {
        items.compactMap { if case .sample(let s, _) = $0 { return s } else { return nil } }
    }

    func testNamesThatAreNotUTF8AreScreenedUnderAnEscapedKeyAndOpenedByTheirBytes() throws {
        let tmp = try TemporaryDirectory()
        defer { _ = try? runProcess("/bin/rm", ["-rf", tmp.path]) }  // names Foundation cannot spell
        try FileManager.default.createDirectory(atPath: tmp.file("d"), withIntermediateDirectories: true)
        let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".jpg".utf8)    // ISO-8859-1 "café.jpg"
        let backslash: [UInt8] = Array("a\\xe9.jpg".utf8)                         // the escape's text itself
        try createFile(tmp.file("d"), name: latin1, bytes: jpeg)
        try createFile(tmp.file("d"), name: backslash, bytes: jpeg + [1])
        try createFile(tmp.file("d"), name: Array("plain.jpg".utf8), bytes: jpeg)
        let s = samples(try walk(tmp.file("d")).items)
        XCTAssertEqual(s.map(\.key), ["a\\\\xe9.jpg", "caf\\xe9.jpg", "plain.jpg"], "sorted by bytes, escaped, distinct")
        XCTAssertEqual(s.map(\.displayPath), s.map(\.key))
        XCTAssertEqual(s[1].rawPath, Array(tmp.file("d").utf8) + [UInt8(ascii: "/")] + latin1)
        XCTAssertEqual(s[0].rawPath, Array(tmp.file("d").utf8) + [UInt8(ascii: "/")] + backslash)
        XCTAssertNil(s[2].rawPath, "a plain name is opened by its path")
        for sample in s {
            let opened = try sample.rawPath.map { try InputFile.openRegular(bytes: $0) } ?? InputFile.openRegular(sample.path!)
            close(opened.fd)
        }
        XCTAssertEqual(EscapedName.unescape(s[1].key), latin1)
    }

    func testHiddenEntriesAndSymlinksArePassedOverAndCounted() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("d/a.jpg", bytes: jpeg)
        try tmp.write("d/.hidden.jpg", bytes: jpeg)
        try tmp.write("d/.cache/x.jpg", bytes: jpeg)
        try tmp.write("outside/o.jpg", bytes: jpeg)
        try FileManager.default.createSymbolicLink(atPath: tmp.file("d/link.jpg"), withDestinationPath: "a.jpg")
        try FileManager.default.createSymbolicLink(atPath: tmp.file("d/out"), withDestinationPath: tmp.file("outside"))
        let plain = try walk(tmp.file("d"))
        XCTAssertEqual(samples(plain.items).map(\.key), ["a.jpg"])
        XCTAssertEqual(plain.counters["hidden_entries_skipped"], 2, "a hidden folder counts once")
        XCTAssertEqual(plain.counters["symlinks_skipped"], 2)

        let all = try walk(tmp.file("d"), FolderWalk(includeHidden: true, followSymlinks: true))
        XCTAssertEqual(samples(all.items).map(\.key), [".cache/x.jpg", ".hidden.jpg", "a.jpg", "link.jpg", "out/o.jpg"],
                       "links are followed wherever they point")
        XCTAssertEqual(all.counters["hidden_entries_skipped"], 0)
        XCTAssertEqual(all.counters["symlinks_skipped"], 0)
    }

    func testSymlinkLoopsEndAndDanglingLinksAreFailures() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("d/sub/a.jpg", bytes: jpeg)
        try FileManager.default.createSymbolicLink(atPath: tmp.file("d/sub/loop"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: tmp.file("d/again"), withDestinationPath: "sub")
        try FileManager.default.createSymbolicLink(atPath: tmp.file("d/gone.jpg"), withDestinationPath: "missing.jpg")
        let r = try walk(tmp.file("d"), FolderWalk(followSymlinks: true))
        XCTAssertEqual(samples(r.items).map(\.key), ["again/a.jpg"], "each folder once: `sub` was reached through `again` first")
        XCTAssertEqual(r.counters["symlinked_folders_already_walked"], 2, "sub (walked) and sub/loop -> d (the root)")
        let failures = r.items.compactMap { if case .failure(let k, _, let m, _) = $0 { return (k, m) } else { return nil } }
        XCTAssertEqual(failures.map(\.0), ["gone.jpg"])
        XCTAssertTrue(failures[0].1.contains("cannot be followed"), failures[0].1)
    }

    func testSpecialFilesInAFolderAreSamplesThatFailAtOnce() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("d/a.jpg", bytes: jpeg)
        XCTAssertEqual(mkfifo(tmp.file("d/pipe.jpg"), 0o600), 0)
        XCTAssertEqual(mkfifo(tmp.file("d/pipe-no-ext"), 0o600), 0)
        let s = samples(try walk(tmp.file("d")).items)
        XCTAssertEqual(s.map(\.key), ["a.jpg", "pipe-no-ext", "pipe.jpg"], "a FIFO is never sniffed, and never dropped")
        XCTAssertThrowsError(try InputFile.openRegular(s[2].path!)) { e in
            XCTAssertTrue("\(e)".contains("FIFO"), "\(e)")
        }
    }

    func testAFIFOGivenAsTheInputIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertEqual(mkfifo(tmp.file("m.csv"), 0o600), 0)
        XCTAssertThrowsError(try Manifest.open(path: tmp.file("m.csv"))) { e in
            XCTAssertTrue("\(e)".contains("FIFO"), "\(e)")
        }
        XCTAssertThrowsError(try Manifest.open(path: "/dev/zero", layout: .csv)) { e in
            XCTAssertTrue("\(e)".contains("character device"), "\(e)")
        }
    }
}
