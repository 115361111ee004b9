// A scan's findings on disk as they are found: records are buffered up to a bound, sorted by
// `RecordOrder` and written as a sorted run to a spool file in the output folder; at the end
// the runs are merged (k-way, `mergeFanIn` at a time) into the one sorted stream the output
// files are printed from. Memory is the buffer and one read buffer per merged run, whatever
// the number of records. The format is docs/spool.md.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashscreenCore

/// Records a spool can hold: a compact binary form, and their order.
package protocol SpoolRecord {
    /// The byte that tags this record type's runs (`m` matches, `f` failures).
    static var spoolKind: UInt8 { get }
    /// Appends the record's body.
    func encode(into e: inout SpoolEncoder)
    /// Reads a body written by `encode`; nil when the bytes are not one.
    static func decode(_ d: inout SpoolDecoder) -> Self?
    /// `RecordOrder`'s comparison.
    static func precedes(_ a: Self, _ b: Self) -> Bool
    /// Roughly the bytes the record holds in memory (for the buffer's bound).
    var memoryEstimate: Int { get }
}

/// Records handed over in their final order, one at a time.
package protocol SortedRecords<Record> {
    associatedtype Record
    func forEachSorted(_ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError)
}

/// Records in memory, sorted once (small scans, tests).
package struct SortedArray<Record: SpoolRecord>: SortedRecords {
    let records: [Record]
    package init(_ records: [Record]) { self.records = records.sorted(by: Record.precedes) }
    package func forEachSorted(_ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError) {
        for r in records { try body(r) }
    }
}

