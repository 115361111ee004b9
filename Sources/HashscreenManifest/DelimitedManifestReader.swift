import Foundation
import HashscreenCore

/// CSV and TSV manifests with a header row (RFC 4180 quoting for both).
struct DelimitedManifestReader: ManifestReader {
    let path: String
    let delimiter: UInt8
    let layout: ManifestLayout
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    var options = ManifestOptions()

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        let reader = try ByteReader(path: path)
        let records = try DelimitedRecordReader(self, header: reader)
        var line = records.firstLine
        var row = 0
        while let rec = try reader.nextRecordFields(delimiter: delimiter) {
            let startLine = line
            line += rec.lines
            let fields = reader.recordFields   // bytes; a String is made only for a mapped field
            if DelimitedRecordReader.isBlank(fields) { continue }
            row += 1
            try body(records.item(fieldCount: fields.count, field: { fields.string($0) }, error: rec.error,
                                  startLine: startLine, row: row))
        }
    }
}

/// The header of a CSV or TSV manifest and the reading of its records as items: the reader's
/// loop and the workers of a metadata-only scan (`DelimitedBlockInput`) build each record's
/// item here, so a record's sample or failure is the same whichever reads it.
struct DelimitedRecordReader {
    let path: String, input: UInt32, options: ManifestOptions
    let names: [String]
    let columns: ColumnMap
    /// The line the first record after the header starts on (1-based).
    let firstLine: Int
    let base: String, name: String

    /// Reads the header from `reader` (left at the first record); throws what stops a scan
    /// (an empty file, no usable column, a duplicate mapped name).
    init(_ m: DelimitedManifestReader, header reader: ByteReader) throws {
        path = m.path; input = m.input; options = m.options
        let path = m.path
        guard let header = try reader.nextRecord(delimiter: m.delimiter) else {
            throw HashscreenError(.manifest, "manifest \(path) is empty: a header row is required")
        }
        var names = header.fields
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        var columns: ColumnMap
        do { columns = try ColumnMap(names: names, imageColumn: m.options.imageColumn) } catch {
            throw HashscreenError(.manifest, "manifest \(path): \(error.message)")
        }
        columns.readsCaption = m.options.readsCaptions
        if let d = columns.duplicateMessage("columns") { throw HashscreenError(.manifest, "manifest \(path): header \(d)") }
        guard columns.isUsable else {
            throw HashscreenError(.manifest, "manifest \(path) has no usable column: its header needs an image or path column (\(ColumnMap.recognisedImageColumns); or --image-column NAME), a hash column (md5, sha1, sha256) or url; found: \(names.joined(separator: ", "))")
        }
        self.names = names
        self.columns = columns
        firstLine = 1 + header.lines
        base = (path as NSString).deletingLastPathComponent
        name = (path as NSString).lastPathComponent
    }

    /// A record of one empty field (an empty line, `""`): not a row.
    static func isBlank(_ fields: FieldBuffer) -> Bool { fields.count == 1 && fields.ranges[0].isEmpty }

    /// The item of the record that starts on line `startLine` and is row `row` (1-based, blank
    /// records not counted), with `fieldCount` fields (`field(i)`: field i as text) and the
    /// error `ByteReader.nextRecordFields` gave it.
    func item(fieldCount: Int, field: (Int) -> String, error: String?, startLine: Int, row: Int) -> ManifestItem {
        let id = SampleID(input: input, row: row - 1)
        if let error {
            return .failure(key: "\(name):\(startLine)", path: nil, message: "\(path):\(startLine): \(error)", id: id)
        }
        if fieldCount != names.count {
            return .failure(key: "\(name):\(startLine)", path: nil,
                            message: "\(path):\(startLine): \(fieldCount) fields, header has \(names.count)", id: id)
        }
        return columns.sample(fields: { $0 < fieldCount ? field($0) : nil },
                              rowNumber: row, id: id, baseDirectory: base, place: "\(path):\(startLine)",
                              failureKey: "\(name):\(startLine)", maxEmbeddedBytes: options.maxEmbeddedBytes)
    }
}
