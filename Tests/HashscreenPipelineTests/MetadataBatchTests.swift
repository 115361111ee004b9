import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenPipeline

/// Metadata rows go to workers in batches of `Scanner.metadataBatchSize`, image rows in batches
/// of `Scanner.batchSize`, and each worker's counts are merged once per batch: a manifest that
/// mixes both, over several large batches, gives the same outputs whatever `--jobs`, and its
/// summary accounts for every row.
final class MetadataBatchTests: XCTestCase {
    /// Rows: `n` in all; every 97th names an image file (every other one of them missing),
    /// every 13th records an md5, the rest a URL only. Listed: the md5 of one image, the
    /// recorded md5 of some rows and the URL digests (python-threatexchange's `url_md5`,
    /// computed by Python's hashlib here) of others, at positions on both sides of the batch
    /// boundaries.
    func testMixedRowsOverSeveralBatchesGiveTheSameOutputsWhateverTheJobs() throws {
        let tmp = try TemporaryDirectory()
        let n = Scanner.metadataBatchSize * 2 + 517
        let image = fixtureImage("0001.jpg")
        let imageMD5 = try coreutilsDigest("md5sum", image)
        let recordedMD5 = { (i: Int) in String(format: "%032x", i * 7919 + 1) }
        let url = { (i: Int) in "http://example.org/img/\(i).jpg?s=\(i % 5)" }
        var plantedURL = [3, Scanner.metadataBatchSize - 1, Scanner.metadataBatchSize, Scanner.metadataBatchSize + 1, n - 1]
        plantedURL = plantedURL.filter { $0 % 97 != 0 && $0 % 13 != 0 }
        let plantedRecorded = [13, 13 * 315, 13 * 316, 13 * 630].filter { $0 < n && $0 % 97 != 0 }
        var csv = "key,url,path,md5\n"
        for i in 0..<n {
            let path = i % 97 == 0 ? (i % 2 == 0 ? image : tmp.file("missing-\(i).jpg")) : ""
            let md5 = i % 13 == 0 && i % 97 != 0 ? recordedMD5(i) : ""
            csv += "k\(String(format: "%06d", i)),\(url(i)),\(path),\(md5)\n"
        }
        try tmp.write("m.csv", csv)
        // url_md5 under the threatexchange convention (the import default): lower-cased, scheme dropped.
        let digests = try runPython("""
            import hashlib, sys
            for u in sys.argv[1:]:
                print(hashlib.md5(u.lower().split("://", 1)[1].encode()).hexdigest())
            """, plantedURL.map(url)).split(separator: "\n").map(String.init)
        XCTAssertEqual(digests.count, plantedURL.count)
        let list = try makeList(tmp, ["md5 \(imageMD5)"] + plantedRecorded.map { "md5 \(recordedMD5($0))" }
                                    + digests.map { "url_md5 \($0)" })
        var outputs: [[String]] = []
        for jobs in [1, 4] {
            let out = tmp.file("out\(jobs)")
            let r = try Scanner.run(ScanConfiguration(inputs: [.init(path: tmp.file("m.csv"))], listPath: list,
                                                      outputDirectory: out, signals: [.md5, .urlMD5], jobs: jobs))
            let imageRows = (0..<n).filter { $0 % 97 == 0 }
            let present = imageRows.filter { $0 % 2 == 0 }
            let noImage = (0..<n).filter { $0 % 97 != 0 && $0 % 13 != 0 }   // md5 not computed: a failure each
            XCTAssertEqual(r.samples, n)
            XCTAssertEqual(r.matchedSamples, present.count + plantedRecorded.count + plantedURL.count)
            XCTAssertEqual(r.failedSamples, noImage.count + (imageRows.count - present.count))
            let removals = try outputLines(out, "removals.csv").dropFirst()
            let expectedKeys = (present + plantedRecorded + plantedURL).sorted().map { "k\(String(format: "%06d", $0))" }
            XCTAssertEqual(removals.map { String($0.prefix { $0 != "," }) }, expectedKeys)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
            let counts = summary["counts"] as! [String: Any]
            XCTAssertEqual(counts["samples"] as? Int, n)
            XCTAssertEqual(counts["matched"] as? Int, expectedKeys.count)
            outputs.append(try ["removals.csv", "report.jsonl", "errors.jsonl"].map {
                try String(contentsOfFile: out + "/" + $0, encoding: .utf8)
            } + [Self.withoutTimes(summary)])
        }
        XCTAssertEqual(outputs[0], outputs[1], "--jobs 1 and --jobs 4 differ")
    }

    /// summary.json without what may differ between two runs (times, throughput, the jobs,
    /// the output folder), as sorted JSON text.
    static func withoutTimes(_ summary: [String: Any]) -> String {
        var s = summary
        s["throughput"] = nil
        if var p = s["provenance"] as? [String: Any] {
            for k in ["started", "finished", "jobs", "output_directory", "options"] { p[k] = nil }
            s["provenance"] = p
        }
        let data = try! JSONSerialization.data(withJSONObject: s, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
