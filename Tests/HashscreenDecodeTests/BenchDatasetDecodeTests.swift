/// Opt-in check on a generated bench dataset (`make_dataset.py --out DIR`): every image decodes,
/// its pixels equal the bench's reference decode, and the PDQ of our pixels equals the
/// manifest's reference PDQ. Run with HASHSCREEN_DECODE_DATASET=DIR (skipped otherwise: the
/// dataset is hundreds of MB and is not part of the repository).
import Foundation
import HashscreenDecode
import XCTest

final class BenchDatasetDecodeTests: XCTestCase {
    /// Images per Python round trip (keeps the temporary RGB dumps small).
    static let batchSize = 40

    struct Entry: Decodable { var key: String; var path: String; var format: String; var mode: String; var pdq: String }

    func testEveryDatasetImageMatchesTheReference() throws {
        guard let dir = ProcessInfo.processInfo.environment["HASHSCREEN_DECODE_DATASET"] else {
            throw XCTSkip("set HASHSCREEN_DECODE_DATASET to a make_dataset.py output folder")
        }
        let root = URL(fileURLWithPath: dir)
        let lines = try String(contentsOf: root.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let entries = try lines.map { try JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
        let files = try entries.map { try readBytes(root.appendingPathComponent($0.path)) }

        // Throughput: decode only, one reusable decoder, as a worker would.
        let decoder = ImageDecoder()
        for (label, options) in [("full size", DecodeOptions()), ("jpegMinimumSide 64", DecodeOptions(jpegMinimumSide: 64))] {
            decoder.options = options
            var pixels = 0
            var perFormat: [String: (n: Int, seconds: Double)] = [:]
            let t0 = Date()
            for (e, bytes) in zip(entries, files) {
                let t = Date()
                pixels += try bytes.withUnsafeBytes { raw in try decoder.withDecoded(raw) { $0.width * $0.height } }
                let s = perFormat[e.format, default: (0, 0)]
                perFormat[e.format] = (s.n + 1, s.seconds + Date().timeIntervalSince(t))
            }
            let dt = Date().timeIntervalSince(t0)
            print(String(format: "dataset decode (%@): %d images, %.1f MP out, %.2f s = %.1f images/s",
                         label, files.count, Double(pixels) / 1e6, dt, Double(files.count) / dt))
            for (f, s) in perFormat.sorted(by: { $0.key < $1.key }) {
                print(String(format: "  %@: %d images, %.2f s, %.2f ms/image", f, s.n, s.seconds, 1000 * s.seconds / Double(s.n)))
            }
        }

        decoder.options = DecodeOptions()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("hashscreen-ds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        var exact = 0, pdqEqual = 0, worst = 0
        var byFormat: [String: Int] = [:]
        for start in stride(from: 0, to: entries.count, by: Self.batchSize) {
            var batch: [[String: Any]] = []
            for i in start..<min(start + Self.batchSize, entries.count) {
                let raw = tmp.appendingPathComponent("\(i).rgb")
                let (w, h) = try files[i].withUnsafeBytes { bytes in
                    try decoder.withDecoded(bytes) { px -> (Int, Int) in
                        FileManager.default.createFile(atPath: raw.path, contents: Data(buffer: px.pixels))
                        return (px.width, px.height)
                    }
                }
                batch.append(["index": i, "file": root.appendingPathComponent(entries[i].path).path,
                              "raw": raw.path, "width": w, "height": h])
            }
            let list = tmp.appendingPathComponent("batch.json")
            try JSONSerialization.data(withJSONObject: batch).write(to: list)
            let out = try PillowReference.run(DecodePaths.fixtures.appendingPathComponent("check_against_reference.py"), [list.path])
            for line in out.split(separator: "\n") {
                let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let i = r["index"] as! Int
                let e = entries[i]
                if let err = r["error"] as? String { XCTFail("\(e.key) (\(e.mode)): \(err)"); continue }
                let maxAbs = r["max_abs"] as! Int
                worst = max(worst, maxAbs)
                if maxAbs == 0 { exact += 1 } else { print("dataset \(e.key) \(e.mode): max |diff| \(maxAbs), \(r["differing"]!) samples") }
                if (r["pdq"] as! String) == e.pdq { pdqEqual += 1 } else { XCTFail("\(e.key) \(e.mode): PDQ \(r["pdq"]!) != reference \(e.pdq)") }
                byFormat[e.format, default: 0] += 1
            }
            for i in start..<min(start + Self.batchSize, entries.count) {
                try? FileManager.default.removeItem(at: tmp.appendingPathComponent("\(i).rgb"))
            }
        }
        print("dataset: \(entries.count) images \(byFormat.sorted { $0.key < $1.key }), pixel-exact \(exact), PDQ equal \(pdqEqual), worst max |diff| \(worst)")
        XCTAssertEqual(pdqEqual, entries.count)
        XCTAssertEqual(exact, entries.count)
    }
}
