// Sorting an import's values once: every run (a file, or one thread's part of a file) in input
// order, radix-scattered into one array and made unique, on all cores (docs/lists.md, "Import").
import Foundation
import HashscreenCore

extension PackedValues {
    /// The records of one part of the input, in the order read, and the position of its file
    /// among the import's files.
    struct Run {
        var pending: Pending
        var file: Int
    }

    /// Sorted unique values, with each file's new values (first occurrences) and repeats.
    struct SortedRuns {
        var values: PackedValues
        var added: [Int]
        var duplicates: [Int]
    }

    /// Asks for 2 MiB pages (Linux transparent huge pages in madvise mode) for the whole 2 MiB
    /// pages inside a large buffer not yet touched: the scatter's output, which it writes at
    /// random over hundreds of MB (with 4 KiB pages nearly every write also missed the TLB, and
    /// each 4 KiB took a page fault). Not the parse runs: written in order, they were measured
    /// slower on huge pages (docs/lists.md, "Speed"). Without effect elsewhere.
    static func adviseHugePages(_ base: UnsafeRawPointer?, bytes: Int) {
        #if canImport(Glibc)
        let huge = 2 << 20
        guard let base, bytes >= 2 * huge else { return }
        let start = (Int(bitPattern: base) + huge - 1) / huge * huge
        let end = (Int(bitPattern: base) + bytes) / huge * huge
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        #endif
    }

    /// Most runs × buckets counters of the scatter (64 MB): with many files the buckets get fewer
    /// and larger, so the counters stay bounded.
    static let maxRunBucketCounters = 1 << 24

