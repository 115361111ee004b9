import Foundation
import HashscreenCore
@testable import HashscreenPipeline
import HashscreenTestSupport
import XCTest

/// Brace ranges in input names, as webdataset (Python's braceexpand) writes them.
final class InputPatternTests: XCTestCase {
    func names(_ p: String) -> [String] {
        let (pieces, ranges) = InputPattern.parse(p)
        var out: [String] = []
        func walk(_ k: Int, _ prefix: String) {
            if k == ranges.count { out.append(prefix); return }
            for i in 0..<ranges[k].count { walk(k + 1, prefix + ranges[k].value(i) + pieces[k + 1]) }
        }
        walk(0, pieces[0])
        return out
    }

    func testRangesKeepZeroPaddingAndMultiply() {
        XCTAssertEqual(names("s/{00000..00002}.tar"), ["s/00000.tar", "s/00001.tar", "s/00002.tar"])
        XCTAssertEqual(names("{8..010}"), ["008", "009", "010"])
        XCTAssertEqual(names("{8..10}"), ["8", "9", "10"])
        XCTAssertEqual(names("{3..1}"), ["3", "2", "1"])
        XCTAssertEqual(names("{0..1}/{0..2}.tar"), ["0/0.tar", "0/1.tar", "0/2.tar", "1/0.tar", "1/1.tar", "1/2.tar"])
        // Not numeric ranges: as written.
        for literal in ["a{b,c}.tar", "{x}.tar", "{1..}.tar", "{..2}.tar", "{1...2}", "{1..2", "1..2}", "{a..b}"] {
            XCTAssertEqual(names(literal), [literal], literal)
        }
    }

    /// The same names as Python's braceexpand (what webdataset expands shard URLs with)
    /// would give, for the numeric forms it documents.
    func testMatchesBashForNumericRanges() throws {
        for p in ["x{00..12}y", "{1..3}{07..09}", "{10..7}.tar", "a{0001..0003}b{1..2}"] {
            let bash = try runProcess("/bin/bash", ["-c", "printf '%s\\n' \(p)"]).stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(names(p), bash, p)
        }
    }

    func testExistingNameIsNotExpanded() throws {
        let tmp = try TemporaryDirectory()
        let literal = try tmp.write("{0..1}.tar", "x")
        XCTAssertEqual(try InputPattern.expand(literal), [literal])
    }

    func testMissingNamesAreOneClearError() throws {
        let tmp = try TemporaryDirectory()
        for i in [0, 1, 3] { _ = try tmp.write(String(format: "%05d.tar", i), "x") }
        let pattern = tmp.file("{00000..00004}.tar")
        XCTAssertThrowsError(try InputPattern.expand(pattern)) { e in
            let m = (e as! HashscreenError).message
            XCTAssertTrue(m.contains("names 5 inputs, 2 of which do not exist (the first: \(tmp.file("00002.tar")))"), m)
        }
        XCTAssertEqual(try InputPattern.expand(tmp.file("{00000..00001}.tar")), [tmp.file("00000.tar"), tmp.file("00001.tar")])
    }

    /// LAION-2B's ~230,000 shards: every name made and checked once (linear; no timing asserted).
    func testLAIONScaleRange() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertThrowsError(try InputPattern.expand(tmp.file("{000000..229999}.tar"))) { e in
            let m = (e as! HashscreenError).message
            XCTAssertTrue(m.contains("names 230000 inputs, 230000 of which do not exist (the first: \(tmp.file("000000.tar")))"), m)
        }
        XCTAssertEqual(names("{000000..229999}.tar").count, 230_000)
        XCTAssertEqual(names("{000000..229999}.tar").last, "229999.tar")
    }

    func testConfigurationExpandsInPlaceKeepingOptions() throws {
        let tmp = try TemporaryDirectory()
        for i in 0..<3 { _ = try tmp.write("\(i).csv", "x") }
        var c = ScanConfiguration(inputs: [.init(path: "-"), .init(path: tmp.file("{0..2}.csv"), layout: .csv, imageColumn: "img")],
                                  listPath: "l", outputDirectory: "o")
        try c.expandInputPatterns()
        XCTAssertEqual(c.inputs.map(\.path), ["-"] + (0..<3).map { tmp.file("\($0).csv") })
        XCTAssertEqual(c.inputs.dropFirst().map(\.imageColumn), ["img", "img", "img"])
    }
}
