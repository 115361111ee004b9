import Foundation
import HashscreenTar
import HashscreenTestSupport
import XCTest

final class TarReaderTests: XCTestCase {
    /// Archives written by Python's tarfile (what webdataset/img2dataset use) in ustar, GNU and
    /// pax formats, with long names and an empty member: we list the same members with the
    /// same bytes.
    func testMembersMatchPythonTarfile() throws {
        let tmp = try TemporaryDirectory()
        let script = """
            import io, json, sys, tarfile
            out = sys.argv[1]
            members = [("000000000.jpg", bytes(range(256)) * 7), ("000000000.json", b'{"key": "000000000"}'),
                       ("000000000.txt", b"caption"), ("dir/" + "x" * 150 + ".jpg", b"long name"),
                       ("empty.txt", b""), ("00001/000010001.png", b"\\x89PNG" + b"z" * 1000)]
            for fmt, name in [(tarfile.USTAR_FORMAT, "ustar"), (tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")]:
                with tarfile.open(f"{out}/{name}.tar", "w", format=fmt) as t:
                    for n, data in members:
                        if fmt == tarfile.USTAR_FORMAT and len(n.rsplit("/", 1)[-1]) > 100:
                            continue
                        info = tarfile.TarInfo(n); info.size = len(data); info.mtime = 0
                        t.addfile(info, io.BytesIO(data))
                with tarfile.open(f"{out}/{name}.tar") as t:
                    print(name, json.dumps([[m.name, m.offset_data, m.size] for m in t.getmembers()]))
            """
        let listing = try runPython(script, [tmp.path])
        var checked = 0
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            let expected = try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as! [[Any]]
            let reader = try TarReader(path: tmp.file("\(parts[0]).tar"))
            var got: [TarMember] = []
            while let m = try reader.next() { got.append(m) }
            XCTAssertEqual(got.map(\.name), expected.map { $0[0] as! String }, String(parts[0]))
            XCTAssertEqual(got.map(\.offset), expected.map { $0[1] as! Int }, String(parts[0]))
            XCTAssertEqual(got.map(\.size), expected.map { $0[2] as! Int }, String(parts[0]))
            XCTAssertEqual(try reader.read(offset: got[0].offset, count: got[0].size), Array((0..<256).map { UInt8($0) }) .repeated(7))
            checked += 1
        }
        XCTAssertEqual(checked, 3)
    }

    func testDamagedArchivesThrowClearErrors() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython("""
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w") as t:
                info = tarfile.TarInfo("a.jpg"); info.size = 5000
                t.addfile(info, io.BytesIO(b"x" * 5000))
            """, [tmp.file("ok.tar")])
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp.file("ok.tar"))))
        try tmp.write("cut.tar", bytes: Array(whole.prefix(2000)))
        XCTAssertThrowsError(try TarReader(path: tmp.file("cut.tar")).next()) { e in
            XCTAssertTrue("\(e)".contains("truncated"), "\(e)")
        }
        var bad = whole
        bad[10] ^= 0x55
        try tmp.write("bad.tar", bytes: bad)
        XCTAssertThrowsError(try TarReader(path: tmp.file("bad.tar")).next()) { e in
            XCTAssertTrue("\(e)".contains("checksum"), "\(e)")
        }
        try tmp.write("text.tar", String(repeating: "not a tar file\n", count: 100))
        XCTAssertThrowsError(try TarReader(path: tmp.file("text.tar")).next())
        try tmp.write("empty.tar", bytes: [])
        XCTAssertNil(try TarReader(path: tmp.file("empty.tar")).next())
    }
}

extension TarReaderTests {
    /// Issue 11: every member type Python's tarfile writes is listed with its kind (links with
    /// their target), and names keep their exact bytes: GNU and pax long names, a name that is
    /// not UTF-8, and a pax path holding a NUL (flagged, never cut short silently).
    func testMemberKindsAndOddNamesAreListedExactly() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython(TarArchive.pythonAddMember + """
            for fmt, name in [(tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")]:
                with tarfile.open(f"{sys.argv[1]}/{name}.tar", "w", format=fmt, encoding="utf-8", errors="surrogateescape") as t:
                    add(t, "dir", tarfile.DIRTYPE)
                    add(t, "dir/a.jpg", data=b"jpeg")
                    add(t, "dir/s.jpg", tarfile.SYMTYPE, link="a.jpg")
                    add(t, "dir/h.jpg", tarfile.LNKTYPE, link="dir/a.jpg")
                    add(t, "dev", tarfile.CHRTYPE)
                    add(t, "fifo", tarfile.FIFOTYPE)
                    add(t, "caf\\udce9.jpg", data=b"x")
                    add(t, "L" * 120 + ".jpg", data=b"long")
            with tarfile.open(f"{sys.argv[1]}/nul.tar", "w", format=tarfile.PAX_FORMAT) as t:
                add(t, "placeholder.jpg", data=b"n", pax={"path": "a\\x00b.jpg"})
            """, [tmp.path])
        for name in ["gnu", "pax"] {
            let reader = try TarReader(path: tmp.file("\(name).tar"))
            var got: [TarMember] = []
            while let m = try reader.next() { got.append(m) }
            XCTAssertEqual(got.map(\.kind), [.directory, .file, .symlink(target: "a.jpg"), .hardlink(target: "dir/a.jpg"),
                                             .other(UInt8(ascii: "3")), .other(UInt8(ascii: "6")), .file, .file], name)
            XCTAssertEqual(got[6].rawName, Array("caf".utf8) + [0xE9] + Array(".jpg".utf8), name)
            XCTAssertEqual(got[7].name, String(repeating: "L", count: 120) + ".jpg", name)
            XCTAssertTrue(got.allSatisfy { $0.nameProblem == nil }, name)
            XCTAssertEqual(got[4].kind.description, "a character device")
        }
        let nul = try TarReader(path: tmp.file("nul.tar"))
        let m = try XCTUnwrap(try nul.next())
        XCTAssertEqual(m.rawName, Array("a".utf8) + [0] + Array("b.jpg".utf8))
        XCTAssertEqual(m.nameProblem, "its pax path holds a NUL byte")
    }
}

extension Array {
    func repeated(_ n: Int) -> [Element] { Array((0..<n).map { _ in self }.joined()) }
}
