import HashscreenCore

/// Markdown for a CI run's page (`scan --summary-format markdown|github`: appended to
/// `$GITHUB_STEP_SUMMARY`, or kept as a GitLab artifact or merge-request note). Every text
/// taken from the scan (list names, versions, input names) is escaped, so that it prints as it
/// is and cannot open a link, an image or HTML.
package struct MarkdownPrinter<Record: MarkdownRecord>: ReportSink {
    private let output: any ReportOutput

    package init(to output: any ReportOutput) { self.output = output }

    package func write(_ record: Record) throws(HashscreenError) { try output.write(record.markdown) }

    package func finish() throws(HashscreenError) { try output.finish() }

    /// `text` as literal Markdown inside a table cell: the punctuation that could open
    /// emphasis, code, a link or image (`[`, `!`), a heading, a cell (`|`), strike-through or
    /// an emoji (`:`) backslash-escaped (CommonMark §2.4: any ASCII punctuation may be), `<`, `>`
    /// and `&` as entities (no HTML), line breaks as spaces.
    package static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\r\n", "\t": out += " "
            case "\\", "`", "*", "_", "[", "]", "#", "!", "|", "~", ":":
                out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }
}

extension ScanSummary: MarkdownRecord {
    /// The verdict, then tables: per signal, per list, per input; signals not computed by
    /// reason; the gate. Counts and names only: no key, URL, path or hash value, since a CI
    /// page may be public.
    package var markdown: String {
        let e = MarkdownPrinter<ScanSummary>.escape
        let verdict: String
        switch exitStatus {
        case 1: verdict = "**matched**: \(plural(counts.matched, "sample")) on a list"
        case 3: verdict = "**incomplete**: \(plural(counts.unscreened, "sample")) not screened by every requested signal"
        default: verdict = counts.errors > 0 ? "**passed**, \(plural(counts.unscreened, "sample")) unscreened within the limit" : "**clean**"
        }
        var out = "### hashscreen scan: exit \(exitStatus)\n\n"
        out += "\(verdict). \(plural(counts.samples, "sample")): \(counts.scanned) fully screened, \(counts.matched) matched, \(counts.errors) not fully screened.\n"
        if let maxUnscreened {
            out += "\nUnscreened samples: \(counts.unscreened) of \(counts.samples), limit \(e(maxUnscreened)): \(exitStatus == 3 ? "exceeded" : "within").\n"
        }
        out += "\n| signal | screened | matched | not computed | low quality | not applicable |\n|---|---:|---:|---:|---:|---:|\n"
        for s in counts.perSignal {
            out += "| \(s.signal.name) | \(s.screened) | \(s.matched) | \(s.notComputed) | \(s.skippedLowQuality) | \(s.notApplicable) |\n"
        }
        out += "\n| list | version | entries | matched |\n|---|---|---:|---:|\n"
        let entries = Dictionary(lists.map { ($0.ref, $0.entryCount) }, uniquingKeysWith: { a, _ in a })
        for l in counts.perList {
            out += "| \(e(l.list.name)) | \(e(l.list.version)) | \(entries[l.list] ?? 0) | \(l.matched) |\n"
        }
        out += "\n| input | layout | samples | matched | not fully screened |\n|---|---|---:|---:|---:|\n"
        for (i, c) in counts.perInput.enumerated() where i < inputs.count {
            out += "| \(e(Self.subjectName(inputs[i].path))) | \(inputs[i].layout) | \(c.samples) | \(c.matched) | \(c.errors) |\n"
        }
        let reasons = NotComputedReason.allCases.filter { (counts.notComputed[$0] ?? 0) > 0 }
        if !reasons.isEmpty {
            out += "\nNot computed, by reason: " + reasons.map { "\($0.rawValue) \(counts.notComputed[$0]!)" }.joined(separator: ", ") + ".\n"
        }
        out += "\nhashscreen \(e(version)); flagged samples in `removals.csv`, failures in `errors.jsonl` of the output folder.\n"
        return out
    }
}

extension MarkdownPrinter {
    /// The Markdown of one record.
    package static func render(_ record: Record) -> String { record.markdown }
}
