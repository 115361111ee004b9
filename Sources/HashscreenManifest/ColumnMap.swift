// Column recognition: which manifest columns carry the key, URL, caption, the image (a path, or
// the image's bytes embedded in the manifest) and recorded hashes.
//
// Names are those the common image-dataset tools write (each list below says whose):
// img2dataset (`url`, `caption`, `key`, `status`, `sha256`, `original_width`), webdataset
// (`jpg`/`png`/`webp` members as columns), Hugging Face `datasets` (`image` as an
// `Image` feature, `struct<bytes, path>`; imagefolder's `metadata.jsonl` `file_name`), DataComp
// (`uid`, `url`, `text`, `sha256`), COYO (`id`, `url`, `text`).

import Foundation
import HashscreenCore

/// One field of a row as a reader hands it over.
enum ManifestCell: Sendable {
    case text(String)
    /// A binary value (Parquet BYTE_ARRAY without a text annotation).
    case bytes([UInt8])
    /// A value of a type no role accepts (a JSON array or object): an error if the column is mapped.
    case invalid(String)
}

/// Which columns carry what, detected by name (case-insensitive, trimmed), or named by
/// `--image-column`.
struct ColumnMap: Sendable {
    static let keyNames = ["key", "sample_id", "id", "uid"]
    static let statusNames = ["status"]
    static let originalWidthNames = ["original_width"]
    static let originalHeightNames = ["original_height"]
    static let urlNames = ["url"]
    static let captionNames = ["caption", "text"]
    /// Columns naming the image file, in order of preference: hashscreen's and most tools'
    /// `path`, `filepath`/`file_path`; imagefolder `metadata.jsonl`'s `file_name`; `filename`;
    /// `image_path`/`img_path`/`image_file`/`image_filename`; `file`.
    static let pathNames = ["path", "filepath", "file_path", "file_name", "filename", "image_path", "img_path",
                            "image_file", "image_filename", "img_file", "file"]
    /// Columns holding the image itself (bytes, base64 or a `data:` URL) or, when a value is
    /// plain text, its path; in order of preference: `image` (Hugging Face `datasets`), `img`,
    /// the webdataset extensions `jpg`/`jpeg`/`png`/`webp`, `image_bytes`, `image_base64`,
    /// `image_data`, `bytes`.
    static let imageNames = ["image", "img", "jpg", "jpeg", "png", "webp", "image_bytes", "img_bytes", "image_base64",
                             "img_base64", "image_data", "bytes"]
    /// Recorded hash columns and the signal each carries: a column per file digest, named as
    /// the signal (md5, sha1, sha256).
    static let hashColumns: [(String, SignalKind)] = SignalKind.allCases.filter(\.isCryptographic).map { ($0.name, $0) }

    var key: Int?
    var url: Int?
    var caption: Int?
    /// The column naming the image file (or, for a `{bytes, path}` struct, its `path` field).
    var path: Int?
    /// The column holding the image: bytes, base64 / data URL text, or a path as text.
    var image: Int?
    var hashes: [(index: Int, signal: SignalKind, name: String)] = []
    var status: Int?
    var originalWidth: Int?
    var originalHeight: Int?
    var names: [String]
    /// Whether samples carry the caption (`ManifestOptions.readsCaptions`): a scan never uses
    /// it, so its readers neither decode nor copy it (the largest column of LAION metadata).
    var readsCaption = true
    /// Two columns with the same name (case-insensitive, trimmed) where one is mapped to a role:
    /// which is ambiguous, so readers refuse the header (or the JSON line). 0-based positions.
    var duplicate: (first: Int, second: Int, role: String)?

