// `verify`'s verdict on a release against an earlier scan (docs/verify.md): the record the
// pipeline fills, `verify.json` (JSON) and the summary a person reads (text).
import HashscreenCore

/// A release sample that is a row the earlier scan flagged: same key, same content digest or
/// same URL digest as one of `flagged.jsonl`'s rows.
package struct RemainingRow: Sendable, Equatable {
    package var key: String
    package var path: String?
    /// How it was recognised, in this order: `key`, `content`, `url`.
    package var by: [String]
    /// The keys the earlier scan flagged it under (distinct, sorted).
    package var earlierKeys: [String]
    package var sampleID: SampleID

    package init(key: String, path: String?, by: [String], earlierKeys: [String], sampleID: SampleID) {
        self.key = key; self.path = path; self.by = by; self.earlierKeys = earlierKeys; self.sampleID = sampleID
    }

    /// By key, then input order.
    package static func precedes(_ a: RemainingRow, _ b: RemainingRow) -> Bool {
        a.key != b.key ? a.key < b.key : a.sampleID < b.sampleID
    }
}

/// What `verify` found.
package struct VerifyReport: Sendable {
    /// A list of the database now, or of the earlier scan, and how the two compare.
    package struct ListCheck: Sendable, Equatable {
        package enum Status: String, Sendable {
            /// In both, same entries and source digests.
            case same
            /// In both under the same name and version, but imported again with other contents.
            case changed
            /// Only in the database now: new since the earlier scan.
            case new
            /// Only in the earlier scan: no longer in the database.
            case missing
        }
        package var list: ListRef
        package var status: Status
        /// Entries now (nil for a missing list).
        package var entries: Int?
        /// Release samples it matched now.
        package var matched: Int
        /// The SHA-256 of its source files, sorted (now; the earlier scan's for a missing list).
        package var sources: [String]
        /// A new list whose name the earlier scan screened under another version: that version,
        /// and how many of this list's entries are not in it (nil when that version is no longer
        /// in the database). Counts only: never an entry.
        package var newerVersionOf: String?
        package var entriesNew: Int?
        package init(list: ListRef, status: Status, entries: Int?, matched: Int, sources: [String] = [],
                     newerVersionOf: String? = nil, entriesNew: Int? = nil) {
            self.list = list; self.status = status; self.entries = entries; self.matched = matched; self.sources = sources
            self.newerVersionOf = newerVersionOf; self.entriesNew = entriesNew
        }
    }

    /// One provenance field that differs between the earlier scan and this re-screening.
    package struct Difference: Sendable, Equatable {
        /// `version`, `openssl`, `options.NAME`, `lists.NAME@VERSION`, `inputs.N.sha256`, ...
        package var field: String
        package var earlier: JSONValue
        package var now: JSONValue
        /// Whether it changes what the screening checks (options, lists missing or changed;
        /// inputs only with `--same-inputs`): then provenance is not reproduced.
        package var affectsScreening: Bool
        package init(field: String, earlier: JSONValue, now: JSONValue, affectsScreening: Bool) {
            self.field = field; self.earlier = earlier; self.now = now; self.affectsScreening = affectsScreening
        }
    }

    /// What the earlier scan was read from: its output folder or its attestation.
    package struct EarlierSource: Sendable, Equatable {
        /// `folder` or `attestation`.
        package var kind: String
        /// The SHA-256 of the earlier scan's `summary.json` (folder) or of the attestation file.
        package var sha256: String
        /// The attestation's verified keyid (nil for a folder).
        package var keyID: String?
        /// Whether the earlier flagged rows were read (always from a folder; from an attestation
        /// only with `--flagged`, whose digest the attestation records).
        package var flaggedChecked: Bool
        /// `flagged.jsonl`'s SHA-256 (the attestation's record, or the folder's file).
        package var flaggedSHA256: String?
        /// `--flagged`'s path, as given (attestation only).
        package var flaggedFile: String?
        /// The earlier scan's samples, flagged samples and samples not fully screened
        /// (`summary.json`'s or the predicate's counts): "before" of the prevalence report.
        package var samples: Int
        package var matched: Int
        package var errors: Int
        package init(kind: String, sha256: String, keyID: String? = nil, flaggedChecked: Bool = true, flaggedSHA256: String? = nil,
                     flaggedFile: String? = nil, samples: Int = 0, matched: Int = 0, errors: Int = 0) {
            self.kind = kind; self.sha256 = sha256; self.keyID = keyID; self.flaggedChecked = flaggedChecked
            self.flaggedSHA256 = flaggedSHA256; self.flaggedFile = flaggedFile
            self.samples = samples; self.matched = matched; self.errors = errors
        }
        package static let folder = "folder"
        package static let attestation = "attestation"
    }

    /// The earlier scan's folder or attestation file, as given.
    package var earlierDirectory: String
    package var earlier = EarlierSource(kind: EarlierSource.folder, sha256: "")
    /// Rows of its `flagged.jsonl`, and how many of them carry a content digest, a URL digest,
    /// and a key that is a row number (not checked by key).
    package var earlierFlagged: Int
    package var earlierWithContent: Int
    package var earlierWithURL: Int
    package var earlierRowNumberKeys: Int
    /// The release's samples, samples matched now, samples not fully screened.
    package var samples: Int
    package var matched: Int
    package var errors: Int
    /// Release samples that are rows the earlier scan flagged, sorted.
    package var remaining: [RemainingRow]
    /// Whether content digests were compared (the re-screening read image bytes).
    package var contentChecked: Bool
    package var lists: [ListCheck]
    package var differences: [Difference]
    package var outputDirectory: String

    package init(earlierDirectory: String, earlierFlagged: Int, earlierWithContent: Int, earlierWithURL: Int,
                 earlierRowNumberKeys: Int, samples: Int, matched: Int, errors: Int, remaining: [RemainingRow],
                 contentChecked: Bool, lists: [ListCheck], differences: [Difference], outputDirectory: String) {
        self.earlierDirectory = earlierDirectory; self.earlierFlagged = earlierFlagged
        self.earlierWithContent = earlierWithContent; self.earlierWithURL = earlierWithURL
        self.earlierRowNumberKeys = earlierRowNumberKeys; self.samples = samples; self.matched = matched
        self.errors = errors; self.remaining = remaining; self.contentChecked = contentChecked; self.lists = lists
        self.differences = differences; self.outputDirectory = outputDirectory
    }

    // MARK: - The checks

    /// Release samples recognised as earlier-flagged rows by each way.
    package func remaining(by way: String) -> Int { remaining.filter { $0.by.contains(way) }.count }
    /// Matches now from lists new since the earlier scan (samples, summed over those lists).
    package var matchedByNewLists: Int { lists.filter { $0.status == .new }.reduce(0) { $0 + $1.matched } }
    package var provenanceReproduced: Bool { !differences.contains(where: \.affectsScreening) }

    /// 1 an earlier-flagged row is still in the release; 4 a release sample matches now;
    /// 3 some samples could not be fully screened; 5 the earlier screening was not reproduced
    /// (an option, or a list missing or changed); 0 verified. The first that holds wins.
    package var exitStatus: Int {
        if !remaining.isEmpty { return VerifyReport.exitRemaining }
        if matched > 0 { return VerifyReport.exitMatched }
        if errors > 0 { return VerifyReport.exitIncomplete }
        if !provenanceReproduced { return VerifyReport.exitProvenance }
        return 0
    }
    package static let exitRemaining = 1
    package static let exitMatched = 4
    package static let exitIncomplete = 3
    package static let exitProvenance = 5

    package var verdict: String { exitStatus == 0 ? "verified" : "not verified" }
}

