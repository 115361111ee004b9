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

extension Array {
    func repeated(_ n: Int) -> [Element] { Array((0..<n).map { _ in self }.joined()) }
}
