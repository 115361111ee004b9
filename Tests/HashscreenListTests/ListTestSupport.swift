import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// A temporary folder per test, removed in tearDown, with helpers to write list files and import.
class ListStoreTestCase: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hashscreen-list-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    var dbPath: String { dir.appendingPathComponent("lists.db").path }

    /// Writes `text` (as UTF-8 bytes, exactly) to a file in the test folder; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The reference SHA-256 of a file: coreutils `sha256sum` (not this module's code).
    static func sha256sum(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", "--", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let text = String(data: data, encoding: .utf8),
              let hex = text.split(separator: " ").first else {
            throw XCTSkip("sha256sum failed") // never expected: coreutils is part of the base system
        }
        return String(hex)
    }

    func request(_ files: [String], name: String = "test", version: String? = "v1", defaultType: String? = nil,
                 skipInvalid: Bool = false, replace: Bool = false,
                 urlHasher: ((String) throws -> [(SignalKind, HashValue)])? = nil,
                 urlConvention: URLConvention = .importDefault,
                 now: Date = Date(timeIntervalSince1970: 1_714_557_600)) -> ListImportRequest {
        ListImportRequest(name: name, version: version, files: files, defaultType: defaultType,
                          skipInvalid: skipInvalid, replace: replace, toolVersion: "hashscreen test",
                          fileDigest: { try Self.sha256sum($0) }, urlHasher: urlHasher,
                          urlConvention: urlConvention, now: now)
    }

    @discardableResult
    func importList(_ files: [String], name: String = "test", version: String? = "v1", defaultType: String? = nil,
                    skipInvalid: Bool = false, replace: Bool = false,
                    urlHasher: ((String) throws -> [(SignalKind, HashValue)])? = nil,
                    urlConvention: URLConvention = .importDefault) throws -> ListImportReport {
        let store = try HashListStore.openForImport(path: dbPath)
        return try store.importList(request(files, name: name, version: version, defaultType: defaultType,
                                            skipInvalid: skipInvalid, replace: replace, urlHasher: urlHasher,
                                            urlConvention: urlConvention))
    }

    /// All entries of all signals, read back through a read-only store.
    func allEntries(includeLabels: Bool = true, path: String? = nil) throws -> [ListEntry] {
        let store = try HashListStore.openReadOnly(path: path ?? dbPath)
        var out: [ListEntry] = []
        try store.forEachEntry(signals: Set(SignalKind.allCases), includeLabels: includeLabels) { out.append($0) }
        return out
    }

    /// Random bytes of a signal's length (values independent of the code under test).
    static func randomValue(_ kind: SignalKind) -> HashValue {
        var g = SystemRandomNumberGenerator()
        return HashValue(bytes: (0..<kind.byteCount).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    /// Expects `body` to throw an error of type `E`, and returns it.
    func expectError<E: Error>(_ type: E.Type, file: StaticString = #filePath, line: UInt = #line,
                               _ body: () throws -> Void) -> E? {
        do {
            try body()
            XCTFail("expected \(E.self), nothing was thrown", file: file, line: line)
        } catch let e as E {
            return e
        } catch {
            XCTFail("expected \(E.self), got \(Swift.type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }
}