/// One record type's spool file: `append` as records are found, from any thread (a full buffer
/// is sorted and written by the thread that filled it, while the others go on appending to a
/// new one), then `forEachSorted` once at the end, then `remove()`. A spool that is dropped
/// removes its file; a killed process leaves it, with every run written so far whole.
package final class RecordSpool<Record: SpoolRecord>: SortedRecords, @unchecked Sendable {
    /// Records buffered before a run is written: a few MB of records (the RSS bound).
    package static var defaultBufferRecords: Int { 4096 }
    /// Estimated bytes buffered before a run is written, whatever the count.
    package static var defaultBufferBytes: Int { 4 << 20 }
    /// Runs merged at once: each holds a `readBufferBytes` buffer during the merge.
    package static var mergeFanIn: Int { 64 }

    /// The spool file.
    package let path: String
    private var fd: Int32
    /// Guards `buffer`, `bufferedBytes` and `count`.
    private let bufferLock = NSLock()
    /// Guards the file: `runs`, `end`, `encoder`.
    private let fileLock = NSLock()
    private var buffer: [Record] = []
    private var bufferedBytes = 0
    private let bufferRecords: Int
    private let bufferBytes: Int
    /// Runs written, in file order.
    private(set) var runs: [SpoolRun] = []
    /// Where the next run goes (the file's length).
    private var end: UInt64 = 0
    private var encoder = SpoolEncoder()
    /// Records appended in all.
    package private(set) var count = 0

    /// Creates `folder/.NAME.PID.RANDOM.spool` (new, exclusive, not through a symlink, 0600).
    package init(folder: String, name: String, bufferRecords: Int = RecordSpool.defaultBufferRecords,
                 bufferBytes: Int = RecordSpool.defaultBufferBytes) throws(HashscreenError) {
        self.bufferRecords = max(1, bufferRecords)
        self.bufferBytes = bufferBytes
        let prefix = folder.isEmpty || folder.hasSuffix("/") ? folder : folder + "/"
        path = prefix + ".\(name).\(getpid()).\(String(UInt32.random(in: .min ... .max), radix: 16))\(SpoolFormat.fileSuffix)"
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, SpoolFormat.mode)
        guard fd >= 0 else { throw Self.failure(path, "create", errno) }
        guard fchmod(fd, SpoolFormat.mode) == 0 else {
            let e = Self.failure(path, "create", errno)
            close(fd); fd = -1; unlink(path)
            throw e
        }
    }

    /// Adopts the spool file `path` an earlier, killed scan left, as its checkpoint saw it:
    /// cut back to `end` (what was written after the checkpoint goes), its runs read from
    /// their headers (`--resume`, `Scan+Checkpoint.swift`).
    package init(adopting path: String, end: UInt64, bufferRecords: Int = RecordSpool.defaultBufferRecords,
                 bufferBytes: Int = RecordSpool.defaultBufferBytes) throws(HashscreenError) {
        self.bufferRecords = max(1, bufferRecords)
        self.bufferBytes = bufferBytes
        self.path = path
        fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure(path, "reopen", errno) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, UInt64(st.st_size) >= end, ftruncate(fd, off_t(end)) == 0 else {
            close(fd); fd = -1
            throw SpoolFormat.damaged(path)
        }
        var at: UInt64 = 0
        while at < end {
            var header = [UInt8](repeating: 0, count: SpoolFormat.headerBytes)
            let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, SpoolFormat.headerBytes, off_t(at)) }
            guard got == SpoolFormat.headerBytes, Array(header[0..<6]) == SpoolFormat.magic, header[6] == Record.spoolKind else {
                close(fd); fd = -1
                throw SpoolFormat.damaged(path)
            }
            let (n, payload) = header.withUnsafeBytes {
                (UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                 UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            }
            guard at + UInt64(SpoolFormat.headerBytes) + payload <= end else {
                close(fd); fd = -1
                throw SpoolFormat.damaged(path)
            }
            runs.append(SpoolRun(offset: at, count: n, bytes: payload))
            count += Int(n)
            at += UInt64(SpoolFormat.headerBytes) + payload
        }
        self.end = end
    }

    deinit { remove() }

    /// The spool file's name in its folder.
    package var fileName: String { (path as NSString).lastPathComponent }

    /// Writes the buffer as a run and syncs the file; returns its length, every run whole up to
    /// there (a checkpoint). Call while no record is being appended.
    package func checkpoint() throws(HashscreenError) -> UInt64 {
        bufferLock.lock()
        var last: [Record] = []
        swap(&last, &buffer)
        bufferedBytes = 0
        bufferLock.unlock()
        try writeRun(&last)
        fileLock.lock(); defer { fileLock.unlock() }
        guard fsync(fd) == 0 else { throw Self.failure(path, "sync", errno) }
        return end
    }

    /// Closes and deletes the file (after the outputs are written, or on an error).
    package func remove() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(path)
    }

    // MARK: - Writing

    /// Buffers `record`; a full buffer is sorted and written as a run.
    package func append(_ record: Record) throws(HashscreenError) {
        bufferLock.lock()
        buffer.append(record)
        count += 1
        bufferedBytes += record.memoryEstimate
        var full: [Record] = []
        if buffer.count >= bufferRecords || bufferedBytes >= bufferBytes {
            swap(&full, &buffer)
            buffer.reserveCapacity(full.count)
            bufferedBytes = 0
        }
        bufferLock.unlock()
        if !full.isEmpty { try writeRun(&full) }
    }

    /// Sorts `records` and writes them as one run (one `pwrite`: a run is whole or cut short,
    /// which its header's length tells).
    private func writeRun(_ records: inout [Record]) throws(HashscreenError) {
        guard !records.isEmpty else { return }
        records.sort(by: Record.precedes)
        fileLock.lock(); defer { fileLock.unlock() }
        encoder.bytes.removeAll(keepingCapacity: true)
        SpoolFormat.appendHeader(kind: Record.spoolKind, count: 0, payload: 0, to: &encoder.bytes)
        for r in records { encoder.record(r) }
        let payload = UInt64(encoder.bytes.count - SpoolFormat.headerBytes)
        SpoolFormat.patchHeader(count: UInt64(records.count), payload: payload, in: &encoder.bytes)
        try write(encoder.bytes, at: end)
        runs.append(SpoolRun(offset: end, count: UInt64(records.count), bytes: payload))
        end += UInt64(encoder.bytes.count)
    }

    private func write(_ bytes: [UInt8], at offset: UInt64) throws(HashscreenError) {
        var done = 0
        let err: Int32 = bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
                if n < 0 { if errno == EINTR { continue }; return errno }
                done += n
            }
            return 0
        }
        if err != 0 { throw Self.failure(path, "write", err) }
    }

    // MARK: - Reading back

    /// Every record in `RecordOrder`: the last buffer becomes a run, runs are merged
    /// `mergeFanIn` at a time into longer runs (appended to the file) until one merge remains,
    /// whose output is `body`.
    package func forEachSorted(_ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError) {
        bufferLock.lock()
        var last: [Record] = []
        swap(&last, &buffer)
        bufferedBytes = 0
        bufferLock.unlock()
        try writeRun(&last)
        while runs.count > Self.mergeFanIn {
            var merged: [SpoolRun] = []
            var i = 0
            while i < runs.count {
                let group = Array(runs[i..<min(i + Self.mergeFanIn, runs.count)])
                merged.append(group.count == 1 ? group[0] : try mergeIntoRun(group))
                i += Self.mergeFanIn
            }
            runs = merged
        }
        try merge(runs, body)
    }

    /// Merges `group` into one new run at the end of the file.
    private func mergeIntoRun(_ group: [SpoolRun]) throws(HashscreenError) -> SpoolRun {
        let start = end
        var out = SpoolEncoder()
        SpoolFormat.appendHeader(kind: Record.spoolKind, count: 0, payload: 0, to: &out.bytes)
        var written = start
        var records: UInt64 = 0
        try merge(group) { (r: Record) throws(HashscreenError) in
            out.record(r)
            records += 1
            if out.bytes.count >= SpoolFormat.readBufferBytes {
                try write(out.bytes, at: written)
                written += UInt64(out.bytes.count)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        try write(out.bytes, at: written)
        written += UInt64(out.bytes.count)
        let payload = written - start - UInt64(SpoolFormat.headerBytes)
        var header: [UInt8] = []
        SpoolFormat.appendHeader(kind: Record.spoolKind, count: records, payload: payload, to: &header)
        try write(header, at: start)
        end = written
        return SpoolRun(offset: start, count: records, bytes: payload)
    }

    /// The k-way merge of `group`'s runs (`kWayMerge`).
    private func merge(_ group: [SpoolRun], _ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError) {
        var cursors = group.map { RunCursor(fd: fd, run: $0) }
        try kWayMerge(sources: cursors.count, next: { i throws(HashscreenError) -> Record? in try cursors[i].next(path) }, body)
    }

    static func failure(_ path: String, _ what: String, _ code: Int32) -> HashscreenError {
        HashscreenError(.output, "cannot \(what) the spool file \(path)", remedy: "check free space and --out",
                        underlying: String(cString: strerror(code)))
    }
}

/// Where a run is in its spool file: the header's offset, its record count and payload bytes.
struct SpoolRun: Equatable {
    var offset: UInt64
    var count: UInt64
    var bytes: UInt64
}

/// Reads one run's records in order through a bounded buffer.
struct RunCursor {
    let fd: Int32
    /// The file offset of the next byte to read, and of the run's end.
    private var offset: UInt64
    private let end: UInt64
    /// Bytes read, `start..<filled` not yet decoded; grown only for a record larger than it.
    private var buffer = [UInt8](repeating: 0, count: SpoolFormat.readBufferBytes)
    private var start = 0
    private var filled = 0

    init(fd: Int32, run: SpoolRun) {
        self.fd = fd
        offset = run.offset + UInt64(SpoolFormat.headerBytes)
        end = offset + run.bytes
    }

    /// The next record, nil at the run's end.
    mutating func next<R: SpoolRecord>(_ path: String) throws(HashscreenError) -> R? {
        guard try fill(4, path) else { return nil }
        let s = start
        let length = buffer.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: s, as: UInt32.self))) }
        guard try fill(4 + length, path) else { throw SpoolFormat.damaged(path) }
        let body = (start + 4)..<(start + 4 + length)
        let decoded: R? = buffer.withUnsafeBytes { raw in
            var d = SpoolDecoder(UnsafeRawBufferPointer(rebasing: raw[body]))
            let r = R.decode(&d)
            return d.atEnd ? r : nil
        }
        guard let decoded else { throw SpoolFormat.damaged(path) }
        start += 4 + length
        return decoded
    }

    /// Makes `n` bytes available from `start`; false when the run ended first (at a record
    /// boundary with nothing left: the run's end).
    private mutating func fill(_ n: Int, _ path: String) throws(HashscreenError) -> Bool {
        while filled - start < n {
            if offset >= end {
                if filled == start { return false }
                throw SpoolFormat.damaged(path)
            }
            let kept = filled - start
            if n > buffer.count { buffer += [UInt8](repeating: 0, count: n - buffer.count) }
            let (s, k) = (start, kept)
            if s > 0 { buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + s, k) } }
            start = 0
            filled = kept
            let want = Int(min(UInt64(buffer.count - filled), end - offset))
            let (at, fd, off) = (filled, fd, offset)
            let got: Int = buffer.withUnsafeMutableBytes { raw in
                while true {
                    let r = pread(fd, raw.baseAddress! + at, want, off_t(off))
                    if r < 0 && errno == EINTR { continue }
                    return r
                }
            }
            guard got > 0 else { throw SpoolFormat.damaged(path) }
            filled += got
            offset += UInt64(got)
        }
        return true
    }
}

