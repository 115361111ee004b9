// The values of one signal of a list being imported, packed end to end, sorted and made
// unique in memory, then written to the database as blocks (`entry_blocks`, schema 2).
//
// A record is the value's bytes followed by one quality byte (`PackedValues.noQuality` when the
// line gave none) and, while an import of several files is sorted, two bytes naming the file it
// came from. The values are read as runs (one per file and parse thread, in input order) and
// sorted once (`PackedValues.sortOnce`): a stable radix scatter of every run on the first bytes,
// run after run within a bucket, then a sort of each (small) bucket, so among equal values the
// first one read keeps its quality, as the one-row-per-entry import did. Time is linear in the
// entries whatever the number of files (the old per-file merge was files x entries).
import Foundation
import HashscreenCore

/// Sorted, unique values of one signal, packed as records of `valueBytes + 1` bytes.
struct PackedValues {
    /// The quality byte of a value whose line gave no quality (qualities are 0...100).
    static let noQuality: UInt8 = 0xFF

    let valueBytes: Int
    /// Bytes per record: the value, its quality byte, and the file tag when there is one.
    let stride: Int
    /// `count` records, end to end.
    private(set) var records: [UInt8] = []
    var count: Int { records.count / stride }
    /// True when some record has a quality.
    private(set) var hasQuality = false

    init(valueBytes: Int) { self.valueBytes = valueBytes; self.stride = valueBytes + 1 }

    init(valueBytes: Int, stride: Int, records: [UInt8], hasQuality: Bool) {
        self.valueBytes = valueBytes; self.stride = stride; self.records = records; self.hasQuality = hasQuality
    }

    /// Records appended in input order, sorted and deduplicated by `finish`.
    struct Pending {
        let valueBytes: Int
        var records: [UInt8] = []
        var hasQuality = false
        init(valueBytes: Int) { self.valueBytes = valueBytes }

        mutating func append(_ value: [UInt8], quality: Int?) {
            records.append(contentsOf: value)
            records.append(quality.map { UInt8($0) } ?? PackedValues.noQuality)
            if quality != nil { hasQuality = true }
        }

        mutating func append(_ value: UnsafeBufferPointer<UInt8>, quality: Int?) {
            records.append(contentsOf: value)
            records.append(quality.map { UInt8($0) } ?? PackedValues.noQuality)
            if quality != nil { hasQuality = true }
        }

        var count: Int { records.count / (valueBytes + 1) }
    }

    /// Whether `value` is one of the values.
    func contains(_ value: [UInt8]) -> Bool {
        records.withUnsafeBufferPointer { r in
            value.withUnsafeBufferPointer { v in Self.find(v.baseAddress!, in: r.baseAddress!, count: count, stride: stride, keyBytes: valueBytes) != nil }
        }
    }

    /// Calls `body` with consecutive runs of at most `size` records.
    func forEachBlock(size: Int, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) rethrows {
        try records.withUnsafeBufferPointer { r in
            var i = 0
            while i < count {
                let n = min(size, count - i)
                try body(UnsafeBufferPointer(rebasing: r[(i * stride)..<((i + n) * stride)]), n)
                i += n
            }
        }
    }

    // MARK: - Sorting

