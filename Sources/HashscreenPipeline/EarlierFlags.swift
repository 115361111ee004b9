// `verify`'s earlier flagged rows, on disk (docs/verify.md "Memory"). Each row of the earlier
// `flagged.jsonl` gives up to a few entries — its key (unless a row number; as a SHA-256 of the
// key), each content digest, its URL digest — of a fixed 40 bytes: kind, 32-byte digest, row.
// They are sorted through a `RecordSpool` (sorted runs, k-way merged) into one sorted file, of
// which only every `strideEntries`-th digest is held in memory; a lookup binary-searches that
// sparse index and reads one block (`pread`). The rows' keys, for the report of a remaining
// row, are a second file with a fixed-size offset per row. Both files are created 0600 in
// `--out` and unlinked at once (open descriptors only: nothing is left if the run is killed).
//
// Memory: the sparse index (33 bytes per 256 entries: about 0.4 MB per million earlier rows)
// and the spool's sort buffer (`sortBufferEntries`, some 3 to 6 MB), whatever the number of rows.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenReport

/// One sorted entry: what it is of the row, its digest, the row (in `flagged.jsonl` order).
struct EarlierEntry: SpoolRecord {
    var kind: UInt8
    var digest: [UInt8]
    var row: UInt32

    static let byKey: UInt8 = 0
    static let byContent: UInt8 = 1
    static let byURL: UInt8 = 2
    /// kind (1), digest (32), row (4), padding (3).
    static let bytes = 40

    static var spoolKind: UInt8 { UInt8(ascii: "e") }
    func encode(into e: inout SpoolEncoder) { e.u8(kind); e.data(digest); e.u32(row) }
    static func decode(_ d: inout SpoolDecoder) -> EarlierEntry? {
        guard let k = d.u8(), let g = d.data(), g.count == 32, let r = d.u32() else { return nil }
        return EarlierEntry(kind: k, digest: g, row: r)
    }
    static func precedes(_ a: EarlierEntry, _ b: EarlierEntry) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        if a.digest != b.digest { return a.digest.lexicographicallyPrecedes(b.digest) }
        return a.row < b.row
    }
    var memoryEstimate: Int { 96 }

    /// The lookup digest of a key: SHA-256 of its UTF-8 bytes (fixed size; internal, never written out).
    static func keyDigest(_ key: String) -> [UInt8] {
        FlagDigest.sha256(Array(key.utf8))
    }
}

/// The earlier `flagged.jsonl`, opened once (docs/verify.md "The flagged rows, read once"): its
/// SHA-256 is of the bytes read through this descriptor, and `EarlierFlags.prepare` indexes from
/// the same descriptor, digesting again as it indexes and comparing before the index is used. A
/// file renamed over the path after it was opened is not read at all; one changed in place
/// between the two reads fails the comparison (`changedWhileRead`).
final class FlaggedFile: @unchecked Sendable {
    let path: String
    let fd: Int32
    /// SHA-256 (hex) of the file's bytes, as first read through `fd`.
    let sha256: String