// MARK: - The format (docs/spool.md)

/// A spool file is a sequence of runs; a run is a 24-byte header (`hsrun1`, the kind byte,
/// a zero byte, the record count and the payload's byte length, little-endian u64s) and its
/// records in `RecordOrder`, each a u32 body length and the body.
enum SpoolFormat {
    static let magic: [UInt8] = Array("hsrun1".utf8)
    static let headerBytes = 24
    /// Read buffer per run during a merge, and the merge's write chunk.
    static let readBufferBytes = 64 << 10
    static let mode: mode_t = 0o600
    /// Spool files are `.NAME.PID.RANDOM.spool` in the output folder.
    static let fileSuffix = ".spool"

    static func appendHeader(kind: UInt8, count: UInt64, payload: UInt64, to bytes: inout [UInt8]) {
        bytes += magic
        bytes += [kind, 0]
        SpoolEncoder.append(count, to: &bytes)
        SpoolEncoder.append(payload, to: &bytes)
    }

    static func patchHeader(count: UInt64, payload: UInt64, in bytes: inout [UInt8]) {
        var tail: [UInt8] = []
        SpoolEncoder.append(count, to: &tail)
        SpoolEncoder.append(payload, to: &tail)
        bytes.replaceSubrange(8..<24, with: tail)
    }

