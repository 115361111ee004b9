/// What a scan finds, as plain values: the pipeline makes them, the report stage writes them.

/// Where a matched value came from.
package enum ValueSource: String, Sendable {
    /// Computed by hashscreen from the image bytes, pixels or URL.
    case computed
    /// Recorded in the manifest (e.g. img2dataset's sha256 of the original download).
    case manifest
}

/// The list a match was found in (name and version; never its contents).
package struct ListRef: Sendable, Hashable, Comparable {
    package var name: String
    package var version: String
    package init(name: String, version: String) { self.name = name; self.version = version }
    package static func < (a: ListRef, b: ListRef) -> Bool { (a.name, a.version) < (b.name, b.version) }
    package var label: String { "\(name)@\(version)" }
}

/// One match of one sample's value against one list entry.
package struct MatchRecord: Sendable, Equatable {
    package var key: String
    package var url: String?
    package var path: String?
    package var signal: SignalKind
    /// The sample's value (computed or recorded), never the list entry's.
    package var value: HashValue
    package var source: ValueSource
    package var list: ListRef
    /// Hamming distance (0 for exact signals).
    package var distance: Int
    /// For perceptual matches: which dihedral variant of the sample matched (`orig` ...).
    package var variant: String?
    /// Notes on how the value was computed (e.g. a border crop applied).
    package var notes: [String]
    /// The matched sample's identity.
    package var sampleID: SampleID

    package init(key: String, url: String?, path: String?, signal: SignalKind, value: HashValue,
                source: ValueSource, list: ListRef, distance: Int, variant: String? = nil,
                notes: [String] = [], sampleID: SampleID) {
        self.key = key; self.url = url; self.path = path; self.signal = signal; self.value = value
        self.source = source; self.list = list; self.distance = distance; self.variant = variant
        self.notes = notes; self.sampleID = sampleID
    }

    /// The removal reason word, e.g. `sha256:LISTNAME`.
    package var reason: String { "\(signal.name):\(list.name)" }
}

/// One sample that could not be fully screened.
package struct FailureRecord: Sendable, Equatable {
    package var key: String
    package var path: String?
    package var stage: FailureStage
    package var message: String
    /// The failed sample's identity (for a row that could not be read: that row's).
    package var sampleID: SampleID

    package init(key: String, path: String?, stage: FailureStage, message: String, sampleID: SampleID) {
        self.key = key; self.path = path; self.stage = stage; self.message = message
        self.sampleID = sampleID
    }
}

/// Why a requested signal could not be computed for a sample (one reason per sample): the
/// summary counts samples by it. Each is a failure (an `errors.jsonl` record) and makes the
/// scan incomplete; a signal that does not apply (no URL for a URL signal, a PDQ hash below its
/// quality gate, a failed download's image) is not one of these.
package enum NotComputedReason: String, Sendable, CaseIterable {
    /// The image file (or the shard holding it) does not exist.
    case imageMissing = "image_missing"
    /// The image exists but could not be read (permissions, not a regular file, too large,
    /// truncated).
    case unreadable
    /// The image was read but could not be decoded (perceptual signals only).
    case undecodable
    /// The sample names no image (no path, member or image column value).
    case noImageReference = "no_image_reference"
    /// The manifest row (or the rest of a damaged shard) could not be read: no signal computed.
    case rowUnreadable = "row_unreadable"
}

/// What a scan records of one flagged sample so that a later `verify` can tell whether it is
/// still in a release (`flagged.jsonl`, docs/verify.md): its key and domain-separated digests
/// of its content and URL. Never a list value: a flagged image's own SHA-256 may be one.
package struct FlaggedRecord: Sendable, Equatable {
    package var key: String
    /// The key is a row number (`Sample.keyIsRowNumber`): it does not identify the row.
    package var keyIsRowNumber: Bool
    /// `FlagDigest.content` of each SHA-256 the sample has: of its image bytes (when read) and
    /// recorded in its row (img2dataset's original download), distinct, sorted.
    package var content: [HashValue]
    /// `FlagDigest.url` of its URL, when it has one.
    package var url: HashValue?
    package var sampleID: SampleID
    /// With `--export-reporting` only: what `reporting.jsonl` says of the sample (its own plain
    /// hashes among it; docs/reporting.md). Not in `flagged.jsonl`.
    package var reporting: ReportingFacts?

    package init(key: String, keyIsRowNumber: Bool, content: [HashValue], url: HashValue?, sampleID: SampleID,
                 reporting: ReportingFacts? = nil) {
        self.key = key; self.keyIsRowNumber = keyIsRowNumber; self.content = content; self.url = url
        self.sampleID = sampleID; self.reporting = reporting
    }
}

/// A flagged sample's facts for a CyberTipline-style report of an image file
/// (`reporting.jsonl`, `scan --export-reporting`, docs/reporting.md). Its hashes are the
/// sample's own, which may equal list values: written only when asked for.
package struct ReportingFacts: Sendable, Equatable {
    /// The file name as the manifest or folder gives it (a shard's member name for a tar
    /// member), when the sample names one.
    package var fileName: String?
    /// The shard (tar) file holding the member, for a tar member.
    package var container: String?
    /// The location URL the row records.
    package var url: String?
    /// MD5, SHA-1 and SHA-256 of the bytes hashscreen read (in this order), when it read them.
    package var storedFile: [(SignalKind, HashValue)]
    /// The cryptographic hashes the row records (img2dataset's `sha256` of the original
    /// download), by signal then value.
    package var recorded: [(SignalKind, HashValue)]
    /// Seconds since 1970 of the image file's modification, for a file read from disk (not a
    /// tar member or an image inside a row).
    package var modified: Int64?
    /// The sample's matches, without their values (in `RecordOrder`).
    package var matches: [ReportingMatch]

    package init(fileName: String?, container: String?, url: String?, storedFile: [(SignalKind, HashValue)],
                 recorded: [(SignalKind, HashValue)], modified: Int64?, matches: [ReportingMatch]) {
        self.fileName = fileName; self.container = container; self.url = url; self.storedFile = storedFile
        self.recorded = recorded; self.modified = modified; self.matches = matches
    }

    package static func == (a: ReportingFacts, b: ReportingFacts) -> Bool {
        a.fileName == b.fileName && a.container == b.container && a.url == b.url && a.modified == b.modified
            && a.matches == b.matches
            && a.storedFile.map(\.0) == b.storedFile.map(\.0) && a.storedFile.map(\.1) == b.storedFile.map(\.1)
            && a.recorded.map(\.0) == b.recorded.map(\.0) && a.recorded.map(\.1) == b.recorded.map(\.1)
    }
}

/// One match of a flagged sample as `reporting.jsonl` gives it: which list and how, no value.
package struct ReportingMatch: Sendable, Equatable {
    package var signal: SignalKind
    package var source: ValueSource
    package var list: String
    package var listVersion: String
    package var distance: Int
    package var variant: String?

    package init(signal: SignalKind, source: ValueSource, list: String, listVersion: String, distance: Int, variant: String?) {
        self.signal = signal; self.source = source; self.list = list; self.listVersion = listVersion
        self.distance = distance; self.variant = variant
    }
}
