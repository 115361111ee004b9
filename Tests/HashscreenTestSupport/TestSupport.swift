/// Helpers shared by the test targets: paths to fixtures and reference vectors, temporary
/// folders, running the built CLI, and a seeded random generator.
import Foundation
import XCTest

public enum TestPaths {
    /// The package root (three levels above this file).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static var fixtures: URL { packageRoot.appendingPathComponent("Fixtures") }
    /// Third-party reference vectors (Fixtures/vectors/README.md): pdq/, imagehash/, parquet/.
    public static var vectors: URL { fixtures.appendingPathComponent("vectors") }

    /// The built `hashscreen` executable: the test bundle's sibling in the build folder.
    public static var executable: URL {
        if let p = ProcessInfo.processInfo.environment["HASHSCREEN_BIN"] { return URL(fileURLWithPath: p) }
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("hashscreen")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        for b in Bundle.allBundles {
            let candidate = b.bundleURL.deletingLastPathComponent().appendingPathComponent("hashscreen")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/hashscreen")
    }

    /// The Python interpreter for cross-checks: $HASHSCREEN_PYTHON, else python3.
    public static var python: String { ProcessInfo.processInfo.environment["HASHSCREEN_PYTHON"] ?? "/usr/bin/env" }
    public static var pythonArguments: [String] { ProcessInfo.processInfo.environment["HASHSCREEN_PYTHON"] == nil ? ["python3"] : [] }
}

/// A temporary folder removed at deinit.
public final class TemporaryDirectory {
    public let url: URL
    public var path: String { url.path }
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hashscreen-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let p = file(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// The outcome of running a process.
public struct ProcessOutput {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs an executable with arguments; returns status and outputs.
public func runProcess(_ executable: String, _ arguments: [String], cwd: String? = nil,
                       environment: [String: String]? = nil) throws -> ProcessOutput {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    var outData = Data(), errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessOutput(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the built `hashscreen` CLI.
public func hashscreen(_ arguments: [String], cwd: String? = nil) throws -> ProcessOutput {
    try runProcess(TestPaths.executable.path, arguments, cwd: cwd)
}

/// Runs a Python snippet with the cross-check interpreter; fails the test if Python or a
/// module is missing (run `make test`, which installs them).
public func runPython(_ code: String, _ arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try runProcess(TestPaths.python, TestPaths.pythonArguments + ["-c", code] + arguments)
    if r.status != 0 {
        XCTFail("python failed (run `make test`, which installs pyarrow/Pillow/pdqhash/imagehash/threatexchange): \(r.stderr)", file: file, line: line)
    }
    return r.stdout
}

/// SplitMix64: a small seeded generator, so randomised tests reproduce.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
