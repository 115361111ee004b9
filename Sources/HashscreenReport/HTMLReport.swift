import Foundation
import HashscreenCore

/// `report.html`: the prevalence report a person reads (docs/report.md). One self-contained
/// file: inline CSS, charts as inline SVG, no script, no image, no font or link to fetch (a
/// Content-Security-Policy of `default-src 'none'` says so to the browser too); it names no
/// sample (no key, path, URL or hash value: those are in `removals.csv` and `report.jsonl`),
/// only counts, rates and the provenance. Every string that comes from the inputs, the list
/// database or the options goes through `HTML.escape`. The run's times are in one marked
/// section at the end (`HTMLReport.timesBegin` ... `timesEnd`); everything else is the same
/// bytes for the same inputs, list and options.
package struct HTMLPrinter: ReportSink {
    private let output: any ReportOutput

    package init(to output: any ReportOutput) { self.output = output }

    package func write(_ record: PrevalenceReport) throws(HashscreenError) {
        try output.write(HTMLReport(record).render())
    }

    package func finish() throws(HashscreenError) { try output.finish() }
}

/// Escaping for HTML text and attribute values.
package enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as character references; control characters (which HTML does
    /// not allow in text) as visible `\xNN`.
    package static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(u)
            case _ where u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0):
                out += "\\x" + String(u.value, radix: 16, uppercase: true).leftPadded(to: 2)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Builds the page from a `PrevalenceReport`.
struct HTMLReport {
    /// The comments around the only part that differs between runs of the same scan.
    static let timesBegin = "<!-- hashscreen:run-times:begin -->"
    static let timesEnd = "<!-- hashscreen:run-times:end -->"

    /// Chart colours (the Chromium test looks for them in the screenshot).
    enum Colour {
        static let flagged = "#c62828"
        static let after = "#2e7d32"
        static let histogram = "#1565c0"
        static let variant = "#6a1b9a"
        static let errors = "#ef6c00"
        static let kind = "#00838f"
        static let track = "#eceff1"
    }

    /// Shards listed in the page per input (the most flagged first); all are in prevalence.json.
    static let shownShards = 20

    let r: PrevalenceReport
    private var out = ""

    init(_ r: PrevalenceReport) { self.r = r }

    func render() -> String {
        var b = self
        b.page()
        return b.out
    }

    // MARK: - Page

    private mutating func page() {
        let c = r.summary.counts
        out += """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>hashscreen screening report</title>
        <style>\(Self.css)</style>
        </head>
        <body>
        <main>
        <header>
        <h1>Screening report</h1>
        <p class="lead">\(verdict(c))</p>
        <p class="note">This report gives counts and rates only: it names no sample and shows no image, no hash and no list entry. The flagged rows are in <code>removals.csv</code> and <code>report.jsonl</code>, the samples not fully screened in <code>errors.jsonl</code>; the same figures for programs are in <code>prevalence.json</code>.</p>
        </header>

        """
        overview()
        perList()
        perSignal()
        matchKinds()
        inputs()
        errors()
        provenance()
        times()
        out += "</main>\n</body>\n</html>\n"
    }

    private func verdict(_ c: ScanSummary.Counts) -> String {
        let rate = Self.rate(PrevalenceReport.perMillion(c.matched, of: c.samples))
        var s = r.verification == nil ? "" : "Re-screened release (after): "
        s += "\(Self.int(c.matched)) of \(Self.int(c.samples)) samples flagged (\(rate) per million)"
        let hit = r.summary.counts.perList.filter { $0.matched > 0 }.count
        s += hit == 0 ? "." : " by \(hit) of \(r.summary.counts.perList.count) list\(r.summary.counts.perList.count == 1 ? "" : "s")."
        if c.errors > 0 { s += " \(Self.int(c.errors)) sample\(c.errors == 1 ? " was" : "s were") not fully screened." }
        // verify's own exit status (1, 4, 3, 5) is not the re-screening's: its verdict instead.
        if let v = r.verification {
            return HTML.escape(s + " Verify's verdict: \(v.verified ? "verified" : "not verified") (the checks are in verify.json).")
        }
        s += " Exit status \(r.summary.exitStatus): " + (r.summary.exitStatus == 1 ? "matches found" : r.summary.exitStatus == 3 ? "incomplete"
            : r.summary.counts.errors > 0 ? "unscreened samples within --max-unscreened" : "clean") + "."
        return HTML.escape(s)
    }

