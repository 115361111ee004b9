import Foundation
import HashscreenCore

/// A CSV or TSV manifest read in blocks for a metadata-only scan (docs/manifests.md, "CSV and
/// TSV in blocks"): the producer only finds where records end, as the reader's own
/// `ByteReader.nextRecordFields` ends them (RFC 4180 quoting, line ends, the 64 MiB limit;
/// `ByteReader.nextRecordSpan`), and hands them on as ranges of the reader's buffer, in
/// blocks, each record with its first line and row assigned in file order (blank records
/// dropped, their lines counted). A worker finds a record's fields on its bytes
/// (`CSVTokenizer.verbatimFields`) and looks a plain record up without a `Sample`
/// (`DelimitedBlockRows.plainRecord`); every other record is split by the reader's tokenizer
/// and built with `DelimitedRecordReader.item`, exactly as `DelimitedManifestReader` builds it.
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
        let bytes = try ByteReader(path: path, chunkSize: Self.readBytes, sharesBuffer: true)
        let header = try DelimitedRecordReader(reader, header: bytes)
        return Splitter(bytes, delimiter: reader.delimiter, firstLine: header.firstLine)
    }

    /// Cuts the file into blocks of whole records as `ByteReader.nextRecordFields` cuts it
    /// (`ByteReader.nextRecordSpan`: the same ends, lines and errors, the same reads), without
    /// splitting them into fields. A block's records lie in one of the reader's buffers, as
    /// they stand in the file: the reader replaces its buffer at each read rather than
    /// changing it, so the blocks cut from a buffer share it and no byte is copied but the
    /// start of a record a read cut in two (a worker splits the records, `DelimitedBlockRows`).
    package final class Splitter {
        let reader: ByteReader
        let delimiter: UInt8
        var line: Int, row = 0
        /// A record read into a newer buffer than its block's: the next block's first.
        private var pending: (range: Range<Int>, lines: Int, error: String?, overLimit: Bool)? = nil
        init(_ reader: ByteReader, delimiter: UInt8, firstLine: Int) {
            self.reader = reader; self.delimiter = delimiter; line = firstLine
        }

        /// The next block of records (none blank), nil at the end of the file.
        package func next() throws -> DelimitedRecords? {
            var records: [DelimitedRecords.Record] = []
            var bytes = reader.buffer, generation = reader.generation
            while records.count < DelimitedBlockInput.blockRecords, (records.last?.end ?? 0) - (records.first?.start ?? 0) < DelimitedBlockInput.blockBytes {
                let rec: (range: Range<Int>, lines: Int, error: String?, overLimit: Bool)
                if let p = pending {
                    rec = p; pending = nil
                } else {
                    guard let r = try reader.nextRecordSpan(delimiter: delimiter) else { break }
                    rec = r
                    if reader.generation != generation {
                        // Read into a new buffer: the records so far go first, in theirs.
                        if !records.isEmpty { pending = rec; break }
                        bytes = reader.buffer; generation = reader.generation
                    }
                }
                let startLine = line
                line += rec.lines
                if !rec.overLimit, bytes.withUnsafeBufferPointer({ Self.isBlank(UnsafeBufferPointer(rebasing: $0[rec.range])) }) { continue }
                row += 1
                records.append(.init(start: rec.range.lowerBound, end: rec.range.upperBound, lineNo: startLine, row: row,
                                     error: rec.error, overLimit: rec.overLimit))
            }
            guard let first = records.first, let last = records.last else { return nil }
            // A block cut from a buffer read long for a long record takes its own bytes (no
            // big buffer is kept by the blocks in flight).
            if bytes.count > 4 * DelimitedBlockInput.blockBytes {
                let lo = first.start
                for k in records.indices { records[k].start -= lo; records[k].end -= lo }
                return DelimitedRecords(bytes: Array(bytes[lo..<last.end]), records: records)
            }
            return DelimitedRecords(bytes: bytes, records: records)
        }

        /// Whether the record `b` (its line end included) is blank, one empty field
        /// (`DelimitedRecordReader.isBlank`): nothing, a line end, or `""` or an unterminated
        /// `"` then a line end or nothing.
        static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = b.count
            let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
            @inline(__always) func isEnd(_ i: Int) -> Bool { i == n || b[i] == lf || b[i] == cr }
            if isEnd(0) { return true }
            guard b[0] == quote else { return false }
            return n == 1 || (b[1] == quote && isEnd(2))
        }
    }

    /// A worker's reading of blocks.
    package func recordReader() -> DelimitedBlockRows { DelimitedBlockRows(self) }
}

