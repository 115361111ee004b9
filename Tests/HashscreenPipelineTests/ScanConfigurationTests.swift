import HashscreenCore
import HashscreenPipeline
import XCTest

/// The options a scan is run with, resolved once.
final class ScanConfigurationTests: XCTestCase {
    func config(signals: [SignalKind], jobs: Int = 0, verifyDecode: Bool = false) -> ScanConfiguration {
        ScanConfiguration(inputs: [.init(path: "m.csv")], listPath: "l.sqlite", outputDirectory: "out",
                          signals: signals, jobs: jobs, verifyDecode: verifyDecode)
    }

    func testSignalsAreKeptOnceInCanonicalOrder() {
        XCTAssertEqual(config(signals: [.urlSHA256, .pdq, .md5, .md5, .sha256]).signals, [.md5, .sha256, .pdq, .urlSHA256])
        XCTAssertEqual(config(signals: SignalKind.allCases.reversed()).signals, SignalKind.allCases)
        XCTAssertEqual(ScanConfiguration(inputs: [], listPath: "l", outputDirectory: "o").signals, ScanConfiguration.defaultSignals)
    }

    func testJobsZeroMeansEveryCore() {
        XCTAssertEqual(config(signals: [.md5]).jobs, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(config(signals: [.md5], jobs: 3).jobs, 3)
    }

    func testPixelsAreNeededForPerceptualSignalsOrVerifyDecode() {
        XCTAssertFalse(config(signals: [.md5, .sha256, .urlMD5]).needsDecode)
        XCTAssertTrue(config(signals: [.md5], verifyDecode: true).needsDecode)
        for s in SignalKind.allCases where s.isPerceptual {
            XCTAssertTrue(config(signals: [s]).needsDecode, "\(s)")
        }
    }
}
