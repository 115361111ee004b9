// How every record looks in JSON: one rendering per record, so one shape wherever it appears.
// Keys are in a fixed order (the order below), never sorted by a hash map.
import Foundation
import HashscreenCore

extension JSONValue: JSONRecord {
    /// A document built elsewhere (a manifest's rows and columns, as `manifest` reads them).
    package var json: JSONValue { self }
}

// MARK: - Scan records

extension MatchRecord: JSONRecord {
    /// A line of `report.jsonl`; `variant` and `notes` only when present.
    package var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("key", .string(key)), ("url", .optional(url)), ("path", .optional(path)),
            ("signal", .string(signal.name)), ("value", .string(value.hex)),
            ("source", .string(source.rawValue)), ("list", .string(list.name)),
            ("list_version", .string(list.version)), ("distance", .int(distance)),
        ]
        if let variant { o.append(("variant", .string(variant))) }
        if !notes.isEmpty { o.append(("notes", .array(notes.map { .string($0) }))) }
        return .object(o)
    }
}

extension FailureRecord: JSONRecord {
    /// A line of `errors.jsonl`.
    package var json: JSONValue {
        .object([
            ("key", .string(key)), ("path", .optional(path)),
            ("stage", .string(stage.rawValue)), ("error", .string(message)),
        ])
    }
}

extension FlaggedRecord: JSONRecord {
    /// A line of `flagged.jsonl`: digests in lower-case hex.
    package var json: JSONValue {
        .object([
            ("key", .string(key)), ("key_is_row_number", .bool(keyIsRowNumber)),
            ("content_digests", .array(content.map { .string($0.hex) })),
            ("url_digest", .optional(url?.hex)),
        ])
    }
}

extension ScanSummary: JSONRecord {
    /// `summary.json`: counts, provenance, cleaned manifests (with `--write-cleaned`),
    /// throughput (seconds to the millisecond, rates to a tenth), exit status.
    package var json: JSONValue {
        var top: [(String, JSONValue)] = [("counts", countsJSON), ("provenance", provenanceJSON)]
        if let cleanedManifests {
            top.append(("cleaned_manifests", .array(cleanedManifests.map {
                .object([("path", .string($0.path)), ("kept", .int($0.kept)), ("removed", .int($0.removed))])
            })))
        }
        return .object(top + [("throughput", throughputJSON), ("exit_status", .int(exitStatus))])
    }

    /// The whole scan's counts, then each input's (docs/summary.md).
    var countsJSON: JSONValue {
        var o = Self.countFields(counts)
        o.append(("per_list", .array(counts.perList.map { l in
            .object([("name", .string(l.list.name)), ("version", .string(l.list.version)), ("matched", .int(l.matched))])
        })))
        o.append(("per_input", .array(counts.perInput.enumerated().map { i, c in
            let input = i < inputs.count ? inputs[i] : nil
            return .object([("path", .optional(input?.path)), ("layout", .optional(input?.layout))] + Self.countFields(c))
        })))
        return .object(o)
    }

    /// The fields the whole scan and each input share: sample counts, the readers' counters
    /// (by name), failures by stage, signals not computed by reason (every reason), per signal.
    static func countFields(_ c: Counts) -> [(String, JSONValue)] {
        var o: [(String, JSONValue)] = [
            ("samples", .int(c.samples)),
            ("scanned", .int(c.scanned)),
            ("matched", .int(c.matched)),
            ("errors", .int(c.errors)),
            ("decoded", .int(c.decoded)),
            ("rows_without_path", .int(c.rowsWithoutPath)),
        ]
        o += c.passedOver.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
        o.append(("errors_by_stage", .object(c.errorsByStage.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { ($0.key.rawValue, .int($0.value)) })))
        o.append(("not_computed", .object(NotComputedReason.allCases.map { ($0.rawValue, .int(c.notComputed[$0] ?? 0)) })))
        o.append(("per_signal", .object(c.perSignal.map { s in
            (s.signal.name, .object([
                ("screened", .int(s.screened)), ("matched", .int(s.matched)), ("not_computed", .int(s.notComputed)),
                ("skipped_low_quality", .int(s.skippedLowQuality)), ("not_applicable", .int(s.notApplicable)),
            ]))
        })))
        return o
    }

