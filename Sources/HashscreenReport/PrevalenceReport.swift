import Foundation
import HashscreenCore

/// What `prevalence.json` and `report.html` show: a scan's summary and its prevalence figures,
/// and the rates and "after removal" figures derived from them, once, for both printers
/// (docs/report.md). Everything but `run` (times, throughput, --jobs) is the same bytes for the
/// same inputs, list and options.
package struct PrevalenceReport: Sendable {
    package var summary: ScanSummary
    package var prevalence: Prevalence
    /// `verify`'s report: "before" is the earlier scan's, "after" the re-screened release's
    /// (this summary), verified when verify's verdict is; nil for a scan (after: computed).
    package var verification: Verification?

    /// What `verify` adds: the earlier scan's counts and the verdict.
    package struct Verification: Sendable, Equatable {
        package var earlierSamples: Int
        package var earlierFlagged: Int
        package var earlierUnscreened: Int
        /// The earlier scan's flagged samples per list (its `counts.per_list`): a list of the
        /// database now that is not a key is new since the earlier scan.
        package var earlierPerList: [ListRef: Int]
        package var verified: Bool
        package init(earlierSamples: Int, earlierFlagged: Int, earlierUnscreened: Int, earlierPerList: [ListRef: Int] = [:], verified: Bool) {
            self.earlierSamples = earlierSamples; self.earlierFlagged = earlierFlagged
            self.earlierUnscreened = earlierUnscreened; self.earlierPerList = earlierPerList; self.verified = verified
        }
    }

    package init(summary: ScanSummary, prevalence: Prevalence) {
        self.summary = summary; self.prevalence = prevalence
    }

    /// Samples per million of `total` (0 for none): the one rate every figure uses.
    static func perMillion(_ n: Int, of total: Int) -> Double {
        total == 0 ? 0 : Double(n) * 1_000_000 / Double(total)
    }

    // MARK: - Derived figures

    /// Before removal: the dataset as screened. After: the rows `removals.csv` names taken out
    /// (what `--write-cleaned` writes), computed from the counts, not re-screened.
    struct Stage {
        var samples: Int
        var flagged: Int
        var unscreened: Int
    }

    var before: Stage {
        if let v = verification {
            return Stage(samples: v.earlierSamples, flagged: v.earlierFlagged, unscreened: v.earlierUnscreened)
        }
        return Stage(samples: summary.counts.samples, flagged: summary.counts.matched, unscreened: summary.counts.errors)
    }

    var after: Stage {
        if verification != nil {
            return Stage(samples: summary.counts.samples, flagged: summary.counts.matched, unscreened: summary.counts.errors)
        }
        let flaggedUnscreened = prevalence.shards.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.flaggedUnscreened } }
        return Stage(samples: summary.counts.samples - summary.counts.matched, flagged: 0,
                     unscreened: summary.counts.errors - flaggedUnscreened)
    }

    /// One list's flagged samples, in total and per signal (in the scan's signal order).
    struct ListFigure {
        var list: ListRef
        var flagged: Int
        var perSignal: [(SignalKind, Int)]
    }

    var lists: [ListFigure] {
        summary.counts.perList.map { l in
            ListFigure(list: l.list, flagged: l.matched, perSignal: summary.counts.perSignal.map { s in
                (s.signal, prevalence.perSignalList[s.signal]?[l.list] ?? 0)
            })
        }
    }

    /// verify's report: a list's flagged samples in the earlier scan and their rate over the
    /// earlier scan's samples (nil: the list is new since the earlier scan).
    func earlier(_ list: ListRef) -> (flagged: Int, perMillion: Double)? {
        guard let v = verification, let n = v.earlierPerList[list] else { return nil }
        return (n, Self.perMillion(n, of: v.earlierSamples))
    }

    /// verify's report: the earlier scan's lists no longer in the database (not screened now),
    /// by name and version, with their earlier figures.
    var missingLists: [(list: ListRef, flagged: Int, perMillion: Double)] {
        guard let v = verification else { return [] }
        let now = Set(summary.counts.perList.map(\.list))
        return v.earlierPerList.filter { !now.contains($0.key) }.sorted { $0.key < $1.key }
            .map { ($0.key, $0.value, Self.perMillion($0.value, of: v.earlierSamples)) }
    }

    /// Input `i`'s shards with samples, by shard number, named (by the input's shard names, or,
    /// in a merge, by the names the parts recorded).
    func shards(ofInput i: Int) -> [Prevalence.Shard] {
        guard i < prevalence.shards.count else { return [] }
        return prevalence.shards[i].values.sorted { $0.shard < $1.shard }.map { s in
            var named = s
            named.name = prevalence.name(input: i, shard: s.shard) ?? s.name
            return named
        }
    }

    /// A perceptual signal's histogram: samples at each distance 0 ... threshold.
    static func histogram(_ p: Prevalence.Perceptual) -> [Int] {
        let top = max(p.threshold, p.byDistance.keys.max() ?? 0)
        return (0...top).map { p.byDistance[$0] ?? 0 }
    }

    /// The variants searched, in their order, then any other that matched (by name).
    static func variants(_ p: Prevalence.Perceptual) -> [(String, Int)] {
        let others = Set(p.byVariant.keys).subtracting(p.variants).sorted(by: Prevalence.variantPrecedes)
        return (p.variants + others).map { ($0, p.byVariant[$0] ?? 0) }
    }

    /// The options that decide the results (`--jobs` does not: it is shown with the times).
    var resultOptions: [(name: String, value: ScanSummary.OptionValue)] {
        summary.options.filter { $0.name != Self.jobsOption }
    }

    static let jobsOption = "jobs"

    var jobs: Int? {
        if case .int(let j)? = summary.options.first(where: { $0.name == Self.jobsOption })?.value { return j }
        return nil
    }

    /// The schema version of `prevalence.json` (docs/report.md).
    static let schema = "hashscreen-prevalence/1"
}