    /// Sorts the records of `runs` (all of one signal, `valueBytes`-byte values) by value, keeps
    /// the first of each value in run order (run order = input order), and counts per file the
    /// values kept and repeated. `files`: how many files the runs' `file` numbers range over; with
    /// more than one, each record carries its file's number (two bytes after its quality) so that
    /// repeats are counted against the right file. `parts`: how many pieces the bucket sort is cut
    /// into (for the cores). Empties `runs` as it goes (their memory is freed after the scatter).
    static func sortOnce(_ runs: inout [Run], valueBytes k: Int, files: Int, parts: Int) -> SortedRuns {
        precondition(k >= 4, "values have at least 8 bytes")
        precondition(files <= Int(UInt16.max) + 1, "at most 65536 files per import")
        let inStride = k + 1
        let tagged = files > 1
        let outStride = inStride + (tagged ? 2 : 0)
        let hasQuality = runs.contains { $0.pending.hasQuality }
        let n = runs.reduce(0) { $0 + $1.pending.count }
        var added = [Int](repeating: 0, count: max(files, 1)), duplicates = added
        guard n > 0 else {
            runs = []
            return SortedRuns(values: PackedValues(valueBytes: k, stride: outStride, records: [], hasQuality: hasQuality),
                              added: added, duplicates: duplicates)
        }
        var bits = bucketBits(n)
        while bits > 8, runs.count << bits > maxRunBucketCounters { bits -= 1 }
        let buckets = 1 << bits
        let shift = UInt32(32 - bits)
        let r = runs.count
        // counters[run * buckets + bucket]: first the run's count in the bucket, then where its
        // next record goes.
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: r * buckets)
        counters.initialize(repeating: 0, count: r * buckets)
        defer { counters.deallocate() }
        let bucketStart = UnsafeMutablePointer<Int>.allocate(capacity: buckets + 1)
        defer { bucketStart.deallocate() }
        @inline(__always) func bucket(_ p: UnsafePointer<UInt8>) -> Int {
            let top = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
            return Int(top >> shift)
        }
        // Raw views of the runs (alive while `runs` is, until the scatter is done).
        let sources: [(UnsafePointer<UInt8>?, Int, Int)] = runs.map { run in
            (run.pending.records.withUnsafeBufferPointer { $0.baseAddress }, run.pending.count, run.file)
        }
        var out = [UInt8](unsafeUninitializedCapacity: n * outStride) { b, c in
            adviseHugePages(b.baseAddress, bytes: n * outStride)
            c = n * outStride
        }
        var partEnds: [(start: Int, end: Int)] = []
        out.withUnsafeMutableBufferPointer { ob in
            let d = ob.baseAddress!
            withExtendedLifetime(runs) {
                DispatchQueue.concurrentPerform(iterations: r) { i in
                    guard let s = sources[i].0 else { return }
                    let c = counters + i * buckets
                    for j in 0..<sources[i].1 { c[bucket(s + j * inStride)] += 1 }
                }
                // Bucket-major, run-minor: within a bucket the runs' records follow in run order.
                var at = 0
                for b in 0..<buckets {
                    bucketStart[b] = at
                    for i in 0..<r {
                        let c = counters[i * buckets + b]
                        counters[i * buckets + b] = at
                        at += c
                    }
                }
                bucketStart[buckets] = at
                DispatchQueue.concurrentPerform(iterations: r) { i in
                    guard let s = sources[i].0 else { return }
                    let c = counters + i * buckets
                    let tag = UInt16(truncatingIfNeeded: sources[i].2)
                    for j in 0..<sources[i].1 {
                        let p = s + j * inStride
                        let b = bucket(p)
                        let o = d + c[b] * outStride
                        copyRecord(o, p, inStride)
                        if tagged { o[inStride] = UInt8(tag & 0xFF); o[inStride + 1] = UInt8(tag >> 8) }
                        c[b] += 1
                    }
                }
            }
            runs = []
            // Parts of whole buckets (equal values share a bucket), about equal in records.
            let p = max(1, min(parts, buckets))
            var cuts = [0]
            for b in 1..<buckets where bucketStart[b] >= n * cuts.count / p && cuts.count < p { cuts.append(b) }
            cuts.append(buckets)
            let pieces = cuts.count - 1
            let ends = UnsafeMutablePointer<Int>.allocate(capacity: pieces)
            let counts = UnsafeMutablePointer<Int>.allocate(capacity: pieces * 2 * added.count)
            counts.initialize(repeating: 0, count: pieces * 2 * added.count)
            defer { ends.deallocate(); counts.deallocate() }
            let f = added.count
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                var scratch = [UInt8](repeating: 0, count: outStride)
                let b0 = cuts[piece], b1 = cuts[piece + 1]
                for b in b0..<b1 where bucketStart[b + 1] - bucketStart[b] > 1 {
                    sortBucket(d + bucketStart[b] * outStride, count: bucketStart[b + 1] - bucketStart[b],
                               stride: outStride, keyBytes: k, scratch: &scratch)
                }
                let kept = counts + piece * 2 * f, repeated = kept + f
                let first = bucketStart[b0], last = bucketStart[b1]
                var w = first
                for j in first..<last {
                    let rec = d + j * outStride
                    let file = tagged ? Int(rec[inStride]) | Int(rec[inStride + 1]) << 8 : 0
                    if w > first, equalKeys(rec, d + (w - 1) * outStride, k) { repeated[file] += 1; continue }
                    kept[file] += 1
                    if j != w { copyRecord(d + w * outStride, rec, outStride) }
                    w += 1
                }
                ends[piece] = w
            }
            for piece in 0..<pieces {
                partEnds.append((bucketStart[cuts[piece]], ends[piece]))
                for i in 0..<f {
                    added[i] += counts[piece * 2 * f + i]
                    duplicates[i] += counts[piece * 2 * f + f + i]
                }
            }
            // Close the gaps the repeats left between the parts.
            var to = 0
            for (s, e) in partEnds {
                if s != to, e > s { memmove(d + to * outStride, d + s * outStride, (e - s) * outStride) }
                to += e - s
            }
            partEnds = [(0, to)]
        }
        out.removeLast(out.count - partEnds[0].end * outStride)
        return SortedRuns(values: PackedValues(valueBytes: k, stride: outStride, records: out, hasQuality: hasQuality),
                          added: added, duplicates: duplicates)
    }
}
