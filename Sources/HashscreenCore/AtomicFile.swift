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

    /// The final path.
    package let path: String
    /// Where the bytes go until `commit()`: `.<name>.<pid>.<random>.tmp` beside `path`.
    package let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit: Int
    private var committed = false
    /// Bytes handed to `write` so far (buffered or written): the file's length at `commit()`.
    package private(set) var count = 0

    /// Creates the temporary file (new, exclusive, mode 0600).
    package init(path: String, bufferBytes: Int = AtomicFile.bufferBytes) throws(HashscreenError) {
        self.path = path
        bufferLimit = bufferBytes
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = folder + ".\(name).\(getpid()).\(String(UInt32.random(in: .min ... .max), radix: 16)).tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, Self.mode)
        guard fd >= 0 else { throw Self.failure(path, errno) }
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
        if !committed { unlink(temporaryPath) }
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