// MARK: - prevalence.json

extension PrevalenceReport: JSONRecord {
    /// `prevalence.json`: field by field in docs/report.md; `run` (times) last.
    package var json: JSONValue {
        let c = summary.counts
        let total = c.samples
        func rate(_ n: Int, _ of: Int = total) -> JSONValue { .double((Self.perMillion(n, of: of) * 10_000).rounded() / 10_000) }
        func stage(_ s: Stage, _ extra: [(String, JSONValue)]) -> JSONValue {
            .object(extra + [
                ("samples", .int(s.samples)), ("flagged", .int(s.flagged)), ("flagged_per_million", rate(s.flagged, s.samples)),
                ("unscreened", .int(s.unscreened)), ("unscreened_per_million", rate(s.unscreened, s.samples)),
            ])
        }
        let perInput: [JSONValue] = c.perInput.enumerated().map { i, ic in
            let input = i < summary.inputs.count ? summary.inputs[i] : nil
            return .object([
                ("path", .optional(input?.path)), ("layout", .optional(input?.layout)),
                ("samples", .int(ic.samples)), ("flagged", .int(ic.matched)), ("flagged_per_million", rate(ic.matched, ic.samples)),
                ("unscreened", .int(ic.errors)),
                ("shards", .array(shards(ofInput: i).map { s in
                    .object([
                        ("shard", .int(Int(s.shard))), ("name", .optional(s.name)), ("samples", .int(s.samples)),
                        ("flagged", .int(s.flagged)), ("flagged_per_million", rate(s.flagged, s.samples)),
                        ("unscreened", .int(s.unscreened)),
                    ])
                })),
            ])
        }
        var kinds: [(String, JSONValue)] = Prevalence.MatchKind.allCases.map { ($0.rawValue, .int(prevalence.perKind[$0] ?? 0)) }
        kinds.append(("perceptual_only", .int(prevalence.perceptualOnly)))
        return .object([
            ("schema", .string(Self.schema)),
            ("tool", .object([("name", .string("hashscreen")), ("version", .string(summary.version)),
                              ("openssl", .string(summary.opensslVersion))])),
            ("before_removal", stage(before, [])),
            ("after_removal", stage(after, [("basis", .string(verification == nil ? "computed" : "rescreened")),
                                            ("verified", .bool(verification?.verified ?? false))])),
        ] + (verification == nil ? [] : [("figures_of", .string("rescreened_release"))]) + [
            ("per_list", .array(lists.map { l in
                .object([
                    ("name", .string(l.list.name)), ("version", .string(l.list.version)), ("flagged", .int(l.flagged)),
                    ("flagged_per_million", rate(l.flagged)),
                    ("per_signal", .object(l.perSignal.map { ($0.0.name, .int($0.1)) })),
                ] + listStages(l))
            })),
        ] + (verification == nil ? [] : [("missing_lists", .array(missingLists.map { m in
            .object([("name", .string(m.list.name)), ("version", .string(m.list.version)),
                     ("before", .object([("flagged", .int(m.flagged)), ("flagged_per_million", .double((m.perMillion * 10_000).rounded() / 10_000))]))])
        }))]) + [
            ("per_signal", .array(c.perSignal.map { s in
                .object([
                    ("signal", .string(s.signal.name)), ("screened", .int(s.screened)), ("flagged", .int(s.matched)),
                    ("flagged_per_million", rate(s.matched)), ("not_computed", .int(s.notComputed)),
                    ("skipped_low_quality", .int(s.skippedLowQuality)), ("not_applicable", .int(s.notApplicable)),
                ])
            })),
            ("per_match_kind", .object(kinds)),
            ("perceptual", .array(prevalence.perceptual.map { p in
                .object([
                    ("signal", .string(p.signal.name)), ("threshold", .int(p.threshold)),
                    ("by_distance", .array(Self.histogram(p).map { .int($0) })),
                    ("by_variant", .object(Self.variants(p).map { ($0.0, .int($0.1)) })),
                ])
            })),
            ("per_input", .array(perInput)),
            ("errors_by_stage", .object(FailureStage.allCases.map { ($0.rawValue, .int(c.errorsByStage[$0] ?? 0)) })),
            ("not_computed", .object(NotComputedReason.allCases.map { ($0.rawValue, .int(c.notComputed[$0] ?? 0)) })),
            ("provenance", .object([
                ("list_database", .string(summary.listDatabase)),
                ("lists", .array(summary.lists.map(\.json))),
                ("inputs", .array(summary.inputs.map { input in
                    .object([("path", .string(input.path)), ("layout", .string(input.layout)), ("sha256", .optional(input.sha256))])
                })),
                ("options", .object(resultOptions.map { ($0.name, $0.value.json) })),
            ])),
            ("exit_status", .int(summary.exitStatus)),
            ("run", runJSON),
        ])
    }

