import Foundation

/// Opening what an input names, so that nothing it names can hang or stall a scan.
///
/// A FIFO opened for reading blocks until a writer appears, a terminal may become the
/// controlling one, a device may act on `open` itself, and a directory or a socket has no bytes
/// to screen. So a path is `stat`ed first and opened only when it is a regular file, then opened
/// with `O_NONBLOCK | O_NOCTTY` (a FIFO swapped in between returns at once) and checked again
/// with `fstat` on the descriptor that is read: anything else is refused with its kind named.
package enum InputFile {
    /// A regular file open for reading, with its size.
    package struct Opened {
        package var fd: Int32
        package var size: Int
    }

    /// What the file type bits `mode & S_IFMT` name, for messages.
    package static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// Opens `path` (symlinks followed) for reading when it is a regular file. Throws an
    /// `.input` error whose message does not repeat the path (callers say which file it was).
    package static func openRegular(_ path: UnsafePointer<CChar>) throws(HashscreenError) -> Opened {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw HashscreenError(.input, "cannot open: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw HashscreenError(.input, "not a regular file: it is \(kindName(st.st_mode))")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            throw HashscreenError(.input, "cannot open: \(String(cString: strerror(errno)))")
        }
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw HashscreenError(.input, "cannot stat: \(String(cString: strerror(e)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw HashscreenError(.input, "not a regular file: it is \(kindName(st.st_mode))")
        }
        return Opened(fd: fd, size: Int(st.st_size))
    }

    package static func openRegular(_ path: String) throws(HashscreenError) -> Opened {
        let r: Result<Opened, HashscreenError> = path.withCString { p in
            Result { () throws(HashscreenError) -> Opened in try openRegular(p) }
        }
        return try r.get()
    }

    package static func openRegular(bytes path: [UInt8]) throws(HashscreenError) -> Opened {
        let r: Result<Opened, HashscreenError> = (path + [0]).withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { p in
                Result { () throws(HashscreenError) -> Opened in try openRegular(p) }
            }
        }
        return try r.get()
    }
}

/// The lossless text form of a file name's bytes, for keys and outputs: valid UTF-8 is kept
/// as it is, except that a backslash is written `\\`; every byte that is not part of a valid
/// UTF-8 sequence is written `\xNN` (two lowercase hex digits, as Python's `backslashreplace`).
/// Distinct byte strings give distinct texts, and `unescape` gives the bytes back.
package enum EscapedName {
    package static func escape<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let b = Array(bytes)
        var out = ""
        out.reserveCapacity(b.count)
        var i = 0
        let hex = Array("0123456789abcdef".utf8)
        while i < b.count {
            let n = validSequenceLength(b, at: i)
            if n == 0 {
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append("x")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b[i] >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b[i] & 15)]))
                i += 1
                continue
            }
            if b[i] == UInt8(ascii: "\\") {
                out += "\\\\"
            } else {
                out += String(decoding: b[i..<i + n], as: UTF8.self)
            }
            i += n
        }
        return out
    }

    /// True when the bytes are valid UTF-8 holding no backslash: their escaped form is their text.
    package static func isPlain(_ bytes: [UInt8]) -> Bool {
        guard !bytes.contains(UInt8(ascii: "\\")) else { return false }
        var i = 0
        while i < bytes.count {
            let n = validSequenceLength(bytes, at: i)
            if n == 0 { return false }
            i += n
        }
        return true
    }

    /// The bytes an escaped text stands for; nil when the text is not an escaped form.
    package static func unescape(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            default: return nil
            }
        }
        while i < u.count {
            if u[i] != UInt8(ascii: "\\") { out.append(u[i]); i += 1; continue }
            guard i + 1 < u.count else { return nil }
            if u[i + 1] == UInt8(ascii: "\\") { out.append(u[i]); i += 2; continue }
            guard u[i + 1] == UInt8(ascii: "x"), i + 3 < u.count,
                  let hi = hexValue(u[i + 2]), let lo = hexValue(u[i + 3]) else { return nil }
            out.append(hi << 4 | lo)
            i += 4
        }
        return out
    }

    /// Length of the well-formed UTF-8 sequence at `i` (Unicode 15, table 3-7), 0 if none.
    static func validSequenceLength(_ b: [UInt8], at i: Int) -> Int {
        let c = b[i]
        if c < 0x80 { return 1 }
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i + k < b.count && b[i + k] >= lo && b[i + k] <= hi
        }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0
        case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }
}