    static func damaged(_ path: String) -> HashscreenError {
        HashscreenError(.output, "the spool file \(path) is damaged (changed or truncated while the scan ran)",
                        remedy: "run the scan again into an empty --out")
    }
}

/// Appends a record body: integers little-endian, a string as its u32 UTF-8 length and bytes,
/// an optional as a 0 (absent) or 1 byte before the value.
package struct SpoolEncoder {
    package var bytes: [UInt8] = []

    static func append(_ v: UInt64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A whole record: length, then body.
    mutating func record<R: SpoolRecord>(_ r: R) {
        let at = bytes.count
        bytes += [0, 0, 0, 0]
        r.encode(into: &self)
        let n = UInt32(bytes.count - at - 4).littleEndian
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: n, toByteOffset: at, as: UInt32.self) }
    }

    package mutating func u8(_ v: UInt8) { bytes.append(v) }
    package mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    package mutating func u64(_ v: UInt64) { Self.append(v, to: &bytes) }
    package mutating func string(_ s: String) { u32(UInt32(s.utf8.count)); bytes += s.utf8 }
    package mutating func data(_ b: [UInt8]) { u32(UInt32(b.count)); bytes += b }
    package mutating func optional(_ s: String?) {
        if let s { u8(1); string(s) } else { u8(0) }
    }
    package mutating func sampleID(_ id: SampleID) {
        u32(id.input); u32(id.shard)
        switch id.place {
        case .row(let n): u8(0); u64(n)
        case .member(let n): u8(1); u64(n)
        }
    }
}

/// Reads what `SpoolEncoder` wrote; every read is nil past the end.
package struct SpoolDecoder {
    private let raw: UnsafeRawBufferPointer
    private var at = 0
    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }
    var atEnd: Bool { at == raw.count }

    package mutating func u8() -> UInt8? {
        guard at < raw.count else { return nil }
        defer { at += 1 }
        return raw[at]
    }
    package mutating func u32() -> UInt32? {
        guard raw.count - at >= 4 else { return nil }
        defer { at += 4 }
        return UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    package mutating func u64() -> UInt64? {
        guard raw.count - at >= 8 else { return nil }
        defer { at += 8 }
        return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
    package mutating func data() -> [UInt8]? {
        guard let n = u32().map(Int.init), raw.count - at >= n else { return nil }
        defer { at += n }
        return Array(UnsafeRawBufferPointer(rebasing: raw[at..<(at + n)]))
    }
    package mutating func string() -> String? {
        guard let n = u32().map(Int.init), raw.count - at >= n else { return nil }
        defer { at += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: raw[at..<(at + n)]), as: UTF8.self)
    }
    /// `.some(nil)` for an absent value, nil for bytes that are not an optional.
    package mutating func optional() -> String?? {
        switch u8() {
        case 0: return .some(nil)
        case 1: return string().map { .some($0) }
        default: return nil
        }
    }
    package mutating func sampleID() -> SampleID? {
        guard let input = u32(), let shard = u32(), let tag = u8(), let n = u64() else { return nil }
        switch tag {
        case 0: return SampleID(input: input, shard: shard, .row(n))
        case 1: return SampleID(input: input, shard: shard, .member(n))
        default: return nil
        }
    }
}