extension RemainingRow: JSONRecord {
    package var json: JSONValue {
        .object([
            ("key", .string(key)), ("path", .optional(path)),
            ("by", .array(by.map { .string($0) })), ("earlier_keys", .array(earlierKeys.map { .string($0) })),
        ])
    }
}

extension VerifyReport: JSONRecord {
    /// `verify.json`.
    package var json: JSONValue {
        .object([
            ("verdict", .string(verdict)),
            ("exit_status", .int(exitStatus)),
            ("earlier", .object(earlierJSON)),
            ("release", .object([("samples", .int(samples)), ("matched", .int(matched)), ("errors", .int(errors))])),
            ("checks", checksJSON),
            ("lists", .array(lists.map { listJSON($0) })),
            ("differences", differencesJSON),
            ("remaining", .array(remaining.map(\.json))),
        ])
    }

    /// `verify.json`'s `earlier`: the folder (as before attestations), or the attestation with
    /// its keyid and `--flagged`; the flagged rows' counts are null when they were not read.
    var earlierJSON: [(String, JSONValue)] {
        var out: [(String, JSONValue)]
        if earlier.kind == EarlierSource.attestation {
            out = [("attestation", .string(earlierDirectory)), ("keyid", .optional(earlier.keyID)),
                   ("flagged_file", .optional(earlier.flaggedFile))]
        } else {
            out = [("folder", .string(earlierDirectory))]
        }
        let read = earlier.flaggedChecked
        out += [
            ("flagged", .int(earlierFlagged)),
            ("with_content_digest", read ? .int(earlierWithContent) : .null), ("with_url_digest", read ? .int(earlierWithURL) : .null),
            ("keys_that_are_row_numbers", read ? .int(earlierRowNumberKeys) : .null),
        ]
        return out
    }

