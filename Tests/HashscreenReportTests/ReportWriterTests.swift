import Foundation
import HashscreenCore
import HashscreenReport
import HashscreenTestSupport
import XCTest

final class ReportWriterTests: XCTestCase {
    func record(_ key: String, _ signal: SignalKind, list: String, sampleID: SampleID = SampleID(input: 0, row: 0)) -> MatchRecord {
        MatchRecord(key: key, url: "http://x/\(key)", path: "p/\(key),1.jpg", signal: signal,
                    value: HashValue(bytes: [UInt8](repeating: 1, count: signal.byteCount)), source: .computed,
                    list: ListRef(name: list, version: "1"), distance: 0, sampleID: sampleID)
    }

    func testOutputsAreSortedGroupedQuotedAndPrivate() throws {
        let tmp = try TemporaryDirectory()
        let dir = tmp.file("out/nested")
        let w = try ReportWriter(directory: dir)
        let matches = ReportWriter.sorted([record("b", .sha256, list: "L2"), record("a", .md5, list: "L1"),
                                           record("b", .md5, list: "L1"), record("b", .md5, list: "L1")])
        try w.writeRemovals(matches)
        try w.writeReport(matches)
        try w.writeErrors(ReportWriter.sorted([FailureRecord(key: "z", path: nil, stage: .read, message: "m", sampleID: SampleID(input: 0, row: 0))]))
        let removals = try String(contentsOfFile: dir + "/removals.csv", encoding: .utf8)
        XCTAssertEqual(removals, """
            key,url,path,reasons
            a,http://x/a,"p/a,1.jpg",md5:L1
            b,http://x/b,"p/b,1.jpg",md5:L1;sha256:L2

            """)
        let report = try String(contentsOfFile: dir + "/report.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(report.count, 4)
        XCTAssertTrue(report[0].hasPrefix(#"{"key":"a","url":"http://x/a","path":"p/a,1.jpg","signal":"md5","value":"01010101010101010101010101010101","source":"computed","list":"L1","list_version":"1","distance":0}"#))
        let errors = try String(contentsOfFile: dir + "/errors.jsonl", encoding: .utf8)
        XCTAssertEqual(errors, #"{"key":"z","path":null,"stage":"read","error":"m"}"# + "\n")
        var st = stat()
        XCTAssertEqual(stat(dir, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        for f in ["removals.csv", "report.jsonl", "errors.jsonl"] {
            XCTAssertEqual(stat(dir + "/" + f, &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600, f)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnwritableOutputIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("file", "x")
        XCTAssertThrowsError(try ReportWriter(directory: tmp.file("file"))) { e in
            XCTAssertTrue("\(e)".contains("not a folder"), "\(e)")
        }
        XCTAssertThrowsError(try ReportWriter(directory: "/proc/hashscreen-cannot-be-here"))
    }
}
