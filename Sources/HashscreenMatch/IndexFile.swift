import CPrefetch
import HashscreenCore
#if canImport(Glibc)
import Glibc
#endif

/// An index file: built indexes laid out to be mapped read-only and searched in place, so that a
/// scan's set-up does not grow with the list, and every process on a node shares one copy of
/// the index through the page cache (docs/index.md, "Index files").
///
/// Layout (little-endian 64-bit words; this build's byte order, checked):
///
/// ```
/// header   word 0 magic "HSIDX\0\0\0", 1 format version, 2 header words (h), 3 file bytes,
///          4 body CRC-32C | header CRC-32C << 32 (the header's with this word zero),
///          5-6 the caller's identity (16 bytes), 7-10 the caller's fingerprint (32 bytes),
///          11 section count, then per section: kind, signal name (2 words, NUL-padded),
///          count, 4 parameters, array count, then (offset, bytes) per array
/// arrays   each at a multiple of 4096 bytes, in section order, zero-padded between
/// ```
///
/// The body CRC covers every byte after the header; the header CRC the header itself. Both are
/// checked at every open (~7 GB/s with SSE4.2: 0.1 s for 10M PDQ entries), so a truncated file,
/// a flipped bit or a file of another list is refused, never searched.
package final class IndexFile: @unchecked Sendable {
    /// "HSIDX\0\0\0" as a little-endian word.
    static let magic: UInt64 = 0x0000_0058_4449_5348
    /// Bumped whenever the layout of a section changes: an older file is then rebuilt.
    package static let formatVersion: UInt64 = 1
    static let alignment = 4096
    static let fixedHeaderWords = 12
    /// Words of one section's descriptor before its arrays.
    static let sectionWords = 9

    /// One index of the file.
    package struct Section {
        package enum Kind: UInt64 { case exact = 1, compact = 2, compactTransposedPairs = 3 }
        package var kind: Kind
        package var signal: String
        package var count: Int
        package var parameters: [UInt64]
        package var arrays: [UnsafeRawBufferPointer]
    }

    /// The caller's identity of the file (a random generation, in the list database too).
    package let identity: [UInt8]
    /// The caller's fingerprint of what the file indexes (checked against the database).
    package let fingerprint: [UInt8]
    package let sections: [Section]
    package let path: String
    /// Bytes of the file (all of it is mapped).
    package let byteCount: Int
    private let mapping: UnsafeMutableRawPointer?

    deinit { if let mapping { munmap(mapping, byteCount) } }

    // MARK: - Reading

    /// Maps `path` read-only and checks it whole: its size, its header and its body checksum.
    /// Throws `IndexBuildError` saying what is wrong (never a value of the file).
    package init(mapping path: String) throws(IndexBuildError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            throw IndexBuildError("cannot open index file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw IndexBuildError("index file \(path) is not a regular file")
        }
        let size = Int(st.st_size)
        let minimum = Self.fixedHeaderWords * 8
        guard size >= minimum else { throw IndexBuildError("index file \(path) is truncated (\(size) bytes)") }
        // MAP_POPULATE: the pages the checksum is about to read are mapped in one call instead
        // of one fault per 64 KiB.
        guard let m = mmap(nil, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0), m != MAP_FAILED else {
            throw IndexBuildError("cannot map index file \(path): \(String(cString: strerror(errno)))")
        }
        mapping = m; byteCount = size
        let words = m.assumingMemoryBound(to: UInt64.self)
        guard words[0] == Self.magic else { throw IndexBuildError("index file \(path) is not a hashscreen index file") }
        guard words[1] == Self.formatVersion else {
            throw IndexBuildError("index file \(path) has format version \(words[1]), this hashscreen reads \(Self.formatVersion)")
        }
        let headerWords = Int(truncatingIfNeeded: words[2])
        guard headerWords >= Self.fixedHeaderWords, headerWords * 8 <= size else {
            throw IndexBuildError("index file \(path) is damaged (header size)")
        }
        guard words[3] == UInt64(size) else {
            throw IndexBuildError("index file \(path) is truncated or extended (\(size) bytes, its header says \(words[3]))")
        }
        var header = Array(UnsafeBufferPointer(start: words, count: headerWords))
        let crcs = header[4]
        header[4] = crcs & 0xFFFF_FFFF
        let headerCRC = header.withUnsafeBytes { hs_crc32c(0, $0.baseAddress, $0.count) }
        guard UInt64(headerCRC) == crcs >> 32 else { throw IndexBuildError("index file \(path) is damaged (header checksum)") }
        let bodyCRC = hs_crc32c(0, m + headerWords * 8, size - headerWords * 8)
        guard UInt64(bodyCRC) == crcs & 0xFFFF_FFFF else { throw IndexBuildError("index file \(path) is damaged (checksum)") }
        identity = Self.bytes(header[5...6])
        fingerprint = Self.bytes(header[7...10])
        let n = Int(truncatingIfNeeded: header[11])
        var sections: [Section] = []
        var at = Self.fixedHeaderWords
        for _ in 0..<n {
            guard at + Self.sectionWords <= headerWords, let kind = Section.Kind(rawValue: header[at]) else {
                throw IndexBuildError("index file \(path) is damaged (section table)")
            }
            let name = String(decoding: Self.bytes(header[(at + 1)...(at + 2)]).prefix { $0 != 0 }, as: UTF8.self)
            let count = Int(truncatingIfNeeded: header[at + 3])
            let parameters = Array(header[(at + 4)..<(at + 8)])
            let arrayCount = Int(truncatingIfNeeded: header[at + 8])
            at += Self.sectionWords
            guard arrayCount >= 0, arrayCount <= 1024, at + 2 * arrayCount <= headerWords, count >= 0 else {
                throw IndexBuildError("index file \(path) is damaged (section table)")
            }
            var arrays: [UnsafeRawBufferPointer] = []
            for a in 0..<arrayCount {
                let offset = header[at + 2 * a], bytes = header[at + 2 * a + 1]
                guard offset % UInt64(Self.alignment) == 0, offset >= UInt64(headerWords * 8),
                      bytes <= UInt64(size), offset <= UInt64(size) - bytes else {
                    throw IndexBuildError("index file \(path) is damaged (an array outside the file)")
                }
                arrays.append(UnsafeRawBufferPointer(start: m + Int(offset), count: Int(bytes)))
            }
            at += 2 * arrayCount
            sections.append(Section(kind: kind, signal: name, count: count, parameters: parameters, arrays: arrays))
        }
        self.sections = sections
    }

    private static func bytes(_ words: ArraySlice<UInt64>) -> [UInt8] {
        words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> UInt64(8 * $0)) } }
    }

    private static func words(_ bytes: [UInt8], count: Int) -> [UInt64] {
        (0..<count).map { i in
            (0..<8).reduce(UInt64(0)) { w, b in
                let j = 8 * i + b
                return w | (j < bytes.count ? UInt64(bytes[j]) << UInt64(8 * b) : 0)
            }
        }
    }

    /// Array `i` of `section` as a buffer of `count` elements that keeps this mapping alive;
    /// nil when the array does not hold exactly that many.
    func buffer<T>(_ section: Section, _ i: Int, count: Int, of: T.Type = T.self) -> FlatBuffer<T>? {
        guard i < section.arrays.count, section.arrays[i].count == count * MemoryLayout<T>.stride,
              let base = section.arrays[i].baseAddress ?? (count == 0 ? UnsafeRawPointer(bitPattern: Self.alignment) : nil) else { return nil }
        return FlatBuffer(mapped: base, count: count, owner: self)
    }

    // MARK: - Writing

    /// One array of a section being written: bytes in memory, or bytes made piece by piece as
    /// the file is written (`fill(offset, piece)` fills `piece` with the array's bytes from
    /// `offset`, a multiple of `unit`; each piece a whole number of units), so that an array
    /// derived from other data needs no buffer of its own size (the import's exact keys).
    package struct ArrayContent {
        enum Source {
            case bytes(UnsafeRawBufferPointer)
            case made(unit: Int, fill: (Int, UnsafeMutableRawBufferPointer) -> Void)
        }
        let source: Source
        package let count: Int

        package init(bytes: UnsafeRawBufferPointer) { source = .bytes(bytes); count = bytes.count }

        package init(count: Int, unit: Int, fill: @escaping (Int, UnsafeMutableRawBufferPointer) -> Void) {
            precondition(unit > 0 && count % unit == 0)
            source = .made(unit: unit, fill: fill); self.count = count
        }
    }

    /// A section to write: as `Section`, with arrays that may be made while writing.
    package struct SectionContent {
        package var kind: Section.Kind
        package var signal: String
        package var count: Int
        package var parameters: [UInt64]
        package var arrays: [ArrayContent]

        package init(kind: Section.Kind, signal: String, count: Int, parameters: [UInt64], arrays: [ArrayContent]) {
            self.kind = kind; self.signal = signal; self.count = count; self.parameters = parameters; self.arrays = arrays
        }

        package init(_ s: Section) {
            self.init(kind: s.kind, signal: s.signal, count: s.count, parameters: s.parameters,
                      arrays: s.arrays.map { ArrayContent(bytes: $0) })
        }
    }

    /// Bytes of the piece a made array is filled in (reused: it stays in the caches).
    static let pieceBytes = 1 << 20

    /// Writes `sections` to a new file at `path` (O_EXCL, mode 0600 whatever the umask, never
    /// through a symlink), synced to disk before it returns; the file is removed if writing
    /// fails. `identity` (16 bytes) and `fingerprint` (32) are stored for the reader to check.
    /// Returns the file's size and body checksum (for the list database's record of it).
    @discardableResult
    package static func write(path: String, identity: [UInt8], fingerprint: [UInt8],
                              sections: [Section]) throws(IndexBuildError) -> (bytes: Int, checksum: UInt32) {
        try write(path: path, identity: identity, fingerprint: fingerprint, contents: sections.map(SectionContent.init))
    }

    /// `write(path:identity:fingerprint:sections:)` of sections whose arrays may be made while
    /// the file is written: the same bytes as the sections with those arrays in memory.
    @discardableResult
    package static func write(path: String, identity: [UInt8], fingerprint: [UInt8],
                              contents sections: [SectionContent]) throws(IndexBuildError) -> (bytes: Int, checksum: UInt32) {
        precondition(identity.count == 16 && fingerprint.count == 32)
        // The header, with every array's offset.
        var header: [UInt64] = [magic, formatVersion, 0, 0, 0]
        header += words(identity, count: 2) + words(fingerprint, count: 4)
        header.append(UInt64(sections.count))
        var layout: [(offset: Int, array: ArrayContent)] = []
        var headerWords = header.count
        for s in sections { headerWords += sectionWords + 2 * s.arrays.count }
        var offset = roundUp(headerWords * 8)
        for s in sections {
            precondition(s.parameters.count <= 4 && s.signal.utf8.count <= 16)
            header.append(s.kind.rawValue)
            header += words(Array(s.signal.utf8), count: 2)
            header.append(UInt64(s.count))
            header += s.parameters + Array(repeating: 0, count: 4 - s.parameters.count)
            header.append(UInt64(s.arrays.count))
            for a in s.arrays {
                header += [UInt64(offset), UInt64(a.count)]
                layout.append((offset, a))
                offset = roundUp(offset + a.count)
            }
        }
        let fileBytes = max(offset, roundUp(headerWords * 8))
        header[2] = UInt64(header.count)
        header[3] = UInt64(fileBytes)

        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IndexBuildError("cannot create index file \(path): \(String(cString: strerror(errno)))") }
        var done = false
        defer {
            close(fd)
            if !done { unlink(path) }
        }
        func fail(_ what: String) -> IndexBuildError {
            IndexBuildError("cannot write index file \(path): \(what): \(String(cString: strerror(errno)))")
        }
        guard fchmod(fd, 0o600) == 0 else { throw fail("mode 0600") }
        // The body, array by array, checksummed as written; zeros between arrays.
        let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: alignment, alignment: 8)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
        var crc: UInt32 = 0
        var at = header.count * 8
        func put(_ bytes: UnsafeRawBufferPointer, checksum: Bool = true) throws(IndexBuildError) {
            guard let b = bytes.baseAddress, bytes.count > 0 else { return }
            if checksum { crc = hs_crc32c(crc, b, bytes.count) }
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, b + done, min(bytes.count - done, 1 << 30), off_t(at + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw fail("write") }
                done += n
            }
            at += bytes.count
        }
        func pad(to end: Int) throws(IndexBuildError) {
            while at < end { try put(UnsafeRawBufferPointer(start: zeros.baseAddress, count: min(alignment, end - at))) }
        }
        var piece: UnsafeMutableRawBufferPointer?
        defer { piece?.deallocate() }
        for (o, a) in layout {
            try pad(to: o)
            switch a.source {
            case .bytes(let b): try put(b)
            case .made(let unit, let fill):
                let size = max(pieceBytes / unit, 1) * unit
                if piece == nil || piece!.count < size {
                    piece?.deallocate()
                    piece = .allocate(byteCount: size, alignment: 16)
                }
                var done = 0
                while done < a.count {
                    let part = UnsafeMutableRawBufferPointer(rebasing: piece![0..<min(size, a.count - done)])
                    fill(done, part)
                    try put(UnsafeRawBufferPointer(part))
                    done += part.count
                }
            }
        }
        try pad(to: fileBytes)
        header[4] = UInt64(crc)
        let headerCRC = header.withUnsafeBytes { hs_crc32c(0, $0.baseAddress, $0.count) }
        header[4] |= UInt64(headerCRC) << 32
        at = 0
        let headerBytes = UnsafeMutableRawBufferPointer.allocate(byteCount: header.count * 8, alignment: 8)
        defer { headerBytes.deallocate() }
        header.withUnsafeBytes { headerBytes.copyMemory(from: $0) }
        try put(UnsafeRawBufferPointer(headerBytes), checksum: false)
        guard ftruncate(fd, off_t(fileBytes)) == 0 else { throw fail("size") }
        guard fsync(fd) == 0 else { throw fail("sync") }
        done = true
        return (fileBytes, crc)
    }

    /// The body checksum recorded in the header.
    package var checksum: UInt32 {
        UInt32(truncatingIfNeeded: mapping!.assumingMemoryBound(to: UInt64.self)[4])
    }

    /// CRC-32C of `bytes` (the files' checksum; `software`: the table version, for the tests).
    package static func crc32c(_ bytes: [UInt8], software: Bool = false) -> UInt32 {
        bytes.withUnsafeBytes { software ? hs_crc32c_soft(0, $0.baseAddress, $0.count) : hs_crc32c(0, $0.baseAddress, $0.count) }
    }

    private static func roundUp(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}
