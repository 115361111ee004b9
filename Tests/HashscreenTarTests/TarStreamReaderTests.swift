import Foundation
@testable import HashscreenTar
import HashscreenTestSupport
import XCTest

/// The stream reader (standard input) against the in-place reader on the same archives, and
/// on every truncation of one: the same members, the same bytes, every byte observed.
final class TarStreamReaderTests: XCTestCase {
    /// Streams `path` through a pipe (a real one: no seeking possible) and returns the members
    /// with their kept bytes, the observed bytes, and the error that ended it, if any.
    func stream(_ bytes: [UInt8], keep: @escaping (TarMember) -> Bool = { _ in true }) throws
        -> (members: [TarStreamReader.Streamed], observed: [UInt8], error: TarError?) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let writeEnd = fds[1]
        let writer = Thread {
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress! + done, min(4096 * 3 + 17, $0.count - done)) }
                if n <= 0 { break }
                done += n
            }
            close(writeEnd)
        }
        writer.start()
        defer { close(fds[0]) }
        var observed: [UInt8] = []
        let r = TarStreamReader(fd: fds[0], path: "-", observe: { observed.append(contentsOf: $0) })
        var out: [TarStreamReader.Streamed] = []
        do {
            while let m = try r.next(keep: keep) { out.append(m) }
            try r.drain()
            return (out, observed, nil)
        } catch let e as TarError {
            _ = try? r.drain()
            return (out, observed, e)
        }
    }

    func inPlace(_ path: String) throws -> (members: [(TarMember, [UInt8])], error: TarError?) {
        let r = try TarReader(path: path)
        var out: [(TarMember, [UInt8])] = []
        do {
            while let m = try r.next() { out.append((m, m.kind == .file ? try r.read(offset: m.offset, count: m.size) : [])) }
            return (out, nil)
        } catch let e as TarError { return (out, e) }
    }

    /// img2dataset's real shard (Fixtures/img2dataset) and Python tarfile's three formats.
    func testSameMembersAndBytesAsInPlace() throws {
        let tmp = try TemporaryDirectory()
        _ = try runPython("""
            import io, sys, tarfile
            members = [("000000000.jpg", bytes(range(256)) * 7), ("000000000.json", b'{"key": "000000000"}'),
                       ("dir/" + "x" * 150 + ".jpg", b"long name"), ("empty.txt", b""), ("a/b.png", b"z" * 5000)]
            for fmt, name in [(tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")]:
                with tarfile.open(f"{sys.argv[1]}/{name}.tar", "w", format=fmt) as t:
                    for n, data in members:
                        info = tarfile.TarInfo(n); info.size = len(data); info.mtime = 0
                        t.addfile(info, io.BytesIO(data))
            """, [tmp.path])
        let shard = TestPaths.fixtures.appendingPathComponent("img2dataset/webdataset/00000.tar").path
        for path in [shard, tmp.file("gnu.tar"), tmp.file("pax.tar")] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let expected = try inPlace(path)
            XCTAssertNil(expected.error)
            let got = try stream(bytes)
            XCTAssertNil(got.error, path)
            XCTAssertEqual(got.members.map(\.member), expected.members.map(\.0), path)
            XCTAssertEqual(got.members.map { $0.bytes ?? [] }, expected.members.map(\.1), path)
            XCTAssertEqual(got.observed, bytes, "every byte observed, end blocks included: \(path)")
        }
    }

    /// Members not kept are passed over (no bytes), the next ones still read right.
    func testMembersNotKeptArePassedOver() throws {
        let shard = TestPaths.fixtures.appendingPathComponent("img2dataset/webdataset/00000.tar").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: shard)))
        let got = try stream(bytes, keep: { $0.name.hasSuffix(".json") })
        let expected = try inPlace(shard)
        XCTAssertEqual(got.members.map(\.member), expected.members.map(\.0))
        for (g, e) in zip(got.members, expected.members) {
            XCTAssertEqual(g.bytes, e.0.name.hasSuffix(".json") ? e.1 : nil, e.0.name)
        }
    }

    /// Cut anywhere (inside a header, inside data, inside padding): the members read whole
    /// before the cut are the in-place reader's, then one error; never a crash or a hang.
    func testTruncatedStreamsEndWithAnError() throws {
        let shard = TestPaths.fixtures.appendingPathComponent("img2dataset/webdataset/00000.tar").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: shard)))
        let tmp = try TemporaryDirectory()
        var cuts = Array(stride(from: 1, to: bytes.count, by: 7919))
        cuts += [511, 512, 513, 1024, 1536]
        for cut in cuts {
            let prefix = Array(bytes[0..<cut])
            let got = try stream(prefix)
            let file = try tmp.write("cut.tar", bytes: prefix)
            let expected = try inPlace(file)
            XCTAssertEqual(got.observed, prefix, "cut \(cut)")
            // In place, a member running past the end is refused at its header; streamed, when its
            // data runs out: the same members are whole either way.
            XCTAssertEqual(got.members.filter { $0.bytes != nil }.map(\.member), expected.members.map(\.0), "cut \(cut)")
            XCTAssertEqual(got.error == nil, expected.error == nil, "cut \(cut): \(String(describing: got.error)) / \(String(describing: expected.error))")
        }
    }
}
