import Foundation
import HashscreenCore

/// How a folder is walked: what `scan --include-hidden` and `--follow-symlinks` turn on.
package struct FolderWalk: Sendable, Equatable {
    /// Walk hidden entries too (names starting with `.`, files and folders). Off: each is
    /// passed over and counted (`hidden_entries_skipped`).
    package var includeHidden: Bool
    /// Follow symbolic links, to files and to folders, wherever they point (inside the walked
    /// folder or not: the link is part of the dataset as given). Each folder (device, inode) is
    /// walked once per input, so a link loop or a second link to a walked folder ends there
    /// (`symlinked_folders_already_walked`); a link whose target is missing is a `manifest`
    /// failure. Off: each link is passed over and counted (`symlinks_skipped`).
    package var followSymlinks: Bool

    package init(includeHidden: Bool = false, followSymlinks: Bool = false) {
        self.includeHidden = includeHidden
        self.followSymlinks = followSymlinks
    }
}

/// A folder walked recursively, on the names' bytes (`opendir`/`readdir`), in byte order.
///
/// Files with an image extension are samples; other regular files are samples too when their
/// leading bytes are an image's (an extension may lie); the rest (sidecars such as .json/.txt)
/// are counted (`non_image_files_ignored`). A FIFO, socket or device met in the walk is a
/// sample whose read fails at once (`InputFile`), never a wait. Hidden entries and symbolic
/// links are passed over and counted unless `FolderWalk` includes them. Nothing is dropped
/// without a count.
///
/// Keys and display paths are the paths relative to the folder in `EscapedName` form (a name
/// that is not UTF-8 is screened and reported as `\xNN` escapes, a backslash as `\\`); such a
/// sample carries its real bytes in `Sample.rawPath`, which is what is opened.
final class FolderReader: ManifestReader {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "bmp", "tif", "tiff"]

    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    let walk: FolderWalk
    var layout: ManifestLayout { .folder }
    /// Files seen that are not images (relative paths are not kept: only the count).
    private(set) var ignoredFiles = 0
    /// Hidden files and folders passed over (a folder counts once, its contents are not read).
    private(set) var hiddenSkipped = 0
    /// Symbolic links passed over (not followed).
    private(set) var symlinksSkipped = 0
    /// Followed links to a folder the walk had already entered (loops, second paths).
    private(set) var foldersAlreadyWalked = 0

    init(path: String, input: UInt32, walk: FolderWalk = .init()) {
        self.path = path
        self.input = input
        self.walk = walk
    }

    var counters: [(String, Int)] {
        var out = [("non_image_files_ignored", ignoredFiles), ("hidden_entries_skipped", hiddenSkipped),
                   ("symlinks_skipped", symlinksSkipped)]
        if walk.followSymlinks { out.append(("symlinked_folders_already_walked", foldersAlreadyWalked)) }
        return out
    }

    private struct FolderID: Hashable { var device: UInt64; var inode: UInt64 }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        ignoredFiles = 0; hiddenSkipped = 0; symlinksSkipped = 0; foldersAlreadyWalked = 0
        var root = Array(path.utf8)
        while root.count > 1, root.last == UInt8(ascii: "/") { root.removeLast() }
        if root == [UInt8(ascii: "/")] { root = [] }
        var visited: Set<FolderID> = []
        var st = stat()
        if walk.followSymlinks, stat(path, &st) == 0 {
            visited.insert(FolderID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
        }
        var row = 0
        try walkFolder(root: root, relative: [], visited: &visited, body: body, row: &row)
    }

    /// The names in a folder (without `.` and `..`), sorted by their bytes; nil if it cannot be listed.
    static func listFolder(_ dir: [UInt8]) -> [[UInt8]]? {
        let d: OpaquePointer? = (dir + [0]).withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { opendir($0) }
        }
        guard let d else { return nil }
        defer { closedir(d) }
        var names: [[UInt8]] = []
        while let e = readdir(d) {
            let name: [UInt8] = withUnsafeBytes(of: e.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [46] || name == [46, 46] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    private func walkFolder(root: [UInt8], relative: [UInt8], visited: inout Set<FolderID>,
                      body: (ManifestItem) throws -> Void, row: inout Int) throws {
        let dir = relative.isEmpty ? (root.isEmpty ? [UInt8(ascii: "/")] : root) : root + [UInt8(ascii: "/")] + relative
        func nextID() -> SampleID {
            defer { row += 1 }
            return SampleID(input: input, row: row)
        }
        guard let names = Self.listFolder(dir) else {
            let err = String(cString: strerror(errno))
            if relative.isEmpty { throw HashscreenError(.input, "cannot list folder \(path): \(err)") }
            let rel = EscapedName.escape(relative)
            try body(.failure(key: rel, path: rel, message: "cannot list folder \(rel): \(err)", id: nextID()))
            return
        }
        for name in names {
            let relBytes = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
            let fullBytes = root + [UInt8(ascii: "/")] + relBytes
            if name.first == UInt8(ascii: "."), !walk.includeHidden { hiddenSkipped += 1; continue }
            let rel = EscapedName.escape(relBytes)
            var st = stat()
            guard Self.withCPath(fullBytes, { lstat($0, &st) }) == 0 else {
                let err = String(cString: strerror(errno))
                try body(.failure(key: rel, path: rel, message: "cannot stat \(rel): \(err)", id: nextID()))
                continue
            }
            var mode = st.st_mode & S_IFMT
            let isLink = mode == S_IFLNK
            if isLink {
                guard walk.followSymlinks else { symlinksSkipped += 1; continue }
                guard Self.withCPath(fullBytes, { stat($0, &st) }) == 0 else {
                    let err = String(cString: strerror(errno))
                    try body(.failure(key: rel, path: rel, message: "symbolic link \(rel) cannot be followed: \(err)", id: nextID()))
                    continue
                }
                mode = st.st_mode & S_IFMT
            }
            if mode == S_IFDIR {
                if walk.followSymlinks {
                    let id = FolderID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                    guard visited.insert(id).inserted else { foldersAlreadyWalked += 1; continue }
                }
                try walkFolder(root: root, relative: relBytes, visited: &visited, body: body, row: &row)
                continue
            }
            if mode == S_IFREG {
                let ext = Self.extensionOf(name)
                guard Self.imageExtensions.contains(ext) || Self.looksLikeImage(bytes: fullBytes) else {
                    ignoredFiles += 1
                    continue
                }
            }
            // Regular image files, and FIFOs, sockets, devices: those fail at their read.
            let plain = EscapedName.isPlain(relBytes)
            let rootText = String(decoding: root, as: UTF8.self)
            var s = Sample(key: rel, path: rootText + "/" + rel, displayPath: rel, id: nextID())
            if !plain { s.rawPath = fullBytes }
            try body(.sample(s, problems: []))
        }
    }

    /// The lowercased text after a name's last dot ("" if none).
    static func extensionOf(_ name: [UInt8]) -> String {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot > 0 else { return "" }
        return String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
    }

    static func withCPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { body($0) }
        }
    }

    /// Reads the first bytes: an image's magic (`ImageMagic`: JPEG, PNG, WebP, GIF, TIFF). Only a
    /// regular file is opened.
    static func looksLikeImage(bytes path: [UInt8]) -> Bool {
        guard let opened = try? InputFile.openRegular(bytes: path) else { return false }
        let fd = opened.fd
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: ImageMagic.prefixLength)
        let n = b.withUnsafeMutableBytes { read(fd, $0.baseAddress, ImageMagic.prefixLength) }
        guard n > 0 else { return false }
        return ImageMagic.sniff(b[0..<n]) != nil
    }
}