    private mutating func overview() {
        let b = r.before, a = r.after
        let pb = PrevalenceReport.perMillion(b.flagged, of: b.samples)
        let ub = PrevalenceReport.perMillion(b.unscreened, of: b.samples)
        let ua = PrevalenceReport.perMillion(a.unscreened, of: a.samples)
        let pa = PrevalenceReport.perMillion(a.flagged, of: a.samples)
        out += "<section id=\"overview\">\n<h2>Prevalence before and after removal</h2>\n<div class=\"cards\">\n"
        if let v = r.verification {
            // verify's report: every card says whose figures it shows.
            card("Samples before (earlier scan)", Self.int(b.samples), "screened or attempted")
            card("Flagged before (earlier scan)", Self.int(b.flagged), "\(Self.rate(pb)) per million", tone: "bad")
            card("Not fully screened before (earlier scan)", Self.int(b.unscreened), "\(Self.rate(ub)) per million", tone: b.unscreened > 0 ? "warn" : nil)
            card("Samples after (re-screened release)", Self.int(a.samples), "screened or attempted")
            card("After removal", Self.rate(pa), "flagged per million (re-screened, \(v.verified ? "verified" : "not verified"))",
                 tone: v.verified ? "good" : "bad")
            card("Not fully screened after (re-screened release)", Self.int(a.unscreened), "\(Self.rate(ua)) per million", tone: a.unscreened > 0 ? "warn" : nil)
        } else {
            card("Samples", Self.int(b.samples), "screened or attempted")
            card("Flagged", Self.int(b.flagged), "\(Self.rate(pb)) per million", tone: "bad")
            card("After removal", "0", "flagged per million (computed, unverified)", tone: "good")
            card("Not fully screened", Self.int(b.unscreened), "\(Self.rate(ub)) per million", tone: b.unscreened > 0 ? "warn" : nil)
        }
        out += "</div>\n"
        // Labels of at most 36 characters (the chart's width): verify's say whose figures they are.
        let v = r.verification != nil
        out += Self.barChart(title: "Flagged and not fully screened samples per million, before and after removal", rows: [
            (v ? "Flagged, before (earlier scan)" : "Flagged, before removal", pb, Self.rate(pb), Colour.flagged),
            (v ? "Flagged, after (re-screened release)" : "Flagged, after removal", pa, Self.rate(pa), Colour.after),
            (v ? "Not fully screened, before (earlier)" : "Not fully screened, before", ub, Self.rate(ub), Colour.errors),
            (v ? "Not fully screened, after (release)" : "Not fully screened, after", ua, Self.rate(ua), Colour.errors),
        ])
        if let v = r.verification {
            out += """
            <p class="note"><strong>Before removal</strong> is the earlier scan verify checked against (\(Self.int(b.samples)) samples, \(Self.int(b.flagged)) flagged). <strong>After removal</strong> is the released dataset as <code>hashscreen verify</code> re-screened it: \(Self.int(a.samples)) samples, \(Self.int(a.flagged)) flagged, \(Self.int(a.unscreened)) not fully screened. Verdict: <strong>\(v.verified ? "verified" : "not verified")</strong> (<code>verify.json</code>). By list gives both; the sections after it are the release's (after).</p>
            </section>

            """
            return
        }
        out += """
        <p class="note"><strong>After removal</strong> is computed, not verified: it is the dataset without the \(Self.int(b.flagged)) rows of <code>removals.csv</code> (what <code>--write-cleaned</code> writes), \(Self.int(a.samples)) samples, of which none is flagged and \(Self.int(a.unscreened)) were not fully screened. Only re-screening the cleaned release shows that nothing flagged is left in it.</p>
        </section>

        """
    }

    private mutating func card(_ label: String, _ value: String, _ detail: String, tone: String? = nil) {
        out += "<div class=\"card\(tone.map { " " + $0 } ?? "")\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div><div class=\"detail\">\(detail)</div></div>\n"
    }

