// References:
// - M. Norouzi, A. Punjani, D. J. Fleet, "Fast Exact Search in Hamming Space with Multi-Index
//   Hashing", IEEE TPAMI 36(6), 2014 (arXiv:1307.2982): segments, the refined pigeonhole bound
//   (Proposition 1) and m ≈ bits / log2(n).
// - facebook/ThreatExchange pdq/cpp/index/mih.h: multi-index hashing for PDQ.
// - Bucket sizes in unary with sampled block starts: the upper half of an Elias-Fano code
//   (G. Navarro, "Compact Data Structures", Cambridge 2016, §4.4 and §5.4).
import CPrefetch
import Dispatch
import HashscreenCore
#if canImport(Glibc)
import Glibc
#endif

/// Exact Hamming search over 256-bit values (PDQ) by multi-index hashing, in at most about
/// 64 bytes per entry at 10M entries.
///
/// Same search as `MultiIndexHammingIndex` (segments, refined pigeonhole, every candidate's
/// full distance, each hit reported by the first segment that finds it), with a denser layout:
///
/// - **Entries in segment-0 order.** The values are sorted by segment 0, so table 0 needs no
///   postings: its directory maps a segment value straight to a range of entries. Entry
///   numbers are positions in this order; the builder hands the caller the order once
///   (`reorder`), or keeps it to translate hits when the caller does not take it.
/// - **Values split in two.** Words 2-3 (bits 128-255) in one aligned 16-byte record: a
///   candidate costs one cache line, and a random candidate is rejected on those 128 bits alone
///   (a distance of at most 31 on them has a probability of ~10⁻⁸). Bits 0-127 without the
///   whole bytes of segment 0 in a second array, read only for candidates that pass; segment 0
///   itself is implied by the entry's position (the inverse of table 0's directory).
/// - **Exact buckets** keyed by the whole segment (no low bits in postings), the bucket sizes
///   in unary (a 1 per entry, a 0 closing each bucket: n + 2^w bits) with the entry count
///   before every block of 2^blockShift buckets: about 0.3 bytes per entry per table.
/// - **Bit-packed postings**: ceil(log2 n) bits per entry number (24 at 10M).
///
/// - **Transposed pairs** (`transpose`, for `--dihedral` scans): segments after the first
///   closed under a bit permutation that is its own inverse (the signal's, handed over by the
///   caller: PDQ's transpose, `PDQBitLayout.transpose`) and keyed canonically, so that a query
///   and its image (4 of PDQ's 8 dihedral variants are the transposes of the other 4) share
///   one probe set (`SegmentBits`, docs/index.md).
///
/// Memory at 10M entries, 11 segments: 16 + 13 + 10 × 3 + ~3.3 (directories) ≈ 62.4 bytes.
///
/// The search is bound by memory latency (random reads in a 600 MB structure). It runs in
/// passes over all probes of all queries of a batch, prefetching the next pass's cache lines,
/// so that thousands of reads are in flight and no load waits on another.
package final class CompactHammingIndex: MatchIndex, @unchecked Sendable {
    /// Bytes of the values this index takes (PDQ).
    package static let valueBytes = 32
    /// Widest segment: its directory has 2^w bits (2^28 bits = 32 MiB per table).
    static let maxKeyBits = 28
    /// Buckets per directory block (2^5 = 32): one 32-bit entry count per block (~0.1 byte
    /// per entry per table at 10M), and a probe's bucket is nearly always within the first
    /// 56 unary bits of its block. Measured at 10M (docs/index.md): 128 buckets per block
    /// ~7% slower (longer scans, unpredictable loops), 64 in between.
    package static let defaultBlockShift = 5
    /// Largest block: 2^8 buckets (when memory is short, e.g. at 1M entries).
    static let maxBlockShift = 8
    /// Estimated extra search cost per doubling of the block (longer scans; measured at 10M:
    /// 32 → 128 buckets ~7% slower per... about 4% per doubling).
    static let blockPenalty = 0.04
    /// Threads that build the tables: one per core (each holds a key array and a counting
    /// array, ~100 MB at 10M).
    static var buildWorkers: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
    /// Fewest segments: 256 bits in segments of at most `maxKeyBits`.
    static let minSegments = (256 + maxKeyBits - 1) / maxKeyBits

    /// Estimated cost of one search in nanoseconds on one core (fitted to the 1M and 10M
    /// benchmark runs, docs/index.md); only used to choose a layout and, per threshold,
    /// between the tables and a full scan.
    struct CostModel {
        /// A probe: the block count (cache-resident) and the unary bits (a random read).
        static let probe = 14.0
        /// A non-empty bucket: a random read of its postings.
        static let postings = 6.0
        /// A candidate: a random read of its 16-byte record.
        static let candidate = 9.0
        /// One entry in the exhaustive scan (16 sequential bytes).
        static let scanEntry = 0.5
    }

    // MARK: - Storage

    struct Segment {
        let offset: Int
        let width: Int
        let directory: UnaryDirectory
        /// Entry numbers in bucket order, `idBits` bits each (empty for segment 0).
        let postings: FlatBuffer<UInt64>
        let mask: PackedHash
        /// The segment's bits when they are not `offset..<offset + width` (transposed pairs).
        var bits: SegmentBits? = nil
    }

    /// A segment as plain pointers (valid while the index lives), for the search loops.
    struct SegmentView {
        let offset: Int
        let width: Int
        let dir: UnaryView
        let postings: UnsafeMutablePointer<UInt64>
        let mask: PackedHash
        /// Keys read by `pext` through `mask` (else bits offset..<offset + width, most
        /// significant first).
        var pext = false
        /// Closed under the transpose: buckets by min(key, sigma(key)) (`sigma`: 4 x 256 words).
        var closed = false
        var shift1 = 0, shift2 = 0, shift3 = 0
        var sigma: UnsafeMutablePointer<UInt32>? = nil

        /// The key of `q` on this segment (not canonical).
        @inline(__always)
        func key(_ q: PackedHash) -> UInt32 {
            guard pext else { return MultiIndexHammingIndex.extract(q, offset: offset, width: width) }
            return SegmentBits.gather(q.w0, q.w1, q.w2, q.w3, mask, UInt64(shift1), UInt64(shift2), UInt64(shift3))
        }

        @inline(__always)
        func sigmaOf(_ x: UInt32) -> UInt32 { SegmentBits.sigma(x, sigma!) }
    }

    package let count: Int
    package let segmentCount: Int
    /// The permutation the segments after the first are closed under (`SegmentBits.pairLayout`):
    /// a search of a query and its image shares their probes. Nil for the standard layout.
    package let transpose: BitPermutation?
    /// Whether the layout is in transposed pairs.
    package var transposedPairs: Bool { transpose != nil }
    /// Per segment, its `sigma` table (4 x 256 words; zeros for other segments), with
    /// transposed pairs only.
    let sigmaTables: UnsafeMutablePointer<UInt32>
    /// `segments` as views, `segmentCount` of them.
    let views: UnsafeMutablePointer<SegmentView>
    /// `segments` as the C search loops read them, `segmentCount` of them.
    let tables: UnsafeMutablePointer<hs_unary_table>
    /// Buckets per directory block, log2.
    package let blockShift: Int
    let idBits: Int
    let segments: [Segment]
    /// Words 2 and 3 of each value, in entry order.
    let tail: FlatBuffer<UInt64>
    /// Bytes `headSkip..<16` of each value, `headStride` bytes per entry, in entry order.
    let head: FlatBuffer<UInt8>
    let headSkip: Int
    let headStride: Int
    /// Input position of each entry, when the caller did not take the order at build.
    let inputPosition: FlatBuffer<Int32>?
    /// Per threshold 0..<256: the radius of each segment, or nil to scan everything.
    let plans: [[Int]?]

    package var byteCount: Int { Self.valueBytes }

    package var memoryBytes: Int {
        tail.memoryBytes + head.memoryBytes + (inputPosition?.memoryBytes ?? 0)
            + segments.reduce(0) { $0 + $1.directory.memoryBytes + $1.postings.memoryBytes }
            + (transposedPairs ? segmentCount * 1024 * MemoryLayout<UInt32>.stride : 0)
    }

    /// Convenience for tests: values as `HashValue`s.
    package convenience init(values: [HashValue], segmentCount: Int, blockShift: Int = defaultBlockShift,
                            allowExhaustive: Bool = true,
                            reorder: ((UnsafeBufferPointer<Int32>) -> Void)? = nil) throws(IndexBuildError) {
        try self.init(packed: PackedHashList(values, byteCount: Self.valueBytes), segmentCount: segmentCount,
                      blockShift: blockShift, allowExhaustive: allowExhaustive, reorder: reorder)
    }

    /// Builds the index with `segmentCount` segments.
    ///
    /// `reorder`, when given, is called once with `order[e]` = input position of entry `e`, and
    /// hits then name entries by that order (the caller permutes whatever it keeps per entry);
    /// without it, the index keeps the order (4 bytes per entry) and hits name input positions.
    package convenience init(packed list: PackedHashList, segmentCount m: Int, blockShift: Int = defaultBlockShift,
                            transpose: BitPermutation? = nil, allowExhaustive: Bool = true,
                            reorder: ((UnsafeBufferPointer<Int32>) -> Void)? = nil) throws(IndexBuildError) {
        guard list.byteCount == Self.valueBytes else {
            throw IndexBuildError("the compact index takes \(Self.valueBytes)-byte values, got \(list.byteCount)")
        }
        guard m >= Self.minSegments, m <= 64 else {
            throw IndexBuildError("\(m) segments: the compact index needs \(Self.minSegments)...64 (segments of at most \(Self.maxKeyBits) bits)")
        }
        let equal = MultiIndexHammingIndex.segmentBounds(bits: 256, count: m)
        var specs: [SegmentBits]? = nil
        if let transpose {
            guard transpose.bitCount == 8 * Self.valueBytes, transpose.isInvolution else {
                throw IndexBuildError("transposed pairs need a permutation of \(8 * Self.valueBytes) bits that is its own inverse")
            }
            guard let p = SegmentBits.pairLayout(segmentCount: m, firstWidth: equal[0].width, transpose: transpose),
                  p.allSatisfy({ $0.width >= 1 && $0.width <= Self.maxKeyBits }) else {
                throw IndexBuildError("\(m) segments: no transposed-pair layout")
            }
            specs = p
        }
        let bounds = specs.map { sp in sp.map { (offset: 0, width: $0.width) } } ?? equal
        guard blockShift >= 0, blockShift <= Self.maxBlockShift else {
            throw IndexBuildError("block shift \(blockShift) is not in 0...\(Self.maxBlockShift)")
        }
        let n = list.count
        let ids = MultiIndexHammingIndex.idBits(count: n)
        let w0 = bounds[0].width
        let headSkip = w0 / 8, headStride = 16 - w0 / 8

        // Entry order: a counting sort of the values by segment 0 (stable); then the values in
        // that order, split into tails and heads. The input is read only here: a list marked
        // `releaseAfterBuild` gives its buffer back before the tables are built (10M PDQ:
        // 320 MB less at the build's peak).
        let order = FlatBuffer<Int32>(repeating: 0, count: n)
        let dir0: UnaryDirectory
        let tail = FlatBuffer<UInt64>(repeating: 0, count: 2 * n)
        let head = FlatBuffer<UInt8>(repeating: 0, count: n * headStride + 8)
        do {
            let words = list.exactWords()
            let keys0 = FlatBuffer<UInt32>(repeating: 0, count: n)
            for i in 0..<n {
                keys0.base[i] = MultiIndexHammingIndex.extract(words.base + 4 * i, wordCount: 4, offset: 0, width: w0)
            }
            dir0 = UnaryDirectory.build(keys: keys0, count: n, keyBits: w0, blockShift: blockShift) { slot, i in order.base[slot] = Int32(i) }
            for e in 0..<n {
                let src = words.base + 4 * Int(order.base[e])
                tail.base[2 * e] = src[2]
                tail.base[2 * e + 1] = src[3]
                for b in headSkip..<16 {
                    head.base[e * headStride + b - headSkip] = UInt8(truncatingIfNeeded: src[b >> 3] >> UInt64(56 - 8 * (b & 7)))
                }
            }
        }
        if list.releaseAfterBuild { list.releaseStorage() }

        // Tables 1..<m over the entry order, from the tails and heads (sequential reads), on
        // all cores: one worker per core, each reusing its key and counting arrays from table
        // to table (fresh arrays per table were ~0.9 GB of page faults and clearing at 10M).
        // Each closed segment's sigma as plain words, for the build below.
        let sigmaAll = Self.sigmaTables(specs, segmentCount: m)
        defer { sigmaAll.deallocate() }
        let slots = UnsafeMutablePointer<Segment?>.allocate(capacity: m)
        slots.initialize(repeating: nil, count: m)
        defer { slots.deinitialize(count: m); slots.deallocate() }
        nonisolated(unsafe) let out = slots
        slots[0] = Segment(offset: 0, width: w0, directory: dir0, postings: FlatBuffer(repeating: 0, count: 0),
                           mask: Self.mask(offset: 0, width: w0))
        let workers = max(1, min(m - 1, Self.buildWorkers))
        let widest = bounds.dropFirst().map(\.width).max() ?? 0
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let keys = FlatBuffer<UInt32>(repeating: 0, count: n)
            let counts = FlatBuffer<UInt32>(repeating: 0, count: (1 << widest) + 1)
            var k = worker + 1
            while k < m {
                let (offset, width) = bounds[k]
                let spec = specs?[k]
                var value: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                let shift = UInt64(8 * headSkip)
                let sigma = sigmaAll + k * 1024
                // Plain copies for the loop (no reference counting per entry).
                let usesBits = spec != nil, closed = spec?.closed ?? false
                let masks = spec?.masks ?? PackedHash()
                let s1 = UInt64(spec?.shift1 ?? 0), s2 = UInt64(spec?.shift2 ?? 0), s3 = UInt64(spec?.shift3 ?? 0)
                for e in 0..<n {
                    let p = UnsafeRawPointer(head.base + e * headStride)
                    let a = UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
                    let b = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: headStride - 8, as: UInt64.self))
                    value.0 = shift == 0 ? a : a >> shift
                    value.1 = b
                    value.2 = tail.base[2 * e]
                    value.3 = tail.base[2 * e + 1]
                    if usesBits {
                        let x = SegmentBits.gather(value.0, value.1, value.2, value.3, masks, s1, s2, s3)
                        keys.base[e] = closed ? min(x, SegmentBits.sigma(x, sigma)) : x
                    } else {
                        keys.base[e] = withUnsafePointer(to: &value) { v in
                            v.withMemoryRebound(to: UInt64.self, capacity: 4) {
                                MultiIndexHammingIndex.extract($0, wordCount: 4, offset: offset, width: width)
                            }
                        }
                    }
                }
                let postings = FlatBuffer<UInt64>(repeating: 0, count: (n * ids + 63) / 64 + 2)
                let dir = UnaryDirectory.build(keys: keys, count: n, keyBits: width, blockShift: blockShift,
                                               scratch: counts) { slot, e in
                    let bit = slot * ids
                    postings.base[bit >> 6] |= UInt64(e) << UInt64(bit & 63)
                    if (bit & 63) + ids > 64 { postings.base[(bit >> 6) + 1] |= UInt64(e) >> UInt64(64 - (bit & 63)) }
                }
                out[k] = Segment(offset: offset, width: width, directory: dir, postings: postings,
                                 mask: spec?.masks ?? Self.mask(offset: offset, width: width), bits: spec)
                k += workers
            }
        }
        let segments = (0..<m).map { slots[$0]! }
        var inputPosition: FlatBuffer<Int32>? = order
        if let reorder {
            reorder(UnsafeBufferPointer(start: order.base, count: n))
            inputPosition = nil
        }
        self.init(count: n, blockShift: blockShift, transpose: transpose, specs: specs, segments: segments,
                  tail: tail, head: head, inputPosition: inputPosition, allowExhaustive: allowExhaustive)
    }

    /// Each closed segment's sigma as plain words (4 x 256 per segment; one word without
    /// transposed pairs), for the build and the searches.
    private static func sigmaTables(_ specs: [SegmentBits]?, segmentCount m: Int) -> UnsafeMutablePointer<UInt32> {
        let sigmaWords = specs != nil ? m * 1024 : 1
        let sigmaAll = UnsafeMutablePointer<UInt32>.allocate(capacity: sigmaWords)
        sigmaAll.initialize(repeating: 0, count: sigmaWords)
        for (k, spec) in (specs ?? []).enumerated() where spec.closed {
            for i in 0..<1024 { sigmaAll[k * 1024 + i] = spec.sigma[i] }
        }
        return sigmaAll
    }

    /// The index over built (or mapped) tables: the search's views of them and its plans.
    private init(count n: Int, blockShift: Int, transpose: BitPermutation?, specs: [SegmentBits]?,
                 segments: [Segment], tail: FlatBuffer<UInt64>, head: FlatBuffer<UInt8>,
                 inputPosition: FlatBuffer<Int32>?, allowExhaustive: Bool) {
        let m = segments.count
        count = n
        segmentCount = m
        self.blockShift = blockShift
        self.transpose = transpose
        idBits = MultiIndexHammingIndex.idBits(count: n)
        headSkip = segments[0].width / 8
        headStride = 16 - segments[0].width / 8
        self.tail = tail
        self.head = head
        self.segments = segments
        self.inputPosition = inputPosition
        let sigmaAll = Self.sigmaTables(specs, segmentCount: m)
        sigmaTables = sigmaAll
        views = UnsafeMutablePointer<SegmentView>.allocate(capacity: m)
        for k in 0..<m {
            let sg = segments[k]
            var v = SegmentView(offset: sg.offset, width: sg.width, dir: sg.directory.view,
                                postings: sg.postings.base, mask: sg.mask)
            if k > 0, let b = sg.bits {
                v.pext = true
                v.closed = b.closed
                v.shift1 = b.shift1; v.shift2 = b.shift2; v.shift3 = b.shift3
                if b.closed { v.sigma = sigmaAll + k * 1024 }
            }
            (views + k).initialize(to: v)
        }
        tables = UnsafeMutablePointer<hs_unary_table>.allocate(capacity: m)
        for k in 0..<m {
            let d = views[k].dir
            (tables + k).initialize(to: hs_unary_table(before: d.before, bits: d.bits, postings: views[k].postings,
                                                       block_shift: d.blockShift))
        }
        let widths = segments.map(\.width)
        plans = (0..<256).map { t in
            let radii = MultiIndexHammingIndex.radii(threshold: t, segmentCount: m)
            guard allowExhaustive else { return radii }
            return Self.estimatedCost(count: n, widths: widths, radii: radii)
                < Self.estimatedScanCost(count: n) ? radii : nil
        }
    }

    deinit { views.deallocate(); tables.deallocate(); sigmaTables.deallocate() }

    // MARK: - Index files

    /// The index as a section of an index file (`IndexFile`): its values and tables; hits name
    /// entries in the index's order (the builder's `reorder` must have been taken).
    package func fileSection(signal: String) -> IndexFile.Section {
        precondition(inputPosition == nil, "an index file's compact index names entries in its own order")
        var arrays = [tail.rawBytes, head.rawBytes]
        for (k, sg) in segments.enumerated() {
            arrays += [sg.directory.before.rawBytes, sg.directory.bits.rawBytes]
            if k > 0 { arrays.append(sg.postings.rawBytes) }
        }
        return IndexFile.Section(kind: transposedPairs ? .compactTransposedPairs : .compact, signal: signal, count: count,
                                 parameters: [UInt64(segmentCount), UInt64(blockShift)], arrays: arrays)
    }

    /// The index of a section of a mapped file, searched in place. `transpose`: the signal's
    /// permutation, needed for a section in transposed pairs.
    package convenience init(mapped section: IndexFile.Section, in file: IndexFile,
                             transpose: BitPermutation?) throws(IndexBuildError) {
        let damaged = IndexBuildError("index file \(file.path): a damaged compact section")
        guard section.kind != .exact, section.parameters.count >= 2 else { throw damaged }
        let m = Int(truncatingIfNeeded: section.parameters[0]), blockShift = Int(truncatingIfNeeded: section.parameters[1])
        let n = section.count
        guard m >= Self.minSegments, m <= 64, blockShift >= 0, blockShift <= Self.maxBlockShift, n > 0, n < Int(Int32.max),
              section.arrays.count == 2 + 3 * m - 1 else { throw damaged }
        let equal = MultiIndexHammingIndex.segmentBounds(bits: 256, count: m)
        var specs: [SegmentBits]? = nil
        var pairing: BitPermutation? = nil
        if section.kind == .compactTransposedPairs {
            guard let transpose, transpose.bitCount == 8 * Self.valueBytes, transpose.isInvolution,
                  let p = SegmentBits.pairLayout(segmentCount: m, firstWidth: equal[0].width, transpose: transpose),
                  p.allSatisfy({ $0.width >= 1 && $0.width <= Self.maxKeyBits }) else { throw damaged }
            specs = p; pairing = transpose
        }
        let bounds = specs.map { sp in sp.map { (offset: 0, width: $0.width) } } ?? equal
        let ids = MultiIndexHammingIndex.idBits(count: n)
        let w0 = bounds[0].width
        guard let tail = file.buffer(section, 0, count: 2 * n, of: UInt64.self),
              let head = file.buffer(section, 1, count: n * (16 - w0 / 8) + 8, of: UInt8.self) else { throw damaged }
        var segments: [Segment] = []
        var a = 2
        for k in 0..<m {
            let (offset, width) = bounds[k]
            let shift = min(blockShift, width)
            guard let before = file.buffer(section, a, count: ((1 << width) >> shift) + 1, of: UInt32.self),
                  let bits = file.buffer(section, a + 1, count: (n + (1 << width) + 63) / 64 + 2, of: UInt64.self),
                  before.base[(1 << width) >> shift] == UInt32(n) else { throw damaged }
            a += 2
            var postings = FlatBuffer<UInt64>(repeating: 0, count: 0)
            if k > 0 {
                guard let p = file.buffer(section, a, count: (n * ids + 63) / 64 + 2, of: UInt64.self) else { throw damaged }
                postings = p
                a += 1
            }
            let dir = UnaryDirectory(keyBits: width, blockShift: shift, before: before, bits: bits)
            segments.append(Segment(offset: offset, width: width, directory: dir, postings: postings,
                                    mask: k > 0 ? (specs?[k].masks ?? Self.mask(offset: offset, width: width)) : Self.mask(offset: 0, width: w0),
                                    bits: k > 0 ? specs?[k] : nil))
        }
        self.init(count: n, blockShift: blockShift, transpose: pairing, specs: specs, segments: segments,
                  tail: tail, head: head, inputPosition: nil, allowExhaustive: true)
    }

    static func mask(offset: Int, width: Int) -> PackedHash {
        var words = [UInt64](repeating: 0, count: PackedHash.maxWords)
        for bit in offset..<(offset + width) { words[bit >> 6] |= 1 << UInt64(63 - (bit & 63)) }
        var mask = PackedHash()
        mask.w0 = words[0]; mask.w1 = words[1]; mask.w2 = words[2]; mask.w3 = words[3]
        return mask
    }

    /// Whether a search at `threshold` uses the tables (false: exhaustive scan).
    func usesTables(threshold: Int) -> Bool {
        threshold >= 0 && threshold < 256 && plans[threshold] != nil
    }

    // MARK: - Search

    package func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit]) {
        guard query.bytes.count == Self.valueBytes, threshold >= 0, count > 0 else { return }
        let q = PackedHash(query.bytes)
        if threshold < 256, let radii = plans[threshold] {
            searchTables([q], radii: radii, threshold: threshold) { _, e, d in
                hits.append(IndexHit(entry: entryNumber(e), distance: d))
            }
        } else {
            scan(q, threshold: threshold) { e, d in hits.append(IndexHit(entry: entryNumber(e), distance: d)) }
        }
    }

    /// The queries one after the other. Running their passes interleaved was tried and is
    /// slower (8 PDQ queries at 10M: 129 vs 101 µs per query): one query's passes already keep
    /// the memory system busy, and eight queries' prefetched lines no longer fit the caches
    /// between passes (docs/index.md).
    package func search(batch queries: [HashValue], threshold: Int, into hits: inout [IndexBatchHit]) {
        guard threshold >= 0, count > 0 else { return }
        var packed: [PackedHash] = []
        var positions: [Int32] = []
        for (i, q) in queries.enumerated() where q.bytes.count == Self.valueBytes {
            packed.append(PackedHash(q.bytes)); positions.append(Int32(i))
        }
        guard !packed.isEmpty else { return }
        if threshold < 256, let radii = plans[threshold] {
            // With transposed pairs, a query whose transpose is also in the batch (the 8
            // dihedral variants are 4 such pairs) is searched together with it.
            var partner = [Int](repeating: -1, count: packed.count)
            if let transpose {
                for i in packed.indices where partner[i] < 0 {
                    let tq = transpose.apply(packed[i])
                    if let j = packed.indices.first(where: { $0 > i && partner[$0] < 0 && packed[$0] == tq }) {
                        partner[i] = j; partner[j] = i
                    }
                }
            }
            var pairHits: [[IndexBatchHit]] = [[], []]
            for (qi, q) in packed.enumerated() {
                let j = partner[qi]
                if j < 0 {
                    searchTables([q], radii: radii, threshold: threshold) { _, e, d in
                        hits.append(IndexBatchHit(query: positions[qi], hit: IndexHit(entry: entryNumber(e), distance: d)))
                    }
                } else if j > qi {
                    pairHits[0].removeAll(keepingCapacity: true); pairHits[1].removeAll(keepingCapacity: true)
                    searchTables([q, packed[j]], radii: radii, threshold: threshold, paired: true) { which, e, d in
                        pairHits[which].append(IndexBatchHit(query: positions[which == 0 ? qi : j],
                                                             hit: IndexHit(entry: entryNumber(e), distance: d)))
                    }
                    hits += pairHits[0]
                    hits += pairHits[1]
                }
            }
        } else {
            for (qi, q) in packed.enumerated() {
                scan(q, threshold: threshold) { e, d in
                    hits.append(IndexBatchHit(query: positions[qi], hit: IndexHit(entry: entryNumber(e), distance: d)))
                }
            }
        }
    }

    @inline(__always)
    private func entryNumber(_ e: Int) -> Int32 {
        if let p = inputPosition { return p.base[e] }
        return Int32(truncatingIfNeeded: e)
    }

    /// Every entry within `t` of `q`: the tails first (16 sequential bytes per entry), then
    /// the rest of the value for those within `t` on the tail, with segment 0 from a cursor
    /// walking table 0's directory alongside.
    func scan(_ q: PackedHash, threshold t: Int, emit: (Int, Int) -> Void) {
        let dir = views[0].dir
        var cursor = dir.cursor()
        let tail = self.tail.base
        for e in 0..<count {
            let key = dir.advance(&cursor)
            let dt = (tail[2 * e] ^ q.w2).nonzeroBitCount + (tail[2 * e + 1] ^ q.w3).nonzeroBitCount
            guard dt <= t else { continue }
            let (h0, h1) = headWords(e, segment0: key)
            let d = dt + (h0 ^ q.w0).nonzeroBitCount + (h1 ^ q.w1).nonzeroBitCount
            if d <= t { emit(e, d) }
        }
    }

    /// Words 0 and 1 of entry `e`'s value: its stored head bytes and its segment 0.
    @inline(__always)
    private func headWords(_ e: Int, segment0 key: UInt32) -> (UInt64, UInt64) {
        let p = head.base + e * headStride
        var h0: UInt64 = 0, h1: UInt64 = 0
        for b in headSkip..<16 {
            let v = UInt64(p[b - headSkip])
            if b < 8 { h0 |= v << UInt64(56 - 8 * b) } else { h1 |= v << UInt64(56 - 8 * (b - 8)) }
        }
        h0 |= UInt64(key) << UInt64(64 - views[0].width)
        return (h0, h1)
    }

    /// Appends the matches found through the tables for every query of `qs`, query by query
    /// and, within a query, segment by segment.
    ///
    /// Passes over all probes of all queries, each starting the random reads the next one
    /// needs (prefetches do not wait for each other, loads that depend on loads do):
    /// 1. the bucket keys within each segment's radius;
    /// 2. per probe, its block's entry count (cache-resident) and a prefetch of its unary bits;
    /// 3. per probe, its entry range from the unary bits, and a prefetch of its postings (for
    ///    segment 0, of the records themselves);
    /// 4. per probe, its entry numbers into a candidate list, prefetching each record;
    /// 5. per candidate, its distance (rarely more than the 16-byte record).
    ///
    /// The passes run one segment at a time: the lines one segment's passes prefetch (~700 at
    /// 10M) stay in the level-1 cache until used, which the non-temporal prefetches need, and
    /// the search leaves less behind in the outer caches (all segments in one round measured
    /// no faster in the benchmark and slower in real scans, docs/index.md).
    private func searchTables(_ qs: [PackedHash], radii: [Int], threshold t: Int, paired: Bool = false,
                              emit: (_ query: Int, _ entry: Int, _ distance: Int) -> Void) {
        for k in 0..<segmentCount {
            searchTables(qs, radii: radii, threshold: t, segment: k, paired: paired, emit: emit)
        }
    }

    /// The passes of `searchTables` over segment `segment`'s table only (the other segments
    /// still decide, through `radii`, which one reports a hit).
    private func searchTables(_ qs: [PackedHash], radii: [Int], threshold t: Int, segment: Int,
                              paired: Bool = false,
                              emit: (_ query: Int, _ entry: Int, _ distance: Int) -> Void) {
        let m = segmentCount
        let nq = qs.count
        var probesPerQuery = 0
        if radii[segment] >= 0 { probesPerQuery = MultiIndexHammingIndex.ballCount(views[segment].width, radii[segment]) }
        let probeCount = probesPerQuery * nq
        guard probeCount > 0 else { return }
        let groups = nq * m
        let idBits = self.idBits
        let tail = self.tail.base

        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * groups + 2 * probeCount) { ints in
            let probeEnd = ints.baseAddress!, candEnd = probeEnd + groups
            let bitPos = candEnd + groups, start = bitPos + probeCount
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * probeCount) { u32 in
                let key = u32.baseAddress!, length = key + probeCount
                // Pass 1: keys.
                var np = 0
                for qi in 0..<nq {
                    let q = qs[qi]
                    for k in 0..<m {
                        let r = radii[k]
                        let s = views[k]
                        // A pair's second query shares the first one's probes on closed segments.
                        if r >= 0 && k == segment && !(paired && qi == 1 && s.closed) {
                            let v = s.key(q)
                            let limit: UInt64 = 1 << UInt64(s.width)
                            let dirBefore = s.dir.before, bsh = s.dir.blockShift
                            let first = np
                            for weight in 0...min(r, s.width) {
                                // Every mask of `weight` ones, increasing (Gosper's hack).
                                var flip: UInt64 = weight == 0 ? 0 : (1 << UInt64(weight)) - 1
                                while flip < limit {
                                    var x = v ^ UInt32(truncatingIfNeeded: flip)
                                    if s.closed { x = min(x, s.sigmaOf(x)) }
                                    key[np] = x
                                    indexPrefetch(dirBefore + Int(x >> UInt32(bsh)))
                                    np += 1
                                    if flip == 0 { break }
                                    let low = flip & (~flip &+ 1)
                                    let ripple = flip &+ low
                                    flip = ripple | (((ripple ^ flip) >> 2) >> UInt64(flip.trailingZeroBitCount))
                                }
                            }
                            // The balls around the key and its image under sigma overlap only when
                            // they are within 2r: then some canonical keys repeat; probe each once.
                            if s.closed && (v ^ s.sigmaOf(v)).nonzeroBitCount <= 2 * r {
                                var range = UnsafeMutableBufferPointer(start: key + first, count: np - first)
                                range.sort()
                                var w = first
                                for i in first..<np where i == first || key[i] != key[w - 1] {
                                    key[w] = key[i]; w += 1
                                }
                                np = w
                            }
                        }
                        probeEnd[qi * m + k] = np
                    }
                }
                // Passes 2 and 3: block counts, prefetch unary bits; ranges, prefetch postings or
                // records. Pass 4: candidates (C: built for BMI2 and the baseline).
                let total = hs_compact_ranges(tables, m, probeEnd, groups, key, start, bitPos, length, tail, idBits)
                guard total > 0 else { return }
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: total) { cand in
                    let c = cand.baseAddress!
                    hs_compact_candidates(tables, m, probeEnd, groups, start, length, tail, idBits, c, candEnd)
                    // Pass 5: distances; the tail rejects nearly every candidate.
                    var i0 = 0
                    for g in 0..<groups {
                        let qi = g / m, k = g % m
                        let q = qs[qi]
                        // A closed segment's candidates of a pair serve both of its queries.
                        let both = paired && views[k].closed
                        let q1 = qs[nq - 1]
                        for i in i0..<candEnd[g] {
                            let e = Int(c[i])
                            let dt = (tail[2 * e] ^ q.w2).nonzeroBitCount + (tail[2 * e + 1] ^ q.w3).nonzeroBitCount
                            if dt <= t {
                                verify(e, tailDistance: dt, segment: k, radii: radii, q, threshold: t) { d in
                                    emit(qi, e, d)
                                }
                            }
                            if both {
                                let dt1 = (tail[2 * e] ^ q1.w2).nonzeroBitCount + (tail[2 * e + 1] ^ q1.w3).nonzeroBitCount
                                if dt1 <= t {
                                    verify(e, tailDistance: dt1, segment: k, radii: radii, q1, threshold: t) { d in
                                        emit(1, e, d)
                                    }
                                }
                            }
                        }
                        i0 = candEnd[g]
                    }
                }
            }
        }
    }

    /// Completes the distance of entry `e` (within `t` on its tail) and emits it if it is
    /// within `t` and no segment before `k` finds it.
    private func verify(_ e: Int, tailDistance dt: Int, segment k: Int, radii: [Int], _ q: PackedHash,
                        threshold t: Int, emit: (Int) -> Void) {
        let (h0, h1) = headWords(e, segment0: views[0].dir.key(atEntry: e))
        var x = PackedHash()
        x.w0 = h0 ^ q.w0
        x.w1 = h1 ^ q.w1
        let d = dt + x.w0.nonzeroBitCount + x.w1.nonzeroBitCount
        guard d <= t else { return }
        let tailWords = tail.base + 2 * e
        x.w2 = tailWords[0] ^ q.w2
        x.w3 = tailWords[1] ^ q.w3
        // A closed segment's bucket also holds entries near the query's transpose: the hit is
        // this segment's only if the query itself is within its radius here.
        if views[k].closed {
            let mk = views[k].mask
            let dk = (x.w0 & mk.w0).nonzeroBitCount + (x.w1 & mk.w1).nonzeroBitCount
                + (x.w2 & mk.w2).nonzeroBitCount + (x.w3 & mk.w3).nonzeroBitCount
            if dk > radii[k] { return }
        }
        for j in 0..<k where radii[j] >= 0 {
            let mk = views[j].mask
            let dj = (x.w0 & mk.w0).nonzeroBitCount + (x.w1 & mk.w1).nonzeroBitCount
                + (x.w2 & mk.w2).nonzeroBitCount + (x.w3 & mk.w3).nonzeroBitCount
            if dj <= radii[j] { return }
        }
        emit(d)
    }

    // MARK: - Choosing a layout

    static func estimatedCost(count n: Int, widths: [Int], radii: [Int]) -> Double {
        var cost = 0.0
        for (w, r) in zip(widths, radii) where r >= 0 {
            let probes = MultiIndexHammingIndex.ballSize(w, r)
            let load = Double(n) / pow2(w)
            cost += probes * (CostModel.probe + (1 - exp(-load)) * CostModel.postings + load * CostModel.candidate)
        }
        return cost
    }

    static func estimatedScanCost(count n: Int) -> Double { Double(n) * CostModel.scanEntry }

    private static func pow2(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }

    /// Whether the transposed-pair layout with `m` segments exists and takes no more than the
    /// cap, or exceeds it by at most `allowance` bytes in all (`IndexBuilder`'s rule for small
    /// lists).
    static func pairLayoutFits(count n: Int, segmentCount m: Int, blockShift: Int, transpose: BitPermutation,
                               cap: Int?, allowance: Int) -> Bool {
        guard transpose.bitCount == 8 * valueBytes, transpose.isInvolution,
              let specs = SegmentBits.pairLayout(segmentCount: m, firstWidth: MultiIndexHammingIndex.segmentBounds(bits: 256, count: m)[0].width,
                                                 transpose: transpose),
              specs.allSatisfy({ $0.width >= 1 && $0.width <= maxKeyBits }) else { return false }
        let bytes = bytesPerEntry(count: n, widths: specs.map(\.width), blockShift: blockShift)
        guard let cap else { return true }
        return bytes <= Double(cap) || (bytes - Double(cap)) * Double(n) <= Double(allowance)
    }

    /// Estimated bytes per entry with `m` segments.
    static func bytesPerEntry(count n: Int, segmentCount m: Int, blockShift: Int) -> Double {
        bytesPerEntry(count: n, widths: MultiIndexHammingIndex.segmentBounds(bits: 256, count: m).map(\.width), blockShift: blockShift)
    }

    static func bytesPerEntry(count n: Int, widths: [Int], blockShift: Int) -> Double {
        let m = widths.count
        let nn = Double(max(n, 1))
        let values = 16.0 + Double(16 - widths[0] / 8)
        let ids = Double(m - 1) * Double(MultiIndexHammingIndex.idBits(count: n)) / 8
        let dirs = widths.reduce(0.0) { sum, w in
            sum + (nn + pow2(w)) / 8 + 4 * (pow2(max(w - min(blockShift, w), 0)) + 1)
        }
        return values + ids + dirs / nn
    }

    /// The layout (segment count, block shift) with the least estimated search cost at
    /// `expectedThreshold` among those within `maxBytesPerEntry` (no limit if nil); nil if
    /// none beats a full scan. Each segment count takes the smallest block that fits the cap.
    static func chooseLayout(count n: Int, expectedThreshold t: Int,
                                    maxBytesPerEntry: Int? = nil) -> (segmentCount: Int, blockShift: Int)? {
        var best: (segmentCount: Int, blockShift: Int)? = nil
        var bestCost = estimatedScanCost(count: n)
        for m in minSegments...64 {
            guard let bs = (defaultBlockShift...maxBlockShift).first(where: { bs in
                maxBytesPerEntry.map { bytesPerEntry(count: n, segmentCount: m, blockShift: bs) <= Double($0) } ?? true
            }) else { continue }
            let widths = MultiIndexHammingIndex.segmentBounds(bits: 256, count: m).map(\.width)
            let cost = estimatedCost(count: n, widths: widths,
                                     radii: MultiIndexHammingIndex.radii(threshold: max(0, min(t, 255)), segmentCount: m))
                * (1 + blockPenalty * Double(bs - defaultBlockShift))
            if cost < bestCost { bestCost = cost; best = (m, bs) }
        }
        return best
    }
}

