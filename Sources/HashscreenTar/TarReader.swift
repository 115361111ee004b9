/// HashscreenTar: lists the members of a tar archive in place, without extracting anything
/// (`TarReader`), or reads them in order from a stream such as standard input
/// (`TarStreamReader`); both walk the headers with `TarHeaders`.
///
/// - *member*: one file stored in the archive: its name, and the byte range of its data inside
///   the archive file, so a reader can `pread` exactly those bytes later.
/// Only headers are read (512 bytes each); member data is skipped with the file offset, so
/// memory does not depend on the archive's size.
///
/// References: POSIX.1-2001 `pax` (ustar header, pax extended headers `x`/`g`), GNU tar manual
/// "Basic Tar Format" (GNU long names `L`/`K`, base-256 sizes). webdataset and img2dataset
/// write ustar/pax archives with Python's `tarfile`.
import Foundation

/// One member of a tar archive.
package struct TarMember: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case file, directory
        /// A symbolic link (type `2`) or a hard link (type `1`) to `target`: no bytes of its own.
        case symlink(target: String), hardlink(target: String)
        /// Any other type flag: `3` character device, `4` block device, `6` FIFO, or unknown.
        case other(UInt8)

        /// What the member is, for messages ("a symbolic link to x", "a FIFO").
        package var description: String {
            switch self {
            case .file: return "a regular file"
            case .directory: return "a directory"
            case .symlink(let t): return "a symbolic link to \(t)"
            case .hardlink(let t): return "a hard link to \(t)"
            case .other(UInt8(ascii: "3")): return "a character device"
            case .other(UInt8(ascii: "4")): return "a block device"
            case .other(UInt8(ascii: "6")): return "a FIFO"
            case .other(let t): return "of unknown type \(t >= 32 && t < 127 ? "'\(Character(Unicode.Scalar(t)))'" : "byte \(t)")"
            }
        }
    }
    /// The name as text (bytes that are not UTF-8 replaced by U+FFFD): `rawName` is exact.
    package var name: String
    package var kind: Kind
    /// Offset of the member's data in the archive file.
    package var offset: Int
    package var size: Int
    /// The name's bytes as stored (pax `path`, GNU long name, or ustar prefix/name).
    package var rawName: [UInt8]
    /// Why the name cannot be trusted (a NUL byte inside it), or nil.
    package var nameProblem: String?

    package init(name: String, kind: Kind, offset: Int, size: Int, rawName: [UInt8]? = nil, nameProblem: String? = nil) {
        self.name = name; self.kind = kind; self.offset = offset; self.size = size
        self.rawName = rawName ?? Array(name.utf8); self.nameProblem = nameProblem
    }
}

/// A damaged or unsupported archive.
package struct TarError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var offset: Int
    package var message: String
    package var description: String { "\(path): tar header at byte \(offset): \(message)" }
}

/// Reads a tar archive's member list sequentially.
package final class TarReader: TarBlockInput {
    package static let blockSize = 512
    /// Longest pax/GNU long-name payload accepted (a header claiming more is damaged).
    static let maxExtendedHeaderBytes = 1 << 20

    package let path: String
    private let fd: Int32
    private let fileSize: Int
    private var position = 0
    private var finished = false

    package init(path: String) throws {
        self.path = path
        // Only a regular file is opened (stat first), and O_NONBLOCK | O_NOCTTY so that a FIFO
        // swapped in between returns at once and is refused by fstat: never a wait.
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw TarError(path: path, offset: 0, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw TarError(path: path, offset: 0, message: "not a regular file")
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            throw TarError(path: path, offset: 0, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw TarError(path: path, offset: 0, message: "not a regular file")
        }
        fileSize = Int(st.st_size)
    }

    deinit { close(fd) }

    // MARK: - TarBlockInput (headers read in place)

    var consumed: Int { position }
    var remaining: Int? { fileSize - position }

    func readBlock() throws -> [UInt8]? {
        if position + Self.blockSize > fileSize {
            if position == fileSize { return nil }  // no end blocks: tolerated
            throw TarError(path: path, offset: position, message: "truncated header")
        }
        defer { position += Self.blockSize }
        return try read(offset: position, count: Self.blockSize)
    }

    func readPayload(_ count: Int) throws -> [UInt8] {
        defer { position += TarHeaders.padded(count) }
        return try read(offset: position, count: count)
    }

    func skipPayload(_ count: Int) throws { position += TarHeaders.padded(count) }

    /// Reads `count` bytes at `offset` of the archive (for member data).
    package func read(offset: Int, count: Int) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        var done = 0
        try buf.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 { if errno == EINTR { continue }; throw TarError(path: path, offset: offset, message: "read failed: \(String(cString: strerror(errno)))") }
                if n == 0 { throw TarError(path: path, offset: offset, message: "archive ends inside a member (truncated)") }
                done += n
            }
        }
        return buf
    }

    /// The next member, or nil at the end of the archive. Throws on a damaged header; after an
    /// error the reader cannot continue (tar has no resynchronisation). The member's data is
    /// skipped: read it later with `read(offset:count:)`.
    package func next() throws -> TarMember? {
        if finished { return nil }
        guard let m = try TarHeaders.next(from: self) else { finished = true; return nil }
        position += TarHeaders.padded(m.size)
        return m
    }

    /// A NUL-terminated header field's bytes.
    static func field(_ b: ArraySlice<UInt8>) -> [UInt8] { Array(b.prefix(while: { $0 != 0 })) }

    /// Octal (NUL/space terminated) or GNU base-256 (high bit of the first byte set).
    static func number(_ b: ArraySlice<UInt8>) -> Int? {
        guard let first = b.first else { return nil }
        if first & 0x80 != 0 {
            var v = Int(first & 0x7F)
            for byte in b.dropFirst() {
                guard v < (Int.max >> 8) else { return nil }
                v = v << 8 | Int(byte)
            }
            return v
        }
        var v = 0
        var seen = false
        for c in b {
            if c == 0 || c == UInt8(ascii: " ") { if seen { break } else { continue } }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "7") else { return nil }
            guard v < (Int.max >> 3) else { return nil }
            v = v * 8 + Int(c - UInt8(ascii: "0"))
            seen = true
        }
        return v
    }

    /// The header checksum: the sum of all bytes with the checksum field read as spaces.
    static func checksumOK(_ h: [UInt8]) -> Bool {
        guard let stored = number(h[148..<156]) else { return false }
        var sum = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(b) }
        return sum == stored
    }

    /// pax records: "LEN key=value\n" repeated (values as bytes); nil when malformed.
    static func paxRecords(_ data: [UInt8]) throws -> [String: [UInt8]]? {
        var out: [String: [UInt8]] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }
            var len = 0
            var j = i
            while j < data.count, data[j] != UInt8(ascii: " ") {
                guard data[j] >= 48, data[j] <= 57, len < 1 << 20 else { return nil }
                len = len * 10 + Int(data[j] - 48)
                j += 1
            }
            guard len > 0, i + len <= data.count, j < i + len, data[i + len - 1] == UInt8(ascii: "\n") else { return nil }
            let record = data[(j + 1)..<(i + len - 1)]
            guard let eq = record.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            out[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] = Array(record[(eq + 1)...])
            i += len
        }
        return out
    }
}
