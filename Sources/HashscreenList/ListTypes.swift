// The values the list store takes and returns: import requests and reports, list descriptions,
// entries streamed for screening, and the errors.
import Foundation
import HashscreenCore

// MARK: - Import

/// What to import: a list name and version, its source files, and how to read and digest them.
package struct ListImportRequest {
    /// The list's name: 1–200 characters, no control characters and no `@` (it separates name
    /// and version in selectors).
    package var name: String
    /// The list's version; nil means the UTC date of the import, `YYYY-MM-DD`.
    package var version: String?
    /// Source files, read in order.
    package var files: [String]
    /// The signal of lines that name none (bare hex lines; CSV without a type column): a signal
    /// name or `url`.
    package var defaultType: String?
    /// Store the valid lines and count the invalid ones instead of refusing the whole import.
    package var skipInvalid: Bool
    /// Replace an existing list of the same name and version (in the same transaction).
    package var replace: Bool
    /// Written into the list's provenance (e.g. "hashscreen 0.3.0").
    package var toolVersion: String
    /// The hex SHA-256 of a file at a path (provided by the caller: this module does no crypto).
    package var fileDigest: (String) throws -> String
    /// Digests of a URL (normally its `url_md5` and `url_sha256`); nil makes `url` lines invalid.
    /// A thrown `HashscreenError`'s message is reported; other errors' text is not (it could
    /// echo the URL).
    package var urlHasher: ((String) throws -> [(SignalKind, HashValue)])?
    /// How the list's URL hashes were made (or, for `url` lines, are to be made by `urlHasher`):
    /// recorded in the list's provenance, and the convention a scan matches them with.
    package var urlConvention: URLConvention
    /// The import time (injected for tests).
    package var now: Date
    /// Writes the list's index file from its sorted values, inside the import's transaction
    /// (nil: none; a scan then builds the list's indexes in memory).
    package var indexWriter: ListIndexWriter?
    /// How many threads read and sort the values (tests force several on small files).
    package var reading = ListReading.standard

    package init(name: String, version: String? = nil, files: [String], defaultType: String? = nil,
                skipInvalid: Bool = false, replace: Bool = false, toolVersion: String,
                fileDigest: @escaping (String) throws -> String,
                urlHasher: ((String) throws -> [(SignalKind, HashValue)])? = nil,
                urlConvention: URLConvention = .importDefault, now: Date = Date(),
                indexWriter: ListIndexWriter? = nil) {
        self.name = name; self.version = version; self.files = files; self.defaultType = defaultType
        self.skipInvalid = skipInvalid; self.replace = replace; self.toolVersion = toolVersion
        self.fileDigest = fileDigest; self.urlHasher = urlHasher; self.urlConvention = urlConvention; self.now = now
        self.indexWriter = indexWriter
    }
}

/// How an import uses the cores: a file of plain lines at least `threads × minimumChunkBytes`
/// long is read by `threads` threads, each a range of its lines; the values are sorted in
/// `threads × 4` pieces.
package struct ListReading: Sendable {
    package var threads: Int
    package var minimumChunkBytes: Int
    package init(threads: Int, minimumChunkBytes: Int) { self.threads = threads; self.minimumChunkBytes = minimumChunkBytes }

    /// Most threads an import uses: reading is bound by memory bandwidth beyond a few.
    static let maxThreads = 8
    /// Every core this process may run on (`sched_getaffinity`, so `taskset -c 0` gives one), and
    /// ranges of at least 4 MB (below that a thread costs more than it saves).
    package static var standard: ListReading {
        ListReading(threads: max(1, min(maxThreads, ProcessInfo.processInfo.activeProcessorCount)), minimumChunkBytes: 4 << 20)
    }
}

/// What an import did.
package struct ListImportReport: Sendable, Equatable {
    /// The list as stored.
    package var list: ListInfo
    /// True when an existing list of the same name and version was replaced.
    package var replaced: Bool
    /// Data lines (records) read from all files, valid or not.
    package var records: Int
    /// Invalid lines skipped (only with `skipInvalid`).
    package var skipped: Int
    /// The first few invalid lines (at most `ListImportLimits.reportedInvalidLines`).
    package var skippedExamples: [ListError]
    /// Values that were already in the list (stored once).
    package var duplicates: Int
}

