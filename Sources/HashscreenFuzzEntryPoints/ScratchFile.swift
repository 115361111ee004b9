// An in-memory file for the readers that open paths (Parquet, tar, manifests, list files).

import Glibc

/// One anonymous in-memory file (memfd_create), rewritten for each input and opened by readers
/// through its `/proc/self/fd/N` path: nothing reaches a file system, and a reader sees a
/// regular file of exactly the input's size. Falls back to an unlinked `mkstemp` file in
/// `$TMPDIR` (0600) where memfd_create is missing.
final class ScratchFile: @unchecked Sendable {
    static let shared = ScratchFile()

    private let fd: Int32
    let path: String

    private init() {
        typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
        var fd: Int32 = -1
        if let symbol = dlsym(nil, "memfd_create") {
            fd = unsafeBitCast(symbol, to: MemfdCreate.self)("hashscreen-fuzz", 1 /* MFD_CLOEXEC */)
        }
        if fd < 0 {
            let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            var template = Array("\(dir)/hashscreen-fuzz-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            precondition(fd >= 0, "hashscreen-fuzz: cannot create a scratch file: \(String(cString: strerror(errno)))")
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        }
        self.fd = fd
        self.path = "/proc/self/fd/\(fd)"
    }

    /// Makes the file hold exactly `bytes`, then calls `body` with its path.
    func with(_ bytes: UnsafeRawBufferPointer, _ body: (String) -> Void) {
        precondition(ftruncate(fd, 0) == 0, "hashscreen-fuzz: ftruncate failed")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            precondition(n > 0 || errno == EINTR, "hashscreen-fuzz: write to the scratch file failed")
            if n > 0 { done += n }
        }
        body(path)
    }
}
