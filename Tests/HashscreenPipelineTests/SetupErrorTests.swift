// Every error a pipeline entry point throws is a HashscreenError whose code gives the CLI's exit
// status (2; 64 for usage), with the stage's own words as the message.

import Foundation
import HashscreenCore
import HashscreenDecode
import HashscreenParquet
@testable import HashscreenPipeline
import HashscreenTestSupport
import XCTest

final class SetupErrorTests: XCTestCase {
    func testStageErrorsBecomeHashscreenErrorsWithTheirStagesCode() {
        let parquet = HashscreenError(stopping: ParquetError(path: "m.parquet", message: "bad footer"))
        XCTAssertEqual(parquet.code, .manifest)
        XCTAssertEqual(parquet.message, "m.parquet: bad footer")
        let decode = HashscreenError(stopping: DecodeError(.corrupt, "truncated"))
        XCTAssertEqual(decode.code, .input)
        XCTAssertEqual(decode.message, "truncated")
        struct Other: Error {}
        let other = HashscreenError(stopping: Other())
        XCTAssertEqual(other.code, .io)
        XCTAssertNotNil(other.underlying)
        let usage = HashscreenError(.usage, "bad flag")
        XCTAssertEqual(HashscreenError(stopping: usage).code.exitStatus, 64)
    }

    func testAScanOfAnUnreadableParquetManifestThrowsAManifestError() throws {
        let tmp = try TemporaryDirectory()
        let manifest = try tmp.write("m.parquet", "PAR1 this is not a parquet file PAR1")
        let list = tmp.file("l.db")
        _ = try ListOperations.importList(database: list, name: "l", version: "1", files: [try tmp.write("l.csv", "hash_type,hash_value\nmd5," + String(repeating: "a", count: 32) + "\n")],
                                          defaultType: nil, skipInvalid: false, replace: false, json: false)
        let config = ScanConfiguration(inputs: [.init(path: manifest)], listPath: list, outputDirectory: tmp.file("out"), signals: [.md5])
        do {
            _ = try Scanner.run(config)
            XCTFail("scan of a damaged Parquet footer succeeded")
        } catch {
            // Typed throws: `error` is a HashscreenError here by construction; its code decides the exit.
            XCTAssertEqual(error.code, .manifest, error.description)
            XCTAssertEqual(error.code.exitStatus, 2)
        }
    }
}
