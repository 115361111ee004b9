import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// The input files' SHA-256 are taken on a thread of their own while the scan runs
/// (`InputDigests`; docs/decisions.md, "Input digests beside the scan"). A file that cannot be
/// read for its digest still ends the scan with the digest's own error (text and code, so the
/// exit status), the first unreadable input's in input order, and nothing is left in --out that
/// claims a result: no summary, records, checkpoint or spool.
final class InputDigestTests: XCTestCase {
    /// Two CSV inputs of metadata rows, one of them listed by URL; the list.
    func dataset(_ tmp: TemporaryDirectory) throws -> (inputs: [String], list: String) {
        var a = "key,url\n", b = "key,url\n"
        for i in 0..<3000 { a += "a\(i),http://a.invalid/\(i)\n"; b += "b\(i),http://b.invalid/\(i)\n" }
        let inputs = [try tmp.write("a.csv", a), try tmp.write("b.csv", b)]
        let digest = try runPython("import hashlib; print(hashlib.md5(b'a.invalid/7').hexdigest())")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return (inputs, try makeList(tmp, ["url_md5 \(digest)"]))
    }

    func config(_ inputs: [String], _ list: String, _ out: String) -> ScanConfiguration {
        var c = ScanConfiguration(inputs: inputs.map { .init(path: $0) }, listPath: list, outputDirectory: out, signals: [.urlMD5], jobs: 2)
        c.checkpointInterval = 0   // a checkpoint after every unit, were the digests taken
        return c
    }

    /// What the real digest says of a file it cannot open (the error a scan gave before its
    /// digests moved beside the scan).
    func readError(_ path: String) -> HashscreenError? {
        do { _ = try Scanner.fileSHA256(path); return nil } catch { return error as? HashscreenError }
    }

    func leftovers(_ out: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: out).sorted()
    }

    /// The digest fails once the scan is under way (its spools made, so set-up is over): the
    /// scan ends with the digest's error, whichever input it is, and --out is left empty.
    func testAnInputThatCannotBeReadForItsDigestEndsTheScanWithThatError() throws {
        let tmp = try TemporaryDirectory()
        let d = try dataset(tmp)
        for failing in [0, 1] {
            let out = tmp.file("out\(failing)")
            let gone = d.inputs[failing] + ".gone"
            let expected = try XCTUnwrap(readError(gone))
            let calls = CallLog()
            do {
                _ = try Scanner.scan(config(d.inputs, d.list, out), log: { _ in }, warn: { _ in }, sha256: { path in
                    calls.add(path)
                    // Wait until the scan has started (its spools exist in --out): the error comes
                    // from beside the scan, not before it.
                    var waited = 0
                    while !((try? FileManager.default.contentsOfDirectory(atPath: out))?.contains { $0.hasSuffix(".spool") } ?? false),
                          waited < 60_000 { usleep(1_000); waited += 1 }
                    return try Scanner.fileSHA256(path == d.inputs[failing] ? gone : path)
                })
                XCTFail("a scan whose input cannot be read for its digest succeeded")
            } catch let error as HashscreenError {
                XCTAssertEqual(error.code, expected.code)
                XCTAssertEqual(error.code.exitStatus, 2)
                XCTAssertEqual(error.message, expected.message)
                XCTAssertTrue(error.message.hasPrefix("cannot read \(gone): "), error.message)
            }
            // In input order, stopping at the first that fails.
            XCTAssertEqual(calls.paths, Array(d.inputs[...failing]))
            XCTAssertEqual(try leftovers(out).filter { $0 != ".hashscreen.lock" }, [], "nothing that claims a result is left in --out")
        }
    }

    /// An error of the scan itself (here: an input inside the output folder, a check made
    /// after the digests started) gives way to the digest's, as when the digests came first;
    /// either way the earlier run in --out is left as it was.
    func testADigestErrorComesBeforeALaterSetUpError() throws {
        let tmp = try TemporaryDirectory()
        let d = try dataset(tmp)
        let out = tmp.file("out")
        _ = try Scanner.scan(config(d.inputs, d.list, out), log: { _ in }, warn: { _ in })
        let inside = try tmp.write("out/c.csv", "key,url\nc,http://c.invalid/\n")
        let before = try leftovers(out)
        let withInside = config(d.inputs + [inside], d.list, out)
        XCTAssertThrowsError(try Scanner.scan(withInside, log: { _ in }, warn: { _ in })) { e in
            XCTAssertTrue((e as? HashscreenError)?.message.contains("is inside the output folder") ?? false, "\(e)")
        }
        XCTAssertEqual(try leftovers(out), before)
        let gone = d.inputs[1] + ".gone"
        XCTAssertThrowsError(try Scanner.scan(withInside, log: { _ in }, warn: { _ in }, sha256: { path in
            try Scanner.fileSHA256(path == d.inputs[1] ? gone : path)
        })) { e in
            XCTAssertEqual((e as? HashscreenError)?.message, self.readError(gone)?.message)
        }
        XCTAssertEqual(try leftovers(out), before)
    }

    /// The digests a scan records are those of its inputs (the real digest, taken beside the
    /// scan), the same with one or several jobs, and a folder has none.
    func testTheSummaryRecordsEachInputFilesDigest() throws {
        let tmp = try TemporaryDirectory()
        let d = try dataset(tmp)
        try FileManager.default.createDirectory(atPath: tmp.file("folder"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtureImage("0001.jpg"), toPath: tmp.file("folder/x.jpg"))
        let expected = try runPython("""
            import hashlib, sys
            for p in sys.argv[1:]: print(hashlib.sha256(open(p, 'rb').read()).hexdigest())
            """, d.inputs).split(separator: "\n").map(String.init)
        for jobs in [1, 2] {
            let out = tmp.file("out\(jobs)")
            var c = config(d.inputs + [tmp.file("folder")], d.list, out)
            c.jobs = jobs
            let r = try Scanner.scan(c, log: { _ in }, warn: { _ in })
            XCTAssertEqual(r.matchedSamples, 1)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            let inputs = (summary["provenance"] as? [String: Any])?["inputs"] as? [[String: Any]] ?? []
            XCTAssertEqual(inputs.count, 3)
            XCTAssertEqual(inputs.prefix(2).map { $0["sha256"] as? String }, expected)
            XCTAssertTrue(inputs.count == 3 && inputs[2]["sha256"] is NSNull, "\(inputs)")
        }
    }
}

/// The paths a test's digest was asked for, from the digests' thread.
final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ p: String) { lock.lock(); list.append(p); lock.unlock() }
    var paths: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
