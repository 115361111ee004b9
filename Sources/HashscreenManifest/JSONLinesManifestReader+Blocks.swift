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
    package func splitter() throws -> Splitter { Splitter(try ByteReader(path: path)) }

    package final class Splitter {
        let reader: ByteReader
        var lineNo = 0, row = 0
        init(_ reader: ByteReader) { self.reader = reader }

        /// The next block of lines (none blank), nil at the end of the file.
        package func next() throws -> JSONLinesBlock? {
            var block = JSONLinesBlock()
            while block.lines.count < JSONLinesBlockInput.blockLines, block.bytes.count < JSONLinesBlockInput.blockBytes {
                let start = block.bytes.count
                guard let end = try reader.nextLine(appendingTo: &block.bytes) else { break }
                lineNo += 1
                switch end {
                case .text:
                    if JSONLinesLineReader.isBlank(block.bytes[start...]) { block.bytes.removeSubrange(start...); continue }
                    row += 1
                    block.lines.append(.init(start: start, end: block.bytes.count, lineNo: lineNo, row: row, tooLong: -1))
                case .tooLong(let bytes):
                    row += 1
                    block.lines.append(.init(start: start, end: start, lineNo: lineNo, row: row, tooLong: bytes))
                }
            }
            return block.lines.isEmpty ? nil : block
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
}

/// A worker's reader of lines of blocks: `plainLine` reads a line's URL and recorded hashes
/// when they are the common kind, `item` builds any line as the row reader does.
package struct JSONLinesBlockRows {
    var lines: JSONLinesLineReader
    private var fields: [FlatJSONLine.Field]? = nil
    private var url: String? = nil

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
    package mutating func plainLine(_ block: JSONLinesBlock, _ i: Int, recorded: inout [(SignalKind, HashValue)]) -> Bool {
        recorded.removeAll(keepingCapacity: true)
        url = nil
        let line = block.lines[i]
        guard line.tooLong < 0 else { return false }
        guard let fields = block.bytes.withUnsafeBufferPointer({ FlatJSONLine.parse(UnsafeBufferPointer(rebasing: $0[line.start..<line.end])) }),
              let (c, position, _) = try? lines.columns(for: fields) else { return false }
        guard c.image == nil, c.path == nil, c.status == nil, c.originalWidth == nil, c.originalHeight == nil,
              !(c.readsCaption && c.caption != nil), c.duplicate == nil, c.isUsable else { return false }
        if let k = c.key, fields[position[k]].value == .unsure { return false }
        if let u = c.url {
            guard case .text(let s) = fields[position[u]].value, !s.isEmpty,
                  s.utf8.allSatisfy({ $0 &- 0x21 <= 0x5D }) else { return false }
            url = s
        }
        for h in c.hashes {
            guard case .text(let s) = fields[position[h.index]].value, s.utf8.count == 2 * h.signal.byteCount else { return false }
            let count = h.signal.byteCount
            var valid = true
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { out, n in
                var k = 0, hi: UInt8 = 0
                for ch in s.utf8 {
                    let v = ParquetColumnarRows.lowerHexDigit(ch)
                    if v > 15 { valid = false; break }
                    if k & 1 == 0 { hi = v } else { out[k >> 1] = hi << 4 | v }
                    k += 1
                }
                n = valid ? count : 0
            }
            guard valid else { return false }
            recorded.append((h.signal, HashValue(bytes: bytes)))
        }
        return true
    }

    /// The URL of the line `plainLine` last found plain (its bytes), nil when it maps none.
    package func withURL<T>(_ body: (UnsafeRawBufferPointer?) -> T) -> T {
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
