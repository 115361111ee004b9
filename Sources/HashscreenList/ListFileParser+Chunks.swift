// Reading a large file of plain lines on several threads: the file cut at line starts into one
// byte range per thread, each range parsed into its own runs of values, line numbers relative to
// the range's start until the ranges before it are counted (docs/lists.md, "Import").
import Foundation
import HashscreenCore

extension ListFileParser {
    /// The layout the file's first data line gives (nil: no data line, or the file could not be
    /// read that far; the line-by-line reading then says why).
    func detectFileLayout() -> ListFileLayout? {
        struct Found: Error { var layout: ListFileLayout }
        do {
            try forEachLine { _, bytes in
                guard let first = bytes.firstIndex(where: { !isPad($0) }), bytes[first] != UInt8(ascii: "#") else { return }
                throw Found(layout: detectLayout(bytes))
            }
        } catch let found as Found {
            return found.layout
        } catch {
            return nil
        }
        return nil
    }

    /// `parts + 1` offsets from 0 to `size`, each inner one the start of a line (just after an
    /// LF) at or after an equal share of the bytes; empty ranges are dropped.
    func lineStarts(size: Int, parts: Int) throws -> [Int] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ListError(.io, "cannot read list file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var starts = [0]
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        for i in 1..<max(parts, 1) {
            var at = max(size * i / parts - 1, starts.last!)
            var start = size
            search: while at < size {
                let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(at)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ListError(.io, "cannot read list file \(path): \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                for j in 0..<n where buf[j] == 10 { start = at + j + 1; break search }
                at += n
            }
            if start > starts.last!, start < size { starts.append(start) }
        }
        starts.append(size)
        return starts
    }

    /// Calls `onLine` for every data line of a file of plain lines (`.lines` layout) in the bytes
    /// `range` (from a line start), numbered from 1 at the range's start, except the lines
    /// `plainFast` takes (their values go to `onPlainValue`; only counted, no call per line:
    /// the call and its closure's reference counting were a sixth of a big import's CPU time).
    /// Returns the range's number of lines and of lines taken by `plainFast`.
    func parseLines(range: Range<Int>, _ onLine: (Int, LineResult) throws -> Void) throws -> (lines: Int, fast: Int) {
        var fields = FieldBuffer()
        var types = TypeCache()
        var fast = 0
        let useFast = onPlainValue != nil, sink = onPlainValue ?? { _, _, _ in }, defaultType = defaultType
        let lines = try forEachLine(range: range) { lineNo, bytes in
            guard let first = bytes.firstIndex(where: { !isPad($0) }), bytes[first] != UInt8(ascii: "#") else { return }
            if useFast, Self.plainFast(bytes, defaultType: defaultType, &types, sink) { fast += 1; return }
            try onLine(lineNo, interpretPlain(bytes, &fields, &types))
        }
        return (lines, fast)
    }
}

/// What one thread read of its byte range of a file: the unlabelled values per signal in the
/// order read, the data lines and invalid ones (numbered from the range's start), and whether
/// the range needs the one-thread reading (a labelled or URL line: their repeats depend on
/// everything read before them).
final class ChunkReading {
    private(set) var kinds: [SignalKind] = []
    private(set) var runs: [PackedValues.Pending] = []
    private var lastKind: SignalKind?
    private var lastSlot = 0
    var records = 0, skipped = 0, lines = 0
    /// Lines taken by `plainFast` (counted in `records` once the range is read).
    var fastRecords = 0
    var examples: [(line: Int, reason: String)] = []
    var error: ListError?
    var needsOneThread = false
    /// Records to reserve room for, per signal (the range's bytes over a value line's).
    private let reserve: Int

    init(bytes: Int) { reserve = bytes }

    struct OneThread: Error {}

    @inline(__always) func append(_ kind: SignalKind, _ value: UnsafeBufferPointer<UInt8>, quality: Int?) {
        if kind != lastKind {
            lastKind = kind
            if let i = kinds.firstIndex(of: kind) { lastSlot = i } else {
                var p = PackedValues.Pending(valueBytes: kind.byteCount)
                p.records.reserveCapacity((reserve / (kind.hexLength + 1) + 1) * (kind.byteCount + 1))
                kinds.append(kind); runs.append(p); lastSlot = kinds.count - 1
            }
        }
        runs[lastSlot].append(value, quality: quality)
    }

    func add(_ e: ParsedEntry) throws {
        guard e.label == nil else { needsOneThread = true; throw OneThread() }
        e.value.bytes.withUnsafeBufferPointer { append(e.signal, $0, quality: e.quality) }
    }
}

extension HashListStore {
    /// Reads one file of plain lines on `starts.count - 1` threads into `collected` (as runs in
    /// file order). Returns nil, having added nothing, when a range needs the one-thread reading;
    /// throws the first invalid line of the file (the lowest range's, renumbered) otherwise.
    static func readInChunks(_ parser: ListFileParser, starts: [Int], skipInvalid: Bool,
                             collected: inout CollectedEntries, examples: inout [ListError]) throws -> (records: Int, skipped: Int)? {
        let file = parser.path
        let readings = (0..<(starts.count - 1)).map { ChunkReading(bytes: starts[$0 + 1] - starts[$0]) }
        DispatchQueue.concurrentPerform(iterations: readings.count) { c in
            let reading = readings[c]
            var p = parser
            p.onPlainValue = { kind, value, quality in reading.append(kind, value, quality: quality) }
            // URL digests are made on one thread (the hasher is not shared between threads).
            p.urlHasher = { _ in reading.needsOneThread = true; throw ChunkReading.OneThread() }
            do {
                (reading.lines, reading.fastRecords) = try p.parseLines(range: starts[c]..<starts[c + 1]) { line, result in
                    if reading.needsOneThread { throw ChunkReading.OneThread() }
                    reading.records += 1
                    switch result {
                    case .problem(let reason):
                        guard skipInvalid else { throw ListError(file: file, line: line, reason: reason) }
                        reading.skipped += 1
                        if reading.examples.count < ListImportLimits.reportedInvalidLines { reading.examples.append((line, reason)) }
                    case .entry(let e): try reading.add(e)
                    case .entries(let es): for e in es { try reading.add(e) }
                    }
                }
                reading.records += reading.fastRecords
            } catch let e as ListError {
                reading.error = e
            } catch {
                reading.needsOneThread = true
            }
        }
        if readings.contains(where: \.needsOneThread) { return nil }
        var before = 0
        for r in readings {
            if let e = r.error {
                guard e.code == .invalidLine else { throw e }
                throw ListError(file: e.file, line: before + e.line, reason: e.reason)
            }
            before += r.lines
        }
        var records = 0, skipped = 0
        before = 0
        for r in readings {
            records += r.records; skipped += r.skipped
            for x in r.examples where examples.count < ListImportLimits.reportedInvalidLines {
                examples.append(ListError(file: file, line: before + x.line, reason: x.reason))
            }
            for (kind, run) in zip(r.kinds, r.runs) { collected.appendRuns(kind, [run]) }
            before += r.lines
        }
        return (records, skipped)
    }
}
