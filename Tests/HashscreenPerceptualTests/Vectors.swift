// Paths and readers for the reference vectors in Fixtures/vectors (see its README.md).
import Foundation
import HashscreenDecode
import XCTest

enum Vectors {
    /// The package root, from this file's path (Tests/HashscreenPerceptualTests/Vectors.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root: URL = packageRoot.appendingPathComponent("Fixtures/vectors")
    static let pdq: URL = root.appendingPathComponent("pdq")
    static let imagehash: URL = root.appendingPathComponent("imagehash")

    /// Rows of a tab-separated file, without `#` comments and without the header row.
    static func tsvRows(_ url: URL, header firstColumn: String = "file") throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix(firstColumn + "\t") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Decodes an image file with the project's decoder.
    static func decode(_ url: URL) throws -> RGBImage {
        let bytes = [UInt8](try Data(contentsOf: url))
        return try ImageDecoder.decode(bytes)
    }

    /// The Python interpreter for cross-checks: $HASHSCREEN_PYTHON, else `python3`.
    static var python: String { ProcessInfo.processInfo.environment["HASHSCREEN_PYTHON"] ?? "python3" }

    /// Runs a Python script with arguments; returns stdout. Fails the test (does not skip) when
    /// Python or a needed module is missing.
    static func runPython(_ script: String, arguments: [String] = [], stdin: Data? = nil,
                          file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", script] + arguments
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: e, as: UTF8.self)
            XCTFail("Python cross-check failed (interpreter \(python); set HASHSCREEN_PYTHON or run `make test` to install pdqhash/imagehash/Pillow/numpy/scipy): \(msg)", file: file, line: line)
            throw CancellationError()
        }
        return String(decoding: o, as: UTF8.self)
    }
}