/// Exact buckets of a `keyBits`-bit key over entries sorted by key: the bucket sizes in unary
/// (bucket by bucket, a 1 per entry then a 0), and the number of entries before each block of
/// 2^blockShift buckets.
///
/// Bucket `b` of block `j = b >> blockShift` starts after the `(b mod 2^blockShift)`-th 0
/// counted from the block's first bit, which is at `before[j] + (j << blockShift)` (every
/// entry and every bucket before it is one bit).
struct UnaryDirectory {
    let keyBits: Int
    let blockShift: Int
    /// Entries before each block, plus the total.
    let before: FlatBuffer<UInt32>
    /// The unary bits, least significant first within each word, plus padding words.
    let bits: FlatBuffer<UInt64>

    var memoryBytes: Int { before.memoryBytes + bits.memoryBytes }

    /// The directory as plain pointers: what searches use, so that hot loops copy no
    /// references (no reference counting); valid while the directory lives.
    var view: UnaryView { UnaryView(keyBits: keyBits, blockShift: blockShift, before: before.base, bits: bits.base) }

    /// Valid bits of one unaligned 64-bit read at a bit position (a shift of up to 7).
    static let window = Int(HS_UNARY_WINDOW)

    /// Sorts `count` keys into buckets (stable), calling `place(slot, i)` for key `i` at its
    /// sorted slot, and returns the directory.
    /// `scratch`, when given, holds the counts (at least 2^w + 1 of them; reused from table to
    /// table instead of a fresh array each).
    static func build(keys: FlatBuffer<UInt32>, count n: Int, keyBits w: Int, blockShift: Int,
                      scratch: FlatBuffer<UInt32>? = nil,
                      place: (Int, Int) -> Void) -> UnaryDirectory {
        let buckets = 1 << w
        let shift = min(blockShift, w)
        let counts = scratch.flatMap { $0.count > buckets ? $0 : nil } ?? FlatBuffer<UInt32>(repeating: 0, count: buckets + 1)
        let next = counts.base
        next.update(repeating: 0, count: buckets + 1)
        for i in 0..<n { next[Int(keys.base[i]) + 1] += 1 }
        let bitCount = n + buckets
        let bits = FlatBuffer<UInt64>(repeating: 0, count: (bitCount + 63) / 64 + 2)
        let before = FlatBuffer<UInt32>(repeating: 0, count: (buckets >> shift) + 1)
        var pos = 0
        var sum: UInt32 = 0
        for b in 0..<buckets {
            if b & ((1 << shift) - 1) == 0 { before.base[b >> shift] = sum }
            let c = Int(next[b + 1])
            for p in pos..<(pos + c) { bits.base[p >> 6] |= 1 << UInt64(p & 63) }
            pos += c + 1
            next[b + 1] = sum
            sum += UInt32(c)
        }
        before.base[buckets >> shift] = sum
        // next[b + 1] is now bucket b's first slot.
        for i in 0..<n {
            let b = Int(keys.base[i]) + 1
            place(Int(next[b]), i)
            next[b] += 1
        }
        return UnaryDirectory(keyBits: w, blockShift: shift, before: before, bits: bits)
    }

}