/// Records of a CSV or TSV manifest as they stand in the file (line ends included), cut by
/// the producer (`DelimitedBlockInput.Splitter`) and split into fields by a worker
/// (`DelimitedBlockRows`).
package struct DelimitedRecords {
    struct Record {
        /// Where the record's bytes lie in `bytes` (none for a record over the limit).
        var start: Int, end: Int
        /// 1-based: the record's first line (of a failure's place).
        var lineNo: Int
        /// 1-based; blank records not counted (the row of a `SampleID`, a `row-NNNNNNNNN` key).
        var row: Int
        /// `ByteReader.nextRecordSpan`'s error (unterminated quote, over the limit), if any.
        var error: String?
        /// Over `ByteReader.maxLineBytes`: no fields (as `ByteReader.nextRecordFields`).
        var overLimit: Bool
    }
    /// A read's buffer (shared by the blocks cut from it) the records lie in.
    var bytes: [UInt8] = []
    var records: [Record] = []
    package var count: Int { records.count }
    /// The bytes the records lie in (`DelimitedBlockRows.urlRange` ranges).
    package func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T { bytes.withUnsafeBytes(body) }
}

/// A worker's reader of a block's records: `plainRecord` reads a record's URL and recorded
/// hashes when they are the common kind, on the record's bytes (`CSVTokenizer.verbatimFields`),
/// `item` builds any record as the row reader does (`CSVTokenizer.nextRecord`, as
/// `ByteReader.nextRecordFields` splits it: a record's bytes end where the file's record ends).
package struct DelimitedBlockRows {
    let source: DelimitedBlockInput
    let tokenizer: CSVTokenizer
    private let spans: FieldSpans
    private var fields = FieldBuffer()
    /// Where the last plain record's URL lies in its block's bytes (`urlRange`).
    package private(set) var urlRange: Range<Int>? = nil

    init(_ source: DelimitedBlockInput) {
        self.source = source
        tokenizer = CSVTokenizer(delimiter: source.reader.delimiter)
        spans = FieldSpans(capacity: source.records.names.count)
    }

    /// Whether record `i` of `block` is plain: no error, as many fields as the header, no
    /// status or size column; its URL (when mapped) non-empty printable ASCII without white
    /// space; each recorded hash lower-case hex of its signal's length; those fields' bytes as
    /// they stand in the record (no `""`, no text after the closing quote). The row reader
    /// would build it a sample with that URL (`urlRange`, set), those hashes (appended to
    /// `recorded`, emptied first), no problem and no failure (other text is decoded without failing).
    package mutating func plainRecord(_ block: DelimitedRecords, _ i: Int, recorded: inout [(SignalKind, HashValue)]) -> Bool {
        recorded.removeAll(keepingCapacity: true)
        urlRange = nil
        let rec = block.records[i]
        guard source.plainPossible, rec.error == nil else { return false }
        let names = source.records.names.count
        return block.bytes.withUnsafeBufferPointer { whole in
            let b = UnsafeBufferPointer(rebasing: whole[rec.start..<rec.end])
            tokenizer.verbatimFields(b, into: spans)
            guard spans.count == names else { return false }
            if let u = source.url {
                let r = spans.range(u)
                guard spans.isVerbatim(u), !r.isEmpty else { return false }
                // Every byte in 0x21...0x7E (as `ParquetColumnarRows.plainRow`).
                var m: UInt8 = 0
                for c in UnsafeBufferPointer(rebasing: b[r]) { m = max(m, c &- 0x21) }
                guard m <= 0x5D else { return false }
                urlRange = (r.lowerBound + rec.start)..<(r.upperBound + rec.start)
            }
            for (index, signal, count) in source.hashes {
                let r = spans.range(index)
                guard spans.isVerbatim(index), r.count == 2 * count else { return false }
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

    /// Record `i` of `block` as `DelimitedManifestReader` yields it: same sample, same failure.
    package mutating func item(_ block: DelimitedRecords, _ i: Int) -> ManifestItem {
        let rec = block.records[i]
        if rec.overLimit { fields.removeAll() } else {
            block.bytes.withUnsafeBufferPointer { b in
                _ = tokenizer.nextRecord(UnsafeBufferPointer(rebasing: b[rec.start..<rec.end]), atEnd: true, into: &fields)
            }
        }
        let f = fields
        return source.records.item(fieldCount: f.count, field: { f.string($0) }, error: rec.error, startLine: rec.lineNo, row: rec.row)
    }
}
