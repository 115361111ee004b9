import Foundation
import HashscreenCore
import HashscreenParquet

/// A Parquet manifest read row group by row group (memory bounded by one row group of the
/// columns it maps).
///
/// LAION metadata (URL, TEXT, ...) has no images: its rows are screened by URL hashes and
/// recorded hash columns only (the Re-LAION-5B method). Hugging Face `datasets` files carry
/// their images: an `Image` feature is `struct<bytes: binary, path: string>` (`image.bytes`,
/// `image.path`), named in the file's `huggingface` metadata; others use a binary column
/// (`image`, `jpg`, `bytes`, ...). Those bytes are screened in memory (`Sample.embedded`).
///
/// Only the mapped columns are decoded (a projection): a column no role reads — a list, a map,
/// an embedding — never makes the file unreadable. A damaged row group (a page that does not
/// decode) is a `manifest` failure for each of its rows (counted from the footer) and the scan
/// goes on with the next one; a footer or schema that cannot be read is a setup error.
final class ParquetManifestReader: ManifestReader {
    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    let options: ManifestOptions
    var layout: ManifestLayout { .parquet }
    /// Rows whose image is inside the file, and row groups that could not be decoded.
    private(set) var embeddedImages = 0
    private(set) var damagedRowGroups = 0
    /// The row groups read; nil: all (`select(units:)`, a sharded scan).
    var selected: Set<Int>? = nil

    init(path: String, input: UInt32, options: ManifestOptions = ManifestOptions()) {
        self.path = path; self.input = input; self.options = options
    }