    /// verify's report: a list's `before` (the earlier scan's; null figures for a list new since
    /// it) and `after` (the re-screened release's, verified as verify's verdict). None for a scan.
    private func listStages(_ l: ListFigure) -> [(String, JSONValue)] {
        guard let v = verification else { return [] }
        let e = earlier(l.list)
        func rate(_ d: Double) -> JSONValue { .double((d * 10_000).rounded() / 10_000) }
        return [
            ("before", .object([("in_earlier_scan", .bool(e != nil)), ("flagged", e.map { .int($0.flagged) } ?? .null),
                                ("flagged_per_million", e.map { rate($0.perMillion) } ?? .null)])),
            ("after", .object([("flagged", .int(l.flagged)),
                               ("flagged_per_million", rate(Self.perMillion(l.flagged, of: summary.counts.samples))),
                               ("verified", .bool(v.verified))])),
        ]
    }

    /// What differs between runs of the same scan: times, throughput, --jobs.
    private var runJSON: JSONValue {
        let t = summary.times
        let seconds = max(t.finished.timeIntervalSince(t.started), 1e-9)
        func milli(_ s: Double) -> JSONValue { .double((s * 1000).rounded() / 1000) }
        return .object([
            ("started", .string(Self.isoTime(t.started))), ("finished", .string(Self.isoTime(t.finished))),
            ("jobs", jobs.map { .int($0) } ?? .null),
            ("seconds", milli(seconds)),
            ("samples_per_second", .double((Double(summary.counts.samples) / seconds * 10).rounded() / 10)),
            ("megabytes_read", .double((Double(summary.bytesRead) / 1e6 * 10).rounded() / 10)),
            ("setup_seconds", milli(t.setupSeconds)), ("scan_seconds", milli(t.scanSeconds)),
            ("cpu_seconds", .object([("setup", milli(t.setupCPUSeconds)), ("scan", milli(t.scanCPUSeconds))])),
        ])
    }

    static func isoTime(_ d: Date) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return iso.string(from: d)
    }
}
