import Foundation
import HashscreenCore

/// A JSON lines manifest read in blocks for a metadata-only scan (docs/manifests.md, "JSON
/// lines in blocks"): the producer only cuts the file into blocks of whole lines (`Splitter`:
/// `ByteReader`'s line ends and limit, blank lines dropped, each line's number and row
/// assigned in file order), and a worker parses a block's lines on their bytes
/// (`FlatJSONLine`). A plain line (`plainLine`) is looked up without a `Sample`; every other
/// line is built with `item(_:)`, exactly as `JSONLinesManifestReader` builds it.
package final class JSONLinesBlockInput: @unchecked Sendable {
    package let path: String
    package let input: UInt32
    let options: ManifestOptions

    init(path: String, input: UInt32, options: ManifestOptions) {
        self.path = path; self.input = input; self.options = options
    }

    /// Bytes a block holds at most (a longer line is a block of its own).
    static let blockBytes = 1 << 20
    /// Lines a block holds at most.
    static let blockLines = 4096

    /// The block reading of `reader` when it is a JSON lines manifest whose first line is a
    /// flat object naming no image or path (a manifest of URLs and recorded hashes); nil
    /// otherwise (the reader reads it on the producer, which asks the kernel to read ahead the
    /// images it names). Lines are read the same either way: this is a choice of speed only.
    package static func open(_ reader: any ManifestReader) -> JSONLinesBlockInput? {
        guard let j = reader as? JSONLinesManifestReader, let first = try? ByteReader(path: j.path) else { return nil }
        var block: [UInt8] = []
        var lines = JSONLinesLineReader(path: j.path, input: j.input, options: j.options)
        while case .text(let n)? = try? first.nextLine(appendingTo: &block) {
            if JSONLinesLineReader.isBlank(block) { block.removeAll(); continue }
            guard n == block.count, let fields = FlatJSONLine.parse(block), let c = try? lines.columns(for: fields).columns,
                  c.image == nil, c.path == nil else { return nil }
            return JSONLinesBlockInput(path: j.path, input: j.input, options: j.options)
        }
        return nil
    }

    /// The producer's cutter of the file into blocks.
    package func splitter() throws -> Splitter { try Splitter(path: path) }

    /// Cuts the file into blocks of whole lines, with `ByteReader.nextLine`'s cutter
    /// (`LineCutter`: lines end at LF, a CR before it dropped; a last line without LF kept as it
    /// is; a line over `limit` bytes, its CR counted, passed over and kept as its length only),
    /// blank lines dropped: each read of the file is one buffer, and the blocks cut from it
    /// share it (no byte is copied but the start of a line a read cut in two).
    package final class Splitter {
        let path: String
        let fd: Int32
        /// Bytes asked of each read.
        let readBytes: Int
        var lineNo = 0, row = 0
        /// The last read's bytes (shared with the blocks cut from it), and where its lines end.
        private var buffer: [UInt8] = []
        private var cutter: LineCutter
        private var eof = false

        init(path: String, limit: Int = ByteReader.maxLineBytes, readBytes: Int = JSONLinesBlockInput.blockBytes) throws {
            self.path = path; self.readBytes = readBytes
            cutter = LineCutter(limit: limit)
            do { fd = try InputFile.openRegular(path).fd } catch {
                throw HashscreenError(.input, "cannot open manifest \(path): \(error.message)")
            }
        }

        deinit { close(fd) }

        /// Reads more of the file after the bytes of the line under way (dropped when it is
        /// already over the limit); sets `eof` when there is no more.
        private func refill() throws {
            cutter.passOverLongLine(count: buffer.count)
            let from = cutter.pos, tail = buffer.count - from, limit = cutter.limit
            // As many again as the line holds so far (a long line is copied a bounded number of
            // times), but not much over the limit in all.
            let want = max(readBytes, min(tail, limit + 1 - tail))
            var failure: Int32 = 0
            let old = buffer
            let next = [UInt8](unsafeUninitializedCapacity: tail + want) { out, count in
                old.withUnsafeBufferPointer { o in
                    if tail > 0 { out.baseAddress!.update(from: o.baseAddress! + from, count: tail) }
                }
                count = tail
                while true {
                    let n = read(fd, out.baseAddress! + tail, want)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                    } else if n == 0 {
                        eof = true
                    } else {
                        count = tail + n
                    }
                    break
                }
            }
            if failure != 0 {
                throw HashscreenError(.input, "cannot read manifest \(path): \(String(cString: strerror(failure)))")
            }
            buffer = next
            cutter.dropFirst(from)
        }

        /// The next block of lines (none blank), nil at the end of the file.
        package func next() throws -> JSONLinesBlock? {
            var lines: [JSONLinesBlock.Line] = []
            while true {
                // The state in locals while cutting (a class's properties are checked for
                // exclusive access at run time).
                var cutter = cutter, lineNo = lineNo, row = row
                let eof = eof
                buffer.withUnsafeBufferPointer { b in
                    while lines.count < JSONLinesBlockInput.blockLines, let line = cutter.next(b, eof: eof) {
                        lineNo += 1
                        guard line.tooLong >= 0 || !JSONLinesLineReader.isBlank(UnsafeBufferPointer(rebasing: b[line.bytes])) else { continue }
                        row += 1
                        lines.append(.init(start: line.bytes.lowerBound, end: line.bytes.upperBound, lineNo: lineNo, row: row, tooLong: line.tooLong))
                    }
                }
                self.cutter = cutter; self.lineNo = lineNo; self.row = row
                // A full block, or the lines of this read handed out before the next read.
                if !lines.isEmpty { break }
                if eof { return nil }
                try refill()
            }
            return JSONLinesBlock(bytes: buffer, lines: lines)
        }
    }

    /// A worker's reading of blocks (its own column map cache and counter).
    package func lineReader() -> JSONLinesBlockRows {
        JSONLinesBlockRows(JSONLinesLineReader(path: path, input: input, options: options))
    }
}

