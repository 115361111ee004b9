// `hashscreen merge`: the parts of a sharded scan (`scan --shard I/N`, one output folder each)
// combined into the outputs one unsharded scan gives (docs/sharding.md). The parts are checked
// first (all finished, the same scan, each part once, none missing); the findings are merged
// k-way from the parts' `part-*.run` files (memory: one read buffer per part); the counts are
// summed per input and the totals made from them as a scan makes them; the prevalence counts
// (`part-prevalence.json`) summed, and `prevalence.json` and `report.html` printed from them.
import Foundation
import HashscreenCore

package enum PartMerge {
    /// One part's folder and what its `summary.json` says.
    struct Part {
        var folder: String
        var summary: JSONValue
        var shard: ScanSummary.ShardPart
        var provenance: JSONValue { summary[key: "provenance"] ?? .null }
    }

    /// Checks `folders` are the complete parts of one sharded scan and writes their merge into
    /// `out`. Returns the merged summary's closing line and exit status (1 match, 3 incomplete, 0).
    package static func merge(_ folders: [String], into out: OutputFolder) throws(HashscreenError) -> (line: String, exitStatus: Int) {
        guard !folders.isEmpty else { throw HashscreenError(.usage, "merge: name the parts' output folders") }
        let outPath = realPath(out.directory)
        // Reads every part's summary and checks it against the first; only the first part's
        // document and the running sums stay in memory.
        var first: Part? = nil
        var seen: [Int: String] = [:]
        var units = 0
        var perInput: [ScanSummary.Counts] = []
        var perList: [Int] = []
        var digests: [String?] = []
        var prevalence: Prevalence? = nil
        var started = "", finished = ""
        var setup = 0.0, scan = 0.0, setupCPU = 0.0, scanCPU = 0.0, megabytes = 0.0
        for folder in folders {
            if realPath(folder) == outPath {
                throw HashscreenError(.usage, "merge: the part \(folder) is also --out \(out.directory); write the merge into another folder")
            }
            let part = try read(folder)
            if let f = first {
                try checkSame(part, as: f)
            }
            if let other = seen[part.shard.index] {
                throw HashscreenError(.input, "the parts \(other) and \(folder) are both part \(part.shard.index)/\(part.shard.count): they overlap",
                                      remedy: "name each part's folder once")
            }
            seen[part.shard.index] = folder
            units += part.shard.units
            let counts = try inputCounts(part)
            let partPrevalence = try readPrevalence(folder, inputs: counts.count)
            if prevalence == nil { prevalence = partPrevalence } else { prevalence!.add(partPrevalence) }
            let lists = (part.summary[key: "counts"]?[key: "per_list"]?.arrayValue ?? []).map { $0[key: "matched"]?.intValue ?? 0 }
            let inputs = part.provenance[key: "inputs"]?.arrayValue ?? []
            if first == nil {
                perInput = counts; perList = lists
                digests = inputs.map { $0[key: "sha256"]?.stringValue }
                started = part.provenance[key: "started"]?.stringValue ?? ""
                finished = part.provenance[key: "finished"]?.stringValue ?? ""
                first = part
            } else {
                guard counts.count == perInput.count, lists.count == perList.count else {
                    throw HashscreenError(.input, "the part \(folder)'s counts do not match its inputs or lists: its summary.json was changed")
                }
                for i in counts.indices { perInput[i] = sum(perInput[i], counts[i]) }
                for j in lists.indices { perList[j] += lists[j] }
                for (i, input) in inputs.enumerated() {
                    guard let d = input[key: "sha256"]?.stringValue else { continue }
                    if let known = digests[i], known != d {
                        throw HashscreenError(.input, "input \(input[key: "path"]?.stringValue ?? "#\(i + 1)") has SHA-256 \(known) in the part \(first!.folder) but \(d) in the part \(folder): it changed between the parts' scans",
                                              remedy: "scan every part again on the same files")
                    }
                    digests[i] = d
                }
                started = min(started, part.provenance[key: "started"]?.stringValue ?? started)
                finished = max(finished, part.provenance[key: "finished"]?.stringValue ?? finished)
            }
            let t = part.summary[key: "throughput"]
            setup += number(t?[key: "setup_seconds"]); scan += number(t?[key: "scan_seconds"])
            setupCPU += number(t?[key: "cpu_seconds"]?[key: "setup"]); scanCPU += number(t?[key: "cpu_seconds"]?[key: "scan"])
            megabytes += number(t?[key: "megabytes_read"])
        }
        let base = first!
        let missing = (0..<base.shard.count).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            let names = missing.prefix(10).map { "\($0)/\(base.shard.count)" }.joined(separator: ", ")
            throw HashscreenError(.input, "\(missing.count) of the \(base.shard.count) parts \(missing.count == 1 ? "is" : "are") missing: \(names)\(missing.count > 10 ? ", ..." : "")",
                                  remedy: "run `scan --shard I/\(base.shard.count)` for each missing part (same arguments) and name every part's folder")
        }
        guard units == base.shard.unitsTotal else {
            throw HashscreenError(.input, "the parts screened \(units) work units but the scan has \(base.shard.unitsTotal): their summaries were changed")
        }

        // The findings, merged from the parts' sorted files.
        let matches = folders.map { ($0 as NSString).appendingPathComponent(OutputFolder.File.partMatches) }
        let errors = folders.map { ($0 as NSString).appendingPathComponent(OutputFolder.File.partErrors) }
        try out.removePreviousRun()
        let flagged = folders.map { ($0 as NSString).appendingPathComponent(OutputFolder.File.partFlagged) }
        // reporting.jsonl when the parts exported it: the merged flagged records carry the facts;
        // scanned_at is the scan's start (its first part's), as one scan's lines have its own.
        let reporting = base.shard.exportReporting
            ? ReportingContext(scannedAt: date(started), inputs: (base.provenance[key: "inputs"]?.arrayValue ?? []).map { $0[key: "path"]?.stringValue ?? "" },
                               shards: shardNames(prevalence!))
            : nil
        _ = try out.write(matches: MergedPartRecords<MatchRecord>(paths: matches), failures: MergedPartRecords<FailureRecord>(paths: errors),
                          flagged: MergedPartRecords<FlaggedRecord>(paths: flagged), reporting: reporting)

        // The counts as a scan makes them from its inputs'.
        let signals = signalsOf(base)
        var totals = total(perInput, signals: signals)
        for k in ["non_image_files_ignored", "rows_not_success"] where totals.passedOver[k] == nil { totals.passedOver[k] = 0 }
        let listsJSON = base.summary[key: "counts"]?[key: "per_list"]?.arrayValue ?? []
        totals.perList = zip(listsJSON, perList).map { l, m in
            ScanSummary.ListCount(list: ListRef(name: l[key: "name"]?.stringValue ?? "", version: l[key: "version"]?.stringValue ?? ""), matched: m)
        }
        totals.perInput = perInput
        let inputsJSON = base.provenance[key: "inputs"]?.arrayValue ?? []
        let inputs = inputsJSON.map { ScanSummary.Input(path: $0[key: "path"]?.stringValue ?? "", layout: $0[key: "layout"]?.stringValue ?? "", sha256: nil) }
        let exit = totals.matched > 0 ? 1 : totals.errors > 0 ? 3 : 0
        let start = date(started), end = date(finished)
        let summary = ScanSummary(counts: totals, opensslVersion: "", lists: [], listDatabase: "", inputs: inputs, options: [],
                                  cleanedManifests: nil,
                                  times: ScanSummary.Times(started: start, finished: end, setupSeconds: setup, scanSeconds: scan,
                                                           setupCPUSeconds: setupCPU, scanCPUSeconds: scanCPU),
                                  bytesRead: Int((megabytes * 1e6).rounded()), exitStatus: exit, outputDirectory: out.directory)
        // Provenance: the first part's, with every input's digest, the whole span, no shard.
        var provenance: [(String, JSONValue)] = []
        for (k, v) in base.provenance.objectValue ?? [] {
            switch k {
            case "shard": continue
            case "started": provenance.append((k, .string(started)))
            case "finished": provenance.append((k, .string(finished)))
            case "inputs":
                provenance.append((k, .array(inputsJSON.enumerated().map { i, input in
                    .object((input.objectValue ?? []).map { $0.0 == "sha256" ? ($0.0, digests[i].map { .string($0) } ?? .null) : $0 })
                })))
            default: provenance.append((k, v))
            }
        }
        let document = JSONValue.object([("counts", summary.countsJSON), ("provenance", .object(provenance)),
                                         ("throughput", summary.throughputJSON), ("exit_status", .int(exit))])
        // prevalence.json and report.html, from the summed counts and the merged provenance.
        var full = summary
        let p = base.provenance
        full.version = p[key: "version"]?.stringValue ?? ""
        full.opensslVersion = p[key: "openssl"]?.stringValue ?? ""
        full.listDatabase = p[key: "list_database"]?.stringValue ?? ""
        full.lists = try (p[key: "lists"]?.arrayValue ?? []).map { (l: JSONValue) throws(HashscreenError) in
            guard let list = listProvenance(l) else {
                throw HashscreenError(.input, "\(base.folder)/summary.json: provenance.lists holds an entry hashscreen cannot read")
            }
            return list
        }
        full.options = (p[key: "options"]?.objectValue ?? []).compactMap { k, v in option(v).map { (k, $0) } }
        for i in full.inputs.indices where i < digests.count { full.inputs[i].sha256 = digests[i] }
        try out.writeReport(full, prevalence: prevalence!)
        try out.write(summaryDocument: document)
        return (String(summary.text.dropLast()), exit)
    }

    /// Per input, its shard names by shard number, as the parts recorded them (a flagged
    /// sample's shard has samples, so its part recorded its name); none for an input whose
    /// layout has no shards (as a scan's context has none).
    static func shardNames(_ p: Prevalence) -> [[String]] {
        p.shards.indices.map { i in
            guard let top = p.shards[i].keys.max() else { return [] }
            let names = (0...top).map { s in p.name(input: i, shard: s) ?? p.shards[i][s]?.name }
            return names.allSatisfy { $0 == nil } ? [] : names.map { $0 ?? "" }
        }
    }

    // MARK: - Reading and checking the parts

    static func read(_ folder: String) throws(HashscreenError) -> Part {
        let path = (folder as NSString).appendingPathComponent(OutputFolder.File.summary)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HashscreenError(.input, "\(folder) has no summary.json: it is not the output folder of a finished scan (a part still running, failed or killed has none)",
                                  remedy: "run (or rerun) that part's `scan --shard I/N` to its end")
        }
        guard let doc = JSONValue.parse(Array(data)), let p = doc[key: "provenance"] else {
            throw HashscreenError(.input, "\(path) is not a scan's summary (not JSON, or no provenance)")
        }
        guard let s = p[key: "shard"], let i = s[key: "index"]?.intValue, let n = s[key: "count"]?.intValue,
              let u = s[key: "units"]?.intValue, let t = s[key: "units_total"]?.intValue else {
            throw HashscreenError(.input, "\(folder) holds a whole scan, not a part of a sharded one (its summary.json has no provenance.shard)",
                                  remedy: "merge the folders of `scan --shard I/N` runs")
        }
        for name in [OutputFolder.File.partMatches, OutputFolder.File.partErrors, OutputFolder.File.partFlagged, OutputFolder.File.partPrevalence] {
            let f = (folder as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: f) else {
                throw HashscreenError(.input, "the part \(folder) has no \(name): its folder is incomplete")
            }
        }
        return Part(folder: folder, summary: doc, shard: ScanSummary.ShardPart(index: i, count: n, units: u, unitsTotal: t,
                                                                               exportReporting: s[key: "export_reporting"] == .bool(true)))
    }

    /// Whether `part` is a part of the same scan as `first`: the same shard count and work
    /// units, and the same provenance (tool, OpenSSL, lists, database, inputs, options) but for
    /// times, digests (checked apart: a part digests only the inputs it screens) and `jobs`.
    static func checkSame(_ part: Part, as first: Part) throws(HashscreenError) {
        if part.shard.count != first.shard.count {
            throw HashscreenError(.input, "\(first.folder) is part \(first.shard.index)/\(first.shard.count) but \(part.folder) is part \(part.shard.index)/\(part.shard.count): the parts come from scans split differently",
                                  remedy: "merge the parts of one `--shard I/N` split (the same N)")
        }
        if part.shard.exportReporting != first.shard.exportReporting {
            let (with, without) = first.shard.exportReporting ? (first.folder, part.folder) : (part.folder, first.folder)
            throw HashscreenError(.input, "\(with) ran with --export-reporting but \(without) did not: the merge could not write a whole reporting.jsonl",
                                  remedy: "run every part with the same options (--export-reporting on all or none)")
        }
        if part.shard.unitsTotal != first.shard.unitsTotal {
            throw HashscreenError(.input, "\(first.folder) splits \(first.shard.unitsTotal) work units but \(part.folder) splits \(part.shard.unitsTotal): their inputs differ")
        }
        if let d = difference(comparable(first.provenance), comparable(part.provenance), at: "provenance") {
            throw HashscreenError(.input, "\(part.folder) is not a part of the same scan as \(first.folder): \(d)",
                                  remedy: "run every part with the same inputs, list database and options")
        }
    }

    /// The provenance without what may differ between parts of one scan.
    static func comparable(_ p: JSONValue) -> JSONValue {
        guard case .object(let o) = p else { return p }
        return .object(o.compactMap { k, v in
            switch k {
            case "started", "finished", "shard": return nil
            case "options": return (k, .object((v.objectValue ?? []).filter { $0.0 != "jobs" }))
            case "inputs": return (k, .array((v.arrayValue ?? []).map { .object(($0.objectValue ?? []).filter { $0.0 != "sha256" }) }))
            default: return (k, v)
            }
        })
    }

    /// The first place where `a` and `b` differ, named by its path (`provenance.lists[0].version`).
    package static func difference(_ a: JSONValue, _ b: JSONValue, at path: String) -> String? {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for (k, v) in x {
                guard let w = y.first(where: { $0.0 == k })?.1 else { return "\(path).\(k) is missing from the second" }
                if let d = difference(v, w, at: "\(path).\(k)") { return d }
            }
            for (k, _) in y where !x.contains(where: { $0.0 == k }) { return "\(path).\(k) is only in the second" }
            return nil
        case (.array(let x), .array(let y)):
            if x.count != y.count { return "\(path) has \(x.count) entries in the first and \(y.count) in the second" }
            for (i, (v, w)) in zip(x, y).enumerated() {
                if let d = difference(v, w, at: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return a == b ? nil : "\(path) is \(a.rendered()) in the first and \(b.rendered()) in the second"
        }
    }

    // MARK: - Counts

    /// A part's prevalence counts (`part-prevalence.json`), for its `inputs` inputs.
    static func readPrevalence(_ folder: String, inputs: Int) throws(HashscreenError) -> Prevalence {
        let path = (folder as NSString).appendingPathComponent(OutputFolder.File.partPrevalence)
        guard let data = FileManager.default.contents(atPath: path), let doc = JSONValue.parse(Array(data)),
              let p = Prevalence(rawJSON: doc), p.shards.count == inputs else {
            throw HashscreenError(.input, "\(path) cannot be read (not written by this version of hashscreen, or changed)",
                                  remedy: "rerun that part's `scan --shard I/N`")
        }
        return p
    }

    /// A list's provenance as `summary.json` gives it (`ListProvenance.json`): what
    /// `prevalence.json` and `report.html` show of it. A source keeps only its file name (the
    /// only part of its path outputs show).
    static func listProvenance(_ v: JSONValue) -> ListProvenance? {
        guard let name = v[key: "name"]?.stringValue, let version = v[key: "version"]?.stringValue,
              let imported = v[key: "imported_at"]?.stringValue, let by = v[key: "imported_by"]?.stringValue,
              let entries = v[key: "entries"]?.intValue, let duplicates = v[key: "duplicates"]?.intValue,
              let skipped = v[key: "skipped_invalid"]?.intValue, let convention = v[key: "url_convention"]?.stringValue,
              case .bool(let recorded)? = v[key: "url_convention_recorded"] else { return nil }
        var byType: [SignalKind: Int] = [:]
        for (k, n) in v[key: "counts_by_type"]?.objectValue ?? [] {
            guard let s = SignalKind(name: k), let n = n.intValue else { return nil }
            byType[s] = n
        }
        var other: [String: Int] = [:]
        for (k, n) in v[key: "other_type_counts"]?.objectValue ?? [] {
            guard let n = n.intValue else { return nil }
            other[k] = n
        }
        var sources: [ListProvenance.Source] = []
        for s in v[key: "sources"]?.arrayValue ?? [] {
            guard let file = s[key: "file"]?.stringValue, let sha = s[key: "sha256"]?.stringValue, let format = s[key: "format"]?.stringValue,
                  let records = s[key: "records"]?.intValue, let e = s[key: "entries"]?.intValue,
                  let d = s[key: "duplicates"]?.intValue, let k = s[key: "skipped_invalid"]?.intValue else { return nil }
            sources.append(ListProvenance.Source(path: file, sha256: sha, format: format, records: records, entries: e, duplicates: d, skipped: k))
        }
        var recordedConvention: URLConvention? = nil
        if recorded {
            guard let c = URLConvention(rawValue: convention) else { return nil }
            recordedConvention = c
        }
        return ListProvenance(name: name, version: version, importedAt: imported, toolVersion: by, entryCount: entries,
                              duplicateCount: duplicates, skippedCount: skipped, countsByType: byType, otherTypeCounts: other,
                              sources: sources, recordedURLConvention: recordedConvention)
    }

    /// An option's value as `summary.json` gives it (`OptionValue.json`).
    static func option(_ v: JSONValue) -> ScanSummary.OptionValue? {
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        case .array(let a): return .strings(a.compactMap(\.stringValue))
        default: return nil
        }
    }

    /// Each input's counts as the part's summary gives them.
    static func inputCounts(_ part: Part) throws(HashscreenError) -> [ScanSummary.Counts] {
        let signals = signalsOf(part)
        var out: [ScanSummary.Counts] = []
        for c in part.summary[key: "counts"]?[key: "per_input"]?.arrayValue ?? [] {
            guard let counts = self.counts(c, signals: signals) else {
                throw HashscreenError(.input, "\(part.folder)/summary.json: counts.per_input holds an entry hashscreen cannot read")
            }
            out.append(counts)
        }
        return out
    }

    static func signalsOf(_ part: Part) -> [SignalKind] {
        (part.provenance[key: "options"]?[key: "signals"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { SignalKind(name: $0) } }
    }

    /// The counts of one `per_input` entry (docs/summary.md): the fixed fields, the stages,
    /// reasons and signals by name, every other integer a reader counter.
    package static func counts(_ v: JSONValue, signals: [SignalKind]) -> ScanSummary.Counts? {
        guard let o = v.objectValue else { return nil }
        var c = ScanSummary.Counts()
        c.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        for (k, value) in o {
            switch k {
            case "path", "layout": continue
            case "samples": c.samples = value.intValue ?? 0
            case "scanned": c.scanned = value.intValue ?? 0
            case "matched": c.matched = value.intValue ?? 0
            case "errors": c.errors = value.intValue ?? 0
            case "decoded": c.decoded = value.intValue ?? 0
            case "rows_without_path": c.rowsWithoutPath = value.intValue ?? 0
            case "errors_by_stage":
                for (s, n) in value.objectValue ?? [] {
                    guard let st = FailureStage(rawValue: s) else { return nil }
                    c.errorsByStage[st] = n.intValue ?? 0
                }
            case "not_computed":
                for (r, n) in value.objectValue ?? [] {
                    guard let reason = NotComputedReason(rawValue: r) else { return nil }
                    if let n = n.intValue, n > 0 { c.notComputed[reason] = n }
                }
            case "per_signal":
                for (name, s) in value.objectValue ?? [] {
                    guard let j = signals.firstIndex(where: { $0.name == name }) else { return nil }
                    c.perSignal[j].screened = s[key: "screened"]?.intValue ?? 0
                    c.perSignal[j].matched = s[key: "matched"]?.intValue ?? 0
                    c.perSignal[j].notComputed = s[key: "not_computed"]?.intValue ?? 0
                    c.perSignal[j].skippedLowQuality = s[key: "skipped_low_quality"]?.intValue ?? 0
                    c.perSignal[j].notApplicable = s[key: "not_applicable"]?.intValue ?? 0
                }
            default:
                guard let n = value.intValue else { return nil }
                c.passedOver[k] = n
            }
        }
        return c
    }

    static func sum(_ a: ScanSummary.Counts, _ b: ScanSummary.Counts) -> ScanSummary.Counts {
        var t = a
        t.samples += b.samples; t.scanned += b.scanned; t.matched += b.matched; t.errors += b.errors
        t.decoded += b.decoded; t.rowsWithoutPath += b.rowsWithoutPath
        t.errorsByStage.merge(b.errorsByStage, uniquingKeysWith: +)
        t.notComputed.merge(b.notComputed, uniquingKeysWith: +)
        t.passedOver.merge(b.passedOver, uniquingKeysWith: +)
        for j in t.perSignal.indices where j < b.perSignal.count {
            t.perSignal[j].screened += b.perSignal[j].screened
            t.perSignal[j].matched += b.perSignal[j].matched
            t.perSignal[j].notComputed += b.perSignal[j].notComputed
            t.perSignal[j].skippedLowQuality += b.perSignal[j].skippedLowQuality
            t.perSignal[j].notApplicable += b.perSignal[j].notApplicable
        }
        return t
    }

    /// The whole scan's counts from its inputs' (as the scan's `Tally.totals`).
    static func total(_ perInput: [ScanSummary.Counts], signals: [SignalKind]) -> ScanSummary.Counts {
        var t = ScanSummary.Counts()
        t.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        for c in perInput { t = sum(t, c) }
        return t
    }

    private static func number(_ v: JSONValue?) -> Double {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return 0
        }
    }

    private static func date(_ iso: String) -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: iso) ?? Date(timeIntervalSince1970: 0)
    }

    private static func realPath(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }
}

extension OutputFolder {
    /// Writes `summary.json` from a document made elsewhere (`merge`): last, as a scan's.
    package func write(summaryDocument: JSONValue) throws(HashscreenError) {
        let printer = JSONPrinter<JSONValue>(to: try AtomicFile(path: path(File.summary)))
        try printer.write(summaryDocument)
        try printer.finish()
    }
}