/// How a search asks for the index's cache lines: non-temporal prefetches (`prefetchnta`), so
/// that the ~8,000 random lines a 10M search reads do not push the decoders' working set out
/// of the outer caches between images. With one segment per round (below) what a pass
/// prefetches is used within a few hundred probes. Real scans, 10M list, 6,000 images
/// (docs/index.md): `--dihedral` +22% CPU per image with `prefetcht0` and all segments per
/// round, +15% with both changes.
@inline(__always)
func indexPrefetch(_ p: UnsafeRawPointer) { hs_prefetch_nta(p) }
@inline(__always)
func indexPrefetch<T>(_ p: UnsafeMutablePointer<T>) { indexPrefetch(UnsafeRawPointer(p)) }

/// A `UnaryDirectory` read through plain pointers.
struct UnaryView {
    let keyBits: Int
    let blockShift: Int
    let before: UnsafeMutablePointer<UInt32>
    let bits: UnsafeMutablePointer<UInt64>

    /// Valid bits of one unaligned 64-bit read at a bit position (a shift of up to 7).
    static let window = UnaryDirectory.window

    /// 56 bits from bit `p` on, in the low bits.
    @inline(__always)
    func load(_ p: Int) -> UInt64 {
        UnsafeRawPointer(bits).loadUnaligned(fromByteOffset: p >> 3, as: UInt64.self) >> UInt64(p & 7)
    }