    /// Detects the roles of `names`. `imageColumn` (`--image-column`) names the image column;
    /// for a struct `NAME` its `NAME.bytes` field holds the bytes and `NAME.path` the path.
    /// `structImage` is a struct already known to be an image (the `huggingface` metadata's
    /// `Image` feature); otherwise the first `P` with both `P.bytes` and `P.path` is one.
    /// `eligible(i)` says whether column `i` may hold an image or path (text or binary: not a number).
    /// `imageColumnOptional`: a missing `imageColumn` means no image column (a JSON line without
    /// that key) rather than an error (a header without it).
    /// `notImages` are structs known to be something else (a `datasets` `Audio` feature has the
    /// same `{bytes, path}` shape).
    init(names: [String], imageColumn: String? = nil, imageColumnOptional: Bool = false, structImage: String? = nil,
         notImages: Set<String> = [], eligible: (Int) -> Bool = { _ in true }) throws(HashscreenError) {
        self.names = names
        let lower = names.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ candidates: [String], where ok: (Int) -> Bool = { _ in true }) -> Int? {
            for c in candidates { if let i = lower.firstIndex(where: { $0 == c }), ok(i) { return i } }
            return nil
        }
        key = find(Self.keyNames)
        url = find(Self.urlNames)
        caption = find(Self.captionNames)
        status = find(Self.statusNames)
        originalWidth = find(Self.originalWidthNames)
        originalHeight = find(Self.originalHeightNames)
        for (name, signal) in Self.hashColumns {
            if let i = lower.firstIndex(of: name) { hashes.append((i, signal, names[i])) }
        }
        if let named = imageColumn {
            let n = named.trimmingCharacters(in: .whitespaces).lowercased()
            if let i = lower.firstIndex(of: n + ".bytes") {
                image = i
                path = lower.firstIndex(of: n + ".path")
            } else if let i = lower.firstIndex(of: n) {
                image = i
            } else if !imageColumnOptional {
                throw HashscreenError(.manifest, "--image-column \(named): no such column; found: \(names.joined(separator: ", "))")
            }
        } else if let s = structImage?.lowercased(), let i = lower.firstIndex(of: s + ".bytes") {
            image = i
            path = lower.firstIndex(of: s + ".path")
        } else if let i = lower.indices.first(where: {
            let p = String(lower[$0].dropLast(6))
            return lower[$0].hasSuffix(".bytes") && lower.contains(p + ".path") && !notImages.contains(p)
        }) {
            image = i
            path = lower.firstIndex(of: String(lower[i].dropLast(6)) + ".path")
        } else {
            image = find(Self.imageNames, where: eligible)
        }
        if path == nil { path = find(Self.pathNames, where: { $0 != image && eligible($0) }) }
        // A mapped role whose name is also another column's: which one is meant is unclear.
        var roles: [(String, Int)] = [("key", key), ("url", url), ("caption", caption), ("path", path), ("image", image),
                                      ("status", status), ("original_width", originalWidth),
                                      ("original_height", originalHeight)].compactMap { r in r.1.map { (r.0, $0) } }
        roles += hashes.map { ($0.signal.name, $0.index) }
        for (role, i) in roles {
            if let j = lower.indices.first(where: { $0 != i && lower[$0] == lower[i] }) {
                duplicate = (min(i, j), max(i, j), role)
                break
            }
        }
    }

    /// The duplicate, worded for a header (`columns`) or a JSON object (`keys`).
    func duplicateMessage(_ what: String) -> String? {
        guard let (a, b, role) = duplicate else { return nil }
        return "\(what) \(a + 1) ('\(names[a])') and \(b + 1) ('\(names[b])') have the same name (compared case-insensitively, trimmed), and the \(role) column is one of them: rename one"
    }

    /// A map with no columns.
    static let empty = try! ColumnMap(names: [])

    /// True when a row can be screened at all: it names an image, a recorded hash or a URL.
    var isUsable: Bool { path != nil || image != nil || !hashes.isEmpty || url != nil }

    /// Indices of every column a role reads (what a columnar reader needs to decode), sorted.
    var mappedIndices: [Int] {
        let all = [key, url, readsCaption ? caption : nil, path, image, status, originalWidth, originalHeight].compactMap { $0 } + hashes.map(\.index)
        return Array(Set(all)).sorted()
    }

    /// The role of column `i`, as `manifest inspect` prints it.
    func role(of i: Int) -> String? {
        if key == i { return "key" }
        if url == i { return "url" }
        if caption == i { return "caption" }
        if image == i { return "image" }
        if path == i { return "path" }
        if let h = hashes.first(where: { $0.index == i }) { return "recorded \(h.signal.name)" }
        if status == i { return "status" }
        if originalWidth == i || originalHeight == i { return "original size" }
        return nil
    }

    /// What the manifest's header says about its image column, for the help and errors.
    static var recognisedImageColumns: String {
        "image columns \((imageNames).joined(separator: ", ")) (or a {bytes, path} struct), path columns \(pathNames.joined(separator: ", "))"
    }

    /// Builds a sample from one row's fields (nil = missing) — text fields.
    func sample(fields: (Int) -> String?, rowNumber: Int, id: SampleID, baseDirectory: String,
                place: @autoclosure () -> String = "", failureKey: @autoclosure () -> String? = nil,
                maxEmbeddedBytes: Int = .max) -> ManifestItem {
        sample(cells: { fields($0).map(ManifestCell.text) }, rowNumber: rowNumber, id: id, baseDirectory: baseDirectory,
               place: place(), failureKey: failureKey(), maxEmbeddedBytes: maxEmbeddedBytes)
    }

    /// Builds a sample from one row's cells (nil = missing). `rowNumber` is 1-based; `place`
    /// ("FILE:LINE") prefixes a per-row error's message, and `failureKey` is its key (else the
    /// row's own key, or its row number). A mapped field that cannot be used (an array or
    /// object, a path with a NUL byte, damaged base64) makes the row a failure.
    func sample(cells: (Int) -> ManifestCell?, rowNumber: Int, id: SampleID, baseDirectory: String,
                place: @autoclosure () -> String = "", failureKey: @autoclosure () -> String? = nil,
                maxEmbeddedBytes: Int = .max) -> ManifestItem {
        var defect: String? = nil
        /// A text field; `strict`: bytes that are not UTF-8 are a defect (else decoded lossily).
        func text(_ i: Int?, strict: Bool = true) -> String? {
            guard let i, let cell = cells(i) else { return nil }
            let raw: String
            switch cell {
            case .text(let s): raw = s
            case .bytes(let b):
                if let s = String(validating: b, as: UTF8.self) {
                    raw = s
                } else if strict {
                    if defect == nil { defect = "column '\(names[i])': binary value that is not UTF-8 text" }
                    return nil
                } else {
                    raw = String(decoding: b, as: UTF8.self)
                }
            case .invalid(let what):
                if defect == nil { defect = "column '\(names[i])': \(what), not a string" }
                return nil
            }
            let v = raw.trimmedWhitespaceAndNewlines
            return v.isEmpty ? nil : v
        }
        let rowKey = text(self.key)
        /// The image column's value, then the path column's: the bytes, or a path.
        func reference(_ column: Int?) -> ImageReference? {
            guard let column else { return nil }
            switch cells(column) {
            case .bytes(let b)?: return ImageReference.classify(bytes: b)
            case .text(let s)?:
                do { return try ImageReference.classify(text: s) } catch {
                    if defect == nil { defect = "column '\(names[column])': \(error.message)" }
                    return nil
                }
            case .invalid(let what)?:
                if defect == nil { defect = "column '\(names[column])': \(what), not a string, bytes or base64" }
                return nil
            case nil: return nil
            }
        }
        let fromImage = reference(image), fromPath = reference(path)
        var rawPath: String? = nil
        var embedded: EmbeddedImage? = nil
        for (column, r) in (fromImage == nil && fromPath == nil ? [] : [(image, fromImage), (path, fromPath)]) where r != nil {
            switch r {
            case .embedded(let b)?:
                if embedded == nil { embedded = b.count > maxEmbeddedBytes ? .overLimit(length: b.count) : .bytes(b) }
            case .path(let p)?:
                if p.utf8.contains(0) {
                    if defect == nil { defect = "column '\(names[column!])': the path holds a NUL byte" }
                } else if rawPath == nil {
                    rawPath = p
                }
            case nil: break
            }
        }
        // Without a key column: the path names the row, except for an embedded image, whose
        // path field (a Hugging Face file name) need not be unique: the row number does.
        let key = rowKey ?? (embedded == nil ? rawPath : nil) ?? String(format: "row-%09d", rowNumber)
        var problems: [String] = []
        var recorded: [RecordedHash] = []
        for h in hashes {
            // A digest stored as raw bytes (binary of the digest's length) rather than hex.
            if case .bytes(let b)? = cells(h.index), b.count == h.signal.byteCount {
                recorded.append(RecordedHash(signal: h.signal, value: HashValue(bytes: b), column: h.name))
                continue
            }
            guard let t = text(h.index) else { continue }
            do {
                recorded.append(RecordedHash(signal: h.signal, value: try h.signal.parse(t), column: h.name))
            } catch {
                problems.append("column \(h.name): \(error.message)")
            }
        }
        let url = text(self.url), caption = readsCaption ? text(self.caption, strict: false) : nil
        if let defect {
            let place = place()
            return .failure(key: failureKey() ?? key, path: nil, message: place.isEmpty ? defect : "\(place): \(defect)", id: id)
        }
        var resolved: String? = nil
        if let rawPath, embedded == nil {
            resolved = rawPath.hasPrefix("/") ? rawPath : (baseDirectory as NSString).appendingPathComponent(rawPath)
        }
        var s = Sample(key: key, url: url, caption: caption, path: resolved,
                       displayPath: rawPath, recorded: recorded, id: id)
        s.embedded = embedded
        s.keyIsRowNumber = rowKey == nil && (embedded != nil || rawPath == nil)
        return .sample(s, problems: problems)
    }
}

