import Foundation

/// Finds the lines of a manifest in a buffer of its bytes: a line ends at LF, a CR before the
/// LF is dropped (a CR alone is not a line end: JSON lines end at LF, and JSON allows a CR as
/// whitespace), a last line without LF is kept as it is, and a line over `limit` bytes (its CR
/// counted) is passed over and kept as its length only, so that memory stays bounded. The one
/// cutter of `ByteReader.nextLine` (a buffer it grows and compacts) and
/// `JSONLinesBlockInput.Splitter` (a buffer per read, shared with the blocks cut from it): they
/// own the buffers and the reads, this owns where lines end (memchr).
struct LineCutter {
    let limit: Int
    /// Where the line under way starts in the buffer, and how far from there it is known to
    /// hold no LF.
    var pos = 0, scan = 0
    /// Bytes of an over-long line dropped so far (`passOverLongLine`).
    var skipped = 0

    init(limit: Int, at pos: Int = 0) {
        self.limit = limit; self.pos = pos; scan = pos
    }

    /// One line: where its bytes lie in the buffer (terminator dropped), or the length of a
    /// line over the limit, whose bytes are not kept (`bytes` empty at its start).
    struct Line {
        var bytes: Range<Int>
        /// The line's length (terminator included) when over the limit; -1 if not.
        var tooLong: Int
    }

    /// The next line of `b`, whose first `pos` bytes were handed out, or nil when `b` holds no
    /// further line end: more bytes are needed, or, at `eof`, the file has no more lines.
    @inline(__always)
    mutating func next(_ b: UnsafeBufferPointer<UInt8>, eof: Bool) -> Line? {
        let count = b.count
        let found: Int
        if scan < count, let p = memchr(b.baseAddress! + scan, 0x0A, count - scan) {
            found = UnsafeRawPointer(b.baseAddress!).distance(to: UnsafeRawPointer(p))
        } else {
            scan = count
            guard eof, pos < count || skipped > 0 else { return nil }
            found = count   // the last line, without LF
        }
        let length = skipped + found - pos
        let line: Line
        if length > limit {
            line = Line(bytes: pos..<pos, tooLong: length)
        } else {
            let end = found < count && found > pos && b[found - 1] == 0x0D ? found - 1 : found
            line = Line(bytes: pos..<end, tooLong: -1)
        }
        skipped = 0
        pos = min(found + 1, count)
        scan = pos
        return line
    }

    /// Before more bytes are read after a buffer of `count` bytes: the line under way, when
    /// already over the limit, has its bytes dropped (counted in `skipped`), so that no more of
    /// it is kept. `pos` is then where the bytes to keep start.
    mutating func passOverLongLine(count: Int) {
        guard skipped + count - pos > limit else { return }
        skipped += count - pos
        pos = count; scan = count
    }

    /// The buffer's first `n` bytes are gone (the next buffer starts with the bytes after them).
    mutating func dropFirst(_ n: Int) {
        pos -= n; scan -= n
    }
}
