// The --out policy: which folder a scan may write to, one scan at a time, and how a new scan
// replaces the one before it (docs/outputs.md).
//
// Words:
// - *run*: the files one scan writes in its output folder (`OutputFolder.File.run`), and the
//   lock file, which marks the folder as a scan's and stays when the scan ends.
// - *previous run*: what an earlier scan left; a folder holds one when it holds the lock file.
//   Only the names of a run are ever removed: whatever else a user puts beside them stays.
//
// References: flock(2) (advisory, per open file description, released when the holder's last
// descriptor closes, so also when it is killed); unlinkat(2), openat(2) with O_NOFOLLOW
// (a planted link is removed, never followed).

import Foundation
import HashscreenCore

extension OutputFolder.File {
    /// Marks the folder as a scan's output folder; `flock`ed for the whole of a scan.
    package static let lock = ".hashscreen.lock"
    /// `--write-cleaned`'s folder.
    package static let cleaned = "cleaned"
    /// A scan's progress, for `--resume` (`ScanCheckpoint`); removed once `summary.json` is written.
    package static let checkpoint = ".hashscreen-checkpoint"
    /// Every name a scan writes in the folder besides the lock, in the order a new scan removes
    /// them: the summary first, so no moment shows a summary beside files it does not describe.
    package static let run = [summary, attestation, verificationAttestation, verification, removals, report, errors, flagged, reporting, prevalence, html, cleaned,
                              partMatches, partErrors, partFlagged, partPrevalence, checkpoint]
}

/// The open lock file: the lock is held for as long as this lives.
final class OutputLock {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

extension OutputFolder {
    /// Mode of a folder created for `--out` (and of missing parents): the outputs describe a
    /// dataset that held flagged material, so only the operator lists them.
    package static let directoryMode: mode_t = 0o700

    /// The policy of `init(directory:)`: the folder checked or created, then locked.
    static func prepare(_ directory: String, warn: (String) -> Void) throws(HashscreenError) -> OutputLock {
        var st = stat()
        var created = false
        if stat(directory, &st) != 0 {
            guard errno == ENOENT else { throw failure("cannot use output folder \(directory)", errno) }
            created = try create(directory)
            guard stat(directory, &st) == 0 else { throw failure("cannot use output folder \(directory)", errno) }
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw HashscreenError(.output, "output path \(directory) exists and is not a folder: choose another --out")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw HashscreenError(.output, "output folder \(directory) is not writable: choose another --out")
        }
        if !created {
            if let other = try unexpectedEntry(in: directory) {
                throw HashscreenError(.output, "output folder \(directory) is not empty and holds no earlier scan (it has \(other) and no \(File.lock))",
                                      remedy: "choose a new or empty --out; a scan replaces only an earlier scan's outputs")
            }
            // The mode of an existing folder is the user's; say so when others could replace
            // the outputs (the files themselves are 0600, so a readable folder shows only names).
            if st.st_mode & S_IWOTH != 0 && st.st_mode & S_ISVTX == 0 {
                warn("warning: output folder \(directory) is writable by everyone without the sticky bit: others can replace or remove its files (chmod o-w or +t)")
            }
        }
        return try lock(directory)
    }

    /// Prints a warning of the policy on standard error (not silenced by `--quiet`, which
    /// silences progress).
    package static func printWarning(_ text: String) {
        FileHandle.standardError.write(Data(("hashscreen: " + text + "\n").utf8))
    }

    // MARK: - Creating

    /// `path` without its last component ("" for a bare name, "/" at the root), trailing
    /// slashes ignored. Not `NSString.deletingLastPathComponent`: Foundation on Linux traps on a
    /// one-character name (`--out v`).
    package static func parentFolder(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var parent = p[..<slash]
        while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
        return parent.isEmpty ? "/" : String(parent)
    }

    /// Creates `path` and any missing parents with `directoryMode`; false when another process
    /// made `path` first (it is then checked like any existing folder).
    private static func create(_ path: String) throws(HashscreenError) -> Bool {
        let parent = parentFolder(path)
        var st = stat()
        if !parent.isEmpty && parent != path && stat(parent, &st) != 0 && errno == ENOENT {
            _ = try create(parent)
        }
        guard mkdir(path, directoryMode) == 0 else {
            if errno == EEXIST { return false }
            throw failure("cannot create output folder \(path): check the path and permissions", errno)
        }
        _ = chmod(path, directoryMode)   // the umask may have cleared bits; 0700 is what is wanted
        return true
    }

    /// The first entry (by name) of `directory` when it holds neither nothing nor a previous run;
    /// nil when it may be used.
    private static func unexpectedEntry(in directory: String) throws(HashscreenError) -> String? {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot list output folder \(directory)", errno) }
        defer { close(fd) }
        let names = try entries(fd, directory)
        if names.contains(Array(File.lock.utf8CString)) { return nil }
        return names.map { String(decoding: $0.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self) }.min()
    }

