import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenTestSupport
import XCTest

final class ManifestReaderTests: XCTestCase {
    func items(_ path: String, layout: ManifestLayout? = nil) throws -> [ManifestItem] {
        var out: [ManifestItem] = []
        try Manifest.open(path: path, layout: layout).forEachItem { out.append($0) }
        return out
    }

    func samples(_ items: [ManifestItem]) -> [Sample] {
        items.compactMap { if case .sample(let s, _) = $0 { return s } else { return nil } }
    }

    /// Paths in a manifest: a relative one resolves against the manifest's folder (outputs print
    /// it as written), an absolute one is kept. (The fields every layout shares are checked by
    /// `ManifestConformanceTests`.)
    func testPathsResolveAgainstTheManifestsFolder() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("m.csv", "key,filepath\nk1,img/1.jpg\nk2,/abs/2.png\n")
        try tmp.write("m.tsv", "key\tfilepath\nk1\timg/1.jpg\nk2\t/abs/2.png\n")
        try tmp.write("m.jsonl", "{\"key\":\"k1\",\"filepath\":\"img/1.jpg\"}\n{\"key\":\"k2\",\"filepath\":\"/abs/2.png\"}\n")
        for name in ["m.csv", "m.tsv", "m.jsonl"] {
            let s = samples(try items(tmp.file(name)))
            XCTAssertEqual(s.map(\.key), ["k1", "k2"], name)
            XCTAssertEqual(s.map(\.path), [tmp.file("img/1.jpg"), "/abs/2.png"], name)
            XCTAssertEqual(s.map(\.displayPath), ["img/1.jpg", "/abs/2.png"], name)
        }
    }

    func testBadRowsAreItemsNotFailuresOfTheWholeManifest() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("bad.csv", "key,path,md5\nk1,a.jpg,nothex\nk2,b.jpg\nk3,c.jpg,\n")
        let it = try items(tmp.file("bad.csv"))
        XCTAssertEqual(it.count, 3)
        guard case .sample(let s1, let problems) = it[0] else { return XCTFail() }
        XCTAssertEqual(s1.key, "k1")
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].contains("column md5"), problems[0])
        guard case .failure(_, _, let message, let id) = it[1] else { return XCTFail() }
        XCTAssertEqual(id, SampleID(input: 0, row: 1), "a bad row keeps its place")
        XCTAssertTrue(message.contains("bad.csv:3: 2 fields, header has 3"), message)

        try tmp.write("bad.jsonl", "{\"path\":\"a.jpg\"}\n{not json\n[1,2]\n{\"caption\":\"no path\"}\n")
        let j = try items(tmp.file("bad.jsonl"))
        XCTAssertEqual(j.count, 4)
        var failures = 0
        for i in j { if case .failure(_, _, let m, _) = i { failures += 1; XCTAssertTrue(m.contains("bad.jsonl:"), m) } }
        XCTAssertEqual(failures, 3)
    }

    func testMalformedHeaderIsASetupError() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("h.csv", "foo,bar\n1,2\n")
        XCTAssertThrowsError(try items(tmp.file("h.csv"))) { e in
            XCTAssertTrue("\(e)".contains("no usable column"), "\(e)")
        }
        try tmp.write("empty.csv", "")
        XCTAssertThrowsError(try items(tmp.file("empty.csv")))
        XCTAssertThrowsError(try Manifest.open(path: tmp.file("missing.csv")))
        try tmp.write("x.weird", "key\n")
        XCTAssertThrowsError(try Manifest.open(path: tmp.file("x.weird"))) { e in
            XCTAssertTrue("\(e)".contains("--layout"), "\(e)")
        }
    }

    func testFolderWalkIsSortedSniffsAndCountsOthers() throws {
        let tmp = try TemporaryDirectory()
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0]
        try tmp.write("d/b.jpg", bytes: jpeg)
        try tmp.write("d/a/z.png", bytes: [1, 2, 3])  // image extension: a sample even if not an image
        try tmp.write("d/disguised.txt", bytes: jpeg)  // image bytes behind another extension
        try tmp.write("d/notes.json", "{}")
        try tmp.write("d/.hidden.jpg", bytes: jpeg)
        try tmp.write("d/scan.dat", bytes: Array("II*\u{0}rest".utf8))  // a TIFF: listed, its decode then says TIFF
        try tmp.write("d/riff.bin", bytes: Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8))  // RIFF, not WebP
        try tmp.write("d/gif.bin", bytes: Array("GIF8xa".utf8))  // neither GIF87a nor GIF89a
        let reader = try Manifest.open(path: tmp.file("d"))
        var keys: [String] = []
        try reader.forEachItem { if case .sample(let s, _) = $0 { keys.append(s.key) } }
        XCTAssertEqual(keys, ["a/z.png", "b.jpg", "disguised.txt", "scan.dat"])
        XCTAssertEqual(reader.counters.first { $0.0 == "non_image_files_ignored" }?.1, 3)
        XCTAssertEqual(reader.layout, .folder)
    }

    /// Issue 11: CR-only line ends made the whole CSV one header (0 rows, exit 0). LF, CRLF and
    /// CR files give the same rows and line numbers; a quoted path may still hold a newline.
    func testCSVAndTSVReadTheSameRowsWithLFCRLFAndCROnlyLineEnds() throws {
        let tmp = try TemporaryDirectory()
        for (ending, label) in [("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr")] {
            let csv = ["key,path", "k1,a.jpg", "k2,\"multi\nline.jpg\"", "k3,c.jpg,extra"].joined(separator: ending) + ending
            let tsv = csv.replacingOccurrences(of: ",", with: "\t")
            for (name, text) in [("m-\(label).csv", csv), ("m-\(label).tsv", tsv)] {
                try tmp.write(name, text)
                let it = try items(tmp.file(name))
                XCTAssertEqual(samples(it).map(\.key), ["k1", "k2"], name)
                XCTAssertEqual(samples(it).map(\.displayPath), ["a.jpg", "multi\nline.jpg"], name)
                guard it.count == 3, case .failure(_, _, let message, _) = it[2] else { XCTFail("\(name): \(it)"); continue }
                XCTAssertTrue(message.contains(":5: 3 fields"), "\(name): line numbers count CR line ends too: \(message)")
            }
        }
    }

    func testManifestsStreamInBoundedChunks() throws {
        // 200k rows (> several read chunks): all rows arrive, in order, with correct lines.
        let tmp = try TemporaryDirectory()
        var text = "key,path\n"
        for i in 0..<200_000 { text += "k\(i),img/\(i).jpg\n" }
        try tmp.write("big.csv", text)
        var n = 0
        var last = ""
        try Manifest.open(path: tmp.file("big.csv")).forEachItem {
            if case .sample(let s, _) = $0 { n += 1; last = s.key }
        }
        XCTAssertEqual(n, 200_000)
        XCTAssertEqual(last, "k199999")
    }
}