    init(path: String) throws(HashscreenError) {
        do { fd = try InputFile.openRegular(path).fd } catch {
            throw HashscreenError(.input, "cannot read \(path)", underlying: error.message)
        }
        self.path = path
        do throws(HashscreenError) {
            let digest = try HashscreenError.converting { try StreamingSHA256() }
            try Self.forEachChunk(fd, path) { digest.update($0) }
            sha256 = digest.finish()
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// The file's bytes from offset 0 through `fd` (`pread`: the offset is not shared), in 1 MiB pieces.
    static func forEachChunk(_ fd: Int32, _ path: String, _ body: (UnsafeRawBufferPointer) throws(HashscreenError) -> Void) throws(HashscreenError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset: off_t = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw HashscreenError(.io, "cannot read \(path)", underlying: String(cString: strerror(errno))) }
            if n == 0 { return }
            offset += off_t(n)
            // withUnsafeBytes rethrows untyped: the error is carried out by hand.
            var failure: HashscreenError?
            chunk.withUnsafeBytes { raw in
                do throws(HashscreenError) { try body(UnsafeRawBufferPointer(rebasing: raw[0..<n])) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }
}

/// The earlier scan's flagged rows, indexed on disk for the per-sample comparison. Built once
/// (`prepare`) in the output folder before the workers start, then read from any thread.
package final class EarlierFlags: @unchecked Sendable {
    /// Entries per block of the sorted file: one sparse-index digest each.
    static let strideEntries = 256
    /// Entries sorted in memory per run (some 3 MB, twice that while sorting): fewer, longer
    /// runs than the scan's spools take (one merge pass up to 64 runs: 2M entries, some 500,000
    /// earlier rows; more take a second pass).
    static let sortBufferEntries = 1 << 15

    /// `flagged.jsonl`, opened once (nil: no rows, as against an attestation without `--flagged`).
    let file: FlaggedFile?
    var flaggedPath: String? { file?.path }
    /// `prepare` found bytes other than those `file.sha256` is of: the file changed in place
    /// after it was digested (verify: not verified, exit 6).
    private(set) var changedWhileRead = false
    private(set) var rows = 0
    private(set) var withContent = 0
    private(set) var withURL = 0
    private(set) var rowNumberKeys = 0
    private var entries = 0
    /// The first entry of each block: kind, then digest.
    private var sparse: [[UInt8]] = []
    private var sortedFD: Int32 = -1
    private var keysFD: Int32 = -1
    private var offsetsFD: Int32 = -1

    init(file: FlaggedFile?) { self.file = file }

    deinit {
        for fd in [sortedFD, keysFD, offsetsFD] where fd >= 0 { close(fd) }
    }

    // MARK: - Building

    /// Reads `flagged.jsonl` line by line into the sorted entry file and the key files in
    /// `folder` (the scan's `--out`, after its preflight), digesting the bytes it reads: when
    /// they are not those `file.sha256` is of, it stops (`changedWhileRead`) before the index
    /// is sorted or used.
    func prepare(in folder: String) throws(HashscreenError) {
        guard let file, sortedFD < 0 else { return }
        let flaggedPath = file.path
        sortedFD = try Self.createUnlinked(folder, "earlier-sorted")
        keysFD = try Self.createUnlinked(folder, "earlier-keys")
        offsetsFD = try Self.createUnlinked(folder, "earlier-offsets")
        let spool = try RecordSpool<EarlierEntry>(folder: folder, name: "earlier", bufferRecords: Self.sortBufferEntries,
                                                  bufferBytes: Self.sortBufferEntries * EarlierEntry(kind: 0, digest: [], row: 0).memoryEstimate)
        defer { spool.remove() }
        var keyBytes: [UInt8] = [], offsets: [UInt8] = []
        var keyEnd: UInt64 = 0, keysWritten: UInt64 = 0, offsetsWritten: UInt64 = 0
        func flush(force: Bool) throws(HashscreenError) {
            if force || keyBytes.count >= 1 << 20 {
                try Self.write(keysFD, keyBytes, at: keysWritten, "earlier keys"); keysWritten += UInt64(keyBytes.count); keyBytes.removeAll(keepingCapacity: true)
            }
            if force || offsets.count >= 1 << 20 {
                try Self.write(offsetsFD, offsets, at: offsetsWritten, "earlier keys"); offsetsWritten += UInt64(offsets.count); offsets.removeAll(keepingCapacity: true)
            }
        }
        var n = 0
        let digest = try HashscreenError.converting { try StreamingSHA256() }
        try Self.forEachLine(file, digest: digest) { line throws(HashscreenError) in
            guard let o = JSONValue.parse(line) else {
                throw HashscreenError(.input, "\(flaggedPath):\(n + 1) is not hashscreen's JSON")
            }
            guard let key = o["key"].string else { throw HashscreenError(.input, "\(flaggedPath):\(n + 1): not a flagged.jsonl record (no key)") }
            guard n < Int(UInt32.max) else { throw HashscreenError(.input, "\(flaggedPath) has more rows than verify takes (\(UInt32.max))") }
            let row = UInt32(n)
            let isRowNumber = o["key_is_row_number"] == .bool(true)
            if isRowNumber { rowNumberKeys += 1 } else {
                try spool.append(EarlierEntry(kind: EarlierEntry.byKey, digest: EarlierEntry.keyDigest(key), row: row))
            }
            let content = Set(o["content_digests"].elements.compactMap { $0.string.flatMap { HashValue(hex: $0) } }.filter { $0.bytes.count == 32 })
            if !content.isEmpty { withContent += 1 }
            for c in content { try spool.append(EarlierEntry(kind: EarlierEntry.byContent, digest: c.bytes, row: row)) }
            if let u = o["url_digest"].string.flatMap({ HashValue(hex: $0) }), u.bytes.count == 32 {
                withURL += 1
                try spool.append(EarlierEntry(kind: EarlierEntry.byURL, digest: u.bytes, row: row))
            }
            withUnsafeBytes(of: keyEnd.littleEndian) { offsets.append(contentsOf: $0) }
            keyBytes += key.utf8
            keyEnd += UInt64(key.utf8.count)
            n += 1
            try flush(force: false)
        }
        guard digest.finish() == file.sha256 else {
            changedWhileRead = true
            throw HashscreenError(.input, "\(flaggedPath) changed while verify read it (its SHA-256 is no longer the one checked)",
                                  remedy: "verify again with a flagged.jsonl nothing writes to")
        }
        withUnsafeBytes(of: keyEnd.littleEndian) { offsets.append(contentsOf: $0) }  // the end of the last key
        try flush(force: true)
        rows = n
        // The sorted file, and its sparse index.
        var block: [UInt8] = []
        var written: UInt64 = 0
        try spool.forEachSorted { (e: EarlierEntry) throws(HashscreenError) in
            if entries % Self.strideEntries == 0 { sparse.append([e.kind] + e.digest) }
            block.append(e.kind)
            block += e.digest
            withUnsafeBytes(of: e.row.littleEndian) { block.append(contentsOf: $0) }
            block += [0, 0, 0]
            entries += 1
            if block.count >= Self.strideEntries * EarlierEntry.bytes * 16 {
                try Self.write(sortedFD, block, at: written, "earlier flagged rows"); written += UInt64(block.count); block.removeAll(keepingCapacity: true)
            }
        }
        try Self.write(sortedFD, block, at: written, "earlier flagged rows")
    }

    // MARK: - Lookup

    /// The sample as a remaining row, if its key (unless a row number), a content digest or its
    /// URL digest is an earlier flagged row's.
    func remaining(_ sample: Sample, content: [HashValue], url: HashValue?) -> RemainingRow? {
        guard entries > 0 else { return nil }
        var by: [String] = []
        var rows = Set<UInt32>()
        if !sample.keyIsRowNumber {
            let k = find([EarlierEntry.byKey] + EarlierEntry.keyDigest(sample.key))
            if !k.isEmpty { by.append("key"); rows.formUnion(k) }
        }
        let c = content.filter { $0.bytes.count == 32 }.flatMap { find([EarlierEntry.byContent] + $0.bytes) }
        if !c.isEmpty { by.append("content"); rows.formUnion(c) }
        if let url, url.bytes.count == 32 {
            let u = find([EarlierEntry.byURL] + url.bytes)
            if !u.isEmpty { by.append("url"); rows.formUnion(u) }
        }
        guard !by.isEmpty else { return nil }
        return RemainingRow(key: sample.key, path: sample.displayPath, by: by,
                            earlierKeys: Array(Set(rows.compactMap { key(ofRow: $0) })).sorted(), sampleID: sample.id)
    }

    /// The rows with entry `target` (kind, then digest): the last block starting before it,
    /// then on while entries are not past it.
    private func find(_ target: [UInt8]) -> [UInt32] {
        var lo = 0, hi = sparse.count  // the first block whose first entry is >= target
        while lo < hi {
            let mid = (lo + hi) / 2
            if sparse[mid].lexicographicallyPrecedes(target) { lo = mid + 1 } else { hi = mid }
        }
        var blockIndex = max(0, lo - 1)
        var found: [UInt32] = []
        var buffer = [UInt8](repeating: 0, count: Self.strideEntries * EarlierEntry.bytes)
        while blockIndex < sparse.count {
            let first = blockIndex * Self.strideEntries
            let count = min(Self.strideEntries, entries - first)
            guard Self.readAt(sortedFD, &buffer, count * EarlierEntry.bytes, at: UInt64(first * EarlierEntry.bytes)) else { return found }
            for i in 0..<count {
                let e = buffer[(i * EarlierEntry.bytes)..<(i * EarlierEntry.bytes + 33)]
                if e.elementsEqual(target) {
                    let r = i * EarlierEntry.bytes + 33
                    found.append(UInt32(buffer[r]) | UInt32(buffer[r + 1]) << 8 | UInt32(buffer[r + 2]) << 16 | UInt32(buffer[r + 3]) << 24)
                } else if !e.lexicographicallyPrecedes(target) {
                    return found  // past it
                }
            }
            blockIndex += 1
        }
        return found
    }

    /// The key of earlier row `row`, from the key files.
    private func key(ofRow row: UInt32) -> String? {
        var range = [UInt8](repeating: 0, count: 16)
        guard Self.readAt(offsetsFD, &range, 16, at: UInt64(row) * 8) else { return nil }
        let start = range[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * $1.0) }
        let end = range[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * $1.0) }
        guard end >= start else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(end - start))
        guard bytes.isEmpty || Self.readAt(keysFD, &bytes, bytes.count, at: start) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Files

    /// A new 0600 file in `folder`, unlinked at once: only the descriptor holds it.
    static func createUnlinked(_ folder: String, _ name: String) throws(HashscreenError) -> Int32 {
        let prefix = folder.isEmpty || folder.hasSuffix("/") ? folder : folder + "/"
        let path = prefix + ".\(name).\(getpid()).\(String(UInt32.random(in: .min ... .max), radix: 16)).tmp"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HashscreenError(.output, "cannot create \(path)", remedy: "check free space and --out", underlying: String(cString: strerror(errno)))
        }
        unlink(path)
        return fd
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, _ what: String) throws(HashscreenError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw HashscreenError(.output, "cannot write the \(what) in --out", remedy: "check free space and --out", underlying: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    static func readAt(_ fd: Int32, _ buffer: inout [UInt8], _ count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// Each line of `file` (without its newline; empty lines skipped), read from offset 0
    /// through its descriptor in 1 MiB pieces, each piece fed to `digest` as it is read.
    static func forEachLine(_ file: FlaggedFile, digest: StreamingSHA256, _ body: ([UInt8]) throws(HashscreenError) -> Void) throws(HashscreenError) {
        var pending: [UInt8] = []
        try FlaggedFile.forEachChunk(file.fd, file.path) { chunk throws(HashscreenError) in
            digest.update(chunk)
            let n = chunk.count
            var start = 0
            while start < n {
                // memchr: a byte loop is slow in debug builds and no faster in release.
                guard let hit = memchr(chunk.baseAddress! + start, 0x0A, n - start) else {
                    pending += chunk[start..<n]; break
                }
                let i = chunk.baseAddress!.distance(to: UnsafeRawPointer(hit))
                pending += chunk[start..<i]
                if !pending.isEmpty { try body(pending) }
                pending.removeAll(keepingCapacity: true)
                start = i + 1
            }
        }
        if !pending.isEmpty { try body(pending) }
    }
}
