import Foundation
import HashscreenCore
import HashscreenPipeline
import HashscreenTestSupport
import XCTest

/// A list database made by the pipeline's own import, from `lines` (`TYPE VALUE` per line).
func makeList(_ tmp: TemporaryDirectory, _ lines: [String], name: String = "L") throws -> String {
    let db = tmp.file("\(name).sqlite")
    let file = try tmp.write("\(name).txt", lines.joined(separator: "\n") + "\n")
    _ = try ListOperations.importList(database: db, name: name, version: "1", files: [file], defaultType: nil,
                                      skipInvalid: false, replace: false, json: false)
    return db
}

/// A hex digest by coreutils (`md5sum`, `sha256sum`): an oracle independent of the code under test.
func coreutilsDigest(_ tool: String, _ path: String) throws -> String {
    String(try runProcess("/usr/bin/\(tool)", [path]).stdout.prefix(while: { $0 != " " }))
}

/// A demo fixture image's path.
func fixtureImage(_ name: String) -> String {
    TestPaths.fixtures.appendingPathComponent("demo/images").appendingPathComponent(name).path
}

/// The lines of an output file of `directory`.
func outputLines(_ directory: String, _ file: String) throws -> [String] {
    try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
        .split(separator: "\n").map(String.init)
}