    private mutating func perList() {
        let total = r.summary.counts.samples
        let lists = r.lists
        out += "<section id=\"lists\">\n<h2>By list</h2>\n"
        if lists.isEmpty { out += "<p>No list.</p>\n</section>\n"; return }
        if let v = r.verification { perListVerified(v); return }
        out += Self.barChart(title: "Flagged samples per million, by list", rows: lists.map { l in
            let p = PrevalenceReport.perMillion(l.flagged, of: total)
            return (l.list.label, p, Self.rate(p), Colour.flagged)
        })
        table(["List", "Version", "#Flagged", "#Per million before", "#After", "Flagged by signal"], lists.map { l in
            [HTML.escape(l.list.name), HTML.escape(l.list.version), Self.int(l.flagged),
             Self.rate(PrevalenceReport.perMillion(l.flagged, of: total)), "0",
             HTML.escape(l.perSignal.filter { $0.1 > 0 }.map { "\($0.0.name) \(Self.int($0.1))" }.joined(separator: ", "))]
        })
        out += "<p class=\"note\">A sample counts once per list it matched, and once per signal of that list it matched by. After: computed, unverified (above).</p>\n</section>\n"
    }

    /// verify's per-list figures: before from the earlier scan (its samples; a list new since it
    /// says so), after from the re-screened release, with verify's verdict.
    private mutating func perListVerified(_ v: PrevalenceReport.Verification) {
        let total = r.summary.counts.samples
        let lists = r.lists
        out += Self.barChart(title: "Flagged samples per million, by list, before (earlier scan) and after (re-screened release)", rows: lists.flatMap { l in
            let e = r.earlier(l.list), pa = PrevalenceReport.perMillion(l.flagged, of: total)
            return [(l.list.label + ", before", e?.perMillion ?? 0, e.map { Self.rate($0.perMillion) } ?? "new list", Colour.flagged),
                    (l.list.label + ", after", pa, Self.rate(pa), Colour.after)]
        })
        table(["List", "Version", "#Flagged before (earlier scan)", "#Per million before", "#Flagged after (re-screened)", "#Per million after",
               "After (verify)", "Flagged after by signal"], lists.map { l in
            let e = r.earlier(l.list)
            return [HTML.escape(l.list.name), HTML.escape(l.list.version),
                    e.map { Self.int($0.flagged) } ?? "new list", e.map { Self.rate($0.perMillion) } ?? "new list",
                    Self.int(l.flagged), Self.rate(PrevalenceReport.perMillion(l.flagged, of: total)),
                    v.verified ? "verified" : "not verified",
                    HTML.escape(l.perSignal.filter { $0.1 > 0 }.map { "\($0.0.name) \(Self.int($0.1))" }.joined(separator: ", "))]
        })
        let missing = r.missingLists
        if !missing.isEmpty {
            table(["Earlier list no longer in the database", "Version", "#Flagged before (earlier scan)", "#Per million before", "After"], missing.map { m in
                [HTML.escape(m.list.name), HTML.escape(m.list.version), Self.int(m.flagged), Self.rate(m.perMillion), "not screened now"]
            })
        }
        out += "<p class=\"note\">Before: the earlier scan's flagged samples per list, per million of its \(Self.int(v.earlierSamples)) samples; a list the earlier scan did not have is a <em>new list</em> (<code>verify.json</code> names its entries new since). After: the re-screened release's, per million of its \(Self.int(total)) samples; verify's verdict: \(v.verified ? "verified" : "not verified").</p>\n</section>\n"
    }

    private mutating func perSignal() {
        let total = r.summary.counts.samples
        let signals = r.summary.counts.perSignal
        out += "<section id=\"signals\">\n<h2>By signal\(afterLabel)</h2>\n"
        out += Self.barChart(title: "Flagged samples per million, by signal", rows: signals.map { s in
            let p = PrevalenceReport.perMillion(s.matched, of: total)
            return (s.signal.name, p, Self.rate(p), Colour.flagged)
        })
        table(["Signal", "#Screened", "#Flagged", "#Per million", "#Not computed", "#Low quality", "#Not applicable"], signals.map { s in
            [HTML.escape(s.signal.name), Self.int(s.screened), Self.int(s.matched), Self.rate(PrevalenceReport.perMillion(s.matched, of: total)),
             Self.int(s.notComputed), Self.int(s.skippedLowQuality), Self.int(s.notApplicable)]
        })
        out += "<p class=\"note\">For every signal, screened + not computed + low quality + not applicable = samples (docs/summary.md).</p>\n</section>\n"
    }

