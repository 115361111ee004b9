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
        guard let header = try reader.nextRecord(delimiter: delimiter) else {
            throw HashscreenError(.manifest, "manifest \(path) is empty: a header row is required")
        }
        var names = header.fields
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        var columns: ColumnMap
        do { columns = try ColumnMap(names: names, imageColumn: options.imageColumn) } catch {
            throw HashscreenError(.manifest, "manifest \(path): \(error.message)")
        }
        columns.readsCaption = options.readsCaptions
        if let d = columns.duplicateMessage("columns") { throw HashscreenError(.manifest, "manifest \(path): header \(d)") }
        guard columns.isUsable else {
            throw HashscreenError(.manifest, "manifest \(path) has no usable column: its header needs an image or path column (\(ColumnMap.recognisedImageColumns); or --image-column NAME), a hash column (md5, sha1, sha256) or url; found: \(names.joined(separator: ", "))")
        }
        let base = (path as NSString).deletingLastPathComponent
        var line = 1 + header.lines
        var row = 0
        while let rec = try reader.nextRecordFields(delimiter: delimiter) {
            let startLine = line
            line += rec.lines
            let fields = reader.recordFields   // bytes; a String is made only for a mapped field
            if fields.count == 1 && fields.ranges[0].isEmpty { continue }  // blank line
            let id = SampleID(input: input, row: row)
            row += 1
            if let err = rec.error {
                try body(.failure(key: "\((path as NSString).lastPathComponent):\(startLine)", path: nil,
                                  message: "\(path):\(startLine): \(err)", id: id))
                continue
            }
            if fields.count != names.count {
                try body(.failure(key: "\((path as NSString).lastPathComponent):\(startLine)", path: nil,
                                  message: "\(path):\(startLine): \(fields.count) fields, header has \(names.count)", id: id))
                continue
            }
            let item = columns.sample(fields: { $0 < fields.count ? fields.string($0) : nil },
                                      rowNumber: row, id: id, baseDirectory: base, place: "\(path):\(startLine)",
                                      failureKey: "\((path as NSString).lastPathComponent):\(startLine)",
                                      maxEmbeddedBytes: options.maxEmbeddedBytes)
            try body(item)
        }
    }
}
