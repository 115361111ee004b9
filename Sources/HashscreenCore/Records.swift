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

    package init(key: String, keyIsRowNumber: Bool, content: [HashValue], url: HashValue?, sampleID: SampleID) {
        self.key = key; self.keyIsRowNumber = keyIsRowNumber; self.content = content; self.url = url
        self.sampleID = sampleID
    }
}