    private mutating func matchKinds() {
        let p = r.prevalence
        out += "<section id=\"kinds\">\n<h2>By match kind\(afterLabel)</h2>\n"
        let names: [Prevalence.MatchKind: String] = [
            .fileDigest: "File digest (exact)", .recordedHash: "Recorded in the manifest (exact)",
            .url: "URL hash (exact)", .perceptual: "Perceptual (within threshold)",
        ]
        var rows = Prevalence.MatchKind.allCases.map { k in
            (names[k]!, Double(p.perKind[k] ?? 0), Self.int(p.perKind[k] ?? 0), Colour.kind)
        }
        rows.append(("Perceptual only (no exact match)", Double(p.perceptualOnly), Self.int(p.perceptualOnly), Colour.kind))
        out += Self.barChart(title: "Flagged samples by how they matched", rows: rows)
        out += "<p class=\"note\">A sample counts once per kind it matched by.</p>\n"
        for q in p.perceptual {
            let h = PrevalenceReport.histogram(q)
            out += "<h3>\(HTML.escape(q.signal.name)): distance of the closest match</h3>\n"
            out += Self.histogram(title: "Flagged samples by the Hamming distance of their closest \(q.signal.name) match (threshold \(q.threshold))", bins: h, threshold: q.threshold)
            let v = PrevalenceReport.variants(q)
            out += "<h3>\(HTML.escape(q.signal.name)): dihedral variant of the closest match</h3>\n"
            out += Self.barChart(title: "Flagged samples by the variant of the sample that matched", rows: v.map { ($0.0, Double($0.1), Self.int($0.1), Colour.variant) })
        }
        if p.perceptual.isEmpty { out += "<p class=\"note\">No perceptual signal was requested.</p>\n" }
        out += "</section>\n"
    }

    private mutating func inputs() {
        let c = r.summary.counts
        out += "<section id=\"inputs\">\n<h2>By input and shard\(afterLabel)</h2>\n"
        out += Self.barChart(title: "Flagged samples per million, by input", rows: c.perInput.enumerated().map { i, ic in
            let p = PrevalenceReport.perMillion(ic.matched, of: ic.samples)
            return (inputName(i), p, Self.rate(p), Colour.flagged)
        })
        table(["Input", "#Samples", "#Flagged", "#Per million", "#Not fully screened"], c.perInput.enumerated().map { i, ic in
            [HTML.escape(inputName(i)), Self.int(ic.samples), Self.int(ic.matched),
             Self.rate(PrevalenceReport.perMillion(ic.matched, of: ic.samples)), Self.int(ic.errors)]
        })
        for i in c.perInput.indices {
            let shards = r.shards(ofInput: i)
            guard shards.contains(where: { $0.name != nil }) else { continue }
            let shown = shards.filter { $0.flagged > 0 || $0.unscreened > 0 }.sorted { a, b in
                let pa = PrevalenceReport.perMillion(a.flagged, of: a.samples), pb = PrevalenceReport.perMillion(b.flagged, of: b.samples)
                return pa != pb ? pa > pb : a.shard < b.shard
            }.prefix(Self.shownShards)
            out += "<h3>Shards of \(HTML.escape(inputName(i)))</h3>\n"
            if shown.isEmpty {
                out += "<p>No shard of its \(Self.int(shards.count)) has a flagged or unscreened sample.</p>\n"
                continue
            }
            out += Self.barChart(title: "Flagged samples per million, by shard (the most flagged first)", rows: shown.map { s in
                let p = PrevalenceReport.perMillion(s.flagged, of: s.samples)
                return (s.name ?? String(s.shard), p, Self.rate(p), Colour.flagged)
            })
            table(["Shard", "#Samples", "#Flagged", "#Per million", "#Not fully screened"], shown.map { s in
                [HTML.escape(s.name ?? String(s.shard)), Self.int(s.samples), Self.int(s.flagged),
                 Self.rate(PrevalenceReport.perMillion(s.flagged, of: s.samples)), Self.int(s.unscreened)]
            })
            let rest = shards.count - shown.count
            out += "<p class=\"note\">\(Self.int(shown.count)) of \(Self.int(shards.count)) shards with samples shown (those with a flagged or unscreened sample, at most \(Self.shownShards))\(rest > 0 ? "; every shard is in <code>prevalence.json</code>" : "").</p>\n"
        }
        out += "</section>\n"
    }

