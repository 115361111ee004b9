import Foundation
import HashscreenCore

/// Reads a file in large chunks and hands out lines or CSV records without loading it whole.
final class ByteReader {
    static let chunkSize = 1 << 20
    private let fd: Int32
    /// The bytes read and not yet handed out (from `start`). With `sharesBuffer` a read
    /// replaces it by a new buffer (the bytes from `start`, then the read's) rather than
    /// changing it, so whoever holds it (`DelimitedBlockInput.Splitter`'s blocks) keeps its bytes.
    private(set) var buffer: [UInt8] = []
    /// Whether the buffer is handed out (`buffer`) and so replaced at each read, not changed.
    private let sharesBuffer: Bool
    private var start = 0
    private var eof = false
    /// Reads made so far: changes when `buffer` is replaced (`sharesBuffer`).
    private(set) var generation = 0
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    /// What one `read` fills, reused (a fresh megabyte per read was zeroed and page-faulted in).
    private var chunk = [UInt8](repeating: 0, count: ByteReader.chunkSize)
    /// Fields of the last record, reused.
    private var fields = FieldBuffer()
    let path: String

    /// File offset of the next byte to hand out: a line or record spans the bytes between the
    /// offsets before and after reading it (terminator included), so a writer can copy it verbatim.
    var offset: Int { bufferOffset + start }

    /// `chunkSize` bytes asked of each read, lines over `lineLimit` bytes not kept (both smaller
    /// only in tests: records cut across reads, lines over the limit without 64 MiB files);
    /// `sharesBuffer`: each read into a new buffer (the CSV/TSV blocks hold ranges of them).
    init(path: String, chunkSize: Int = ByteReader.chunkSize, lineLimit: Int = ByteReader.maxLineBytes,
         sharesBuffer: Bool = false) throws {
        self.path = path; self.lineLimit = lineLimit; self.sharesBuffer = sharesBuffer
        if chunkSize != ByteReader.chunkSize { chunk = [UInt8](repeating: 0, count: max(1, chunkSize)) }
        do { fd = try InputFile.openRegular(path).fd } catch {
            throw HashscreenError(.input, "cannot open manifest \(path): \(error.message)")
        }
    }

    deinit { close(fd) }

    /// Ensures at least one more byte is buffered beyond `index` (relative to start); false at EOF.
    private func fill(beyond index: Int) throws -> Bool {
        if sharesBuffer { return try replaceBuffer(beyond: index) }
        while start + index >= buffer.count {
            if eof { return false }
            if start > 0 {
                bufferOffset += start
                buffer.removeFirst(start)
                start = 0
            }
            let n = try chunk.withUnsafeMutableBytes { try read($0.baseAddress!, $0.count) }
            if n == 0 { eof = true; return false }
            buffer.append(contentsOf: chunk[0..<n])
        }
        return true
    }

    /// `fill` of a reader whose buffer is shared: the same reads (`chunk.count` bytes each,
    /// until more than `index` bytes follow `start`, or the end of the file), straight into a
    /// new buffer made once, large enough, that starts with the bytes from `start` (changing
    /// the old one in place, or copying it on write, would fault in fresh pages at each read).
    private func replaceBuffer(beyond index: Int) throws -> Bool {
        let tail = buffer.count - start
        guard index >= tail else { return true }
        if eof { return false }
        var failure: (any Error)? = nil, ended = false
        let old = buffer, from = start, size = chunk.count
        let next = [UInt8](unsafeUninitializedCapacity: max(tail, index + 1) + size) { out, count in
            old.withUnsafeBufferPointer { o in
                if tail > 0 { out.baseAddress!.update(from: o.baseAddress! + from, count: tail) }
            }
            count = tail
            while index >= count {
                do {
                    let n = try read(out.baseAddress! + count, size)
                    if n == 0 { ended = true; break }
                    count += n
                } catch { failure = error; break }
            }
        }
        if let failure { throw failure }
        bufferOffset += start
        buffer = next; start = 0; generation += 1
        if ended { eof = true }
        return index < buffer.count
    }

