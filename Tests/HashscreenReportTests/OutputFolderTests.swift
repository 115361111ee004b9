import Foundation
import HashscreenCore
@testable import HashscreenReport
import HashscreenTestSupport
import XCTest

final class OutputFolderTests: XCTestCase {
    func testOutputsAreSortedGroupedQuotedAndPrivate() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("out/nested")
        let folder = try OutputFolder(directory: dir)
        // Handed over in any order (as workers finish): the files are sorted.
        try folder.write(matches: [Fixture.match("b", .sha256, list: "L2"), Fixture.match("a", .md5),
                                   Fixture.match("b", .md5), Fixture.match("b", .md5)],
                         failures: [Fixture.failure("z", .read, "m"), Fixture.failure("y", .decode, "d", path: "y.png")])
        let removals = try String(contentsOfFile: dir + "/removals.csv", encoding: .utf8)
        XCTAssertEqual(removals, """
            key,url,path,reasons
            a,http://x/a,"p/a,1.jpg",md5:L1
            b,http://x/b,"p/b,1.jpg",md5:L1;sha256:L2

            """)
        let report = try String(contentsOfFile: dir + "/report.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(report.map { $0.prefix(30) }, [#"{"key":"a","url":"http://x/a","#, #"{"key":"b","url":"http://x/b","#,
                                                      #"{"key":"b","url":"http://x/b","#, #"{"key":"b","url":"http://x/b","#])
        XCTAssertEqual(report[0], #"{"key":"a","url":"http://x/a","path":"p/a,1.jpg","signal":"md5","value":"01010101010101010101010101010101","source":"computed","list":"L1","list_version":"1","distance":0}"#)
        XCTAssertTrue(report[3].contains(#""signal":"sha256""#), "md5 sorts before sha256 within a sample")
        let errors = try String(contentsOfFile: dir + "/errors.jsonl", encoding: .utf8)
        XCTAssertEqual(errors, #"{"key":"y","path":"y.png","stage":"decode","error":"d"}"# + "\n"
                       + #"{"key":"z","path":null,"stage":"read","error":"m"}"# + "\n")
        var st = stat()
        XCTAssertEqual(stat(dir, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        for f in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            XCTAssertEqual(stat(dir + "/" + f, &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, f)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/summary.json"), "the summary comes last, on its own")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testNothingFoundStillWritesEveryFile() throws {
        let tmp = try TemporaryDirectory()
        let folder = try OutputFolder(directory: tmp.path)
        try folder.write(matches: [], failures: [])
        XCTAssertEqual(try String(contentsOfFile: tmp.file("removals.csv"), encoding: .utf8), "key,url,path,reasons\n")
        XCTAssertEqual(try String(contentsOfFile: tmp.file("report.jsonl"), encoding: .utf8), "")
        XCTAssertEqual(try String(contentsOfFile: tmp.file("errors.jsonl"), encoding: .utf8), "")
    }

    func testSummaryIsWrittenPrivately() throws {
        let tmp = try TemporaryDirectory()
        let folder = try OutputFolder(directory: tmp.path)
        let now = Date()
        try folder.write(ScanSummary(counts: .init(), opensslVersion: "o", lists: [], listDatabase: "l", inputs: [], options: [],
                                     cleanedManifests: nil,
                                     times: .init(started: now, finished: now, setupSeconds: 0, scanSeconds: 0,
                                                  setupCPUSeconds: 0, scanCPUSeconds: 0),
                                     bytesRead: 0, exitStatus: 0, outputDirectory: tmp.path),
                         prevalence: Prevalence(inputs: 0, perceptual: []))
        let text = try String(contentsOfFile: tmp.file("summary.json"), encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\n  \"counts\": {\n    \"samples\": 0,"), text)
        XCTAssertTrue(text.hasSuffix("\n  \"exit_status\": 0\n}\n"), text)
        for f in ["summary.json", "prevalence.json", "report.html"] {
            var st = stat()
            XCTAssertEqual(stat(tmp.file(f), &st), 0, f)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, f)
        }
    }

    func testUnwritableOutputIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("file", "x")
        XCTAssertThrowsError(try OutputFolder(directory: tmp.file("file"))) { e in
            XCTAssertTrue("\(e)".contains("not a folder"), "\(e)")
        }
        XCTAssertThrowsError(try OutputFolder(directory: "/proc/hashscreen-cannot-be-here"))
    }
}