// MARK: - The scan's records

extension MatchRecord: SpoolRecord {
    package static var spoolKind: UInt8 { UInt8(ascii: "m") }

    /// key, url?, path?, signal name, value bytes, source, list name, list version, distance
    /// (u64, two's complement), variant?, notes (u32 count, strings), sample identity.
    package func encode(into e: inout SpoolEncoder) {
        e.string(key); e.optional(url); e.optional(path)
        e.string(signal.name); e.data(value.bytes); e.string(source.rawValue)
        e.string(list.name); e.string(list.version)
        e.u64(UInt64(bitPattern: Int64(distance)))
        e.optional(variant)
        e.u32(UInt32(notes.count))
        for n in notes { e.string(n) }
        e.sampleID(sampleID)
    }

    package static func decode(_ d: inout SpoolDecoder) -> MatchRecord? {
        guard let key = d.string(), let url = d.optional(), let path = d.optional(),
              let signal = d.string().flatMap({ SignalKind(name: $0) }), let value = d.data(),
              let source = d.string().flatMap({ ValueSource(rawValue: $0) }),
              let listName = d.string(), let listVersion = d.string(), let distance = d.u64(),
              let variant = d.optional(), let noteCount = d.u32() else { return nil }
        var notes: [String] = []
        for _ in 0..<noteCount {
            guard let n = d.string() else { return nil }
            notes.append(n)
        }
        guard let id = d.sampleID() else { return nil }
        return MatchRecord(key: key, url: url, path: path, signal: signal, value: HashValue(bytes: value),
                           source: source, list: ListRef(name: listName, version: listVersion),
                           distance: Int(Int64(bitPattern: distance)), variant: variant, notes: notes, sampleID: id)
    }

    package static func precedes(_ a: MatchRecord, _ b: MatchRecord) -> Bool { RecordOrder.precedes(a, b) }

    package var memoryEstimate: Int {
        160 + key.utf8.count + (url?.utf8.count ?? 0) + (path?.utf8.count ?? 0) + notes.reduce(0) { $0 + 16 + $1.utf8.count }
    }
}

extension FailureRecord: SpoolRecord {
    package static var spoolKind: UInt8 { UInt8(ascii: "f") }

    /// key, path?, stage, message, sample identity.
    package func encode(into e: inout SpoolEncoder) {
        e.string(key); e.optional(path); e.string(stage.rawValue); e.string(message); e.sampleID(sampleID)
    }

    package static func decode(_ d: inout SpoolDecoder) -> FailureRecord? {
        guard let key = d.string(), let path = d.optional(),
              let stage = d.string().flatMap({ FailureStage(rawValue: $0) }), let message = d.string(),
              let id = d.sampleID() else { return nil }
        return FailureRecord(key: key, path: path, stage: stage, message: message, sampleID: id)
    }

    package static func precedes(_ a: FailureRecord, _ b: FailureRecord) -> Bool { RecordOrder.precedes(a, b) }

    package var memoryEstimate: Int { 96 + key.utf8.count + (path?.utf8.count ?? 0) + message.utf8.count }
}

extension FlaggedRecord: SpoolRecord {
    package static var spoolKind: UInt8 { UInt8(ascii: "g") }

    /// key, key is a row number (u8), content digests (u32 count, bytes each), url digest
    /// (u8 0 or 1 and bytes), sample identity.
    package func encode(into e: inout SpoolEncoder) {
        e.string(key); e.u8(keyIsRowNumber ? 1 : 0)
        e.u32(UInt32(content.count))
        for c in content { e.data(c.bytes) }
        if let url { e.u8(1); e.data(url.bytes) } else { e.u8(0) }
        e.sampleID(sampleID)
        if let reporting { reporting.encode(into: &e) }
    }

    package static func decode(_ d: inout SpoolDecoder) -> FlaggedRecord? {
        guard let key = d.string(), let rowNumber = d.u8(), rowNumber <= 1, let n = d.u32() else { return nil }
        var content: [HashValue] = []
        for _ in 0..<n {
            guard let b = d.data() else { return nil }
            content.append(HashValue(bytes: b))
        }
        var url: HashValue? = nil
        switch d.u8() {
        case 0: break
        case 1:
            guard let b = d.data() else { return nil }
            url = HashValue(bytes: b)
        default: return nil
        }
        guard let id = d.sampleID() else { return nil }
        var reporting: ReportingFacts? = nil
        if !d.atEnd {
            guard let r = ReportingFacts.decode(&d) else { return nil }
            reporting = r
        }
        return FlaggedRecord(key: key, keyIsRowNumber: rowNumber == 1, content: content, url: url, sampleID: id,
                             reporting: reporting)
    }