    /// Each check with its counts (`verify.json` and the verification attestation); the
    /// flagged-rows check is `checked: false`, `passed: null`, when the rows were not given.
    package var checksJSON: JSONValue {
        let read = earlier.flaggedChecked
        return .object([
            ("earlier_flagged_gone", .object([
                ("checked", .bool(read)),
                ("passed", read ? .bool(remaining.isEmpty) : .null), ("remaining", .int(remaining.count)),
                ("by_key", .int(remaining(by: "key"))), ("by_content", .int(remaining(by: "content"))),
                ("by_url", .int(remaining(by: "url"))), ("content_checked", .bool(read && contentChecked)),
            ])),
            ("no_match_now", .object([
                ("passed", .bool(matched == 0)), ("matched", .int(matched)),
                ("matched_by_new_lists", .int(matchedByNewLists)),
            ])),
            ("complete", .object([("passed", .bool(errors == 0)), ("errors", .int(errors))])),
            ("provenance_reproduced", .object([
                ("passed", .bool(provenanceReproduced)), ("differences", .int(differences.count)),
                ("affecting_screening", .int(differences.filter(\.affectsScreening).count)),
            ])),
        ])
    }

    func listJSON(_ l: ListCheck, sources: Bool = false) -> JSONValue {
        .object([
            ("name", .string(l.list.name)), ("version", .string(l.list.version)),
            ("status", .string(l.status.rawValue)), ("entries", l.entries.map { .int($0) } ?? .null),
            ("matched", .int(l.matched)),
        ] + (l.newerVersionOf.map { [("newer_version_of", .string($0)), ("entries_new", l.entriesNew.map { .int($0) } ?? .null)] } ?? [])
          + (sources ? [("source_sha256", .array(l.sources.map { .string($0) }))] : []))
    }

    var differencesJSON: JSONValue {
        .array(differences.map { d in
            .object([
                ("field", .string(d.field)), ("earlier", d.earlier), ("now", d.now),
                ("affects_screening", .bool(d.affectsScreening)),
            ])
        })
    }
}

extension VerifyReport: TextRecord {
    /// The summary a person reads: the verdict, each check, the lists, the differences, and the
    /// first remaining rows (all of them in `verify.json`).
    package var text: String {
        func mark(_ ok: Bool) -> String { ok ? "ok  " : "FAIL" }
        var out = "hashscreen verify: \(verdict) (exit \(exitStatus)); outputs in \(outputDirectory)\n"
        let ways = ["key", "content", "url"].map { "\(remaining(by: $0)) by \($0)" }.joined(separator: ", ")
        if earlier.flaggedChecked {
            out += "  \(mark(remaining.isEmpty)) earlier flagged rows gone: \(remaining.count) of \(plural(earlierFlagged, "flagged row")) in \(earlierDirectory) still in the release (\(ways))"
            if !contentChecked && earlierWithContent > 0 { out += "; content digests not compared (no image bytes read)" }
        } else {
            out += "  --   earlier flagged rows gone: not checked (the \(plural(earlierFlagged, "flagged row")) \(earlierDirectory) records are not given: pass its flagged.jsonl with --flagged)"
        }
        out += "\n"
        out += "  \(mark(matched == 0)) no match now: \(matched) of \(plural(samples, "sample")) matched"
        if matchedByNewLists > 0 { out += ", \(matchedByNewLists) by lists new since the earlier scan" }
        out += "\n"
        out += "  \(mark(errors == 0)) complete: \(plural(errors, "sample")) not fully screened\n"
        let affecting = differences.filter(\.affectsScreening).count
        out += "  \(mark(provenanceReproduced)) provenance reproduced: \(plural(differences.count, "difference")), \(affecting) affecting the screening\n"
        for l in lists where l.status != .same || l.matched > 0 {
            out += "  list \(l.list.label): \(l.status.rawValue)"
            if let e = l.entries { out += ", \(plural(e, "entry", "entries"))" }
            if let v = l.newerVersionOf {
                out += l.entriesNew.map { ", \($0) new since version \(v)" } ?? ", newer than version \(v) (not in the database: new entries not counted)"
            }
            out += ", \(l.matched) matched\n"
        }
        for d in differences {
            out += "  differs \(d.field): \(d.earlier.rendered()) -> \(d.now.rendered())\(d.affectsScreening ? " (affects the screening)" : "")\n"
        }
        let shown = remaining.prefix(Self.textRemainingRows)
        for r in shown {
            out += "  remaining \(r.key) (by \(r.by.joined(separator: "+"))"
            if r.earlierKeys != [r.key] { out += "; flagged earlier as \(r.earlierKeys.joined(separator: ", "))" }
            out += ")\n"
        }
        if remaining.count > shown.count { out += "  (and \(remaining.count - shown.count) more in verify.json)\n" }
        return out
    }

    /// Remaining rows the text names (all are in `verify.json`).
    static let textRemainingRows = 20
}