    /// The index of the record whose key equals `key` in `count` sorted records, if any.
    static func find(_ key: UnsafePointer<UInt8>, in base: UnsafePointer<UInt8>, count: Int, stride: Int, keyBytes: Int) -> Int? {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = memcmp(base + mid * stride, key, keyBytes)
            if c == 0 { return mid }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Buckets of the radix pass: about one record per bucket, at most 2^22 (16 MB of counts).
    static func bucketBits(_ n: Int) -> Int {
        var bits = 8
        while bits < 22, (1 << bits) < n { bits += 1 }
        return bits
    }

    /// The records sorted by their first `keyBytes` bytes, equal keys in input order.
    static func sortedStable(_ input: [UInt8], stride: Int, keyBytes: Int) -> [UInt8] {
        let n = input.count / stride
        guard n > 1 else { return input }
        precondition(keyBytes >= 4, "values have at least 8 bytes")
        let bits = bucketBits(n)
        let shift = UInt32(32 - bits)
        var start = [Int](repeating: 0, count: (1 << bits) + 1)
        var out = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { src in
            let s = src.baseAddress!
            @inline(__always) func bucket(_ i: Int) -> Int {
                let p = s + i * stride
                let top = UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
                return Int(top >> shift)
            }
            start.withUnsafeMutableBufferPointer { st in
                for i in 0..<n { st[bucket(i) + 1] += 1 }
                for b in 1..<st.count { st[b] += st[b - 1] }
                out.withUnsafeMutableBufferPointer { dst in
                    let d = dst.baseAddress!
                    var next = Array(st.dropLast())
                    next.withUnsafeMutableBufferPointer { nx in
                        for i in 0..<n {
                            let b = bucket(i)
                            memcpy(d + nx[b] * stride, s + i * stride, stride)
                            nx[b] += 1
                        }
                    }
                    var scratch = [UInt8](repeating: 0, count: stride)
                    for b in 0..<(st.count - 1) where st[b + 1] - st[b] > 1 {
                        sortBucket(d + st[b] * stride, count: st[b + 1] - st[b], stride: stride, keyBytes: keyBytes, scratch: &scratch)
                    }
                }
            }
        }
        return out
    }

    // MARK: - Record moves and comparisons, inline (a call to memcpy or memcmp per record was
    // a fifth of the sort's time: records are 9 to 35 bytes)

    /// Copies one record of `n` bytes (`d` and `s` do not overlap).
    @inline(__always) static func copyRecord(_ d: UnsafeMutableRawPointer, _ s: UnsafeRawPointer, _ n: Int) {
        guard n >= 16, n <= 64 else { memcpy(d, s, n); return }
        var at = 0
        while at + 16 < n {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: at, as: SIMD16<UInt8>.self), toByteOffset: at, as: SIMD16<UInt8>.self)
            at += 16
        }
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: n - 16, as: SIMD16<UInt8>.self), toByteOffset: n - 16, as: SIMD16<UInt8>.self)
    }

    /// `memcmp(a, b, k)`'s sign: the keys compared as big-endian words, then byte by byte.
    @inline(__always) static func compareKeys(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ k: Int) -> Int {
        var at = 0
        while at + 8 <= k {
            let x = UInt64(bigEndian: a.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            let y = UInt64(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            if x != y { return x < y ? -1 : 1 }
            at += 8
        }
        return at == k ? 0 : Int(memcmp(a + at, b + at, k - at))
    }

    /// Whether the first `k` bytes of `a` and `b` are equal.
    @inline(__always) static func equalKeys(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ k: Int) -> Bool {
        var at = 0
        while at + 8 <= k {
            if a.loadUnaligned(fromByteOffset: at, as: UInt64.self) != b.loadUnaligned(fromByteOffset: at, as: UInt64.self) { return false }
            at += 8
        }
        return at == k || memcmp(a + at, b + at, k - at) == 0
    }

    /// Sorts one bucket in place, stably: insertion sort when small, else an index sort that
    /// breaks ties by position.
    static func sortBucket(_ p: UnsafeMutablePointer<UInt8>, count n: Int, stride: Int, keyBytes: Int, scratch: inout [UInt8]) {
        if n <= 32 {
            scratch.withUnsafeMutableBufferPointer { t in
                let tmp = t.baseAddress!
                for i in 1..<n {
                    var j = i
                    guard compareKeys(p + (j - 1) * stride, p + i * stride, keyBytes) > 0 else { continue }
                    memcpy(tmp, p + i * stride, stride)
                    while j > 0, compareKeys(p + (j - 1) * stride, tmp, keyBytes) > 0 {
                        memcpy(p + j * stride, p + (j - 1) * stride, stride)
                        j -= 1
                    }
                    memcpy(p + j * stride, tmp, stride)
                }
            }
            return
        }
        let order = (0..<n).sorted { a, b in
            let c = compareKeys(p + a * stride, p + b * stride, keyBytes)
            return c != 0 ? c < 0 : a < b
        }
        let copy = [UInt8](UnsafeBufferPointer(start: p, count: n * stride))
        copy.withUnsafeBufferPointer { c in
            for (to, from) in order.enumerated() { memcpy(p + to * stride, c.baseAddress! + from * stride, stride) }
        }
    }

    /// The sorted records without the repeats of a key (the first of each run is kept).
    static func uniqueInPlace(_ r: inout [UInt8], stride: Int, keyBytes: Int) {
        let n = r.count / stride
        guard n > 1 else { return }
        var written = 1
        r.withUnsafeMutableBufferPointer { b in
            let p = b.baseAddress!
            for j in 1..<n where memcmp(p + j * stride, p + (written - 1) * stride, keyBytes) != 0 {
                if j != written { memcpy(p + written * stride, p + j * stride, stride) }
                written += 1
            }
        }
        r.removeLast(r.count - written * stride)
    }

    /// `old` (sorted, unique) with the records of `new` (sorted, stable) whose keys are in
    /// neither `old` nor earlier in `new`.
    static func mergeUnique(_ old: [UInt8], _ new: [UInt8], stride: Int, keyBytes: Int) -> [UInt8] {
        let nOld = old.count / stride, nNew = new.count / stride
        var out = [UInt8](repeating: 0, count: old.count + new.count)
        var written = 0
        old.withUnsafeBufferPointer { ob in
            new.withUnsafeBufferPointer { nb in
                out.withUnsafeMutableBufferPointer { dst in
                    let o = ob.baseAddress, w = nb.baseAddress, d = dst.baseAddress!
                    var i = 0, j = 0
                    while j < nNew {
                        let r = w! + j * stride
                        // Repeat of the previous new record (already written or already in old).
                        if j > 0, memcmp(r, r - stride, keyBytes) == 0 { j += 1; continue }
                        while i < nOld, memcmp(o! + i * stride, r, keyBytes) < 0 {
                            memcpy(d + written * stride, o! + i * stride, stride); written += 1; i += 1
                        }
                        if i < nOld, memcmp(o! + i * stride, r, keyBytes) == 0 { j += 1; continue }
                        memcpy(d + written * stride, r, stride); written += 1; j += 1
                    }
                    if i < nOld {
                        memcpy(d + written * stride, o! + i * stride, (nOld - i) * stride)
                        written += nOld - i
                    }
                }
            }
        }
        out.removeLast(out.count - written * stride)
        return out
    }
}
