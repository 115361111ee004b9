import Foundation

/// Reads a tar archive as a stream (standard input: `aws s3 cp s3://b/00001.tar - | hashscreen
/// scan - ...`): no seeking, each member's data read in order, kept in memory when wanted
/// (under a size limit) and passed over otherwise. Nothing is written to disk.
///
/// Every byte read from the file descriptor, end blocks and trailing bytes included (`drain`),
/// is shown to `observe` in order, so that a caller can digest the stream as it goes.
package final class TarStreamReader: TarBlockInput {
    /// One member and, when it was kept, its bytes.
    package struct Streamed: Sendable {
        package var member: TarMember
        /// The member's data; nil when it was passed over (not wanted, or over the limit).
        package var bytes: [UInt8]?
    }

    /// Bytes asked of the file descriptor at a time.
    static let chunkSize = 1 << 20

    package let path: String
    private let fd: Int32
    private let observe: (UnsafeRawBufferPointer) -> Void
    /// Bytes read and not yet consumed are `buffer[head..<tail]`.
    private var buffer = [UInt8](repeating: 0, count: TarStreamReader.chunkSize)
    private var head = 0
    private var tail = 0
    private var atEOF = false
    private var finished = false
    /// The stream ended inside a member's padding: the member is whole, the next header is not.
    private var endedInPadding = false
    private(set) var consumed = 0
    var remaining: Int? { nil }

    /// `path` names the stream in messages (`-` for standard input); `fd` stays open (the
    /// caller owns it).
    package init(fd: Int32, path: String, observe: @escaping (UnsafeRawBufferPointer) -> Void = { _ in }) {
        self.fd = fd; self.path = path; self.observe = observe
    }

    /// The next member; its data is read into memory when `keep` says so for it, else passed
    /// over. Nil at the end of the archive. Throws on a damaged header or when the stream ends
    /// inside a member (truncated); after an error the reader cannot continue.
    package func next(keep: (TarMember) -> Bool) throws -> Streamed? {
        if finished { return nil }
        guard let m = try TarHeaders.next(from: self) else { finished = true; return nil }
        let start = consumed
        do {
            if m.kind == .file, keep(m) {
                let bytes = try readPayload(m.size)
                return Streamed(member: m, bytes: bytes)
            }
            try skipPayload(m.size)
            return Streamed(member: m, bytes: nil)
        } catch let e as TarError {
            throw TarError(path: path, offset: start, message: "member \(m.name) of \(m.size) bytes: \(e.message)")
        }
    }

    /// Reads the rest of the stream (end blocks, trailing zeros) to its end, so that every byte
    /// is observed and the writer is not cut off (no SIGPIPE for `aws s3 cp`). Returns the
    /// bytes passed over.
    @discardableResult
    package func drain() throws -> Int {
        var n = 0
        while true {
            n += tail - head
            consumed += tail - head
            head = 0; tail = 0
            if atEOF { return n }
            try fill()
        }
    }

    // MARK: - TarBlockInput

    func readBlock() throws -> [UInt8]? {
        try ensure(TarReader.blockSize)
        let available = tail - head
        if available == 0, !endedInPadding { return nil }  // no end blocks: tolerated
        guard available >= TarReader.blockSize else {
            throw TarError(path: path, offset: consumed, message: "truncated header (the stream ends inside it)")
        }
        var out = [UInt8]()
        try copy(TarReader.blockSize, into: &out)
        return out
    }

    func readPayload(_ count: Int) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        try copy(count, into: &out)
        try skipPadding(count)
        return out
    }

    func skipPayload(_ count: Int) throws {
        var left = count
        while left > 0 {
            try ensure(1)
            guard tail > head else { throw truncated() }
            let n = min(left, tail - head)
            head += n; consumed += n; left -= n
        }
        try skipPadding(count)
    }

    // MARK: - Buffering

    /// Appends the next `count` bytes to `out`; throws when the stream ends first.
    private func copy(_ count: Int, into out: inout [UInt8]) throws {
        var left = count
        while left > 0 {
            try ensure(1)
            guard tail > head else { throw truncated() }
            let n = min(left, tail - head)
            buffer.withUnsafeBytes { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[head..<(head + n)])) }
            head += n; consumed += n; left -= n
        }
    }

    private func skipPadding(_ count: Int) throws {
        let pad = TarHeaders.padded(count) - count
        guard pad > 0 else { return }
        try ensure(pad)
        // Cut inside the padding: the member is whole (as the in-place reader sees it); the
        // next header read fails.
        let n = min(pad, tail - head)
        if n < pad { endedInPadding = true }
        head += n; consumed += n
    }

    private func truncated() -> TarError {
        TarError(path: path, offset: consumed, message: "the stream ends inside a member (truncated)")
    }

    /// Reads until `n` (at most `chunkSize`) bytes are buffered or the stream ends.
    private func ensure(_ n: Int) throws {
        while tail - head < n, !atEOF {
            if buffer.count - head < n {
                // Move what is left to the front: at most one block's worth.
                let left = tail - head
                buffer.withUnsafeMutableBytes { b in _ = memmove(b.baseAddress!, b.baseAddress! + head, left) }
                head = 0; tail = left
            }
            try fill()
        }
    }

    /// One read(2) into the buffer's free end (emptied first when nothing is left in it).
    private func fill() throws {
        if head == tail { head = 0; tail = 0 }
        let room = buffer.count - tail
        guard room > 0 else { return }
        var got = -1
        while true {
            got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + tail, room) }
            if got < 0, errno == EINTR { continue }
            break
        }
        if got < 0 {
            throw TarError(path: path, offset: consumed, message: "read failed: \(String(cString: strerror(errno)))")
        }
        if got == 0 { atEOF = true; return }
        let start = tail
        buffer.withUnsafeBytes { observe(UnsafeRawBufferPointer(rebasing: $0[start..<(start + got)])) }
        tail += got
    }
}