    /// verify's report: the sections after the per-list one are the re-screened release's.
    private var afterLabel: String { r.verification == nil ? "" : " (after: re-screened release)" }

    private func inputName(_ i: Int) -> String { i < r.summary.inputs.count ? r.summary.inputs[i].path : "input \(i + 1)" }

    private mutating func errors() {
        let c = r.summary.counts
        out += "<section id=\"errors\">\n<h2>Errors by stage\(afterLabel)</h2>\n"
        out += Self.barChart(title: "Samples not fully screened, by the stage that failed", rows: FailureStage.allCases.map { st in
            (st.rawValue, Double(c.errorsByStage[st] ?? 0), Self.int(c.errorsByStage[st] ?? 0), Colour.errors)
        })
        table(["Signal not computed because", "#Samples"], NotComputedReason.allCases.map { reason in
            [reason.rawValue.replacingOccurrences(of: "_", with: " "), Self.int(c.notComputed[reason] ?? 0)]
        })
        out += "<p class=\"note\">A sample counts once per stage it failed in; the reasons in <code>errors.jsonl</code>.</p>\n</section>\n"
    }

    private mutating func provenance() {
        let s = r.summary
        out += "<section id=\"provenance\">\n<h2>Provenance\(afterLabel)</h2>\n<dl>\n"
        def("Tool", "hashscreen \(s.version)")
        def("OpenSSL", s.opensslVersion)
        def("List database", s.listDatabase)
        out += "</dl>\n<h3>Lists</h3>\n"
        for l in s.lists {
            out += "<div class=\"box\"><h4>\(HTML.escape(l.ref.label))</h4>\n<dl>\n"
            def("Entries", Self.int(l.entryCount))
            def("By type", l.countsByType.sorted { $0.key < $1.key }.map { "\($0.key.name) \(Self.int($0.value))" }.joined(separator: ", "))
            def("Imported", "\(l.importedAt) by \(l.toolVersion)")
            def("URL convention", l.urlConvention.name + (l.recordedURLConvention == nil ? " (not recorded)" : ""))
            for src in l.sources {
                def("Source", "\((src.path as NSString).lastPathComponent) (\(src.format), \(Self.int(src.entries)) entries)")
                def("SHA-256", src.sha256, code: true)
            }
            out += "</dl></div>\n"
        }
        out += "<h3>Inputs</h3>\n"
        for input in s.inputs {
            out += "<div class=\"box\"><h4>\(HTML.escape(input.path))</h4>\n<dl>\n"
            def("Layout", input.layout)
            def("SHA-256", input.sha256 ?? "none (a folder)", code: input.sha256 != nil)
            out += "</dl></div>\n"
        }
        out += "<h3>Options</h3>\n<dl>\n"
        for (name, value) in r.resultOptions { def(name, Self.text(value)) }
        out += "</dl>\n</section>\n"
    }

