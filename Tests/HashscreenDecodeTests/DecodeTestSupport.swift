/// Helpers for HashscreenDecode's tests: fixture paths, the Pillow reference run through
/// Fixtures/decode/pillow_reference.py, and pixel comparison.
import Foundation
import HashscreenDecode
import XCTest

enum DecodePaths {
    /// The package root, three levels above this file.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var fixtures: URL { root.appendingPathComponent("Fixtures/decode") }
    static var images: URL { fixtures.appendingPathComponent("images") }
    static var expected: URL { fixtures.appendingPathComponent("expected") }
    /// The reference set's photo in many Pillow modes (Fixtures/vectors/pdq/README.md).
    static var modes: URL { root.appendingPathComponent("Fixtures/vectors/pdq/data/misc-images/modes") }
}

func readBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

/// One row of Fixtures/decode/fixtures.json.
struct FixtureRow: Decodable {
    var file: String
    var expected: String?
    var width: Int?
    var height: Int?
    var scale: Int?
    var error: String?
    var accept_corrupt: Bool?
}

struct FixtureManifest: Decodable {
    var pillow: String
    var libjpeg_turbo: String
    var webp: String
    var fixtures: [FixtureRow]

    static func load() throws -> FixtureManifest {
        let data = try Data(contentsOf: DecodePaths.fixtures.appendingPathComponent("fixtures.json"))
        return try JSONDecoder().decode(FixtureManifest.self, from: data)
    }
}

/// How far two RGB buffers of the same size are apart.
struct PixelDiff: CustomStringConvertible {
    var maxAbs = 0
    var differing = 0
    var count = 0
    var meanAbs: Double = 0

    init(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) {
        precondition(a.count == b.count)
        var sum = 0
        for i in 0..<a.count {
            let d = abs(Int(a[i]) - Int(b[i]))
            if d > 0 { differing += 1; sum += d; if d > maxAbs { maxAbs = d } }
        }
        count = a.count
        meanAbs = count == 0 ? 0 : Double(sum) / Double(count)
    }

    init(_ a: [UInt8], _ b: [UInt8]) {
        var r: PixelDiff?
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in r = PixelDiff(pa, pb) } }
        self = r!
    }

    var description: String {
        "max |diff| \(maxAbs), \(differing)/\(count) samples differ, mean |diff| \(String(format: "%.4f", meanAbs))"
    }
}

/// Pillow's reference decode (the bench's `reference_rgb`) of some files, run in Python.
enum PillowReference {
    struct Result { var width: Int; var height: Int; var pixels: [UInt8] }

    static var python: (String, [String]) {
        if let p = ProcessInfo.processInfo.environment["HASHSCREEN_PYTHON"] { return (p, []) }
        return ("/usr/bin/env", ["python3"])
    }

    /// Runs a Python script; fails the test (not skip) when Python or a module is missing.
    static func run(_ script: URL, _ args: [String]) throws -> String {
        let (exe, pre) = python
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = pre + [script.path] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "PillowReference", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "\(script.lastPathComponent) failed (needs Python with Pillow + numpy; set HASHSCREEN_PYTHON): "
                    + String(decoding: e, as: UTF8.self)])
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// Reference pixels for each file, or Pillow's error text.
    static func decode(_ files: [URL]) throws -> [Swift.Result<Result, NSError>] {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hashscreen-decode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = try run(DecodePaths.fixtures.appendingPathComponent("pillow_reference.py"), [tmp.path] + files.map(\.path))
        var results: [Swift.Result<Result, NSError>] = []
        for line in out.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let i = obj["index"] as! Int
            if let e = obj["error"] as? String {
                results.append(.failure(NSError(domain: "Pillow", code: 1, userInfo: [NSLocalizedDescriptionKey: e])))
            } else {
                let px = try readBytes(tmp.appendingPathComponent("\(i).rgb"))
                results.append(.success(Result(width: obj["width"] as! Int, height: obj["height"] as! Int, pixels: px)))
            }
        }
        XCTAssertEqual(results.count, files.count, "one reference line per file")
        return results
    }
}
