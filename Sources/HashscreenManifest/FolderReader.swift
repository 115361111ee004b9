import Foundation
import HashscreenCore

/// A folder walked recursively. Files with an image extension are samples; other files are
/// samples too when their leading bytes are an image's (an extension may lie); the rest
/// (sidecars such as .json/.txt, hidden files) are counted by the caller through
/// `ignoredFiles`, never dropped silently. Keys are paths relative to the folder; the walk is
/// sorted, so the order is deterministic.
final class FolderReader: ManifestReader {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "bmp", "tif", "tiff"]

    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    var layout: ManifestLayout { .folder }
    /// Files seen that are not images (relative paths are not kept: only the count).
    private(set) var ignoredFiles = 0

    init(path: String, input: UInt32) {
        self.path = path
        self.input = input
    }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        var row = 0
        try walk(relative: "", body: body, row: &row)
    }

    private func walk(relative: String, body: (ManifestItem) throws -> Void, row: inout Int) throws {
        let dir = relative.isEmpty ? path : (path as NSString).appendingPathComponent(relative)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        } catch {
            if relative.isEmpty { throw HashscreenError(.input, "cannot list folder \(dir)") }
            let id = SampleID(input: input, row: row)
            row += 1
            try body(.failure(key: relative, path: dir, message: "cannot list folder \(dir)", id: id))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let rel = relative.isEmpty ? name : relative + "/" + name
            let full = (path as NSString).appendingPathComponent(rel)
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            let mode = st.st_mode & S_IFMT
            if mode == S_IFDIR {
                try walk(relative: rel, body: body, row: &row)
                continue
            }
            guard mode == S_IFREG else { ignoredFiles += 1; continue }  // symlinks, devices: not followed
            let ext = (name as NSString).pathExtension.lowercased()
            if !Self.imageExtensions.contains(ext) && !Self.looksLikeImage(full) {
                ignoredFiles += 1
                continue
            }
            let id = SampleID(input: input, row: row)
            row += 1
            try body(.sample(Sample(key: rel, path: full, displayPath: rel, id: id), problems: []))
        }
    }

    /// Reads the first 12 bytes: JPEG, PNG, WebP or GIF magic.
    static func looksLikeImage(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var b = [UInt8](repeating: 0, count: 12)
        let n = b.withUnsafeMutableBytes { read(fd, $0.baseAddress, 12) }
        guard n >= 3 else { return false }
        if b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF { return true }
        if n >= 8 && b[0] == 0x89 && b[1] == 0x50 && b[2] == 0x4E && b[3] == 0x47 { return true }
        if n >= 12 && b[0] == 0x52 && b[1] == 0x49 && b[8] == 0x57 && b[9] == 0x45 { return true }
        if n >= 6 && b[0] == 0x47 && b[1] == 0x49 && b[2] == 0x46 && b[3] == 0x38 { return true }
        return false
    }
}

