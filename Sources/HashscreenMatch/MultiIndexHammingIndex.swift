// References:
// - M. Norouzi, A. Punjani, D. J. Fleet, "Fast Exact Search in Hamming Space with Multi-Index
//   Hashing", IEEE TPAMI 36(6), 2014 (arXiv:1307.2982): substrings, the pigeonhole bound
//   (Proposition 1, the refined form with r = m·r' + a) and the choice m ≈ bits / log2(n).
// - facebook/ThreatExchange pdq/cpp/index/mih.h: the PDQ design (16 segments of 16 bits,
//   neighbours within distance 1 for threshold 31); this file generalises the segment count.
import CPrefetch
import Dispatch
import HashscreenCore

/// Exact Hamming search by multi-index hashing: each value is cut into `m` disjoint bit
/// segments, each segment has its own table, and a query looks only at entries that agree
/// closely with it on some segment.
///
/// Why it is exact: if two values differ in at most `t` bits and `t = m·r' + a` (0 ≤ a < m),
/// then one of the first `a + 1` segments differs in at most `r'` bits or one of the others in
/// at most `r' - 1` (otherwise the differences add up to more than `t`). So searching segment
/// `k` within radius `r_k` (r' or r' - 1) and checking every candidate's full distance finds
/// every match. An entry within radius on two segments is reported only by the first of them,
/// so results need no set to remove duplicates.
///
/// Layout of one segment table (memory-lean, no per-entry pointers): the segment's value is
/// split into a high part of `D` bits, which picks a bucket of a CSR directory (`2^D + 1`
/// offsets), and a low part of `R` bits stored in the posting itself. A posting is one
/// `UInt32`: the low part above the entry number. Searching a segment enumerates the high
/// parts within the radius and scans each bucket, keeping postings whose low part is within
/// the remaining radius: few random memory reads, the rest sequential.
///
/// Memory per entry: the value (8 or 32 bytes) + 4 bytes per segment + the directories.
/// Thresholds for which the tables would not save work fall back to the exhaustive scan.
/// `IndexBuilder` uses it for the 64-bit hashes; PDQ lists get `CompactHammingIndex`
/// (about 25% less memory and faster at 10M entries).
package final class MultiIndexHammingIndex: MatchIndex, @unchecked Sendable {
    /// How the values are cut into segments.
    package struct Layout: Sendable, Equatable, CustomStringConvertible {
        /// Number of segments (0: no tables, every search is exhaustive).
        var segmentCount: Int
        /// Directory bits per segment table, before the limits of the posting format apply
        /// (nil: about log2(count) - `defaultBucketBits`, so a bucket holds a few entries).
        var directoryBits: Int?

        package init(segmentCount: Int, directoryBits: Int? = nil) {
            self.segmentCount = segmentCount; self.directoryBits = directoryBits
        }

        package var description: String {
            "\(segmentCount) segments" + (directoryBits.map { ", \($0)-bit directories" } ?? "")
        }
    }

    // MARK: - Limits and cost model

    /// A bucket holds about 2^defaultBucketBits entries (measured, docs/index.md: larger
    /// directories cost more random reads per probe, smaller ones longer scans).
    static let defaultBucketBits = 3
    /// Largest directory: 2^26 offsets = 256 MiB per segment table.
    static let maxDirectoryBits = 26
    /// Postings after the last one, so that an eight-lane read at the end stays in bounds.
    static let postingPadding = 8
    /// Widest segment: a segment's value is handled as a `UInt32`.
    static let maxSegmentBits = 32

    /// Estimated cost of one search, in nanoseconds on one core (fitted to the 1M and 10M
    /// PDQ benchmark runs, docs/index.md); only used to choose between tables and a full scan and
    /// between layouts, so rough figures suffice.
    struct CostModel {
        /// A bucket visit: a directory read and the first read of its postings (random reads).
        static let probe = 25.0
        /// One posting scanned (sequential, eight at a time).
        static let scan = 1.5
        /// One candidate verified: a random read of its value.
        static let candidate = 20.0
        /// One word of one entry in the exhaustive scan (sequential).
        static let bruteWord = 0.45
    }

    // MARK: - Storage

    struct Segment {
        /// First bit (bit 0 is the most significant bit of the value's first byte).
        let offset: Int
        let width: Int
        /// High-part (directory) bits `D` and low-part (stored) bits `R`; `D + R = width`.
        let directoryBits: Int
        let residualBits: Int
        /// Bucket `b` holds postings `directory[b]..<directory[b + 1]`.
        let directory: FlatBuffer<UInt32>
        /// Per posting: low part << idBits | entry.
        let postings: FlatBuffer<UInt32>
        /// The segment's bits, to measure an entry's distance on this segment.
        let mask: PackedHash
    }

    package let count: Int
    /// Length of the values in bytes.
    package let byteCount: Int
    /// The layout the tables were built with (directory bits as chosen).
    package let layout: Layout
    let bitCount: Int
    let wordCount: Int
    let idBits: Int
    let hashes: FlatBuffer<UInt64>
    let exhaustive: BruteForceHammingIndex
    let segments: [Segment]
    /// Per threshold 0..<bitCount: the radius of each segment, or nil to scan everything.
    let plans: [[Int]?]

    /// Builds an index whose layout is chosen for `expectedThreshold` (any threshold is still
    /// answered exactly) and keeps memory at most `maxBytesPerEntry` per entry where possible.
    package convenience init(values: [HashValue], byteCount: Int, expectedThreshold: Int,
                            maxBytesPerEntry: Int? = nil) throws(IndexBuildError) {
        try self.init(packed: PackedHashList(values, byteCount: byteCount),
                      expectedThreshold: expectedThreshold, maxBytesPerEntry: maxBytesPerEntry)
    }

    /// Builds an index with a given layout. `allowExhaustive: false` uses the tables for every
    /// threshold (for tests of the tables themselves).
    package convenience init(values: [HashValue], byteCount: Int, layout: Layout,
                            allowExhaustive: Bool = true) throws(IndexBuildError) {
        try self.init(packed: PackedHashList(values, byteCount: byteCount), layout: layout,
                      allowExhaustive: allowExhaustive)
    }

    /// Builds an index over packed values whose layout is chosen for `expectedThreshold`.
    package convenience init(packed list: PackedHashList, expectedThreshold: Int,
                            maxBytesPerEntry: Int? = nil) throws(IndexBuildError) {
        let layout = Self.chooseLayout(count: list.count, bitCount: list.byteCount * 8,
                                       expectedThreshold: expectedThreshold,
                                       maxBytesPerEntry: maxBytesPerEntry)
        try self.init(packed: list, layout: layout)
    }

    /// Builds an index over packed values with a given layout (adopting the values' buffer
    /// when it is full).
    package init(packed list: PackedHashList, layout: Layout,
                allowExhaustive: Bool = true) throws(IndexBuildError) {
        let byteCount = list.byteCount
        guard byteCount % 8 == 0 else {
            throw IndexBuildError("multi-index hashing needs a length in whole 64-bit words, got \(byteCount) bytes")
        }
        let n = list.count
        let bits = byteCount * 8
        let m = layout.segmentCount
        guard m == 0 || (m * Self.maxSegmentBits >= bits && m <= bits) else {
            throw IndexBuildError("\(m) segments cannot cut \(bits) bits into pieces of 1...\(Self.maxSegmentBits) bits")
        }
        count = n
        self.byteCount = byteCount
        bitCount = bits
        wordCount = byteCount / 8
        idBits = Self.idBits(count: n)
        hashes = list.exactWords()
        exhaustive = BruteForceHammingIndex(packed: hashes, count: n, byteCount: byteCount)

        var bounds: [(offset: Int, width: Int, directoryBits: Int)] = []
        for (k, (offset, width)) in Self.segmentBounds(bits: bits, count: m).enumerated() {
            guard let d = Self.directoryBits(width: width, count: n, idBits: idBits,
                                             wanted: layout.directoryBits) else {
                throw IndexBuildError("segment \(k) of \(width) bits does not fit a 32-bit posting with \(idBits)-bit entry numbers")
            }
            bounds.append((offset, width, d))
        }
        let dirBitsChosen = bounds.first?.directoryBits
        // The tables are independent: build them on all cores (a 10M-entry PDQ table takes
        // about half a second, mostly scattered writes).
        // Each slot is written by one iteration only and read after all have finished.
        let slots = UnsafeMutablePointer<Segment?>.allocate(capacity: max(m, 1))
        slots.initialize(repeating: nil, count: max(m, 1))
        defer { slots.deinitialize(count: max(m, 1)); slots.deallocate() }
        let (hashes, wordCount, idBits) = (self.hashes, self.wordCount, self.idBits)
        nonisolated(unsafe) let out = slots
        DispatchQueue.concurrentPerform(iterations: m) { k in
            let s = bounds[k]
            out[k] = Self.buildSegment(hashes: hashes, count: n, wordCount: wordCount, offset: s.offset,
                                       width: s.width, directoryBits: s.directoryBits, idBits: idBits)
        }
        let segs = (0..<m).map { slots[$0]! }
        segments = segs
        self.layout = Layout(segmentCount: m, directoryBits: layout.directoryBits ?? dirBitsChosen)

        var plans: [[Int]?] = []
        let shapes = segs.map { (width: $0.width, directoryBits: $0.directoryBits) }
        for t in 0..<bits {
            guard m > 0 else { plans.append(nil); continue }
            let radii = Self.radii(threshold: t, segmentCount: m)
            if allowExhaustive {
                let tables = Self.estimatedCost(count: n, shapes: shapes, radii: radii)
                let scan = Self.estimatedExhaustiveCost(count: n, wordCount: wordCount)
                plans.append(tables < scan ? radii : nil)
            } else {
                plans.append(radii)
            }
        }
        self.plans = plans
    }

    package var memoryBytes: Int {
        hashes.memoryBytes + segments.reduce(0) { $0 + $1.directory.memoryBytes + $1.postings.memoryBytes }
    }

    /// Whether a search at `threshold` uses the tables (false: exhaustive scan).
    func usesTables(threshold: Int) -> Bool {
        threshold >= 0 && threshold < bitCount && plans[threshold] != nil
    }

    // MARK: - Search

    package func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit]) {
        guard query.bytes.count == byteCount, threshold >= 0, count > 0 else { return }
        let q = PackedHash(query.bytes)
        guard threshold < bitCount, let radii = plans[threshold] else {
            exhaustive.scan(q, threshold: threshold, into: &hits)
            return
        }
        searchTables(q, radii: radii, threshold: threshold, into: &hits)
    }

    /// Appends the matches found through the segment tables, each by the first segment
    /// that finds it.
    ///
    /// Works in passes over all segments so that the random reads of one pass do not wait on
    /// each other: bucket sizes and candidates are unpredictable, and a loop that branches on
    /// them right after reading them mispredicts and serialises the cache misses (measured:
    /// several times slower, docs/index.md). So: list the buckets and read their ranges, read
    /// each bucket's first posting, scan the postings into a candidate list without
    /// branching, read each candidate's first word, then compute the candidates' distances.
    private func searchTables(_ q: PackedHash, radii: [Int], threshold t: Int, into hits: inout [IndexHit]) {
        let m = segments.count
        var probeCount = 0
        for k in 0..<m where radii[k] >= 0 {
            probeCount += Self.ballCount(segments[k].directoryBits, radii[k])
        }
        let idShift = UInt32(idBits)
        let idMask: UInt32 = idBits == 32 ? .max : (1 << idShift) - 1

        // Per segment: the query's low part, and where its probes and candidates end.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * m) { perSegment in
            let qLows = perSegment.baseAddress!, probeEnd = qLows + m, candEnd = probeEnd + m
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 3 * max(probeCount, 1)) { probe in
                let start = probe.baseAddress!, length = start + probeCount, slack = length + probeCount
                // Pass 1: every bucket within each segment's radius, with the radius left for
                // the low part.
                var np = 0
                for k in 0..<m {
                    let r = radii[k]
                    guard r >= 0 else { probeEnd[k] = np; qLows[k] = 0; continue }
                    let s = segments[k]
                    let v = Self.extract(q, offset: s.offset, width: s.width)
                    let lowMask: UInt32 = s.residualBits == 0 ? 0 : UInt32.max >> UInt32(32 - s.residualBits)
                    qLows[k] = Int(v & lowMask)
                    let qHigh = UInt32(v >> UInt32(s.residualBits))
                    let limit: UInt64 = 1 << UInt64(s.directoryBits)
                    for weight in 0...min(r, s.directoryBits) {
                        // Every directory-bit mask of `weight` ones, increasing (Gosper's hack).
                        var flip: UInt64 = weight == 0 ? 0 : (1 << UInt64(weight)) - 1
                        while flip < limit {
                            start[np] = qHigh ^ UInt32(truncatingIfNeeded: flip)
                            slack[np] = UInt32(r - weight)
                            np += 1
                            if flip == 0 { break }
                            let low = flip & (~flip &+ 1)
                            let ripple = flip &+ low
                            flip = ripple | (((ripple ^ flip) >> 2) >> UInt64(flip.trailingZeroBitCount))
                        }
                    }
                    probeEnd[k] = np
                }
                // Pass 2: the buckets' ranges of postings (independent reads, a lean loop).
                var total = 0
                var i0 = 0
                for k in 0..<m {
                    let dir = segments[k].directory.base
                    for i in i0..<probeEnd[k] {
                        let b = Int(start[i])
                        let lo = dir[b], hi = dir[b + 1]
                        start[i] = lo
                        length[i] = hi &- lo
                        total &+= Int(hi &- lo)
                    }
                    i0 = probeEnd[k]
                }
                guard total > 0 else { return }
                // Pass 3: the cache lines of each bucket's first eight-lane read (its first
                // and its eighth posting: a 32-byte read at a random offset crosses a line
                // half of the time), so that the scan finds them in cache. The padding after
                // the last posting keeps both reads in bounds.
                var touched: UInt32 = 0
                i0 = 0
                for k in 0..<m {
                    let post = segments[k].postings.base
                    for i in i0..<probeEnd[k] {
                        let s = Int(start[i])
                        touched &+= post[s] &+ post[s &+ 7]
                    }
                    i0 = probeEnd[k]
                }
                keepAlive(touched)

                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: total) { cand in
                    let c = cand.baseAddress!
                    // Pass 4: postings whose low part is within the radius left become
                    // candidates, eight postings at a time (a bucket's last chunk reads into
                    // the next bucket or the padding, and masks those lanes off; C: built for
                    // AVX2 and the baseline).
                    var nc = 0
                    i0 = 0
                    for k in 0..<m {
                        nc = hs_multi_candidates(segments[k].postings.base, start, length, slack, i0, probeEnd[k],
                                                 UInt32(qLows[k]), idShift, idMask, c, nc)
                        i0 = probeEnd[k]
                        candEnd[k] = nc
                    }
                    // Pass 5: each candidate's first word (a lean loop keeps many reads in
                    // flight), then pass 6: full distances from cache; matches are rare.
                    var first: UInt64 = 0
                    let h = hashes.base, w = wordCount
                    for i in 0..<nc { first &+= h[Int(c[i]) &* w] }
                    keepAlive(UInt32(truncatingIfNeeded: first))
                    i0 = 0
                    for k in 0..<m {
                        for i in i0..<candEnd[k] {
                            verify(Int(c[i]), segment: k, radii: radii, q, threshold: t, into: &hits)
                        }
                        i0 = candEnd[k]
                    }
                }
            }
        }
    }

    /// Consumes a value so that the reads producing it are not optimised away.
    @_optimize(none) @inline(never)
    private func keepAlive(_ x: UInt32) {}

    /// Number of masks of at most `r` ones among `n` bits.
    static func ballCount(_ n: Int, _ r: Int) -> Int {
        guard r >= 0 else { return 0 }
        var c = 1, sum = 1
        var i = 1
        while i <= min(r, n) { c = c * (n - i + 1) / i; sum += c; i += 1 }
        return sum
    }

    /// Appends entry `id` if it is within `t` of `q` and no segment before `k` finds it.
    @inline(__always)
    private func verify(_ id: Int, segment k: Int, radii: [Int], _ q: PackedHash,
                        threshold t: Int, into hits: inout [IndexHit]) {
        let h = hashes.base + id * wordCount
        var x = PackedHash()
        x.w0 = h[0] ^ q.w0
        var d = x.w0.nonzeroBitCount
        if wordCount == 4 {
            x.w1 = h[1] ^ q.w1; x.w2 = h[2] ^ q.w2; x.w3 = h[3] ^ q.w3
            d += x.w1.nonzeroBitCount + x.w2.nonzeroBitCount + x.w3.nonzeroBitCount
        } else {
            for i in 1..<wordCount {
                let xi = h[i] ^ q[i]
                d += xi.nonzeroBitCount
                if i == 1 { x.w1 = xi } else if i == 2 { x.w2 = xi } else { x.w3 = xi }
            }
        }
        guard d <= t else { return }
        for j in 0..<k where radii[j] >= 0 {
            let m = segments[j].mask
            let dj = (x.w0 & m.w0).nonzeroBitCount + (x.w1 & m.w1).nonzeroBitCount
                + (x.w2 & m.w2).nonzeroBitCount + (x.w3 & m.w3).nonzeroBitCount
            if dj <= radii[j] { return }
        }
        hits.append(IndexHit(entry: Int32(truncatingIfNeeded: id), distance: d))
    }

    // MARK: - Building

    /// Bits needed to number `count` entries (at least 1).
    static func idBits(count: Int) -> Int {
        count <= 1 ? 1 : 64 - (count - 1).leadingZeroBitCount
    }

    /// `count` disjoint segments covering `bits` bits, the wider ones first.
    static func segmentBounds(bits: Int, count m: Int) -> [(offset: Int, width: Int)] {
        guard m > 0 else { return [] }
        var out: [(Int, Int)] = []
        var offset = 0
        for k in 0..<m {
            let width = bits / m + (k < bits % m ? 1 : 0)
            out.append((offset, width))
            offset += width
        }
        return out
    }

    /// Directory bits for a segment: as wanted (default about log2(count) - defaultBucketBits),
    /// but enough that the low part fits beside the entry number, and within the limits.
    static func directoryBits(width: Int, count: Int, idBits: Int, wanted: Int?) -> Int? {
        let logCount = count <= 1 ? 0 : 64 - (count - 1).leadingZeroBitCount
        var d = wanted ?? (logCount - defaultBucketBits)
        d = max(d, width - (32 - idBits), 1)
        d = min(d, width, maxDirectoryBits)
        return width - d <= 32 - idBits ? d : nil
    }

    /// Per-segment radii for threshold `t` (refined pigeonhole; -1: segment not searched).
    static func radii(threshold t: Int, segmentCount m: Int) -> [Int] {
        let r = t / m, a = t % m
        return (0..<m).map { $0 <= a ? r : r - 1 }
    }

    static func buildSegment(hashes: FlatBuffer<UInt64>, count n: Int, wordCount w: Int,
                             offset: Int, width: Int, directoryBits d: Int, idBits: Int) -> Segment {
        let residual = width - d
        let buckets = 1 << d
        let directory = FlatBuffer<UInt32>(repeating: 0, count: buckets + 1)
        let postings = FlatBuffer<UInt32>(repeating: 0, count: n + postingPadding)
        let lowMask: UInt32 = residual == 0 ? 0 : UInt32.max >> UInt32(32 - residual)
        var values = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let v = extract(hashes.base + i * w, wordCount: w, offset: offset, width: width)
            values[i] = v
            directory.base[Int(v >> UInt32(residual)) + 1] += 1
        }
        for b in 0..<buckets { directory.base[b + 1] += directory.base[b] }
        var fill = [UInt32](UnsafeBufferPointer(start: directory.base, count: buckets))
        for i in 0..<n {
            let v = values[i]
            let b = Int(v >> UInt32(residual))
            postings.base[Int(fill[b])] = ((v & lowMask) &<< UInt32(idBits)) | UInt32(i)
            fill[b] += 1
        }
        var mask = PackedHash()
        var words = [UInt64](repeating: 0, count: PackedHash.maxWords)
        for bit in offset..<(offset + width) { words[bit >> 6] |= 1 << UInt64(63 - (bit & 63)) }
        mask.w0 = words[0]; mask.w1 = words[1]; mask.w2 = words[2]; mask.w3 = words[3]
        return Segment(offset: offset, width: width, directoryBits: d, residualBits: residual,
                       directory: directory, postings: postings, mask: mask)
    }

    /// Bits `offset..<offset+width` (width 1...32) of a packed value, as an unsigned integer.
    @inline(__always)
    static func extract(_ words: UnsafePointer<UInt64>, wordCount: Int, offset: Int, width: Int) -> UInt32 {
        let wi = offset >> 6, bi = offset & 63
        var x = words[wi] << UInt64(bi)
        if bi > 0 && wi + 1 < wordCount { x |= words[wi + 1] >> UInt64(64 - bi) }
        return UInt32(truncatingIfNeeded: x >> UInt64(64 - width))
    }

    @inline(__always)
    static func extract(_ q: PackedHash, offset: Int, width: Int) -> UInt32 {
        let wi = offset >> 6, bi = offset & 63
        var x = q[wi] << UInt64(bi)
        if bi > 0 && wi + 1 < PackedHash.maxWords { x |= q[wi + 1] >> UInt64(64 - bi) }
        return UInt32(truncatingIfNeeded: x >> UInt64(64 - width))
    }

    // MARK: - Choosing a layout

    /// Sum of binomial coefficients C(n, 0) + ... + C(n, r).
    static func ballSize(_ n: Int, _ r: Int) -> Double {
        guard r >= 0 else { return 0 }
        var c = 1.0, sum = 1.0
        var i = 1
        while i <= min(r, n) {
            c = c * Double(n - i + 1) / Double(i)
            sum += c
            i += 1
        }
        return sum
    }

    static func estimatedCost(count n: Int, shapes: [(width: Int, directoryBits: Int)], radii: [Int]) -> Double {
        var cost = 0.0
        for (s, r) in zip(shapes, radii) where r >= 0 {
            let probes = ballSize(s.directoryBits, r)
            let scans = probes * Double(n) / Double(1 << s.directoryBits)
            let candidates = ballSize(s.width, r) * Double(n) / pow2(s.width)
            cost += probes * CostModel.probe + scans * CostModel.scan + candidates * CostModel.candidate
        }
        return cost
    }

    static func estimatedExhaustiveCost(count n: Int, wordCount: Int) -> Double {
        Double(n * wordCount) * CostModel.bruteWord
    }

    private static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }

    /// Estimated bytes per entry of a layout.
    static func bytesPerEntry(count n: Int, bitCount: Int, shapes: [(width: Int, directoryBits: Int)]) -> Double {
        let dirs = shapes.reduce(0.0) { $0 + 4 * (pow2($1.directoryBits) + 1) }
        return Double(bitCount / 8) + 4 * Double(shapes.count) + dirs / Double(max(n, 1))
    }

    /// The layout with the least estimated search cost at `expectedThreshold` among those
    /// within `maxBytesPerEntry` (no limit if nil); 0 segments if none beats a full scan.
    static func chooseLayout(count n: Int, bitCount: Int, expectedThreshold t: Int,
                                    maxBytesPerEntry: Int? = nil) -> Layout {
        let ids = idBits(count: n)
        var best = Layout(segmentCount: 0)
        var bestCost = estimatedExhaustiveCost(count: n, wordCount: bitCount / 64)
        let lowest = (bitCount + maxSegmentBits - 1) / maxSegmentBits
        for m in lowest...max(lowest, bitCount / 4) {
            var shapes: [(width: Int, directoryBits: Int)] = []
            for (_, width) in segmentBounds(bits: bitCount, count: m) {
                guard let d = directoryBits(width: width, count: n, idBits: ids, wanted: nil) else { break }
                shapes.append((width, d))
            }
            guard shapes.count == m else { continue }
            if let cap = maxBytesPerEntry,
               bytesPerEntry(count: n, bitCount: bitCount, shapes: shapes) > Double(cap) { continue }
            let cost = estimatedCost(count: n, shapes: shapes,
                                     radii: radii(threshold: max(0, min(t, bitCount - 1)), segmentCount: m))
            if cost < bestCost { bestCost = cost; best = Layout(segmentCount: m) }
        }
        return best
    }
}
