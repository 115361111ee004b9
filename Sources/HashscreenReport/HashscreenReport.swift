/// HashscreenReport: everything hashscreen writes for a person or a program.
///
/// - *record*: one value to print: a match, a failure, a scan's summary, a list's provenance,
///   a description of a list database, an import report, a file's hashes, a JSON document.
///   Records are Core types or this module's value types (`ScanSummary`, `FileHashes`...): the
///   pipeline fills them and hands them over; nothing else formats text or JSON for the user.
/// - *sink*: what records are handed to, one at a time, then `finish()` (`ReportSink`).
/// - *printer*: the sink of one format, and the only place that format is written:
///   `CSVPrinter` (RFC 4180), `JSONLinesPrinter` (one compact object per line),
///   `JSONPrinter` (one indented document: summaries, descriptions), `TextPrinter` (for
///   people), `MarkdownPrinter` (a scan's summary for a CI run's page). How a record looks in a format is its conformance to `CSVRecord`, `JSONRecord`
///   `TextRecord` or `MarkdownRecord`, declared in this module and nowhere else; a value that appears in
///   several outputs (a list's provenance) has one rendering, so one shape.
/// - *output*: where a printer's bytes go (`ReportOutput`): a file written atomically
///   (`AtomicFile`), standard output (`StandardOutput`), a string (`StringOutput`).
/// - *output folder*: a scan's files (`OutputFolder`): `removals.csv`, `report.jsonl`,
///   `errors.jsonl`, `summary.json`, each sorted by key (`RecordOrder`), mode 0600, in a
///   folder that is new (created 0700), empty, or an earlier scan's, locked for the scan
///   (`OutputFolder+Policy.swift`).
/// - *spool*: where a scan's matches and failures go as they are found (`RecordSpool`): sorted
///   runs in a hidden file of the output folder, merged into the record files at the end
///   (docs/spool.md), so memory does not grow with their number.
///
/// Nothing here ever sees image bytes or list entries: only keys, paths, URLs, the sample's own
/// hash values and counts.
import HashscreenCore

/// Receives records one at a time and prints them (ripgrep's `Sink`): every printer is one.
package protocol ReportSink<Record> {
    associatedtype Record
    /// Prints one record, after the ones before it.
    mutating func write(_ record: Record) throws(HashscreenError)
    /// Ends the output: commits a file, flushes standard output. Nothing is written after it.
    mutating func finish() throws(HashscreenError)
}

/// A record's row in a CSV file: one field per column of the printer's header.
package protocol CSVRecord {
    var csvFields: [String] { get }
}

/// A record as a JSON value: one line of a JSON-lines file, or a whole document.
package protocol JSONRecord {
    var json: JSONValue { get }
}

/// A record as text for a person: whole lines, each ending in a newline.
package protocol TextRecord {
    var text: String { get }
}

/// A record as Markdown (GitHub-flavoured: tables), whole lines, each ending in a newline.
package protocol MarkdownRecord {
    var markdown: String { get }
}