/// What an image column's value is: the image's bytes, or a path to them.
enum ImageReference: Equatable {
    case embedded([UInt8])
    case path(String)

    /// Shortest text taken for bare base64 (shorter strings are paths): no image is this small.
    static let minimumBase64Length = 16

    /// A binary value: bytes that start like an image are embedded; UTF-8 text without control
    /// characters is a path (older writers store strings as unannotated binary); anything else
    /// is embedded (and its decode reports what it is).
    static func classify(bytes b: [UInt8]) -> ImageReference? {
        if b.isEmpty { return nil }
        if ImageMagic.matches(b) { return .embedded(b) }
        if b.count <= 4096, !b.contains(where: { $0 < 0x20 || $0 == 0x7F }), let s = String(validating: b, as: UTF8.self) {
            let t = s.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : .path(t)
        }
        return .embedded(b)
    }

    /// A text value: a `data:` URL (RFC 2397, base64 only) or bare base64 whose bytes start like
    /// an image is embedded; other text is a path. Throws for a `data:` URL that cannot be decoded.
    static func classify(text raw: String) throws(HashscreenError) -> ImageReference? {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty { return nil }
        if s.utf8.count > 5, s.prefix(5).lowercased() == "data:" {
            guard let comma = s.firstIndex(of: ",") else { throw HashscreenError(.manifest, "data: URL without a comma") }
            let header = s[s.index(s.startIndex, offsetBy: 5)..<comma].lowercased()
            guard header.hasSuffix(";base64") else {
                throw HashscreenError(.manifest, "data: URL that is not base64 (only ';base64' data URLs hold images)")
            }
            guard let data = Data(base64Encoded: String(s[s.index(after: comma)...])), !data.isEmpty else {
                throw HashscreenError(.manifest, "data: URL whose base64 payload is damaged")
            }
            return .embedded([UInt8](data))
        }
        if s.utf8.count >= minimumBase64Length, s.utf8.count % 4 == 0, s.utf8.allSatisfy(isBase64Byte),
           let data = Data(base64Encoded: s), ImageMagic.matches(data) {
            return .embedded([UInt8](data))
        }
        return .path(s)
    }

    @inline(__always) static func isBase64Byte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F || c == 0x3D
    }
}
