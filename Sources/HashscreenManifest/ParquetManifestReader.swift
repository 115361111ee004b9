import Foundation
import HashscreenCore
import HashscreenParquet

/// A Parquet manifest read row group by row group (memory bounded by one row group).
/// LAION metadata (URL, TEXT, ...) has no image paths: its rows are screened by URL hashes and
/// recorded hash columns only (the Re-LAION-5B method).
struct ParquetManifestReader: ManifestReader {
    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    var layout: ManifestLayout { .parquet }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        let reader: ParquetFileReader
        do { reader = try ParquetFileReader(path: path) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
        }
        let columns = ColumnMap(names: reader.columns.map(\.name))
        guard columns.isUsable else {
            throw HashscreenError(.manifest, "Parquet manifest \(path) has no usable column (a path, url or md5/sha1/sha256 column); found: \(reader.columns.map(\.name).joined(separator: ", "))")
        }
        let base = (path as NSString).deletingLastPathComponent
        var row = 0
        for g in 0..<reader.rowGroupCount {
            let group: ParquetRowGroup
            do { group = try reader.readRowGroup(g) } catch {
                throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
            }
            for r in 0..<group.rowCount {
                let id = SampleID(input: input, row: row)
                row += 1
                try body(columns.sample(fields: { i in group.columns[i][r].manifestText },
                                        rowNumber: row, id: id, baseDirectory: base))
            }
        }
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
}
