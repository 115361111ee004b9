#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears whole or not at all: written under a hidden temporary name in the target's
/// own folder (so the final rename stays on one file system), mode 0600 whatever the umask,
/// synced, then renamed into place by `commit()`; the folder is synced after the rename. A reader
/// sees the previous file or the whole new one, never a part, and a file never committed
/// (an error midway, a writer dropped) leaves nothing behind: the temporary file is removed.
///
/// Planted links cannot redirect it (a scan may run as root in a folder others can write to):
/// the temporary file is created `O_CREAT | O_EXCL | O_NOFOLLOW`, so a name that already exists,
/// a symbolic link included, is never opened, and its name carries 64 random bits
/// (`SystemRandomNumberGenerator`, the kernel's `getrandom`) besides the pid, so it cannot be
/// guessed ahead; a name that exists all the same is passed over for a new one
/// (`creationAttempts`). The final `rename(2)` over a symbolic link replaces the link itself,
/// never the file it points to.
///
/// The one atomic writer of hashscreen: the scan's outputs (HashscreenReport), cleaned CSV, TSV
/// and JSON-lines manifests and Parquet files (HashscreenManifest, HashscreenParquet) all write
/// through it. Errors are `HashscreenError(.output, ...)` naming the final path, with the
/// system's reason as the underlying cause.
package final class AtomicFile {
    /// Mode of every file written: outputs describe a dataset that held flagged material, so
    /// only the operator reads them.
    package static let mode: mode_t = 0o600
    /// Bytes buffered before a `write(2)`.
    package static let bufferBytes = 1 << 16
    /// Temporary names tried before giving up when each one already exists: with 64 random
    /// bits a name, a second collision means someone creates the names as fast as they are
    /// drawn, which no retry outlasts.
    package static let creationAttempts = 16
    /// Flags of the temporary file's `open(2)`: created here or not at all, never through a link.
    static let creationFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC

    /// The final path.
    package let path: String
    /// Where the bytes go until `commit()`: `.<name>.<pid>.<random>.tmp` beside `path`
    /// (`temporaryPath(for:pid:nonce:)`).
    package let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit: Int
    private var committed = false
    /// Whether the temporary file is this writer's (created by it): only then is it removed.
    private var created = false
    /// Bytes handed to `write` so far (buffered or written): the file's length at `commit()`.
    package private(set) var count = 0

    /// Creates the temporary file (new, exclusive, never through a link, mode 0600).
    package convenience init(path: String, bufferBytes: Int = AtomicFile.bufferBytes) throws(HashscreenError) {
        var random = SystemRandomNumberGenerator()
        try self.init(path: path, bufferBytes: bufferBytes, nonce: { random.next() })
    }

    /// Creates the temporary file, its random part drawn from `nonce` (tests pass a known
    /// sequence to plant links at the names it will try).
    package init(path: String, bufferBytes: Int = AtomicFile.bufferBytes, nonce: () -> UInt64) throws(HashscreenError) {
        self.path = path
        bufferLimit = bufferBytes
        var tried = ""
        var opened: Int32 = -1
        for _ in 0..<Self.creationAttempts {
            tried = Self.temporaryPath(for: path, pid: getpid(), nonce: nonce())
            opened = open(tried, Self.creationFlags, Self.mode)
            if opened >= 0 || (errno != EEXIST && errno != ELOOP) { break }
        }
        temporaryPath = tried
        fd = opened
        guard fd >= 0 else { throw Self.failure(path, errno) }   // a name that exists is not ours to remove
        created = true
        // O_CREAT's mode passes through the umask; 0600 is what is wanted.
        guard fchmod(fd, Self.mode) == 0 else {
            let e = Self.failure(path, errno)
            close(fd); fd = -1
            unlink(temporaryPath)
            throw e
        }
        buffer.reserveCapacity(bufferLimit)
    }

    deinit {
        if fd >= 0 { close(fd) }
        if created && !committed { unlink(temporaryPath) }
    }

    // MARK: - Writing

    /// Appends bytes (buffered).
    package func write(_ bytes: UnsafeRawBufferPointer) throws(HashscreenError) {
        count += bytes.count
        if buffer.count + bytes.count > bufferLimit {
            try flush()
            if bytes.count >= bufferLimit { try writeAll(bytes); return }
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes (buffered).
    package func write(_ bytes: [UInt8]) throws(HashscreenError) {
        var failure: HashscreenError?
        bytes.withUnsafeBytes { b in failure = Self.caught { () throws(HashscreenError) in try write(b) } }
        if let failure { throw failure }
    }

    /// Appends bytes (buffered).
    package func write(_ bytes: ArraySlice<UInt8>) throws(HashscreenError) {
        var failure: HashscreenError?
        bytes.withUnsafeBytes { b in failure = Self.caught { () throws(HashscreenError) in try write(b) } }
        if let failure { throw failure }
    }

    /// Appends `text` as UTF-8 (buffered).
    package func write(_ text: String) throws(HashscreenError) {
        count += text.utf8.count
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= bufferLimit { try flush() }
    }

    /// Writes what is buffered, syncs, renames the file into place and syncs the folder.
    /// A second call does nothing.
    package func commit() throws(HashscreenError) {
        guard !committed else { return }
        try flush()
        guard fsync(fd) == 0 else { throw Self.failure(path, errno) }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw Self.failure(path, errno) }
        guard rename(temporaryPath, path) == 0 else { throw Self.failure(path, errno) }
        committed = true
        Self.syncFolder(of: path)
    }

    /// Like `commit()`, but never replaces a file: the temporary file is linked to the final
    /// name (`link(2)` fails with EEXIST when the name exists, a dangling link included), then
    /// its temporary name removed. For files whose loss would be worse than an error (a key).
    package func commitNew() throws(HashscreenError) {
        guard !committed else { return }
        try flush()
        guard fsync(fd) == 0 else { throw Self.failure(path, errno) }
        let closed = close(fd)
        fd = -1
        guard closed == 0 else { throw Self.failure(path, errno) }
        guard link(temporaryPath, path) == 0 else {
            let code = errno
            if code == EEXIST {
                throw HashscreenError(.output, "\(path) exists", remedy: "remove it or choose another name: it is never overwritten")
            }
            throw Self.failure(path, code)
        }
        committed = true
        unlink(temporaryPath)
        Self.syncFolder(of: path)
    }

    private func flush() throws(HashscreenError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        var failure: HashscreenError?
        buffer.withUnsafeBytes { b in failure = Self.caught { () throws(HashscreenError) in try writeAll(b) } }
        if let failure { throw failure }
    }

    private func writeAll(_ b: UnsafeRawBufferPointer) throws(HashscreenError) {
        guard fd >= 0 else { throw HashscreenError(.output, "cannot write \(path): the file is already closed") }
        var done = 0
        while done < b.count {
            let n = unistdWrite(fd, b.baseAddress! + done, b.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure(path, errno)
            }
            done += n
        }
    }

    // MARK: - Helpers

    /// `.<name>.<pid>.<nonce, 16 hex digits>.tmp` in the folder of `path`.
    package static func temporaryPath(for path: String, pid: pid_t, nonce: UInt64) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let hex = String(nonce, radix: 16)
        return folder + ".\(name).\(pid).\(String(repeating: "0", count: 16 - hex.count))\(hex).tmp"
    }

    /// The error `step` throws, or nil: for `withUnsafeBytes`, whose closure cannot throw a
    /// typed error.
    private static func caught(_ step: () throws(HashscreenError) -> Void) -> HashscreenError? {
        do { try step() } catch { return error }
        return nil
    }

    private static func failure(_ path: String, _ code: Int32) -> HashscreenError {
        HashscreenError(.output, "cannot write \(path)", remedy: "check free space and --out",
                        underlying: String(cString: strerror(code)))
    }

    /// Makes a rename in the folder of `path` durable; best effort (a folder that cannot be
    /// opened for reading still received the file).
    static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// `write(2)`, named apart from `AtomicFile.write`.
@inline(__always)
private func unistdWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}