/// Limits of an import, each with its reason.
enum ListImportLimits {
    /// How many invalid lines a skipping import reports by position (the rest are counted): enough
    /// to see a pattern without flooding a terminal.
    static let reportedInvalidLines = 10
    /// Longest line (or quoted CSV record) accepted: far above any hash line; a longer one means
    /// the file is not a list (e.g. binary data without newlines).
    static let maxLineBytes = 1 << 20
    /// Most physical lines one quoted CSV field may span before it is taken for an unterminated
    /// quote (bounds the cost of re-reading a runaway record).
    static let maxRecordLines = 100
    /// Longest list name.
    static let maxNameLength = 200
    /// Longest list version.
    static let maxVersionLength = 100
}

/// Why a list could not be imported or read: an invalid line of a source file
/// (`.invalidLine`, `FILE:LINE: reason`, the reason never echoing the value), or a failure of
/// the store itself (missing or foreign database, a list that exists or does not, an unreadable
/// file, an sqlite failure). sqlite's own error (`SQLiteError`) stays inside this module; its
/// words are kept in the message.
package struct ListError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// One line of a source file is invalid (`file`, `line`, `reason` say where and why).
        case invalidLine
        case noSuchFile
        case notAListDatabase
        /// Written by a newer hashscreen (schema version above ours).
        case newerSchema
        /// sqlite reports the file damaged (`SQLITE_CORRUPT`).
        case damaged
        case listExists
        case noSuchList
        /// The import would store no entries.
        case emptyList
        case invalidRequest
        case io
        /// Another sqlite failure (busy, full disk, read-only file...).
        case sqlite
    }
    package var code: Code
    /// The whole message; for `.invalidLine`, `FILE:LINE: reason`.
    package var message: String
    /// For `.invalidLine`, the source file; empty otherwise.
    package var file = ""
    /// For `.invalidLine`, the 1-based line number (of the first line of a multi-line CSV
    /// record); 0 otherwise.
    package var line = 0
    /// For `.invalidLine`, what is wrong with the line; empty otherwise.
    package var reason = ""

    init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    /// An invalid line of a source file.
    init(file: String, line: Int, reason: String) {
        self.init(.invalidLine, "\(file):\(line): \(reason)")
        self.file = file; self.line = line; self.reason = reason
    }
    package var description: String { message }
    /// The same failure as a setup error of the run (code `.list`).
    package var hashscreenError: HashscreenError { HashscreenError(.list, message) }
}

// MARK: - Lists

/// Identifies one stored list.
package struct ListRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The database's row id (stable while the list exists; a replaced list gets a new one).
    package var id: Int64
    package var name: String
    package var version: String
    package init(id: Int64, name: String, version: String) { self.id = id; self.name = name; self.version = version }
    /// `name@version`, the selector that picks exactly this list.
    package var description: String { "\(name)@\(version)" }
    package static func < (a: ListRef, b: ListRef) -> Bool {
        (a.name, a.version, a.id) < (b.name, b.version, b.id)
    }
}

/// One source file of a list, as imported (the provenance's own type, from HashscreenCore).
typealias ListSource = ListProvenance.Source

/// A stored list: its database row id and its provenance.
package struct ListInfo: Sendable, Equatable {
    /// The database's row id (stable while the list exists; a replaced list gets a new one).
    package var id: Int64
    /// Name, version, import time and tool, counts, source files.
    package var provenance: ListProvenance

    package init(id: Int64, provenance: ListProvenance) { self.id = id; self.provenance = provenance }

    package var ref: ListRef { ListRef(id: id, name: provenance.name, version: provenance.version) }
    package var name: String { provenance.name }
    package var version: String { provenance.version }
}

// MARK: - Screening

/// One entry, as streamed to build a screening index.
package struct ListEntry: Sendable {
    package var list: ListRef
    package var signal: SignalKind
    package var value: HashValue
    /// PDQ quality (0–100) if the list gave one.
    var quality: Int?
    /// The entry's label, only when asked for (labels cost memory).
    var label: String?
}
