import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// Issue 11: a FIFO named in a manifest hung the scan forever (`open()` without O_NONBLOCK
/// before `fstat`). Nothing a manifest names may wait: a FIFO, a device, a socket or a
/// directory is a `read` failure of its sample, at once, and the scan goes on.
final class SpecialFileTests: XCTestCase {
    /// Runs `body` on another thread; fails (instead of hanging the suite) if it takes > 20 s.
    func withoutHanging(_ what: String, _ body: @escaping @Sendable () throws -> Void) {
        let done = DispatchSemaphore(value: 0)
        let failure = LockedBox<String?>(nil)
        Thread {
            do { try body() } catch { failure.value = "\(error)" }
            done.signal()
        }.start()
        if done.wait(timeout: .now() + 20) == .timedOut { return XCTFail("\(what) hung") }
        if let f = failure.value { XCTFail("\(what): \(f)") }
    }

    /// A Unix socket bound at `path` (closed at the end of the test).
    func bindSocket(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(rc, 0, "bind \(path)")
        return fd
    }

    func testFIFODeviceSocketAndDirectoryAreReadFailuresAtOnce() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertEqual(mkfifo(tmp.file("pipe.jpg"), 0o600), 0)
        try FileManager.default.createDirectory(atPath: tmp.file("dir.jpg"), withIntermediateDirectories: true)
        let sock = bindSocket(tmp.file("s.jpg"))
        defer { close(sock) }
        let config = ScanConfiguration(inputs: [], listPath: try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)]),
                                       outputDirectory: tmp.file("out"), signals: [.md5, .pdq], jobs: 1)
        let screener = try Screener(config: config, known: try KnownHashes.load(listPath: config.listPath, signals: [.md5, .pdq]))
        let cases = [(tmp.file("pipe.jpg"), "a FIFO (named pipe)"), ("/dev/zero", "a character device"),
                     (tmp.file("s.jpg"), "a socket"), (tmp.file("dir.jpg"), "a directory")]
        let results = LockedBox<[SampleOutcome]>([])
        withoutHanging("screening special files") {
            var out: [SampleOutcome] = []
            for (i, (path, _)) in cases.enumerated() {
                out.append(screener.screen(Sample(key: "k\(i)", path: path, id: SampleID(input: 0, row: i)), problems: []))
            }
            results.value = out
        }
        XCTAssertEqual(results.value.count, cases.count)
        for (outcome, (path, kind)) in zip(results.value, cases) {
            XCTAssertEqual(outcome.failures.map(\.stage), [.read], path)
            XCTAssertEqual(outcome.failures.first?.message, "not a regular file: it is \(kind)", path)
        }
    }

    /// The whole scan: a CSV naming a FIFO among real images finishes, screens the rest and
    /// reports the FIFO in errors.jsonl.
    func testScanOfAManifestNamingAFIFOFinishes() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertEqual(mkfifo(tmp.file("pipe.jpg"), 0o600), 0)
        try tmp.write("m.csv", "key,path\nfifo,pipe.jpg\nimg,\(fixtureImage("0001.jpg"))\n")
        let config = ScanConfiguration(inputs: [.init(path: tmp.file("m.csv"))],
                                       listPath: try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)]),
                                       outputDirectory: tmp.file("out"), signals: [.md5], jobs: 1)
        let result = LockedBox<ScanResult?>(nil)
        withoutHanging("scan") { result.value = try Scanner.run(config) }
        XCTAssertEqual(result.value?.samples, 2)
        XCTAssertEqual(result.value?.failedSamples, 1)
        let errors = try outputLines(tmp.file("out"), "errors.jsonl")
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].contains("\"read\"") && errors[0].contains("FIFO"), errors[0])
    }

    func testASpecialFileGivenAsAnInputIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        XCTAssertEqual(mkfifo(tmp.file("in.csv"), 0o600), 0)
        let config = ScanConfiguration(inputs: [.init(path: tmp.file("in.csv"))],
                                       listPath: try makeList(tmp, ["md5 " + String(repeating: "0", count: 32)]),
                                       outputDirectory: tmp.file("out"), signals: [.md5], jobs: 1)
        let message = LockedBox<String?>(nil)
        withoutHanging("scan of a FIFO input") {
            do { _ = try Scanner.run(config) } catch { message.value = "\(error)" }
        }
        XCTAssertTrue(message.value?.contains("is a FIFO (named pipe): an input must be a manifest file or a folder") ?? false,
                      message.value ?? "no error")
    }
}

/// A value shared with a test's worker thread.
final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ v: T) { stored = v }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