    /// One read of the file, up to `count` bytes to `p`: how many (0 at the end of the file).
    private func read(_ p: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
        while true {
            let n = systemRead(fd, p, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw HashscreenError(.input, "cannot read manifest \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The longest line or record handed out: 64 MiB. Longer ones (a JSON line holding a huge
    /// base64 image, a CSV quote never closed) are passed over up to their end and reported, so
    /// that memory stays bounded whatever the file holds.
    static let maxLineBytes = 64 << 20
    /// Part of the failure message of a line or record over `maxLineBytes` (readers and the
    /// cleaned-copy check recognise such rows by it).
    static let overLimitMessage = "bytes is over the limit of \(maxLineBytes) bytes: not read"
    /// `nextLine`'s limit: `maxLineBytes` (smaller only in tests).
    let lineLimit: Int

    /// One line of a file: its bytes, or only its length when over `maxLineBytes`.
    enum Line {
        case text([UInt8])
        case tooLong(bytes: Int)
    }

    /// The next line without its terminator (LF or CRLF), or nil at end of file, cut as
    /// `LineCutter` cuts lines (a CR alone is not a line end; a line over `lineLimit`, its
    /// length only).
    func nextLine() throws -> Line? {
        guard let line = try cutLine() else { return nil }
        return line.tooLong >= 0 ? .tooLong(bytes: line.tooLong) : .text(Array(buffer[line.bytes]))
    }

    /// How `nextLine(appendingTo:)` ended a line.
    enum LineEnd {
        /// The line's bytes (terminator dropped) were appended: this many.
        case text(length: Int)
        case tooLong(bytes: Int)
    }

    /// The next line exactly as `nextLine()` reads it (same ends, same limit), its bytes
    /// appended to `block` rather than returned as an array of their own.
    func nextLine(appendingTo block: inout [UInt8]) throws -> LineEnd? {
        guard let line = try cutLine() else { return nil }
        if line.tooLong >= 0 { return .tooLong(bytes: line.tooLong) }
        block.append(contentsOf: buffer[line.bytes])
        return .text(length: line.bytes.count)
    }

    /// The next line's place in `buffer` (valid until the next read), `start` moved past it;
    /// nil at end of file. Reads as much as the line needs, keeping none of an over-long one.
    private func cutLine() throws -> LineCutter.Line? {
        var cutter = LineCutter(limit: lineLimit, at: start)
        while true {
            let atEnd = eof
            if let line = buffer.withUnsafeBufferPointer({ cutter.next($0, eof: atEnd) }) {
                start = cutter.pos
                return line
            }
            if atEnd { start = cutter.pos; return nil }
            cutter.passOverLongLine(count: buffer.count)
            start = cutter.pos
            let dropped = bufferOffset
            _ = try fill(beyond: buffer.count - start)
            cutter.dropFirst(bufferOffset - dropped)
        }
    }

    /// The next RFC 4180 record (quoted fields may hold delimiters, quotes as `""`, and
    /// newlines), with the number of physical lines it spanned; nil at end of file. Text after a
    /// closing quote stays in its field (without CRs); spaces around fields are kept.
    func nextRecord(delimiter: UInt8) throws -> (fields: [String], lines: Int, error: String?)? {
        guard let r = try nextRecordFields(delimiter: delimiter) else { return nil }
        return ((0..<fields.count).map { fields.string($0) }, r.lines, r.error)
    }

    /// The fields of the record `nextRecordFields` read last (reused by the next call).
    var recordFields: FieldBuffer { fields }

    /// Reads the next record as `nextRecord` does, leaving its fields in `recordFields` as
    /// bytes (none for a record over the limit): no `String` is made for a field nobody reads.
    func nextRecordFields(delimiter: UInt8) throws -> (lines: Int, error: String?)? {
        guard try fill(beyond: 0) else { return nil }
        let tokenizer = CSVTokenizer(delimiter: delimiter)
        while true {
            let available = buffer.count - start
            let atEnd = eof
            let record = buffer.withUnsafeBufferPointer { b in
                tokenizer.nextRecord(UnsafeBufferPointer(rebasing: b[start...]), atEnd: atEnd, into: &fields)
            }
            if let record, record.end > Self.maxLineBytes {
                start += record.end
                fields.removeAll()
                return (record.lines, "record of \(record.end) \(Self.overLimitMessage) (a quote never closed?)")
            }
            if let record {
                start += record.end
                return (record.lines, record.unterminated ? "unterminated quoted field" : nil)
            }
            if available > Self.maxLineBytes {
                fields.removeAll()
                return (try passOverLongRecord(), Self.passedOverMessage)
            }
            // The record runs past the buffered bytes: buffer at least as many again (so a long
            // record is scanned a bounded number of times), or learn that the file ends here.
            _ = try fill(beyond: 2 * available)
        }
    }

    /// Reads the next record as `nextRecordFields` does (same end, lines and error, the same
    /// reads of the file), but only finds where it ends (`CSVTokenizer.recordEnd`): its bytes as
    /// they stand in the file, line end included, are `buffer[range]` (the buffer this call
    /// leaves; none for a record over the limit, `overLimit` then true). The fields are split
    /// later, by whoever reads them.
    func nextRecordSpan(delimiter: UInt8) throws -> (range: Range<Int>, lines: Int, error: String?, overLimit: Bool)? {
        guard try fill(beyond: 0) else { return nil }
        let tokenizer = CSVTokenizer(delimiter: delimiter)
        while true {
            let available = buffer.count - start
            let atEnd = eof
            let record = buffer.withUnsafeBufferPointer { b in
                tokenizer.recordEnd(UnsafeBufferPointer(rebasing: b[start...]), atEnd: atEnd)
            }
            if let record, record.end > Self.maxLineBytes {
                start += record.end
                return (start..<start, record.lines, "record of \(record.end) \(Self.overLimitMessage) (a quote never closed?)", true)
            }
            if let record {
                start += record.end
                return ((start - record.end)..<start, record.lines, record.unterminated ? "unterminated quoted field" : nil, false)
            }
            if available > Self.maxLineBytes {
                let lines = try passOverLongRecord()
                return (start..<start, lines, Self.passedOverMessage, true)
            }
            _ = try fill(beyond: 2 * available)
        }
    }

    /// A record still open past `maxLineBytes` of buffered bytes (a quote never closed, most
    /// likely): passed over up to the first line end after the limit and reported as one bad
    /// record. Returns the lines it spanned (at least 1).
    private func passOverLongRecord() throws -> Int {
        let limit = start + Self.maxLineBytes
        var lines = buffer[start..<limit].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        var pos = limit
        while true {
            if let nl = buffer[pos...].firstIndex(of: UInt8(ascii: "\n")) { start = nl + 1; lines += 1; break }
            start = buffer.count   // no line end buffered: drop it all, read on
            guard try fill(beyond: 0) else { break }
            pos = start
        }
        return max(lines, 1)
    }

    static let passedOverMessage = "record of more than \(maxLineBytes) \(overLimitMessage) (a quote never closed?); passed over up to the next line end"
}

/// The system's `read` (`ByteReader.read` hides the name there).
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, p, count) }
