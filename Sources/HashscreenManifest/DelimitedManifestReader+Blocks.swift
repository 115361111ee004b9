import Foundation
import HashscreenCore

/// A CSV or TSV manifest read in blocks for a metadata-only scan (docs/manifests.md, "CSV and
/// TSV in blocks"): the producer only finds where records end, as the reader's own
/// `ByteReader.nextRecordFields` ends them (RFC 4180 quoting, line ends, the 64 MiB limit;
/// `ByteReader.nextRawRecord`), and packs their bytes as they stand into blocks, each record
/// with its first line and row assigned in file order (blank records dropped, their lines
/// counted). A worker splits a block's records into fields with the reader's tokenizer
/// (`DelimitedRecords.fields`) and looks a plain record up
/// without a `Sample` (`DelimitedBlockRows.plainRecord`); every other record is built with
/// `DelimitedRecordReader.item`, exactly as `DelimitedManifestReader` builds it.
package final class DelimitedBlockInput: @unchecked Sendable {
    package let path: String
    package let input: UInt32
    let reader: DelimitedManifestReader
    let records: DelimitedRecordReader
    /// Columns of the plain check: the URL's, each recorded hash's (signal, byte count).
    let url: Int?
    let hashes: [(index: Int, signal: SignalKind, byteCount: Int)]
    /// Whether any record can be plain (no status or size column, which a sample may use).
    let plainPossible: Bool

    init(_ reader: DelimitedManifestReader, records: DelimitedRecordReader) {
        self.reader = reader; self.records = records
        path = reader.path; input = reader.input
        let c = records.columns
        url = c.url
        hashes = c.hashes.map { ($0.index, $0.signal, $0.signal.byteCount) }
        plainPossible = c.status == nil && c.originalWidth == nil && c.originalHeight == nil && c.duplicate == nil && c.isUsable
    }

    /// Field bytes a block holds at most (a longer record is a block of its own).
    static let blockBytes = 1 << 20
    /// Records a block holds at most: 4096, or `HASHSCREEN_CSV_BLOCK_RECORDS` (a test hook:
    /// blocks of a few records put many block ends among awkward records).
    static let blockRecords: Int = ProcessInfo.processInfo.environment["HASHSCREEN_CSV_BLOCK_RECORDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 4096

    /// The block reading of `reader` when it is a CSV or TSV manifest whose header names no
    /// image or path column (a manifest of URLs and recorded hashes) and whose captions are
    /// not read; nil otherwise, and for a header the reader refuses (the reader then says why,
    /// on the producer). Records are read the same either way: this is a choice of speed only.
    package static func open(_ reader: any ManifestReader) -> DelimitedBlockInput? {
        guard let d = reader as? DelimitedManifestReader, let bytes = try? ByteReader(path: d.path),
              let records = try? DelimitedRecordReader(d, header: bytes) else { return nil }
        let c = records.columns
        guard c.image == nil, c.path == nil, !(c.readsCaption && c.caption != nil) else { return nil }
        return DelimitedBlockInput(d, records: records)
    }

    /// Bytes asked of each read of the producer's splitter: 1 MiB, or `HASHSCREEN_CSV_READ_BYTES`
    /// (a test hook: tiny reads cut many records, quotes and CRLFs across reads).
    static let readBytes: Int = ProcessInfo.processInfo.environment["HASHSCREEN_CSV_READ_BYTES"].flatMap { Int($0) }.map { max(1, $0) } ?? ByteReader.chunkSize

    /// The producer's splitter of the file into blocks (the header read again and passed over).
    package func splitter() throws -> Splitter {
        let bytes = try ByteReader(path: path, chunkSize: Self.readBytes)
        let header = try DelimitedRecordReader(reader, header: bytes)
        return Splitter(bytes, delimiter: reader.delimiter, firstLine: header.firstLine)
    }

    /// Cuts the file into blocks of whole records as `ByteReader.nextRecordFields` cuts it
    /// (`ByteReader.nextRawRecord`: the same ends, lines and errors), without splitting them
    /// into fields: a block holds the records' bytes as they stand in the file, and a worker
    /// splits them (`DelimitedRecords.fields`).
    package final class Splitter {
        let reader: ByteReader
        let delimiter: UInt8
        var line: Int, row = 0
        init(_ reader: ByteReader, delimiter: UInt8, firstLine: Int) {
            self.reader = reader; self.delimiter = delimiter; line = firstLine
        }

        /// The next block of records (none blank), nil at the end of the file.
        package func next() throws -> DelimitedRecords? {
            var block = DelimitedRecords()
            block.bytes.reserveCapacity(DelimitedBlockInput.blockBytes + (1 << 16))
            while block.records.count < DelimitedBlockInput.blockRecords, block.bytes.count < DelimitedBlockInput.blockBytes {
                let start = block.bytes.count
                guard let rec = try reader.nextRawRecord(delimiter: delimiter, appendingTo: &block.bytes) else { break }
                let startLine = line
                line += rec.lines
                if !rec.overLimit, isBlank(block.bytes, from: start) { block.bytes.removeSubrange(start...); continue }
                row += 1
                block.records.append(.init(start: start, end: block.bytes.count, lineNo: startLine, row: row,
                                           error: rec.error, overLimit: rec.overLimit))
            }
            return block.records.isEmpty ? nil : block
        }

        /// Whether the record in `bytes[from...]` (its line end included) is blank, one empty
        /// field (`DelimitedRecordReader.isBlank`): nothing, a line end, or `""` or an
        /// unterminated `"` then a line end or nothing.
        private func isBlank(_ bytes: [UInt8], from: Int) -> Bool {
            let n = bytes.count
            let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
            @inline(__always) func isEnd(_ i: Int) -> Bool { i == n || bytes[i] == lf || bytes[i] == cr }
            if isEnd(from) { return true }
            guard bytes[from] == quote else { return false }
            return from + 1 == n || (bytes[from + 1] == quote && isEnd(from + 2))
        }
    }

    /// A worker's reading of blocks.
    package func recordReader() -> DelimitedBlockRows { DelimitedBlockRows(self) }
}

/// Records of a CSV or TSV manifest as they stand in the file (line ends included), cut by
/// the producer (`DelimitedBlockInput.Splitter`); `fields` splits them, on a worker.
package struct DelimitedRecords {
    struct Record {
        /// Where the record's bytes lie in `bytes` (none for a record over the limit).
        var start: Int, end: Int
        var lineNo: Int
        var row: Int
        var error: String?
        /// Over `ByteReader.maxLineBytes`: no fields (as `ByteReader.nextRecordFields`).
        var overLimit: Bool
    }
    var bytes: [UInt8] = []
    var records: [Record] = []
    package var count: Int { records.count }

    /// The records split into fields as `ByteReader.nextRecordFields` splits them (the same
    /// tokenizer on the same bytes: a record's bytes end where the file's record ends).
    package func fields(_ input: DelimitedBlockInput) -> DelimitedBlock {
        var block = DelimitedBlock()
        block.bytes.reserveCapacity(bytes.count)
        block.ranges.reserveCapacity(records.count * max(1, input.records.names.count))
        block.records.reserveCapacity(records.count)
        let tokenizer = CSVTokenizer(delimiter: input.reader.delimiter)
        var f = FieldBuffer()
        bytes.withUnsafeBufferPointer { b in
            for r in records {
                let first = block.ranges.count
                if !r.overLimit {
                    _ = tokenizer.nextRecord(UnsafeBufferPointer(rebasing: b[r.start..<r.end]), atEnd: true, into: &f)
                    let offset = block.bytes.count
                    block.bytes.append(contentsOf: f.bytes)
                    for x in f.ranges { block.ranges.append((x.lowerBound + offset)..<(x.upperBound + offset)) }
                }
                block.records.append(.init(fields: first..<block.ranges.count, lineNo: r.lineNo, row: r.row, error: r.error))
            }
        }
        return block
    }
}

/// Records of a CSV or TSV manifest as their fields' bytes (`DelimitedRecords.fields`).
package struct DelimitedBlock {
    struct Record {
        /// The record's fields: positions in `ranges`.
        var fields: Range<Int>
        /// 1-based: the record's first line (of a failure's place).
        var lineNo: Int
        /// 1-based; blank records not counted (the row of a `SampleID`, a `row-NNNNNNNNN` key).
        var row: Int
        /// `ByteReader.nextRecordFields`' error (unterminated quote, over the limit), if any.
        var error: String?
    }
    /// The records' fields' bytes, one after another (unquoted).
    package internal(set) var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []
    var records: [Record] = []
    package var count: Int { records.count }
}

/// A worker's reader of a block's records: `plainRecord` reads a record's URL and recorded
/// hashes when they are the common kind, `item` builds any record as the row reader does.
package struct DelimitedBlockRows {
    let source: DelimitedBlockInput
    init(_ source: DelimitedBlockInput) { self.source = source }

    /// Whether record `i` of `block` is plain: no error, as many fields as the header, no
    /// status or size column; its URL (when mapped) non-empty printable ASCII without white
    /// space; each recorded hash lower-case hex of its signal's length. The row reader would
    /// build it a sample with that URL (`urlRange`), those hashes (appended to `recorded`,
    /// emptied first), no problem and no failure (other text is decoded without failing).
    package func plainRecord(_ block: DelimitedBlock, _ i: Int, recorded: inout [(SignalKind, HashValue)]) -> Bool {
        recorded.removeAll(keepingCapacity: true)
        let rec = block.records[i]
        guard source.plainPossible, rec.error == nil, rec.fields.count == source.records.names.count else { return false }
        return block.bytes.withUnsafeBufferPointer { b in
            if let u = source.url {
                let r = block.ranges[rec.fields.lowerBound + u]
                guard !r.isEmpty else { return false }
                // Every byte in 0x21...0x7E (as `ParquetColumnarRows.plainRow`).
                var m: UInt8 = 0
                for c in UnsafeBufferPointer(rebasing: b[r]) { m = max(m, c &- 0x21) }
                guard m <= 0x5D else { return false }
            }
            for (index, signal, count) in source.hashes {
                let r = block.ranges[rec.fields.lowerBound + index]
                guard r.count == 2 * count else { return false }
                let start = r.lowerBound
                var valid = true
                let bytes = [UInt8](unsafeUninitializedCapacity: count) { out, n in
                    for k in 0..<count {
                        let h = ParquetColumnarRows.lowerHexDigit(b[start + 2 * k]), l = ParquetColumnarRows.lowerHexDigit(b[start + 2 * k + 1])
                        if h > 15 || l > 15 { valid = false; break }
                        out[k] = h << 4 | l
                    }
                    n = valid ? count : 0
                }
                guard valid else { return false }
                recorded.append((signal, HashValue(bytes: bytes)))
            }
            return true
        }
    }

    /// Where record `i`'s URL lies in `block.bytes` (a plain record's: its `Sample.url`); nil
    /// when the header maps no URL.
    package func urlRange(_ block: DelimitedBlock, _ i: Int) -> Range<Int>? {
        source.url.map { block.ranges[block.records[i].fields.lowerBound + $0] }
    }

    /// Record `i` of `block` as `DelimitedManifestReader` yields it: same sample, same failure.
    package func item(_ block: DelimitedBlock, _ i: Int) -> ManifestItem {
        let rec = block.records[i]
        return source.records.item(fieldCount: rec.fields.count,
                                   field: { String(decoding: block.bytes[block.ranges[rec.fields.lowerBound + $0]], as: UTF8.self) },
                                   error: rec.error, startLine: rec.lineNo, row: rec.row)
    }
}
