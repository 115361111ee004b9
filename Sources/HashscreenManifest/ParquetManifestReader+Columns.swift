import CByteKernels
import Foundation
import HashscreenCore
import HashscreenParquet

/// A Parquet manifest read as columns for a metadata-only scan (docs/parquet.md, "Columnar
/// metadata scan"): a worker reads one row group's key, URL and recorded-hash columns as bytes
/// and ranges (`ParquetByteColumn`), with no `Sample` and no String for a plain row. A row
/// that is not plain (`plainRow`) is built with `item(_:)`, exactly as the row reader builds it.
///
/// Only a file whose rows can hold no image (no image or path column, captions not read) and
/// whose URL and hash columns are BYTE_ARRAY is read so (`ParquetColumnarInput.open`).
/// Shared by the workers: the file is read with pread, the reader's state is fixed at open.
package final class ParquetColumnarInput: @unchecked Sendable {
    package let path: String
    package let input: UInt32
    let options: ManifestOptions
    let reader: ParquetFileReader
    let columns: ColumnMap
    /// The first row (0-based, in the whole file) of each row group.
    let firstRows: [Int]
    let base: String, name: String
    /// The projection the row reader decodes (its `columns.mappedIndices`).
    let wanted: [Int]
    /// Columns read as bytes: the URL's, each recorded hash's, a BYTE_ARRAY key's.
    let byteColumns: [Int]
    /// Of those, the ones whose byte classes are found as they are decoded: the URL's, the key's.
    let classified: Set<Int>

    init(path: String, input: UInt32, options: ManifestOptions, reader: ParquetFileReader, columns: ColumnMap) {
        self.path = path; self.input = input; self.options = options; self.reader = reader; self.columns = columns
        var first: [Int] = [], row = 0
        for g in 0..<reader.rowGroupCount { first.append(row); row += reader.rowCount(ofRowGroup: g) }
        firstRows = first
        base = (path as NSString).deletingLastPathComponent
        name = (path as NSString).lastPathComponent
        wanted = columns.mappedIndices
        var bytes = [columns.url].compactMap { $0 } + columns.hashes.map(\.index)
        var classes = Set([columns.url].compactMap { $0 })
        if let k = columns.key, reader.columns[k].physicalType == .byteArray { bytes.append(k); classes.insert(k) }
        byteColumns = bytes
        classified = classes
    }

    /// Reads row group `group`'s columns; throws what the reader throws (a damaged page, an
    /// encoding not read as bytes): the caller then reads the row group with the row reader.
    package func read(group: Int) throws -> ParquetColumnarRows {
        let values = try reader.readByteColumns(group, columns: byteColumns, classifying: classified)
        var byColumn: [Int: ParquetByteColumn] = [:]
        for (c, v) in zip(byteColumns, values) { byColumn[c] = v }
        // An INT64 column (LAION's SAMPLE_ID key) as integers; when that fails (another
        // encoding, damage), and for the other mapped columns, the values the row reader decodes.
        var integers: [Int: ParquetInt64Column] = [:]
        let int64s = wanted.filter { byColumn[$0] == nil && reader.columns[$0].physicalType == .int64 }
        if !int64s.isEmpty, let cols = try? reader.readInt64Columns(group, columns: int64s) {
            for (c, v) in zip(int64s, cols) { integers[c] = v }
        }
        var others: [Int: [ParquetValue]] = [:]
        let rest = wanted.filter { byColumn[$0] == nil && integers[$0] == nil }
        if !rest.isEmpty {
            for (i, col) in zip(rest, try reader.readRowGroup(group, columns: rest).columns) { others[i] = col }
        }
        return ParquetColumnarRows(source: self, group: group, rowCount: reader.rowCount(ofRowGroup: group),
                                   firstRow: firstRows[group], byColumn: byColumn, integers: integers, others: others)
    }

    /// A row reader of row group `group` only (the per-row path for a whole unit).
    package func rowReader(group: Int) -> any ManifestReader {
        let r = ParquetManifestReader(path: path, input: input, options: options)
        r.select(units: [group])
        return r
    }
}

