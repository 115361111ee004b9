/// The header walk shared by the two ways an archive is read: in place (`TarReader`, which
/// seeks past member data) and as a stream (`TarStreamReader`, standard input, which reads it).
/// Both hand the walk 512-byte blocks in order; it returns each member with the input
/// positioned at the member's data.
///
/// References: POSIX.1-2001 `pax` (ustar header, pax extended headers `x`/`g`), GNU tar manual
/// "Basic Tar Format" (GNU long names `L`/`K`, base-256 sizes).

/// Where the header walk reads blocks from.
protocol TarBlockInput: AnyObject {
    /// The archive's name, for messages.
    var path: String { get }
    /// Bytes of the archive consumed so far (the next block's offset).
    var consumed: Int { get }
    /// Bytes left in the archive, when known (a file); nil for a stream.
    var remaining: Int? { get }
    /// The next 512-byte block; nil at the end of the input exactly at a block boundary (an
    /// archive without end blocks, tolerated); throws when the input ends inside the block.
    func readBlock() throws -> [UInt8]?
    /// The next `count` bytes (an extended header's payload) and the padding to a block boundary.
    func readPayload(_ count: Int) throws -> [UInt8]
    /// Passes over the next `count` bytes and their padding.
    func skipPayload(_ count: Int) throws
}

enum TarHeaders {
    /// `size` rounded up to whole blocks.
    static func padded(_ size: Int) -> Int { (size + TarReader.blockSize - 1) / TarReader.blockSize * TarReader.blockSize }

    /// Reads headers until the next member (extended headers are folded into it); nil at the
    /// end of the archive. On return the input is at the member's data.
    static func next(from input: some TarBlockInput) throws -> TarMember? {
        let path = input.path
        var longName: [UInt8]? = nil
        var longLink: [UInt8]? = nil
        var paxPath: [UInt8]? = nil
        var paxLink: [UInt8]? = nil
        var paxSize: Int? = nil
        var nameProblem: String? = nil
        while true {
            let headerOffset = input.consumed
            guard let h = try input.readBlock() else { return nil }
            if h.allSatisfy({ $0 == 0 }) { return nil }
            guard TarReader.checksumOK(h) else {
                throw TarError(path: path, offset: headerOffset, message: "bad header checksum (not a tar file, or damaged)")
            }
            guard var size = TarReader.number(h[124..<136]) else {
                throw TarError(path: path, offset: headerOffset, message: "bad size field")
            }
            if let s = paxSize { size = s }
            let dataOffset = input.consumed
            // Checked before any arithmetic on it: a base-256 or pax size can be near Int.max.
            guard size >= 0, size <= (input.remaining ?? Int.max - TarReader.blockSize) else {
                throw TarError(path: path, offset: headerOffset, message: "member of \(size) bytes runs past the end of the archive (truncated)")
            }
            let type = h[156]
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"):  // GNU long name / long link target for the next member
                guard size <= TarReader.maxExtendedHeaderBytes else { throw TarError(path: path, offset: headerOffset, message: "long name too long") }
                let data = try input.readPayload(size)
                let text = Array(data.prefix(while: { $0 != 0 }))
                // The payload is the name and NUL padding: bytes after a NUL mean a name with a NUL inside.
                if data[text.count...].contains(where: { $0 != 0 }) { nameProblem = "its GNU long name holds a NUL byte" }
                if type == UInt8(ascii: "L") { longName = text } else { longLink = text }
                continue
            case UInt8(ascii: "x"):  // pax extended header for the next member
                guard size <= TarReader.maxExtendedHeaderBytes else { throw TarError(path: path, offset: headerOffset, message: "pax header too long") }
                let records = try TarReader.paxRecords(try input.readPayload(size))
                guard let records else { throw TarError(path: path, offset: headerOffset, message: "malformed pax header") }
                if let p = records["path"] {
                    paxPath = p
                    if p.contains(0) { nameProblem = "its pax path holds a NUL byte" }
                }
                if let l = records["linkpath"] { paxLink = l }
                if let s = records["size"] {
                    guard let v = Int(String(decoding: s, as: UTF8.self)), v >= 0 else { throw TarError(path: path, offset: headerOffset, message: "bad pax size") }
                    paxSize = v
                }
                continue
            case UInt8(ascii: "g"):  // global pax header: nothing hashscreen needs
                try input.skipPayload(size)
                continue
            default:
                break
            }
            var name = paxPath ?? longName ?? TarReader.field(h[0..<100])
            if paxPath == nil, longName == nil, h[257..<262].elementsEqual(Array("ustar".utf8)) {
                let prefix = TarReader.field(h[345..<500])
                if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
            }
            let link = String(decoding: paxLink ?? longLink ?? TarReader.field(h[157..<257]), as: UTF8.self)
            let kind: TarMember.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "1"): kind = .hardlink(target: link)
            case UInt8(ascii: "2"): kind = .symlink(target: link)
            default: kind = .other(type)
            }
            if name.isEmpty, nameProblem == nil { nameProblem = "it has an empty name" }
            return TarMember(name: String(decoding: name, as: UTF8.self), kind: kind, offset: dataOffset, size: size,
                             rawName: name, nameProblem: nameProblem)
        }
    }
}
