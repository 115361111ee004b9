/// End-to-end: `report.html` and `prevalence.json` (issue 14, "a report a person reads"): their
/// figures agree with `summary.json`, they are the same bytes whatever `--jobs` (outside their
/// marked run times), every string from the inputs and the list is escaped, they hold no list
/// value and no sample key or path, and the page renders in headless Chromium at a desktop's
/// and a phone's width without horizontal overflow, fetching nothing.
import Foundation
import HashscreenTestSupport
import XCTest

final class PrevalenceReportEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let webdataset = TestPaths.fixtures.appendingPathComponent("img2dataset/webdataset")
    let knownCSV = TestPaths.fixtures.appendingPathComponent("img2dataset/known.csv").path

    /// Names that break HTML if printed as they are.
    static let hostileInput = "in<script>alert('x')</script>&\"q"
    static let hostileShard = "<b>00000&\"'"
    static let hostileList = "<img src=x onerror=alert(1)>&\"'"
    static let hostileVersion = "v<1>&\""

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    /// The fixture webdataset copied under a hostile folder and shard name, a list of the
    /// fixture's known hashes under a hostile name, and a --dihedral scan into `out`.
    func hostileScan(_ out: String, jobs: Int = 2) throws -> (input: String, db: String) {
        let input = tmp.file(Self.hostileInput)
        if !FileManager.default.fileExists(atPath: input) {
            try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
            for ext in ["tar", "parquet"] {
                try FileManager.default.copyItem(atPath: webdataset.appendingPathComponent("00000.\(ext)").path,
                                                 toPath: input + "/\(Self.hostileShard).\(ext)")
            }
        }
        let db = tmp.file("known.sqlite")
        if !FileManager.default.fileExists(atPath: db) {
            let r = try hashscreen(["list", "import", "--list", db, "--name", Self.hostileList, "--version", Self.hostileVersion, knownCSV])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let r = try hashscreen(["scan", input, "--layout", "webdataset", "--list", db, "--out", out, "--dihedral", "--jobs", String(jobs)])
        XCTAssertEqual(r.status, 1, r.stderr)
        return (input, db)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    // MARK: - Figures

    func testPrevalenceAgreesWithTheSummaryAndTheRecords() throws {
        let out = tmp.file("out")
        _ = try hostileScan(out)
        let p = try json(out + "/prevalence.json")
        let s = try json(out + "/summary.json")
        let counts = try XCTUnwrap(s["counts"] as? [String: Any])
        let samples = try XCTUnwrap(counts["samples"] as? Int)
        let matched = try XCTUnwrap(counts["matched"] as? Int)
        XCTAssertEqual(p["schema"] as? String, "hashscreen-prevalence/1")
        let before = try XCTUnwrap(p["before_removal"] as? [String: Any])
        XCTAssertEqual(before["samples"] as? Int, samples)
        XCTAssertEqual(before["flagged"] as? Int, matched)
        XCTAssertEqual(try XCTUnwrap(before["flagged_per_million"] as? Double), Double(matched) * 1e6 / Double(samples), accuracy: 1e-3)
        let after = try XCTUnwrap(p["after_removal"] as? [String: Any])
        XCTAssertEqual(after["samples"] as? Int, samples - matched)
        XCTAssertEqual(after["flagged"] as? Int, 0)
        XCTAssertEqual(after["verified"] as? Bool, false)
        // The removals are the flagged samples, one row each.
        let removals = try read(out + "/removals.csv").split(separator: "\n").dropFirst()
        XCTAssertEqual(removals.count, matched)
        // Per list: the summary's per_list; per signal and list: the report.jsonl lines.
        let lists = try XCTUnwrap(p["per_list"] as? [[String: Any]])
        XCTAssertEqual(lists.count, 1)
        XCTAssertEqual(lists[0]["name"] as? String, Self.hostileList)
        XCTAssertEqual(lists[0]["flagged"] as? Int, (counts["per_list"] as? [[String: Any]])?.first?["matched"] as? Int)
        var samplesBySignal: [String: Set<String>] = [:]
        var closest: [String: Int] = [:]   // pdq: key -> closest distance
        for line in try read(out + "/report.jsonl").split(separator: "\n") {
            let m = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let signal = m["signal"] as! String, key = m["key"] as! String
            samplesBySignal[signal, default: []].insert(key)
            if signal == "pdq" { closest[key] = min(closest[key] ?? .max, m["distance"] as! Int) }
        }
        let perSignal = try XCTUnwrap(lists[0]["per_signal"] as? [String: Int])
        for (signal, n) in perSignal { XCTAssertEqual(n, samplesBySignal[signal]?.count ?? 0, signal) }
        XCTAssertGreaterThan(perSignal["pdq"] ?? 0, 0, "the fixture has PDQ matches")
        // The PDQ histogram: samples by their closest distance, 0 ... threshold; all 8 variants.
        let perceptual = try XCTUnwrap(p["perceptual"] as? [[String: Any]])
        let pdq = try XCTUnwrap(perceptual.first { $0["signal"] as? String == "pdq" })
        let bins = try XCTUnwrap(pdq["by_distance"] as? [Int])
        XCTAssertEqual(bins.count, 32, "0 ... the default threshold 31")
        var expected = Array(repeating: 0, count: 32)
        for d in closest.values { expected[d] += 1 }
        XCTAssertEqual(bins, expected)
        let variants = try XCTUnwrap(pdq["by_variant"] as? [String: Int])
        XCTAssertEqual(Set(variants.keys), ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipp", "flipm"])
        XCTAssertEqual(variants.values.reduce(0, +), closest.count)
        // By shard: the one hostile-named shard holds every sample.
        let inputs = try XCTUnwrap(p["per_input"] as? [[String: Any]])
        let shards = try XCTUnwrap(inputs.first?["shards"] as? [[String: Any]])
        XCTAssertEqual(shards.count, 1)
        XCTAssertEqual(shards[0]["name"] as? String, Self.hostileShard)
        XCTAssertEqual(shards[0]["samples"] as? Int, samples)
        XCTAssertEqual(shards[0]["flagged"] as? Int, matched)
        // Match kinds: the fixture's recorded sha256 column matches (source manifest).
        let kinds = try XCTUnwrap(p["per_match_kind"] as? [String: Int])
        XCTAssertEqual(kinds["recorded_hash"], samplesBySignal["sha256"]?.count)
        XCTAssertEqual(kinds["perceptual"], Set((samplesBySignal["pdq"] ?? []).union(samplesBySignal["phash"] ?? [])).count)
        // The page shows the same figures.
        let html = try read(out + "/report.html")
        XCTAssertTrue(html.contains(">\(matched)</div>"), "the flagged card")
        XCTAssertTrue(html.contains("Hamming distance"))
    }

    func testTheSameBytesWhateverJobsOutsideTheRunTimes() throws {
        let one = tmp.file("one"), three = tmp.file("three")
        _ = try hostileScan(one, jobs: 1)
        _ = try hostileScan(three, jobs: 3)
        func stableHTML(_ dir: String) throws -> String {
            let h = try read(dir + "/report.html")
            let begin = try XCTUnwrap(h.range(of: "<!-- hashscreen:run-times:begin -->"))
            let end = try XCTUnwrap(h.range(of: "<!-- hashscreen:run-times:end -->"))
            XCTAssertLessThan(begin.upperBound, end.lowerBound)
            XCTAssertEqual(h.components(separatedBy: "hashscreen:run-times:begin").count, 2, "one marked place")
            return String(h[..<begin.lowerBound]) + String(h[end.upperBound...])
        }
        XCTAssertEqual(try stableHTML(one), try stableHTML(three))
        func stableJSON(_ dir: String) throws -> String {
            var p = try json(dir + "/prevalence.json")
            XCTAssertNotNil(p.removeValue(forKey: "run"))
            return String(decoding: try JSONSerialization.data(withJSONObject: p, options: [.sortedKeys]), as: UTF8.self)
        }
        XCTAssertEqual(try stableJSON(one), try stableJSON(three))
        // Byte for byte: only the last key ("run") differs.
        let a = try read(one + "/prevalence.json"), b = try read(three + "/prevalence.json")
        XCTAssertEqual(a.components(separatedBy: "\"run\":").first, b.components(separatedBy: "\"run\":").first)
        XCTAssertNotEqual(a, b, "the run's jobs differ")
    }

    // MARK: - What the page may hold

    func testEveryNameIsEscapedAndNoSampleOrListValueAppears() throws {
        let out = tmp.file("out")
        _ = try hostileScan(out)
        let html = try read(out + "/report.html")
        let prevalence = try read(out + "/prevalence.json")
        for raw in ["<script", "<img", "<b>", "onerror=alert(1)>"] {
            XCTAssertFalse(html.contains(raw), "raw \(raw) in report.html")
        }
        XCTAssertTrue(html.contains("in&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;q"), "the input path, escaped")
        XCTAssertTrue(html.contains("&lt;b&gt;00000&amp;&quot;&#39;"), "the shard name, escaped")
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;"), "the list name, escaped")
        XCTAssertTrue(html.contains("v&lt;1&gt;&amp;&quot;"), "the list version, escaped")
        XCTAssertTrue(prevalence.contains(#""name": "<img src=x onerror=alert(1)>&\"'""#), "JSON keeps the name, JSON-escaped")
        // Self-contained: nothing to fetch, no script.
        XCTAssertTrue(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""))
        for ref in ["src=\"", "href=", "url(", "@import", "<link", "<iframe", "<object", "<embed", "https://"] {
            XCTAssertFalse(html.contains(ref), "\(ref) in report.html")
        }
        XCTAssertEqual(html.components(separatedBy: "http://").count - 1,
                       html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1,
                       "the only http:// is the SVG namespace")
        // No list value (any case), no sample key, path or URL.
        for line in try read(knownCSV).split(separator: "\n").dropFirst() {
            let value = String(line.split(separator: ",")[1])
            for text in [html, prevalence] {
                XCTAssertFalse(text.lowercased().contains(value.lowercased()), "a list value in an output")
            }
        }
        for line in try read(out + "/report.jsonl").split(separator: "\n") {
            let m = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for field in ["value", "path", "url"] {
                guard let v = m[field] as? String else { continue }
                XCTAssertFalse(html.contains(v) || prevalence.contains(v), "\(field) \(v) in the prevalence report")
            }
            let key = m["key"] as! String   // 9 digits: never a figure of the report
            XCTAssertFalse(html.contains(key) || prevalence.contains(key), "key \(key) in the prevalence report")
        }
    }

    /// A shard whose file name is not UTF-8 (bytes `a 0xFF <b>`): the page shows its name as
    /// text, escaped, whatever became of the shard's samples.
    func testANonUTF8ShardNameIsShownEscaped() throws {
        let input = tmp.file("nonutf8")
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let db = tmp.file("known.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "k", "--version", "1", knownCSV]).status, 0)
        for ext in ["tar", "parquet"] {
            let name = Array("\(input)/a".utf8) + [0xFF] + Array("<b>.\(ext)".utf8) + [0]
            let src = try [UInt8](Data(contentsOf: webdataset.appendingPathComponent("00000.\(ext)")))
            let fd = name.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT | O_EXCL, 0o600) }
            XCTAssertGreaterThanOrEqual(fd, 0)
            XCTAssertEqual(src.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, src.count)
            close(fd)
        }
        let out = tmp.file("out")
        let r = try hashscreen(["scan", input, "--layout", "webdataset", "--list", db, "--out", out])
        XCTAssertTrue([0, 1, 3].contains(r.status), r.stderr)
        let html = try read(out + "/report.html")
        XCTAssertFalse(html.contains("<b>"))
        XCTAssertTrue(html.contains("&lt;b&gt;"), "the shard's name, escaped")
        XCTAssertNotNil(try json(out + "/prevalence.json")["per_input"], "valid JSON")
    }

    // MARK: - Headless Chromium

    /// Debian's chromium (`make chromium-deps` installs it).
    func chromium() throws -> String {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        XCTFail("chromium is not installed: run make chromium-deps (apt-get install chromium)")
        throw XCTSkip("no chromium")
    }

    func headless(_ browser: String, _ args: [String]) throws -> ProcessOutput {
        try runProcess(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                 "--no-first-run", "--disable-extensions", "--user-data-dir=\(tmp.file("chromium-profile"))"] + args)
    }

    func testTheReportRendersInHeadlessChromiumAtDesktopAndPhoneWidth() throws {
        let browser = try chromium()
        let out = tmp.file("out")
        _ = try hostileScan(out)
        let report = out + "/report.html"
        // Screenshots: non-blank, with the charts' colours (bars, histogram, variants).
        for (name, size) in [("desktop", "1280,4000"), ("phone", "390,7000")] {
            let png = tmp.file("\(name).png")
            let r = try headless(browser, ["--screenshot=\(png)", "--window-size=\(size)", URL(fileURLWithPath: report).absoluteString])
            XCTAssertTrue(FileManager.default.fileExists(atPath: png), "\(name): no screenshot: \(r.stderr.suffix(2000))")
            let figures = try runPython("""
            import sys
            import numpy as np
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            a = np.asarray(im).astype(np.int16)
            colours = {"flagged": (0xc6, 0x28, 0x28), "histogram": (0x15, 0x65, 0xc0), "variant": (0x6a, 0x1b, 0x9a), "kind": (0x00, 0x83, 0x8f)}
            counts = [int((np.abs(a - np.array(colours[k])) <= 6).all(axis=2).sum()) for k in sorted(colours)]
            print(im.size[0], im.size[1], len(im.getcolors(1 << 24)), *counts)
            """, [png]).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            XCTAssertEqual(figures.count, 7, name)
            guard figures.count == 7 else { continue }
            XCTAssertEqual(figures[0], name == "phone" ? 390 : 1280, name)
            XCTAssertGreaterThan(figures[2], 50, "\(name): not a blank page (distinct colours)")
            // sorted: flagged, histogram, kind, variant
            for (i, chart) in ["flagged bars", "histogram", "match-kind bars", "variant bars"].enumerated() {
                XCTAssertGreaterThan(figures[3 + i], 200, "\(name): \(chart) drawn")
            }
        }
        // Layout, measured from outside the page (a harness frames an unchanged copy; the page's
        // own policy forbids scripts): at 390 and 320 px no horizontal overflow, the SVG charts
        // are there, and the page fetched nothing.
        let copy = tmp.file("framed.html")
        try FileManager.default.copyItem(atPath: report, toPath: copy)
        for width in [390, 320, 1280] {
            let harness = try tmp.write("harness-\(width).html", """
            <!DOCTYPE html><html><body><pre id="probe">PENDING</pre>
            <iframe id="f" src="framed.html" style="width:\(width)px;height:900px;border:0"></iframe>
            <script>
            document.getElementById("f").addEventListener("load", function () {
              var d = this.contentDocument, w = this.contentWindow;
              document.getElementById("probe").textContent = ["MEASURED", d.documentElement.scrollWidth, d.documentElement.clientWidth,
                d.querySelectorAll("svg").length, d.querySelectorAll("script").length, w.performance.getEntriesByType("resource").length].join(" ");
            });
            </script></body></html>
            """)
            let r = try headless(browser, ["--allow-file-access-from-files", "--window-size=1400,1000", "--virtual-time-budget=5000",
                                           "--dump-dom", URL(fileURLWithPath: harness).absoluteString])
            let line = try XCTUnwrap(r.stdout.components(separatedBy: "MEASURED ").dropFirst().first { $0.first?.isNumber == true },
                                     "\(width): no measurement: \(r.stderr.suffix(2000))")
            let v = line.prefix { $0 != "<" }.split(separator: " ").compactMap { Int($0) }
            XCTAssertEqual(v.count, 5, line)
            guard v.count == 5 else { continue }
            XCTAssertLessThanOrEqual(v[0], v[1], "\(width) px: the page scrolls sideways (scrollWidth \(v[0]) > \(v[1]))")
            XCTAssertGreaterThanOrEqual(v[2], 8, "\(width) px: the SVG charts")
            XCTAssertEqual(v[3], 0, "no script in the page")
            XCTAssertEqual(v[4], 0, "\(width) px: the page fetched nothing")
        }
    }
}