/// One row group's columns, read as bytes (`ParquetColumnarInput.read(group:)`), and any other
/// mapped column (an integer key) as values.
package final class ParquetColumnarRows {
    let source: ParquetColumnarInput
    let group: Int
    package let rowCount: Int
    let firstRow: Int
    let byColumn: [Int: ParquetByteColumn]
    private let url: ParquetByteColumn?
    private let hashes: [(signal: SignalKind, byteCount: Int, values: ParquetByteColumn)]
    private let key: ParquetByteColumn?
    /// The mapped INT64 columns (an integer key), read as integers.
    private let integers: [Int: ParquetInt64Column]
    /// The other mapped columns, decoded as the row reader decodes them.
    private let others: [Int: [ParquetValue]]

    init(source: ParquetColumnarInput, group: Int, rowCount: Int, firstRow: Int, byColumn: [Int: ParquetByteColumn],
         integers: [Int: ParquetInt64Column], others: [Int: [ParquetValue]]) {
        self.source = source; self.group = group; self.rowCount = rowCount; self.firstRow = firstRow
        self.byColumn = byColumn; self.integers = integers; self.others = others
        url = source.columns.url.flatMap { byColumn[$0] }
        hashes = source.columns.hashes.map { ($0.signal, $0.signal.byteCount, byColumn[$0.index]!) }
        key = source.columns.key.flatMap { byColumn[$0] }
    }

    /// The recorded-hash columns' signals, in the order `sortRun` fills
    /// its buffers.
    package var recordedSignals: [SignalKind] { hashes.map(\.signal) }

    /// Sorts rows into plain and other ones. Row `r` is plain when its URL (when the file has a URL column) present and printable
    /// ASCII without white space (nothing to trim, nothing a convention treats as non-ASCII);
    /// each recorded hash present as lower-case hex of its signal's length; a text key valid
    /// UTF-8. The row reader would build it a sample with that URL (`url(_:)`), those hashes,
    /// no problem and no failure. The hashes' bytes are appended to `hashes[j]` (the j-th
    /// recorded column's values, `recordedSignals[j].byteCount` bytes each, laid one after
    /// another: no `HashValue` per row; nothing is appended for a row that is not plain),
    /// decoded a run at a time by CByteKernels' `hs_decode_hex_rows`.
    /// `screensURL` false (no URL signal requested): the URL's text then only goes into a
    /// flagged row's records, which `item(_:)` builds, so the row is plain when the row reader
    /// takes its URL without a failure (null, or valid UTF-8), padded or not.
    package func sortRun(_ rows: Range<Int>, screensURL: Bool, plain: inout [Int], other: inout [Int], hashes out: inout [[UInt8]]) {
        let n = rows.count, first = rows.lowerBound
        guard n > 0 else { return }
        // Column by column over the run, each column's arrays borrowed once (not per row):
        // which rows stay plain, then each recorded column's digests into a slot per row,
        // then the plain rows' slots closed up (a row may fail in a later column).
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: n) { isPlain in
            isPlain.initialize(repeating: true)
            // A column found all printable (or all ASCII) as it was decoded
            // (`ParquetByteColumn.allPrintable`) needs only its rows' presence looked at.
            if let url {
                url.withBuffers { bytes, starts, ends, present in
                    if screensURL, url.allPrintable {
                        for i in 0..<n { isPlain[i] = present[first + i] }
                    } else if screensURL {
                        for i in 0..<n {
                            let r = first + i
                            isPlain[i] = present[r] && starts[r] < ends[r] && Self.largestLess0x21(bytes, starts[r]..<ends[r]) <= 0x5D
                        }
                    } else if !url.allASCII {
                        for i in 0..<n where present[first + i] { isPlain[i] = Self.isUTF8(bytes, starts[first + i]..<ends[first + i]) }
                    }
                }
            }
            if let key, !key.allASCII {
                key.withBuffers { bytes, starts, ends, present in
                    for i in 0..<n where isPlain[i] && present[first + i] {
                        isPlain[i] = Self.isUTF8(bytes, starts[first + i]..<ends[first + i])
                    }
                }
            }
            var bases: [Int] = []
            for (j, column) in hashes.enumerated() {
                let count = column.byteCount, base = out[j].count
                bases.append(base)
                out[j].append(contentsOf: repeatElement(0, count: n * count))
                out[j].withUnsafeMutableBytes { o in
                    column.values.withBuffers { bytes, starts, ends, present in
                        starts.withMemoryRebound(to: Int64.self) { starts in
                            ends.withMemoryRebound(to: Int64.self) { ends in
                                isPlain.withMemoryRebound(to: UInt8.self) { keep in
                                    hs_decode_hex_rows(bytes.baseAddress, starts.baseAddress, ends.baseAddress, present.baseAddress,
                                                       Int64(first), Int64(n), Int64(count), keep.baseAddress,
                                                       o.baseAddress!.assumingMemoryBound(to: UInt8.self) + base)
                                }
                            }
                        }
                    }
                }
            }
            var kept = 0
            for i in 0..<n {
                if isPlain[i] { plain.append(first + i); kept += 1 } else { other.append(first + i) }
            }
            for (j, column) in hashes.enumerated() where kept < n {
                let count = column.byteCount, base = bases[j]
                out[j].withUnsafeMutableBytes { o in
                    var to = base
                    for i in 0..<n where isPlain[i] {
                        if to != base + i * count { (o.baseAddress! + to).copyMemory(from: o.baseAddress! + base + i * count, byteCount: count) }
                        to += count
                    }
                }
                out[j].removeLast((n - kept) * count)
            }
        }
    }

    /// The largest `byte - 0x21` (wrapping) of `bytes[range]`: at most 0x5D when every byte is
    /// in 0x21...0x7E (a reduction without a branch per byte: vectorised).
    @inline(__always) static func largestLess0x21(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt8 {
        var m: UInt8 = 0
        for c in UnsafeBufferPointer(rebasing: b[range]) { m = max(m, c &- 0x21) }
        return m
    }

    /// Whether `bytes[range]` is valid UTF-8: ASCII by an OR reduction (vectorised), else checked.
    @inline(__always) static func isUTF8(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var m: UInt8 = 0
        let values = UnsafeBufferPointer(rebasing: b[range])
        for c in values { m |= c }
        return m < 0x80 || String(validating: values, as: UTF8.self) != nil
    }

    /// The value of a lower-case hex digit; above 15 for any other byte.
    @inline(__always) static func lowerHexDigit(_ c: UInt8) -> UInt8 {
        c &- 0x30 <= 9 ? c &- 0x30 : (c &- 0x61 <= 5 ? c &- 0x57 : 0xFF)
    }

    /// Row `r`'s URL bytes (a plain row's: its `Sample.url`), in place.
    package func withURL<T>(_ r: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        guard let url else { return nil }
        return url.bytes.withUnsafeBytes { b in body(UnsafeRawBufferPointer(rebasing: b[url.starts[r]..<url.ends[r]])) }
    }

    /// The URL column's bytes, in place, and where row `r`'s URL lies in them (`withURL`'s
    /// bytes for many rows at once: the columnar scan digests a run's URLs together).
    package func withURLBytes<T>(_ body: (UnsafeRawBufferPointer, _ range: (Int) -> Range<Int>) -> T) -> T? {
        guard let url else { return nil }
        return url.bytes.withUnsafeBytes { b in body(b) { url.starts[$0]..<url.ends[$0] } }
    }

    /// Row `r`'s id (its place in the whole file).
    package func id(_ r: Int) -> SampleID { SampleID(input: source.input, row: firstRow + r) }

    /// Row `r` as the row reader yields it (`ParquetManifestReader.forEachItem`): same cells,
    /// same sample, same failure.
    package func item(_ r: Int) -> ManifestItem {
        let c = source.columns
        let row = firstRow + r
        return c.sample(cells: { i in
            if let b = self.byColumn[i] { return b.parquetValue(r, text: self.source.reader.columns[i].holdsText).manifestCell }
            if let n = self.integers[i] { return n.parquetValue(r).manifestCell }
            return self.others[i]?[r].manifestCell
        }, rowNumber: row + 1, id: SampleID(input: source.input, row: row), baseDirectory: source.base,
           place: "\(source.name): row group \(group), row \(r + 1)", maxEmbeddedBytes: source.options.maxEmbeddedBytes)
    }
}

extension ParquetColumnarInput {
    /// `reader` read as columns, or nil when its rows need the row
    /// reader: not a Parquet manifest, an image or path column, captions read, a URL or hash
    /// column that is not BYTE_ARRAY. Throws what the row reader throws for the file as a whole
    /// (unreadable footer, no usable column, duplicate roles), with the same messages.
    package static func open(_ reader: any ManifestReader) throws -> ParquetColumnarInput? {
        guard let p = reader as? ParquetManifestReader else { return nil }
        let file: ParquetFileReader
        do { file = try ParquetFileReader(path: p.path) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
        }
        var columns = try ParquetManifestReader.columnMap(file, options: p.options)
        columns.readsCaption = p.options.readsCaptions
        guard columns.isUsable else { return nil }   // the row reader says why
        guard columns.image == nil, columns.path == nil, !(columns.readsCaption && columns.caption != nil) else { return nil }
        for c in [columns.url].compactMap({ $0 }) + columns.hashes.map(\.index) where file.columns[c].physicalType != .byteArray {
            return nil
        }
        return ParquetColumnarInput(path: p.path, input: p.input, options: p.options, reader: file, columns: columns)
    }
}
