import Foundation
import HashscreenCore

/// A file written under a temporary name beside its final one, synced and renamed into place
/// at `finish()`, mode 0600 whatever the umask: a reader sees the previous file or the whole new
/// one, never a part, and a run that fails midway leaves no partial output (the temporary file
/// is removed). Errors name the file and say what to check.
final class AtomicFile: ReportOutput {
    /// Bytes buffered before a `write(2)`.
    static let chunkBytes = 1 << 16
    /// The final path.
    let path: String
    private let temporary: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var committed = false

    /// Creates the temporary file (`PATH.tmp-PID`, mode 0600).
    init(path: String) throws(HashscreenError) {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HashscreenError(.output, "cannot write \(path): \(String(cString: strerror(errno))); check --out")
        }
        fchmod(fd, 0o600)
    }

    func write(_ text: String) throws(HashscreenError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunkBytes { try flush() }
    }

    /// Writes what is buffered, syncs, and renames the file into place.
    func finish() throws(HashscreenError) {
        guard !committed else { return }
        try flush()
        let synced = fsync(fd) == 0
        let reason = synced ? "" : String(cString: strerror(errno))
        close(fd)
        fd = -1
        guard synced else { throw failure(reason) }
        guard rename(temporary, path) == 0 else { throw failure(String(cString: strerror(errno))) }
        committed = true
    }

    private func flush() throws(HashscreenError) {
        guard fd >= 0 else { throw failure("the file is already closed") }
        var off = 0
        let failed: String? = buffer.withUnsafeBytes { raw in
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                off += n
            }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let failed { throw failure(failed) }
    }

    private func failure(_ reason: String) -> HashscreenError {
        HashscreenError(.output, "cannot write \(path): \(reason); check free space and --out")
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporary) }
    }
}
