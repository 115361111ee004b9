import Foundation
import HashscreenCore

/// Reads a file in large chunks and hands out lines or CSV records without loading it whole.
final class ByteReader {
    static let chunkSize = 1 << 20
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    /// File offset of `buffer[0]`.
    private var bufferOffset = 0
    /// Fields of the last record, reused.
    private var fields = FieldBuffer()
    let path: String

    /// File offset of the next byte to hand out: a line or record spans the bytes between the
    /// offsets before and after reading it (terminator included), so a writer can copy it verbatim.
    var offset: Int { bufferOffset + start }

    init(path: String) throws {
        self.path = path
        do { fd = try InputFile.openRegular(path).fd } catch {
            throw HashscreenError(.input, "cannot open manifest \(path): \(error.message)")
        }
    }

    deinit { close(fd) }

    /// Ensures at least one more byte is buffered beyond `index` (relative to start); false at EOF.
    private func fill(beyond index: Int) throws -> Bool {
        while start + index >= buffer.count {
            if eof { return false }
            if start > 0 {
                bufferOffset += start
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HashscreenError(.input, "cannot read manifest \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { eof = true; return false }
            buffer.append(contentsOf: chunk[0..<n])
        }
        return true
    }

    /// The next line without its terminator (LF or CRLF), or nil at end of file.
    func nextLine() throws -> [UInt8]? {
        var i = 0
        while true {
            guard try fill(beyond: i) else {
                if i == 0 { return nil }
                let line = Array(buffer[start..<start + i])
                start += i
                return line
            }
            if buffer[start + i] == UInt8(ascii: "\n") {
                var end = start + i
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                start += i + 1
                return line
            }
            i += 1
        }
    }

    /// The next RFC 4180 record (quoted fields may hold delimiters, quotes as `""`, and
    /// newlines), with the number of physical lines it spanned; nil at end of file. Text after a
    /// closing quote stays in its field (without CRs); spaces around fields are kept.
    func nextRecord(delimiter: UInt8) throws -> (fields: [String], lines: Int, error: String?)? {
        guard try fill(beyond: 0) else { return nil }
        let tokenizer = CSVTokenizer(delimiter: delimiter)
        while true {
            let available = buffer.count - start
            let atEnd = eof
            let record = buffer.withUnsafeBufferPointer { b in
                tokenizer.nextRecord(UnsafeBufferPointer(rebasing: b[start...]), atEnd: atEnd, into: &fields)
            }
            if let record {
                start += record.end
                return ((0..<fields.count).map { fields.string($0) }, record.lines,
                        record.unterminated ? "unterminated quoted field" : nil)
            }
            // The record runs past the buffered bytes: buffer at least as many again (so a long
            // record is scanned a bounded number of times), or learn that the file ends here.
            _ = try fill(beyond: 2 * available)
        }
    }
}