    /// Entries before `key`'s block and the block's first bit (the search's pass 2 computes
    /// the same in `hs_compact_ranges`).
    @inline(__always)
    func block(_ key: UInt32) -> (before: Int, bitPos: Int) {
        let j = Int(key) >> blockShift
        let b = Int(before[j])
        return (b, b + (j << blockShift))
    }

    /// First entry and entry count of bucket `key`, given its block's `block(key)` (nearly
    /// always one 56-bit read at the block's first bit; crowded blocks need more).
    func range(_ key: UInt32, base: Int, bitPos: Int) -> (Int, Int) {
        var table = hs_unary_table(before: before, bits: bits, postings: nil, block_shift: blockShift)
        var n = 0
        let first = hs_unary_range(&table, key, base, bitPos, &n)
        return (first, n)
    }

    /// Position of the `r`-th set bit (from 0) of `x`, which has more than `r` (`pdep` where
    /// fast, else a broadword select: S. Vigna, "Broadword Implementation of Rank/Select
    /// Queries", WEA 2008).
    @inline(__always)
    static func select(_ x: UInt64, _ r: Int) -> Int { hs_select64(x, r) }

    /// The key of the bucket holding entry `e` (the inverse of `range`).
    func key(atEntry e: Int) -> UInt32 {
        // The last block with at most `e` entries before it.
        var lo = 0, hi = (1 << (keyBits - blockShift)) - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if Int(before[mid]) <= e { lo = mid } else { hi = mid - 1 }
        }
        // Entry e is the (e - before)-th 1 from the block's first bit; the 0s before it are
        // the buckets before its own.
        let first = Int(before[lo]) + (lo << blockShift)
        var pos = first
        var need = e - Int(before[lo])
        let low: UInt64 = (1 << UInt64(Self.window)) - 1
        while true {
            let ones = load(pos) & low
            let c = ones.nonzeroBitCount
            if c > need { pos += Self.select(ones, need); break }
            need -= c
            pos += Self.window
        }
        let zeros = (pos - first) - (e - Int(before[lo]))
        return UInt32((lo << blockShift) + zeros)
    }

    struct Cursor { var pos = 0; var key: UInt32 = 0 }

    func cursor() -> Cursor { Cursor() }

    /// The key of the next entry in order (entries 0, 1, 2, ... on successive calls).
    @inline(__always)
    func advance(_ c: inout Cursor) -> UInt32 {
        while bits[c.pos >> 6] >> UInt64(c.pos & 63) & 1 == 0 { c.key &+= 1; c.pos += 1 }
        c.pos += 1
        return c.key
    }
}