    var counters: [(String, Int)] { [("embedded_images", embeddedImages), ("damaged_row_groups", damagedRowGroups)] }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        let reader: ParquetFileReader
        do { reader = try ParquetFileReader(path: path) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
        }
        var columns = try Self.columnMap(reader, options: options)
        columns.readsCaption = options.readsCaptions
        guard columns.isUsable else {
            throw HashscreenError(.manifest, "Parquet manifest \(path) has no usable column (an image or path column: \(ColumnMap.recognisedImageColumns), or --image-column NAME; a url; or md5/sha1/sha256); found: \(reader.columns.map(\.name).joined(separator: ", "))\(Self.skippedText(reader))")
        }
        let wanted = columns.mappedIndices
        var position = [Int](repeating: -1, count: reader.columns.count)   // column -> place in the projection
        for (p, c) in wanted.enumerated() { position[c] = p }
        let base = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let mayEmbed = columns.image != nil || columns.path != nil
        var row = 0
        for g in 0..<reader.rowGroupCount {
            if let selected, !selected.contains(g) { row += reader.rowCount(ofRowGroup: g); continue }
            let group: ParquetRowGroup
            do { group = try reader.readRowGroup(g, columns: wanted) } catch {
                // Damage stays local: every row of this group is a failure, the next group is read.
                let n = reader.rowCount(ofRowGroup: g)
                damagedRowGroups += 1
                let message = "row group \(g) (rows \(row + 1)-\(row + n)) cannot be read, its rows are not screened: \(error)"
                for _ in 0..<n {
                    let id = SampleID(input: input, row: row)
                    row += 1
                    try body(.failure(key: String(format: "row-%09d", row), path: nil, message: message, id: id))
                }
                continue
            }
            for r in 0..<group.rowCount {
                let id = SampleID(input: input, row: row)
                row += 1
                let item = columns.sample(cells: { i in position[i] < 0 ? nil : group.columns[position[i]][r].manifestCell },
                                          rowNumber: row, id: id, baseDirectory: base,
                                          place: "\(name): row group \(g), row \(r + 1)",
                                          maxEmbeddedBytes: options.maxEmbeddedBytes)
                // (Only a file with an image column can embed one: no copy of each sample otherwise.)
                if mayEmbed, case .sample(let s, _) = item, s.embedded != nil { embeddedImages += 1 }
                try body(item)
            }
        }
    }

    /// The roles of a Parquet file's columns: by `--image-column`, the `huggingface` metadata's
    /// `Image` features, a `{bytes, path}` struct, names, and (when nothing names an image) a
    /// binary column whose first value starts like an image. A needed column of a type the
    /// reader cannot read is an error that says so.
    static func columnMap(_ reader: ParquetFileReader, options: ManifestOptions) throws -> ColumnMap {
        let names = reader.columns.map(\.name)
        if let c = options.imageColumn, let s = reader.skippedColumns.first(where: { $0.name == c || $0.name.hasPrefix(c + ".") }) {
            throw HashscreenError(.manifest, "Parquet manifest \(reader.path): --image-column \(c): column '\(s.name)' cannot be read: \(s.reason)")
        }
        // A column a role would read, of a type the reader skips (e.g. `image: list<struct<bytes,
        // path>>`): its images or URLs would go unscreened, so say so instead of scanning less.
        let roleNames = Set(ColumnMap.imageNames + ColumnMap.pathNames + ColumnMap.urlNames + ColumnMap.keyNames
                            + ColumnMap.hashColumns.map(\.0))
        if options.imageColumn == nil,
           let s = reader.skippedColumns.first(where: { roleNames.contains(String($0.name.prefix { $0 != "." }).trimmingCharacters(in: .whitespaces).lowercased()) }) {
            let top = s.name.prefix { $0 != "." }
            throw HashscreenError(.manifest, "Parquet manifest \(reader.path): column '\(top)' has a name hashscreen reads (an image, path, url, key or hash column) but a type it cannot read: '\(s.name)' is \(s.reason); name the image column with --image-column, or convert the file")
        }
        let eligible = { (i: Int) in
            let t = reader.columns[i].physicalType
            return t == .byteArray || t == .fixedLenByteArray
        }
        var map: ColumnMap
        do {
            let features = huggingFaceFeatureTypes(reader)
            map = try ColumnMap(names: names, imageColumn: options.imageColumn,
                                structImage: features.filter { $0.value == "Image" }.keys.sorted().first,
                                notImages: Set(features.filter { $0.value != "Image" }.keys.map { $0.lowercased() }),
                                eligible: eligible)
        } catch {
            throw HashscreenError(.manifest, "Parquet manifest \(reader.path): \(error.message)")
        }
        if let d = map.duplicateMessage("columns") { throw HashscreenError(.manifest, "Parquet manifest \(reader.path): \(d)") }
        if map.image == nil, map.path == nil {
            map.image = try firstBinaryImageColumn(reader)
        }
        return map
    }

    /// The feature type of each column the `huggingface` key-value metadata (written by the
    /// `datasets` library: `{"info": {"features": {NAME: {"_type": "Image"}}}}`) describes.
    static func huggingFaceFeatureTypes(_ reader: ParquetFileReader) -> [String: String] {
        guard let text = reader.keyValueMetadata.first(where: { $0.key == "huggingface" })?.value,
              let o = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let features = (o["info"] as? [String: Any])?["features"] as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for (name, f) in features { if let t = (f as? [String: Any])?["_type"] as? String { out[name] = t } }
        return out
    }

    /// The first non-text binary column whose first non-null value (in the first row group)
    /// starts like an image, for files that name their image column otherwise.
    static func firstBinaryImageColumn(_ reader: ParquetFileReader) throws -> Int? {
        guard reader.rowGroupCount > 0 else { return nil }
        for (i, c) in reader.columns.enumerated() where c.physicalType == .byteArray && !c.holdsText {
            guard let values = try? reader.readRowGroup(0, columns: [i]).columns[0] else { continue }
            if let first = values.first(where: { !$0.isNull }), case .bytes(let b) = first, ImageMagic.matches(b) { return i }
        }
        return nil
    }

    static func skippedText(_ reader: ParquetFileReader) -> String {
        reader.skippedColumns.isEmpty ? "" : "; not readable: " + reader.skippedColumns.map { "\($0.name) (\($0.reason))" }.joined(separator: ", ")
    }
}

extension ParquetValue {
    /// The value as manifest text (numbers in decimal; binary not as text).
    var manifestText: String? {
        switch self {
        case .null: return nil
        case .string(let s): return s
        case .bytes(let b): return String(validating: b, as: UTF8.self)
        case .int32(let v): return String(v)
        case .int64(let v): return String(v)
        case .bool(let b): return b ? "true" : "false"
        case .float(let f): return String(f)
        case .double(let d): return String(d)
        case .int96: return nil
        }
    }

    /// The value as a manifest cell: binary as bytes (an image column's embedded image, or
    /// text an older writer stored unannotated), everything else as text.
    var manifestCell: ManifestCell? {
        if case .bytes(let b) = self { return .bytes(b) }
        return manifestText.map(ManifestCell.text)
    }
}
