import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenTestSupport
import XCTest

/// Tar shard members that are not plain files, or whose names are odd (issue 11): each is
/// counted or a failure of its own, never passed over silently, and the shard goes on.
final class ShardMemberTests: XCTestCase {
    func testLinksDevicesAndNULNamesAreFailuresDirectoriesAreCountedOddNamesScreened() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython(TarArchive.pythonAddMember + """
            with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape") as t:
                add(t, "00000", tarfile.DIRTYPE)
                add(t, "00000/000.jpg", data=b"\\xff\\xd8\\xffjpeg")
                add(t, "00000/001.jpg", tarfile.SYMTYPE, link="000.jpg")
                add(t, "00000/002.jpg", tarfile.LNKTYPE, link="00000/000.jpg")
                add(t, "00000/003.jpg", tarfile.FIFOTYPE)
                add(t, "00000/004.jpg", data=b"x", pax={"path": "00000/00\\x004.jpg"})
                add(t, "00000/caf\\udce9.jpg", data=b"\\xff\\xd8\\xffcafe")
                add(t, "00000/999.jpg", data=b"\\xff\\xd8\\xfflast")
            """, [tmp.file("00000.tar")])
        let reader = try Manifest.open(path: tmp.file("00000.tar"))
        var samples: [Sample] = []
        var failures: [(key: String, message: String, id: SampleID)] = []
        try reader.forEachItem {
            switch $0 {
            case .sample(let s, _): samples.append(s)
            case .failure(let k, _, let m, let id): failures.append((k, m, id))
            }
        }
        XCTAssertEqual(samples.map(\.displayPath), ["00000.tar:00000/000.jpg", "00000.tar:00000/caf\\xe9.jpg", "00000.tar:00000/999.jpg"],
                       "the shard goes on past each bad member; a name that is not UTF-8 is screened, escaped")
        XCTAssertEqual(failures.count, 4)
        XCTAssertTrue(failures[0].message.contains("a symbolic link to 000.jpg"), failures[0].message)
        XCTAssertTrue(failures[1].message.contains("a hard link to 00000/000.jpg"), failures[1].message)
        XCTAssertTrue(failures[2].message.contains("a FIFO"), failures[2].message)
        XCTAssertTrue(failures[3].message.contains("NUL"), failures[3].message)
        XCTAssertEqual(Set(failures.map(\.id) + samples.map(\.id)).count, 7, "every member keeps a place of its own")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: reader.counters)["tar_directories_skipped"], 1)
    }

    /// Damage stays per shard: a shard whose header is damaged is one failure, and the next
    /// shard of the folder is still read whole.
    func testADamagedShardDoesNotStopTheNextOne() throws {
        let tmp = try TemporaryDirectory()
        var bad = TarArchive.ustar([(name: "000.jpg", bytes: [0xFF, 0xD8, 0xFF, 1]), (name: "001.jpg", bytes: [0xFF, 0xD8, 0xFF, 2])])
        bad[512 + 512 + 10] ^= 0x55   // the second header's name: its checksum no longer holds
        try tmp.write("w/00000.tar", bytes: bad)
        try tmp.write("w/00001.tar", bytes: TarArchive.ustar([(name: "100.jpg", bytes: [0xFF, 0xD8, 0xFF, 3])]))
        var keys: [String] = []
        var failures: [String] = []
        try Manifest.open(path: tmp.file("w")).forEachItem {
            switch $0 {
            case .sample(let s, _): keys.append(s.key)
            case .failure(let k, _, let m, _): failures.append("\(k): \(m)")
            }
        }
        XCTAssertEqual(keys, ["000", "100"], "before the damage, and the next shard")
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures[0].hasPrefix("00000.tar: ") && failures[0].contains("checksum"), failures[0])
    }

    /// `files` shard folders are read on bytes too: a name that is not UTF-8 is screened under
    /// its escaped key and opened by its bytes; hidden entries are counted.
    func testFilesShardFolderNamesThatAreNotUTF8AreScreenedAndHiddenOnesCounted() throws {
        let tmp = try TemporaryDirectory()
        defer { _ = try? runProcess("/bin/rm", ["-rf", tmp.path]) }
        try tmp.write("f/00000/.hidden.jpg", bytes: [0xFF, 0xD8, 0xFF])
        let raw = Array(tmp.file("f/00000").utf8) + Array("/caf".utf8) + [0xE9] + Array(".jpg".utf8)
        let fd = (raw + [0]).withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { open($0, O_WRONLY | O_CREAT, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
        let reader = try Manifest.open(path: tmp.file("f"), layout: .files)
        var samples: [Sample] = []
        try reader.forEachItem { if case .sample(let s, _) = $0 { samples.append(s) } }
        XCTAssertEqual(samples.map(\.key), ["caf\\xe9"])
        XCTAssertEqual(samples.map(\.displayPath), ["00000/caf\\xe9.jpg"])
        XCTAssertEqual(samples.first?.rawPath, raw)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: reader.counters)["hidden_entries_skipped"], 1)
    }
}
