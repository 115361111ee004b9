// A sharded scan's findings kept for `merge` (docs/sharding.md): each part writes its matches
// and failures, in `RecordOrder`, to `part-matches.run` and `part-errors.run` beside its
// outputs, in the spool format (docs/spool.md: a sequence of runs, here consecutive slices of
// one sorted stream, so the file read run after run is sorted). `merge` reads the parts' files
// with one bounded cursor each and merges them k-way into the same printers a whole scan uses:
// the outputs are byte-identical to the unsharded scan's by construction, and memory is one
// read buffer per part.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashscreenCore

/// Writes records handed over in order as a run file: a run per `runRecords` records.
package final class PartRecordWriter<Record: SpoolRecord> {
    /// Records per run: bounds the encoder's buffer.
    static var runRecords: Int { 4096 }
    private let file: AtomicFile
    private var encoder = SpoolEncoder()
    private var pending = 0

    package init(path: String) throws(HashscreenError) {
        file = try AtomicFile(path: path)
        startRun()
    }

    private func startRun() {
        encoder.bytes.removeAll(keepingCapacity: true)
        SpoolFormat.appendHeader(kind: Record.spoolKind, count: 0, payload: 0, to: &encoder.bytes)
        pending = 0
    }

    package func append(_ r: Record) throws(HashscreenError) {
        encoder.record(r)
        pending += 1
        if pending == Self.runRecords { try flushRun() }
    }

    private func flushRun() throws(HashscreenError) {
        guard pending > 0 else { return }
        SpoolFormat.patchHeader(count: UInt64(pending), payload: UInt64(encoder.bytes.count - SpoolFormat.headerBytes), in: &encoder.bytes)
        try file.write(encoder.bytes)
        startRun()
    }

    /// Writes the last run, syncs and renames the file into place.
    package func finish() throws(HashscreenError) {
        try flushRun()
        try file.commit()
    }
}

/// Reads a run file written by `PartRecordWriter` (or any spool whose runs follow one another
/// in order), record by record, through one bounded buffer.
struct PartRecordReader<Record: SpoolRecord> {
    let path: String
    private let fd: Int32
    private let size: UInt64
    private var nextRun: UInt64 = 0
    private var cursor: RunCursor?

    init(path: String) throws(HashscreenError) {
        self.path = path
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw HashscreenError(.input, "cannot open \(path): \(String(cString: strerror(errno)))",
                                  remedy: "is it the output folder of a finished `scan --shard` (summary.json written)?")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            _ = Glibc.close(fd)
            throw HashscreenError(.input, "\(path) is not a regular file")
        }
        size = UInt64(st.st_size)
    }

    func closeFile() { _ = Glibc.close(fd) }

    /// The next record in the file's order, nil at its end.
    mutating func next() throws(HashscreenError) -> Record? {
        while true {
            if var c = cursor {
                let r: Record? = try c.next(path)
                cursor = c
                if let r { return r }
                cursor = nil
            }
            guard nextRun < size else { return nil }
            var header = [UInt8](repeating: 0, count: SpoolFormat.headerBytes)
            let got = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, SpoolFormat.headerBytes, off_t(nextRun)) }
            guard got == SpoolFormat.headerBytes, Array(header[0..<6]) == SpoolFormat.magic, header[6] == Record.spoolKind else {
                throw partDamaged(path)
            }
            let (count, payload) = header.withUnsafeBytes {
                (UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                 UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            }
            guard nextRun + UInt64(SpoolFormat.headerBytes) + payload <= size else { throw partDamaged(path) }
            cursor = RunCursor(fd: fd, run: SpoolRun(offset: nextRun, count: count, bytes: payload))
            nextRun += UInt64(SpoolFormat.headerBytes) + payload
        }
    }
}

/// The k-way merge of several parts' run files, in `RecordOrder`; records the order ties
/// (none in practice: parts hold different samples) come part by part.
package struct MergedPartRecords<Record: SpoolRecord>: SortedRecords {
    let paths: [String]
    package init(paths: [String]) { self.paths = paths }

    package func forEachSorted(_ body: (Record) throws(HashscreenError) -> Void) throws(HashscreenError) {
        var readers: [PartRecordReader<Record>] = []
        defer { for r in readers { r.closeFile() } }
        for p in paths { readers.append(try PartRecordReader(path: p)) }
        // Each part's file is in order; one that is not was changed after its scan.
        var last: [Record?] = Array(repeating: nil, count: readers.count)
        try kWayMerge(sources: readers.count, next: { i throws(HashscreenError) -> Record? in
            guard let n = try readers[i].next() else { return nil }
            if let p = last[i], Record.precedes(n, p) { throw partDamaged(readers[i].path, "its records are out of order") }
            last[i] = n
            return n
        }, body)
    }
}

/// A part's run file that does not read as its scan wrote it: changed or cut after the scan.
func partDamaged(_ path: String, _ what: String = "it does not read as a run file") -> HashscreenError {
    HashscreenError(.input, "the part file \(path) is damaged (\(what)): it was changed after its scan",
                    remedy: "run that part's `scan --shard I/N` again into an empty --out")
}
