// The values the list store takes and returns: import requests and reports, list descriptions,
// entries streamed for screening, and the errors.
import Foundation
import HashscreenCore

// MARK: - Import

/// What to import: a list name and version, its source files, and how to read and digest them.
public struct ListImportRequest {
    /// The list's name: 1–200 characters, no control characters and no `@` (it separates name
    /// and version in selectors).
    public var name: String
    /// The list's version; nil means the UTC date of the import, `YYYY-MM-DD`.
    public var version: String?
    /// Source files, read in order.
    public var files: [String]
    /// The signal of lines that name none (bare hex lines; CSV without a type column): a signal
    /// name or `url`.
    public var defaultType: String?
    /// Store the valid lines and count the invalid ones instead of refusing the whole import.
    public var skipInvalid: Bool
    /// Replace an existing list of the same name and version (in the same transaction).
    public var replace: Bool
    /// Written into the list's provenance (e.g. "hashscreen 0.3.0").
    public var toolVersion: String
    /// The hex SHA-256 of a file at a path (provided by the caller: this module does no crypto).
    public var fileDigest: (String) throws -> String
    /// Digests of a URL (normally its `url_md5` and `url_sha256`); nil makes `url` lines invalid.
    /// A thrown `HashParseError`'s reason is reported; other errors' text is not (it could
    /// echo the URL).
    public var urlHasher: ((String) throws -> [(SignalKind, HashValue)])?
    /// The import time (injected for tests).
    public var now: Date

    public init(name: String, version: String? = nil, files: [String], defaultType: String? = nil,
                skipInvalid: Bool = false, replace: Bool = false, toolVersion: String,
                fileDigest: @escaping (String) throws -> String,
                urlHasher: ((String) throws -> [(SignalKind, HashValue)])? = nil, now: Date = Date()) {
        self.name = name; self.version = version; self.files = files; self.defaultType = defaultType
        self.skipInvalid = skipInvalid; self.replace = replace; self.toolVersion = toolVersion
        self.fileDigest = fileDigest; self.urlHasher = urlHasher; self.now = now
    }
}

/// What an import did.
public struct ListImportReport: Sendable, Equatable {
    /// The list as stored.
    public var list: ListInfo
    /// True when an existing list of the same name and version was replaced.
    public var replaced: Bool
    /// Data lines (records) read from all files, valid or not.
    public var records: Int
    /// Invalid lines skipped (only with `skipInvalid`).
    public var skipped: Int
    /// The first few invalid lines (at most `ListImportLimits.reportedInvalidLines`).
    public var skippedExamples: [ListImportError]
    /// Values that were already in the list (stored once).
    public var duplicates: Int
}

/// Limits of an import, each with its reason.
public enum ListImportLimits {
    /// How many invalid lines a skipping import reports by position (the rest are counted): enough
    /// to see a pattern without flooding a terminal.
    public static let reportedInvalidLines = 10
    /// Longest line (or quoted CSV record) accepted: far above any hash line; a longer one means
    /// the file is not a list (e.g. binary data without newlines).
    public static let maxLineBytes = 1 << 20
    /// Most physical lines one quoted CSV field may span before it is taken for an unterminated
    /// quote (bounds the cost of re-reading a runaway record).
    public static let maxRecordLines = 100
    /// Longest list name.
    public static let maxNameLength = 200
    /// Longest list version.
    public static let maxVersionLength = 100
}

/// An invalid line of a source file: `FILE:LINE: reason`. The reason never echoes the value.
public struct ListImportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line number (of the first line of a multi-line CSV record).
    public var line: Int
    public var reason: String
    public init(file: String, line: Int, reason: String) { self.file = file; self.line = line; self.reason = reason }
    public var description: String { "\(file):\(line): \(reason)" }
}

/// A failure of the store itself (not of one line): missing or foreign database, a list that
/// exists or does not, an unreadable file, an sqlite failure.
public struct ListStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
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
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}

// MARK: - Lists

/// Identifies one stored list.
public struct ListRef: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The database's row id (stable while the list exists; a replaced list gets a new one).
    public var id: Int64
    public var name: String
    public var version: String
    public init(id: Int64, name: String, version: String) { self.id = id; self.name = name; self.version = version }
    /// `name@version`, the selector that picks exactly this list.
    public var description: String { "\(name)@\(version)" }
    public static func < (a: ListRef, b: ListRef) -> Bool {
        (a.name, a.version, a.id) < (b.name, b.version, b.id)
    }
}

/// One source file of a list, as imported (the provenance's own type, from HashscreenCore).
public typealias ListSource = ListProvenance.Source

/// A stored list: its database row id and its provenance.
public struct ListInfo: Sendable, Equatable {
    /// The database's row id (stable while the list exists; a replaced list gets a new one).
    public var id: Int64
    /// Name, version, import time and tool, counts, source files.
    public var provenance: ListProvenance

    public init(id: Int64, provenance: ListProvenance) { self.id = id; self.provenance = provenance }

    public var ref: ListRef { ListRef(id: id, name: provenance.name, version: provenance.version) }
    public var name: String { provenance.name }
    public var version: String { provenance.version }
}

// MARK: - Screening

/// One entry, as streamed to build a screening index.
public struct ListEntry: Sendable {
    public var list: ListRef
    public var signal: SignalKind
    public var value: HashValue
    /// PDQ quality (0–100) if the list gave one.
    public var quality: Int?
    /// The entry's label, only when asked for (labels cost memory).
    public var label: String?
}