    // MARK: - Locking

    /// Opens (creating it 0600 if new) the lock file and takes an exclusive `flock` without
    /// waiting: a second scan into the folder fails at once.
    private static func lock(_ directory: String) throws(HashscreenError) -> OutputLock {
        let path = (directory as NSString).appendingPathComponent(File.lock)
        var fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 {
            _ = fchmod(fd, 0o600)   // new, so ours: the umask may have cleared bits
        } else if errno == EEXIST {
            fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        }
        guard fd >= 0 else {
            if errno == ELOOP { throw HashscreenError(.output, "\(path) is a symbolic link, not a scan's lock file: remove it or choose another --out") }
            throw failure("cannot open the lock file \(path)", errno)
        }
        // Never a planted hard link to another file: the lock file is a scan's own, one link.
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_nlink == 1 else {
            close(fd)
            throw HashscreenError(.output, "\(path) is not a scan's lock file (not a regular file with one link): remove it or choose another --out")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw HashscreenError(.output, "another scan is writing to output folder \(directory) (it holds \(path))",
                                      remedy: "wait for it to finish or choose another --out")
            }
            throw failure("cannot lock \(path)", code)
        }
        return OutputLock(fd: fd)
    }

    // MARK: - Replacing a previous run

    /// Removes the previous run's files (`File.run`: the summary first, synced before the rest)
    /// and the temporaries a killed scan left (`.<name>.<pid>.<random>.tmp`), so that until the
    /// new scan writes its own summary the folder holds no summary at all. Entries are removed
    /// in place: a link is unlinked, never followed; `cleaned/` is emptied through its own
    /// descriptor. Other entries stay. Call once every check before the scan has passed.
    /// `keeping` names files a resumed scan continues from (its checkpoint and spools).
    package func removePreviousRun(keeping: Set<String> = []) throws(HashscreenError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open output folder \(directory)", errno) }
        defer { close(fd) }
        for name in File.run where !keeping.contains(name) {
            try Self.remove(Array(name.utf8CString), in: fd, path: path(name))
            if name == File.summary { _ = fsync(fd) }
        }
        for name in try Self.entries(fd, directory) where Self.isTemporary(name) && !keeping.contains(String(cString: name)) {
            try Self.remove(name, in: fd, path: directory + "/" + String(cString: name))
        }
        _ = fsync(fd)
    }

    /// Whether `name` (NUL-terminated) is a temporary of a run's file (`.<name>.<pid>.` ...
    /// `.tmp`, `AtomicFile`) or a spool (`.matches.<pid>.` ... `.spool`, `RecordSpool`) left by
    /// another process: this process's own are being written.
    private static func isTemporary(_ name: [CChar]) -> Bool {
        let s = String(cString: name)
        func leftOver(_ names: [String]) -> Bool {
            names.contains { s.hasPrefix("." + $0 + ".") && !s.hasPrefix("." + $0 + ".\(getpid()).") }
        }
        if s.hasSuffix(SpoolFormat.fileSuffix) { return leftOver([File.matchSpool, File.failureSpool, File.flaggedSpool]) }
        return s.hasSuffix(".tmp") && leftOver(File.run)
    }

    /// Removes `name` (NUL-terminated) in the folder `dir`: a file or link is unlinked, a folder
    /// emptied (recursively, through descriptors) then removed. Absent is fine.
    private static func remove(_ name: [CChar], in dir: Int32, path: String) throws(HashscreenError) {
        if unlinkat(dir, name, 0) == 0 || errno == ENOENT { return }
        guard errno == EISDIR else { throw failure("cannot remove \(path) from the earlier scan", errno) }
        let sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard sub >= 0 else { throw failure("cannot open \(path) from the earlier scan", errno) }
        defer { close(sub) }
        for child in try entries(sub, path) {
            try remove(child, in: sub, path: path + "/" + String(cString: child))
        }
        guard unlinkat(dir, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
            throw failure("cannot remove \(path) from the earlier scan", errno)
        }
    }

    /// The names in the open folder `fd` (NUL-terminated, exact bytes), without `.` and `..`,
    /// read before any is removed.
    private static func entries(_ fd: Int32, _ path: String) throws(HashscreenError) -> [[CChar]] {
        let own = dup(fd)
        guard own >= 0 else { throw failure("cannot list \(path)", errno) }
        guard let d = fdopendir(own) else {
            let code = errno
            close(own)
            throw failure("cannot list \(path)", code)
        }
        defer { closedir(d) }
        rewinddir(d)
        var names: [[CChar]] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 }) + [0]
            }
            if name == [0x2E, 0] || name == [0x2E, 0x2E, 0] { continue }
            names.append(name)
        }
        return names
    }

    private static func failure(_ message: String, _ code: Int32) -> HashscreenError {
        HashscreenError(.output, message, underlying: String(cString: strerror(code)))
    }
}