    package static func precedes(_ a: FlaggedRecord, _ b: FlaggedRecord) -> Bool { RecordOrder.precedes(a, b) }

    package var memoryEstimate: Int {
        96 + key.utf8.count + content.count * 48 + (url == nil ? 0 : 48) + (reporting?.memoryEstimate ?? 0)
    }
}

extension ReportingFacts {
    /// After a `g` record's sample identity, only with `--export-reporting`: file name?,
    /// container?, url?, stored-file hashes and recorded hashes (each u32 count, signal name and
    /// value bytes), modified (u8 0, or 1 and u64 two's complement), matches (u32 count: signal,
    /// source, list name, list version, distance u64, variant?).
    func encode(into e: inout SpoolEncoder) {
        e.optional(fileName); e.optional(container); e.optional(url)
        for hashes in [storedFile, recorded] {
            e.u32(UInt32(hashes.count))
            for (signal, value) in hashes { e.string(signal.name); e.data(value.bytes) }
        }
        if let modified { e.u8(1); e.u64(UInt64(bitPattern: modified)) } else { e.u8(0) }
        e.u32(UInt32(matches.count))
        for m in matches {
            e.string(m.signal.name); e.string(m.source.rawValue); e.string(m.list); e.string(m.listVersion)
            e.u64(UInt64(bitPattern: Int64(m.distance))); e.optional(m.variant)
        }
    }

    static func decode(_ d: inout SpoolDecoder) -> ReportingFacts? {
        guard let fileName = d.optional(), let container = d.optional(), let url = d.optional() else { return nil }
        var lists: [[(SignalKind, HashValue)]] = []
        for _ in 0..<2 {
            guard let n = d.u32() else { return nil }
            var hashes: [(SignalKind, HashValue)] = []
            for _ in 0..<n {
                guard let signal = d.string().flatMap({ SignalKind(name: $0) }), let value = d.data() else { return nil }
                hashes.append((signal, HashValue(bytes: value)))
            }
            lists.append(hashes)
        }
        var modified: Int64? = nil
        switch d.u8() {
        case 0: break
        case 1:
            guard let v = d.u64() else { return nil }
            modified = Int64(bitPattern: v)
        default: return nil
        }
        guard let n = d.u32() else { return nil }
        var matches: [ReportingMatch] = []
        for _ in 0..<n {
            guard let signal = d.string().flatMap({ SignalKind(name: $0) }),
                  let source = d.string().flatMap({ ValueSource(rawValue: $0) }),
                  let list = d.string(), let version = d.string(), let distance = d.u64(), let variant = d.optional()
            else { return nil }
            matches.append(ReportingMatch(signal: signal, source: source, list: list, listVersion: version,
                                          distance: Int(Int64(bitPattern: distance)), variant: variant))
        }
        return ReportingFacts(fileName: fileName, container: container, url: url, storedFile: lists[0],
                              recorded: lists[1], modified: modified, matches: matches)
    }

    var memoryEstimate: Int {
        128 + (fileName?.utf8.count ?? 0) + (container?.utf8.count ?? 0) + (url?.utf8.count ?? 0)
            + (storedFile.count + recorded.count) * 64 + matches.count * 96
    }
}

/// The k-way merge of `sources` sorted sources in `RecordOrder` (a binary heap of each
/// source's next record, `next(i)`: nil once source `i` is done); equal records come source by
/// source (deterministic). Shared by the spool's runs and `merge`'s part files.
func kWayMerge<Record: SpoolRecord>(sources: Int, next: (Int) throws(HashscreenError) -> Record?,
                                    _ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError) {
    var heads: [Record?] = []
    var heap: [Int] = []
    for i in 0..<sources {
        let r = try next(i)
        heads.append(r)
        if r != nil { heap.append(i) }
    }
    func less(_ a: Int, _ b: Int) -> Bool {
        let x = heads[heap[a]]!, y = heads[heap[b]]!
        if Record.precedes(x, y) { return true }
        if Record.precedes(y, x) { return false }
        return heap[a] < heap[b]
    }
    func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(l, m) { m = l }
            if r < heap.count && less(r, m) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
    for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    while let top = heap.first {
        try body(heads[top]!)
        if let r = try next(top) {
            heads[top] = r
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
    }
}
