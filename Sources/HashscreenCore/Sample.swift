/// One sample of a dataset: a manifest row, a folder's file, or a shard member group.
package struct Sample: Sendable, Equatable {
    /// The key outputs are sorted by (img2dataset's `key`, or the path for a folder).
    package var key: String
    package var url: String?
    package var caption: String?
    /// Absolute or working-directory-relative path of the image file, if the sample has one.
    package var path: String?
    /// Path as written in the manifest (what outputs print).
    package var displayPath: String?
    /// Hash values recorded in the manifest itself (e.g. img2dataset's `sha256` of the original
    /// download): matched without reading the image.
    package var recorded: [RecordedHash]
    /// Where the sample sits in the scan's inputs: a stable tie-break for sorting, and how
    /// cleaned manifests find the rows to drop.
    package var id: SampleID
    /// When the image is a member of a container file at `path` (a tar shard): its bytes'
    /// range there, read in place.
    package var member: ByteRange?
    /// How the stored image was made from the original, when the layout says so (img2dataset
    /// pads to a square): perceptual hashes are computed on the content box.
    package var padding: PaddingHint?
    /// The image's bytes when the manifest itself carries them (a Parquet binary column or
    /// `{bytes, path}` struct, base64 in JSON lines): screened in memory like a file's bytes,
    /// and then `path` is nil (`displayPath` may still name the image).
    package var embedded: EmbeddedImage?
    /// The file's real path bytes when `path` is their escaped text (`EscapedName`): a folder
    /// walk's name that is not UTF-8 or holds a backslash. What `open()` gets; nil otherwise.
    package var rawPath: [UInt8]?
    /// Why the sample names no image, when its reader knows (nil otherwise: it names one, or
    /// its row has no image reference at all).
    package var imageAbsence: ImageAbsence?
    /// The key is the row's number (`row-NNNNNNNNN`: no key column, and no path, or an image
    /// inside the row): it names a position, which changes when rows are removed, not the row.
    package var keyIsRowNumber = false

    package init(key: String, url: String? = nil, caption: String? = nil, path: String? = nil,
                displayPath: String? = nil, recorded: [RecordedHash] = [], id: SampleID,
                member: ByteRange? = nil, padding: PaddingHint? = nil) {
        self.key = key; self.url = url; self.caption = caption; self.path = path
        self.displayPath = displayPath ?? path; self.recorded = recorded; self.id = id
        self.member = member; self.padding = padding
    }

    /// True when the sample names image bytes to read (a file, a member of a container) or
    /// carries them (embedded). Image signals (file digests, perceptual hashes) can be computed
    /// only for such samples.
    package var hasImageReference: Bool { path != nil || member != nil || embedded != nil }
}

/// Image bytes a manifest carries in a row.
package enum EmbeddedImage: Sendable, Equatable {
    case bytes([UInt8])
    /// Larger than the scan's file-size limit (--max-file-bytes): not kept, only its length
    /// (a `read` failure, as for a file over the limit).
    case overLimit(length: Int)
}

/// Why a sample names no image, as its reader knows it.
package enum ImageAbsence: Sendable, Equatable {
    /// None was stored: img2dataset `status` other than `success` (a failed download, counted by
    /// the reader). Its image signals are not applicable, not a failure; the sample is still
    /// screened by URL and recorded hashes.
    case notStored
    /// One should be there and is not (a truncated shard, a file deleted from a shard folder):
    /// a failure whatever was screened, reported with this message.
    case missing(String)
}

/// A byte range inside a container file.
package struct ByteRange: Sendable, Equatable {
    package var offset: Int
    package var length: Int
    package init(offset: Int, length: Int) { self.offset = offset; self.length = length }
}

/// How a stored image was padded from its original.
package enum PaddingHint: Sendable, Equatable {
    /// img2dataset `resize_mode=border`: the original (width x height) was resized so its
    /// longest side fills the stored square and centred on a uniform (white) border.
    case img2datasetBorder(originalWidth: Int, originalHeight: Int)
    /// Unknown provenance: detect a uniform border around the content.
    case detectUniformBorder
}

/// A hash value recorded in a manifest column.
package struct RecordedHash: Sendable, Equatable {
    package var signal: SignalKind
    package var value: HashValue
    /// The manifest column it came from.
    package var column: String
    package init(signal: SignalKind, value: HashValue, column: String) {
        self.signal = signal; self.value = value; self.column = column
    }
}

/// Where in the pipeline a sample failed. Failures are data: they go to `errors.jsonl`.
/// (A perceptual hash below its quality gate is not a failure: it is counted per signal as
/// skipped for low quality, and the sample is screened by the other signals.)
package enum FailureStage: String, Sendable, Codable, CaseIterable {
    /// The row could not be read, a value in it is malformed, or it names no image while image
    /// signals were requested.
    case manifest
    /// The image could not be read (missing, not a regular file, too large, truncated member).
    case read
    /// The image bytes could not be decoded.
    case decode
}