    private var provenanceJSON: JSONValue {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .object([
            ("tool", .string("hashscreen")),
            ("version", .string(version)),
            ("openssl", .string(opensslVersion)),
            ("lists", .array(lists.map(\.json))),
            ("list_database", .string(listDatabase)),
            ("inputs", .array(inputs.map { input in
                .object([("path", .string(input.path)), ("layout", .string(input.layout)), ("sha256", .optional(input.sha256))])
            })),
            ("options", .object(options.map { ($0.name, $0.value.json) })),
            ("started", .string(iso.string(from: times.started))),
            ("finished", .string(iso.string(from: times.finished))),
        ] + (shard.map { s in [("shard", .object([
            ("index", .int(s.index)), ("count", .int(s.count)), ("units", .int(s.units)), ("units_total", .int(s.unitsTotal)),
        ] + (s.exportReporting ? [("export_reporting", .bool(true))] : [])))] } ?? []))
    }

    var throughputJSON: JSONValue {
        let seconds = max(times.finished.timeIntervalSince(times.started), 1e-9)
        func milli(_ s: Double) -> JSONValue { .double((s * 1000).rounded() / 1000) }
        return .object([
            ("seconds", milli(seconds)),
            ("samples_per_second", .double((Double(counts.samples) / seconds * 10).rounded() / 10)),
            ("megabytes_read", .double((Double(bytesRead) / 1e6 * 10).rounded() / 10)),
            ("setup_seconds", milli(times.setupSeconds)),
            ("scan_seconds", milli(times.scanSeconds)),
            ("cpu_seconds", .object([("setup", milli(times.setupCPUSeconds)), ("scan", milli(times.scanCPUSeconds))])),
        ])
    }
}

extension ScanSummary.OptionValue {
    package var json: JSONValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        case .strings(let a): return .array(a.map { .string($0) })
        }
    }
}

// MARK: - Lists

extension ListProvenance: JSONRecord {
    /// The one JSON shape of a list, in `summary.json`, `list info --json` and `list import
    /// --json` alike: name, version, import time and tool, entries stored, duplicates stored
    /// once and invalid lines skipped, entries per signal (in signal order), entries of types
    /// this build does not know, the URL convention its URL hashes are matched with (and
    /// whether the import recorded it: lists imported before conventions existed did not), and
    /// per source file its name (without its folder: outputs
    /// are shared with third parties, a local path is not theirs to see), SHA-256, format and
    /// what it contributed.
    package var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("version", .string(version)),
            ("imported_at", .string(importedAt)),
            ("imported_by", .string(toolVersion)),
            ("entries", .int(entryCount)),
            ("duplicates", .int(duplicateCount)),
            ("skipped_invalid", .int(skippedCount)),
            ("counts_by_type", .object(countsByType.sorted { $0.key < $1.key }.map { ($0.key.name, .int($0.value)) })),
            ("other_type_counts", .object(otherTypeCounts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
            ("url_convention", .string(urlConvention.name)),
            ("url_convention_recorded", .bool(recordedURLConvention != nil)),
            ("sources", .array(sources.map { s in
                .object([
                    ("file", .string((s.path as NSString).lastPathComponent)), ("sha256", .string(s.sha256)),
                    ("format", .string(s.format)), ("records", .int(s.records)), ("entries", .int(s.entries)),
                    ("duplicates", .int(s.duplicates)), ("skipped_invalid", .int(s.skipped)),
                ])
            })),
        ])
    }
}

extension ListsDescription: JSONRecord {
    /// `list info --json`: `{"database": ..., "schema_version": 1, "lists": [...]}`.
    package var json: JSONValue {
        .object([
            ("database", .string(database)),
            ("schema_version", .int(schemaVersion)),
            ("lists", .array(lists.map(\.json))),
        ])
    }
}

extension ListImportSummary: JSONRecord {
    /// `list import --json`: the list, then what the import did.
    package var json: JSONValue {
        .object([
            ("list", list.json), ("replaced", .bool(replaced)), ("records", .int(records)),
            ("duplicates", .int(duplicates)), ("skipped", .int(skipped)),
            ("skipped_examples", .array(skippedExamples.map {
                .object([("file", .string($0.file)), ("line", .int($0.line)), ("reason", .string($0.reason))])
            })),
        ])
    }
}

// MARK: - hash

extension FileHashes: JSONRecord {
    /// A line of `hash`: the path (or URL), every value (null when it could not be computed), and
    /// `error` only when there was one.
    package var json: JSONValue {
        var o: [(String, JSONValue)] = [(subject, .string(path))]
        o += values.map { ($0.column, .optional($0.value)) }
        if let error { o.append(("error", .string(error))) }
        return .object(o)
    }
}