    /// A table whose cells are HTML already (escaped by the caller). A header starting with `#`
    /// is a numeric column (right-aligned). At a phone's width a table of more than three
    /// columns stacks each row into label/value lines (`data-label`, CSS only).
    private mutating func table(_ headers: [String], _ rows: [[String]]) {
        let cols = headers.map { h in h.hasPrefix("#") ? (String(h.dropFirst()), true) : (h, false) }
        out += cols.count > 3 ? "<table class=\"stack\">\n<thead><tr>" : "<table>\n<thead><tr>"
        for (h, n) in cols { out += n ? "<th class=\"n\">\(h)</th>" : "<th>\(h)</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>"
            for (j, cell) in row.enumerated() {
                let (h, n) = j < cols.count ? cols[j] : ("", false)
                out += "<td data-label=\"\(h)\"\(n ? " class=\"n\"" : " class=\"name\"")>\(cell)</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
    }

    private mutating func def(_ term: String, _ value: String, code: Bool = false) {
        let v = HTML.escape(value)
        out += "<dt>\(HTML.escape(term))</dt><dd>\(code ? "<code>\(v)</code>" : v)</dd>\n"
    }

    private mutating func times() {
        let s = r.summary, t = s.times
        let seconds = max(t.finished.timeIntervalSince(t.started), 1e-9)
        out += Self.timesBegin + "\n<section id=\"run\">\n<h2>This run</h2>\n<p class=\"note\">Times and throughput differ from run to run; everything above is the same for the same inputs, list and options.</p>\n<dl>\n"
        def("Started", PrevalenceReport.isoTime(t.started))
        def("Finished", PrevalenceReport.isoTime(t.finished))
        if let j = r.jobs { def("Jobs", String(j)) }
        def("Wall time", String(format: "%.3f s (set-up %.3f s, scan %.3f s)", seconds, t.setupSeconds, t.scanSeconds))
        def("CPU time", String(format: "%.3f s (set-up %.3f s, scan %.3f s)", t.setupCPUSeconds + t.scanCPUSeconds, t.setupCPUSeconds, t.scanCPUSeconds))
        def("Throughput", String(format: "%.1f samples/s, %.1f MB read", Double(s.counts.samples) / seconds, Double(s.bytesRead) / 1e6))
        out += "</dl>\n</section>\n" + Self.timesEnd + "\n"
    }

    // MARK: - Charts (inline SVG)

    /// Horizontal bars, one row each: the label above its bar, the value at the right. Bars
    /// are scaled to the largest value; a zero is a bare track.
    static func barChart(title: String, rows: [(String, Double, String, String)]) -> String {
        let width = 340.0, rowHeight = 34.0
        let top = rows.map(\.1).max() ?? 0
        let height = Double(rows.count) * rowHeight + 4
        var s = "<figure><figcaption>\(HTML.escape(title))</figcaption>\n"
        s += "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight
            let w = top > 0 ? max(row.1 / top * width, row.1 > 0 ? 2 : 0) : 0
            s += "<text x=\"0\" y=\(q(y + 13)) class=\"l\">\(HTML.escape(truncated(row.0, 36)))<title>\(HTML.escape(row.0))</title></text>"
            s += "<text x=\(q(width)) y=\(q(y + 13)) class=\"v\">\(HTML.escape(row.2))</text>"
            s += "<rect x=\"0\" y=\(q(y + 18)) width=\(q(width)) height=\"10\" rx=\"2\" fill=\"\(Colour.track)\"/>"
            if w > 0 { s += "<rect x=\"0\" y=\(q(y + 18)) width=\(q(w)) height=\"10\" rx=\"2\" fill=\"\(row.3)\"/>" }
            s += "\n"
        }
        return s + "</svg>\n</figure>\n"
    }

    /// Vertical bars, one per distance 0 ... the last bin, the threshold marked.
    static func histogram(title: String, bins: [Int], threshold: Int) -> String {
        let width = 340.0, plotTop = 16.0, plotHeight = 120.0, left = 28.0
        let top = bins.max() ?? 0
        let step = (width - left) / Double(max(bins.count, 1))
        var s = "<figure><figcaption>\(HTML.escape(title))</figcaption>\n"
        s += "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) 168\" role=\"img\" aria-label=\"\(HTML.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        s += "<line x1=\(q(left)) y1=\(q(plotTop + plotHeight)) x2=\(q(width)) y2=\(q(plotTop + plotHeight)) stroke=\"#90a4ae\"/>\n"
        s += "<text x=\(q(left - 4)) y=\(q(plotTop + 4)) class=\"v\">\(int(top))</text><text x=\(q(left - 4)) y=\(q(plotTop + plotHeight)) class=\"v\">0</text>\n"
        let labelEvery = bins.count > 20 ? 5 : bins.count > 10 ? 2 : 1
        for (d, n) in bins.enumerated() {
            let x = left + Double(d) * step
            if n > 0, top > 0 {
                let h = max(Double(n) / Double(top) * plotHeight, 1.5)
                s += "<rect x=\(q(x + step * 0.1)) y=\(q(plotTop + plotHeight - h)) width=\(q(step * 0.8)) height=\(q(h)) fill=\"\(Colour.histogram)\"><title>distance \(d): \(int(n)) samples</title></rect>"
            }
            if d % labelEvery == 0 || (d == bins.count - 1 && d % labelEvery > labelEvery / 2) {
                s += "<text x=\(q(x + step / 2)) y=\(q(plotTop + plotHeight + 14)) class=\"c\">\(d)</text>"
            }
        }
        if threshold < bins.count {
            let x = left + Double(threshold + 1) * step
            s += "\n<line x1=\(q(x)) y1=\(q(plotTop - 6)) x2=\(q(x)) y2=\(q(plotTop + plotHeight)) stroke=\"#455a64\" stroke-dasharray=\"3 3\"/>"
        }
        s += "\n<text x=\(q(left + (width - left) / 2)) y=\"164\" class=\"c\">Hamming distance (dashed: threshold)</text>\n"
        return s + "</svg>\n</figure>\n"
    }