/// Whole lines of a JSON lines manifest, cut by the producer (`JSONLinesBlockInput.Splitter`).
package struct JSONLinesBlock {
    struct Line {
        var start: Int, end: Int
        /// 1-based; blank lines counted (the line of a failure's place).
        var lineNo: Int
        /// 1-based; blank lines not counted (the row of a `SampleID`, a `row-NNNNNNNNN` key).
        var row: Int
        /// The length of a line over `ByteReader.maxLineBytes` (its bytes not kept); -1 if not.
        var tooLong: Int
    }
    var bytes: [UInt8] = []
    var lines: [Line] = []
    package var count: Int { lines.count }
    /// The bytes the lines lie in (`JSONLinesBlockRows.urlInBlock` ranges).
    package func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T { bytes.withUnsafeBytes(body) }
}

/// A worker's reader of lines of blocks: `plainLine` reads a line's URL and recorded hashes
/// when they are the common kind, `item` builds any line as the row reader does.
package struct JSONLinesBlockRows {
    var lines: JSONLinesLineReader
    private var fields: [FlatJSONLine.Field]? = nil
    /// The URL of the last plain line: its text (read by `parse`), or where it lies in the
    /// block (read on its bytes).
    private var url: String? = nil
    private var urlRange: Range<Int>? = nil
    /// The keys of the cached column map as bytes, and of which generation.
    private var keys = FlatJSONLine.Keys()
    private var keysGeneration = -1
    private var spans: [FlatJSONLine.Span] = []

    init(_ lines: JSONLinesLineReader) { self.lines = lines }

    /// Rows with an embedded image built so far (the reader's `embedded_images` counter).
    package var embeddedImages: Int { lines.embeddedImages }
    /// Changes when the column map of plain lines changes: plain lines of one generation have
    /// the same columns (their outcome differs only by what they match).
    package var generation: Int { lines.generation }

    /// Whether line `i` of `block` is plain: a flat object whose keys map to a key, a URL and
    /// recorded hashes only (no image, path, status, size or read caption); its URL (when
    /// mapped) present and printable ASCII without white space; each recorded hash present as
    /// lower-case hex of its signal's length. The row reader would build it a sample with that
    /// URL (`withURL`), those hashes (appended to `recorded`, emptied first), no problem and no
    /// failure. A column map that cannot be made (an error `item` throws) is not plain.
    ///
    /// A line with the cached column map's keys is read on its bytes (`FlatJSONLine.spans`);
    /// one that reading cannot vouch for is read with `FlatJSONLine.parse`, which decides alike.
    package mutating func plainLine(_ block: JSONLinesBlock, _ i: Int, recorded: inout [(SignalKind, HashValue)]) -> Bool {
        recorded.removeAll(keepingCapacity: true)
        url = nil
        urlRange = nil
        let line = block.lines[i]
        guard line.tooLong < 0 else { return false }
        if let plain = plainOnBytes(block, line, recorded: &recorded) { return plain }
        recorded.removeAll(keepingCapacity: true)
        urlRange = nil
        guard let fields = block.bytes.withUnsafeBufferPointer({ FlatJSONLine.parse(UnsafeBufferPointer(rebasing: $0[line.start..<line.end])) }),
              let (c, position, _) = try? lines.columns(for: fields) else { return false }
        guard Self.mapsPlainColumns(c) else { return false }
        if let k = c.key, fields[position[k]].value == .unsure { return false }
        if let u = c.url {
            guard case .text(let s) = fields[position[u]].value, !s.isEmpty,
                  s.utf8.allSatisfy({ $0 &- 0x21 <= 0x5D }) else { return false }
            url = s
        }
        for h in c.hashes {
            guard case .text(let t) = fields[position[h.index]].value, t.utf8.count == 2 * h.signal.byteCount else { return false }
            var s = t
            guard let value = s.withUTF8({ Self.lowerHex($0, count: h.signal.byteCount) }) else { return false }
            recorded.append((h.signal, value))
        }
        return true
    }

    /// Whether a line of column map `c` can be plain.
    static func mapsPlainColumns(_ c: ColumnMap) -> Bool {
        c.image == nil && c.path == nil && c.status == nil && c.originalWidth == nil && c.originalHeight == nil
            && !(c.readsCaption && c.caption != nil) && c.duplicate == nil && c.isUsable
    }

    /// The hash written as `2 * count` lower-case hex digits in `s`; nil if it is not.
    @inline(__always) static func lowerHex(_ s: UnsafeBufferPointer<UInt8>, count: Int) -> HashValue? {
        guard s.count == 2 * count else { return nil }
        var valid = true
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { out, n in
            var k = 0, hi: UInt8 = 0
            for ch in s {
                let v = ParquetColumnarRows.lowerHexDigit(ch)
                if v > 15 { valid = false; break }
                if k & 1 == 0 { hi = v } else { out[k >> 1] = hi << 4 | v }
                k += 1
            }
            n = valid ? count : 0
        }
        return valid ? HashValue(bytes: bytes) : nil
    }

    /// `plainLine` on the line's bytes when it has the cached column map's keys: true or false
    /// as `parse` would decide, nil when this reading cannot tell (the caller parses the line).
    private mutating func plainOnBytes(_ block: JSONLinesBlock, _ line: JSONLinesBlock.Line, recorded: inout [(SignalKind, HashValue)]) -> Bool? {
        guard let (c, position, _) = lines.cached else { return nil }
        if keysGeneration != lines.generation {
            keys = FlatJSONLine.Keys(lines.cachedKeys)
            keysGeneration = lines.generation
        }
        return block.bytes.withUnsafeBufferPointer { all -> Bool? in
            let b = UnsafeBufferPointer(rebasing: all[line.start..<line.end])
            guard FlatJSONLine.spans(b, keys: keys, into: &spans) else { return nil }
            // The line's fields are the cached map's: `parse` and `columns(for:)` give that map.
            guard Self.mapsPlainColumns(c) else { return false }
            // A key `parse` would call `.unsure` is not plain.
            if let k = c.key, spans[position[k]].kind == .other { return false }
            if let u = c.url {
                let s = spans[position[u]]
                guard s.kind == .string, s.end > s.start else { return nil }
                for k in s.start..<s.end where b[k] &- 0x21 > 0x5D { return false }
                urlRange = (line.start + s.start)..<(line.start + s.end)
            }
            for h in c.hashes {
                let s = spans[position[h.index]]
                guard s.kind == .string else { return nil }
                guard let value = Self.lowerHex(UnsafeBufferPointer(rebasing: b[s.start..<s.end]), count: h.signal.byteCount) else { return false }
                recorded.append((h.signal, value))
            }
            return true
        }
    }

    /// Where the URL of the line `plainLine` last found plain lies in its block, when it was
    /// read there (nil: it maps none, or `withURL` has it as text).
    package var urlInBlock: Range<Int>? { urlRange }

    /// The URL of the line `plainLine` last found plain (its bytes), nil when it maps none.
    package func withURL<T>(_ block: JSONLinesBlock, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
        if let r = urlRange {
            return block.bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[r])) }
        }
        guard var u = url else { return body(nil) }
        return u.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Line `i` of `block` as `JSONLinesManifestReader` yields it: same sample, same failure;
    /// throws what the reader throws (which stops the scan).
    package mutating func item(_ block: JSONLinesBlock, _ i: Int) throws -> ManifestItem {
        let line = block.lines[i]
        return try block.bytes.withUnsafeBufferPointer { b in
            try lines.item(UnsafeBufferPointer(rebasing: b[line.start..<line.end]), tooLong: line.tooLong < 0 ? nil : line.tooLong,
                           lineNo: line.lineNo, row: line.row)
        }
    }
}