    /// A coordinate as a quoted attribute value, to a tenth.
    private static func q(_ v: Double) -> String { "\"" + String(format: "%.1f", v) + "\"" }

    private static func truncated(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    // MARK: - Numbers

    /// `1,234,567`.
    static func int(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A rate per million: whole numbers from 100 (`40,000`), one decimal from 1 (`12.5`),
    /// three significant digits below (`0.000172`), `0` for none.
    static func rate(_ v: Double) -> String {
        if v == 0 { return "0" }
        if v >= 100 { return int(Int(v.rounded())) }
        if v >= 1 { return String(format: "%.1f", v) }
        let decimals = min(12, max(1, 2 - Int(floor(log10(v)))))
        return String(format: "%.\(decimals)f", v)
    }

    static func text(_ v: ScanSummary.OptionValue) -> String {
        switch v {
        case .bool(let b): return b ? "yes" : "no"
        case .int(let i): return String(i)
        case .string(let s): return s
        case .strings(let a): return a.joined(separator: ", ")
        }
    }

    // MARK: - Style

    static let css = """

    :root{color-scheme:light;--ink:#1c2329;--muted:#5f6b73;--line:#d5dbe0;--bg:#f6f8f9}
    *{box-sizing:border-box}
    html{-webkit-text-size-adjust:100%}
    body{margin:0;overflow-wrap:anywhere;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
    main{max-width:860px;margin:0 auto;padding:16px}
    header,section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 14px}
    h1{font-size:1.5rem;margin:0 0 6px}
    h2{font-size:1.15rem;margin:0 0 10px}
    h3{font-size:1rem;margin:16px 0 6px}
    h4{font-size:.95rem;margin:0 0 6px;overflow-wrap:anywhere}
    .lead{font-size:1.05rem;margin:0 0 8px}
    .note{color:var(--muted);font-size:.85rem;margin:8px 0 0}
    code{font:.85em/1.4 ui-monospace,"DejaVu Sans Mono",monospace;overflow-wrap:anywhere;word-break:break-all}
    .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:0 0 12px}
    .card{border:1px solid var(--line);border-left:5px solid #90a4ae;border-radius:6px;padding:8px 10px}
    .card.bad{border-left-color:\(Colour.flagged)}.card.good{border-left-color:\(Colour.after)}.card.warn{border-left-color:\(Colour.errors)}
    .card .label{font-size:.8rem;color:var(--muted)}
    .card .value{font-size:1.5rem;font-weight:600;font-variant-numeric:tabular-nums}
    .card .detail{font-size:.78rem;color:var(--muted)}
    figure{margin:10px 0 12px}
    figcaption{font-size:.85rem;color:var(--muted);margin:0 0 4px}
    svg.chart{display:block;width:100%;max-width:440px;height:auto;font:13px system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
    svg .l{fill:var(--ink)}
    svg .v{fill:var(--ink);text-anchor:end;font-variant-numeric:tabular-nums}
    svg .c{fill:var(--muted);text-anchor:middle;font-size:10px}
    table{border-collapse:collapse;width:100%;font-size:.85rem}
    th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
    th{font-weight:600;color:var(--muted)}
    .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .name{overflow-wrap:anywhere;word-break:break-word}
    .box{border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:0 0 8px}
    dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:0;font-size:.88rem}
    dt{color:var(--muted)}
    dd{margin:0;overflow-wrap:anywhere;min-width:0}
    @media (max-width:560px){
    main{padding:8px}header,section{padding:10px}
    dl{grid-template-columns:minmax(0,1fr)}dd{margin:0 0 4px}
    table.stack thead{display:none}
    table.stack tr{display:block;border-bottom:1px solid var(--line);padding:4px 0}
    table.stack td{display:flex;justify-content:space-between;gap:12px;border:0;padding:1px 2px;text-align:right}
    table.stack td::before{content:attr(data-label);color:var(--muted);text-align:left;flex:none;max-width:50%}
    table.stack td.name{font-weight:600}
    }

    """
}
