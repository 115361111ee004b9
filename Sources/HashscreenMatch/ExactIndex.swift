import CPrefetch
import HashscreenCore

/// Equality search over cryptographic and URL digests (md5, sha1, sha256, url_md5,
/// url_sha256): keys in one flat sorted array of 64-bit words, found by a directory on their
/// first bits and a binary search.
///
/// Why sorted arrays rather than a `Dictionary`: a dictionary of `HashValue` holds one heap
/// array per key (≈ 80 bytes of overhead); this holds the key's words plus a 4-byte entry
/// number (20 bytes per MD5 entry, 36 per SHA-256 entry) and no pointers. Equal keys (the same
/// value in two lists) sit side by side and are all returned.
package final class ExactIndex: MatchIndex, @unchecked Sendable {
    /// Directory width: the first 16 bits of a key pick a range of the sorted array; digests
    /// are uniform, so a range holds count / 65,536 keys on average.
    static let directoryBits = 16
    /// Keys of a bucket above which a search interpolates (below, bisection reads as little).
    static let interpolationMinimum = 8

    package let count: Int
    /// Length of the values in bytes.
    package let byteCount: Int
    let wordCount: Int
    /// Keys in ascending order, `wordCount` words each.
    let keys: FlatBuffer<UInt64>
    /// `entries[i]` is the position, in the builder's input, of the key at sorted position `i`;
    /// nil when the input was sorted already (hits name sorted positions: an index file's).
    let entries: FlatBuffer<Int32>?
    /// Keys whose first bits are `p` sit at sorted positions `directory[p]..<directory[p + 1]`.
    let directory: FlatBuffer<UInt32>
    /// `tags[i]`: the 16 bits of key `i` after its directory bits (`tag(_:)`), in key order, so
    /// ascending within a bucket. A search bisects these (2 bytes a key, 32 to a cache line,
    /// cache-resident for lists of millions) and reads a key only where its tag is the query's:
    /// nearly every query of a screen matches nothing and touches no key (docs/index.md,
    /// "Exact lookups").
    let tags: FlatBuffer<UInt16>
    /// A bit for each value of a key's first `filterBits` bits, set where some key has them
    /// (about 1 in 16 set): a search whose bit is clear matches nothing and reads neither the
    /// directory nor the tags, one cache line instead of two dependent ones. Made when the
    /// index is (from the keys); nil for lists above `filterMaximumKeys`, whose filter would be
    /// too large to make for every scan (docs/index.md, "Exact lookups").
    let filter: FlatBuffer<UInt64>?
    let filterShift: UInt64

    /// Builds the index; every value must have `byteCount` bytes.
    /// `filterMaximum`: the most keys that get a filter (tests build indexes without).
    package convenience init(values: [HashValue], byteCount: Int, filterMaximum: Int = filterMaximumKeys) throws(IndexBuildError) {
        try self.init(packed: PackedHashList(values, byteCount: byteCount), filterMaximum: filterMaximum)
    }

    /// Builds the index over packed values.
    package init(packed list: PackedHashList, filterMaximum: Int = filterMaximumKeys) {
        self.count = list.count
        self.byteCount = list.byteCount
        let w = list.wordCount
        self.wordCount = w
        let packed = list.storage
        let shift = UInt64(64 - Self.directoryBits)
        let buckets = 1 << Self.directoryBits

        // Counting sort by the first bits, then sort each (small) bucket by the whole key.
        var starts = [UInt32](repeating: 0, count: buckets + 1)
        for i in 0..<count { starts[Int(packed.base[i * w] >> shift) + 1] += 1 }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
        var order = [Int32](repeating: 0, count: count)
        var fill = starts
        for i in 0..<count {
            let b = Int(packed.base[i * w] >> shift)
            order[Int(fill[b])] = Int32(i)
            fill[b] += 1
        }
        let less = { (a: Int32, b: Int32) -> Bool in
            let pa = packed.base + Int(a) * w, pb = packed.base + Int(b) * w
            for k in 0..<w where pa[k] != pb[k] { return pa[k] < pb[k] }
            return a < b
        }
        for b in 0..<buckets where starts[b + 1] - starts[b] > 1 {
            order[Int(starts[b])..<Int(starts[b + 1])].sort(by: less)
        }
        let keys = FlatBuffer<UInt64>(repeating: 0, count: count * w)
        for (pos, e) in order.enumerated() {
            for k in 0..<w { keys.base[pos * w + k] = packed.base[Int(e) * w + k] }
        }
        self.keys = keys
        self.entries = FlatBuffer(order)
        self.directory = FlatBuffer(starts)
        self.tags = Self.tags(keys, count: count, wordCount: w)
        (self.filter, self.filterShift) = Self.filter(keys, count: count, wordCount: w, maximum: filterMaximum)
    }

    /// Lists up to this many keys get a `filter` (4M keys: a 8 MiB filter, made in ~10 ms).
    package static let filterMaximumKeys = 1 << 22

    /// The filter of `count` keys (nil above `filterMaximumKeys`) and its shift: 2^k bits for
    /// the first k bits of a key, 16 bits a key (k at least the directory's 16).
    static func filter(_ keys: FlatBuffer<UInt64>, count: Int, wordCount w: Int,
                       maximum: Int = filterMaximumKeys) -> (FlatBuffer<UInt64>?, UInt64) {
        guard count > 0, count <= maximum else { return (nil, 64) }
        let bits = max(directoryBits, (Int.bitWidth - (count - 1).leadingZeroBitCount) + 4)
        let shift = UInt64(64 - bits)
        let filter = FlatBuffer<UInt64>(repeating: 0, count: (1 << bits) / 64)
        for i in 0..<count {
            let b = Int(keys.base[i * w] >> shift)
            filter.base[b >> 6] |= 1 << UInt64(b & 63)
        }
        return (filter, shift)
    }

    /// Whether some key may begin with `q`'s first filter bits (always, without a filter).
    @inline(__always) private func mayHold(_ q: PackedHash) -> Bool {
        guard let filter else { return true }
        let b = Int(q.w0 >> filterShift)
        return filter.base[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// The 16 bits of a key after its directory bits.
    @inline(__always) static func tag(_ w0: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: w0 >> UInt64(48 - directoryBits)) }

    /// Each key's tag, in key order.
    static func tags(_ keys: FlatBuffer<UInt64>, count: Int, wordCount w: Int) -> FlatBuffer<UInt16> {
        let tags = FlatBuffer<UInt16>(repeating: 0, count: count)
        for i in 0..<count { tags.base[i] = tag(keys.base[i * w]) }
        return tags
    }

    /// Builds the index over `count` values already in ascending byte order, `stride` bytes
    /// apart (the list store's sorted runs): no sort, and hits name sorted positions.
    package init(sorted values: UnsafeRawPointer, count: Int, stride: Int, byteCount: Int) {
        self.count = count
        self.byteCount = byteCount
        let w = PackedHash.wordCount(forBytes: byteCount)
        self.wordCount = w
        let keys = FlatBuffer<UInt64>(repeating: 0, count: count * w)
        let bytes = values.assumingMemoryBound(to: UInt8.self)
        let buckets = 1 << Self.directoryBits
        let starts = FlatBuffer<UInt32>(repeating: 0, count: buckets + 1)
        let shift = UInt64(64 - Self.directoryBits)
        let whole = byteCount / 8
        for i in 0..<count {
            let p = bytes + i * stride
            let row = keys.base + i * w
            for k in 0..<whole { row[k] = UInt64(bigEndian: UnsafeRawPointer(p).loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)) }
            if whole < w {
                var word: UInt64 = 0
                for b in 0..<(byteCount - 8 * whole) { word |= UInt64(p[8 * whole + b]) << UInt64(56 - 8 * b) }
                row[whole] = word
            }
            starts.base[Int(row[0] >> shift) + 1] += 1
        }
        for b in 0..<buckets { starts.base[b + 1] += starts.base[b] }
        self.keys = keys
        self.entries = nil
        self.directory = starts
        self.tags = Self.tags(keys, count: count, wordCount: w)
        (self.filter, self.filterShift) = Self.filter(keys, count: count, wordCount: w)
    }

    // MARK: - Index files

    /// The section `ExactIndex(sorted:count:stride:byteCount:).fileSection(signal:)` gives, the
    /// same bytes, without building the index: its keys are made piece by piece while the file
    /// is written (no buffer of 8 bytes per key word, zeroed and then copied to the file) and
    /// its directory found by bisection. `values` must stay valid and unchanged until the file
    /// is written.
    package static func fileSection(sortedValues values: UnsafeRawPointer, count: Int, stride: Int,
                                    byteCount: Int, signal: String) -> IndexFile.SectionContent {
        let w = PackedHash.wordCount(forBytes: byteCount)
        let bytes = values.assumingMemoryBound(to: UInt8.self)
        let whole = byteCount / 8
        let shift = UInt64(64 - directoryBits)
        @inline(__always) func word(_ p: UnsafePointer<UInt8>, _ k: Int) -> UInt64 {
            if k < whole { return UInt64(bigEndian: UnsafeRawPointer(p).loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)) }
            var word: UInt64 = 0
            for b in 0..<(byteCount - 8 * whole) { word |= UInt64(p[8 * whole + b]) << UInt64(56 - 8 * b) }
            return word
        }
        // directory[p]: the first sorted position whose key's first bits are at least p.
        let buckets = 1 << directoryBits
        var directory = [UInt32](repeating: 0, count: buckets + 1)
        var lo = 0
        for p in 0..<buckets {
            var hi = count
            while lo < hi {
                let mid = (lo + hi) / 2
                if Int(word(bytes + mid * stride, 0) >> shift) < p { lo = mid + 1 } else { hi = mid }
            }
            directory[p] = UInt32(lo)
        }
        directory[buckets] = UInt32(count)
        let unit = 8 * w
        let keys = IndexFile.ArrayContent(count: count * unit, unit: unit) { offset, piece in
            let first = offset / unit, n = piece.count / unit
            let out = piece.baseAddress!.assumingMemoryBound(to: UInt64.self)
            for i in 0..<n {
                let p = bytes + (first + i) * stride
                for k in 0..<w { out[i * w + k] = word(p, k) }
            }
        }
        let dir = IndexFile.ArrayContent(count: (buckets + 1) * 4, unit: 4) { offset, piece in
            directory.withUnsafeBytes { d in piece.copyMemory(from: UnsafeRawBufferPointer(rebasing: d[offset..<(offset + piece.count)])) }
        }
        let tags = IndexFile.ArrayContent(count: count * 2, unit: 2) { offset, piece in
            let first = offset / 2
            let out = piece.baseAddress!.assumingMemoryBound(to: UInt16.self)
            for i in 0..<(piece.count / 2) { out[i] = tag(word(bytes + (first + i) * stride, 0)) }
        }
        return IndexFile.SectionContent(kind: .exact, signal: signal, count: count, parameters: [UInt64(byteCount)],
                                        arrays: [keys, dir, tags])
    }

    /// The index as a section of an index file (`IndexFile`): its keys, directory and tags; its hits
    /// there name sorted positions.
    package func fileSection(signal: String) -> IndexFile.Section {
        precondition(entries == nil, "an index file's exact index is built from sorted values")
        return IndexFile.Section(kind: .exact, signal: signal, count: count, parameters: [UInt64(byteCount)],
                                 arrays: [keys.rawBytes, directory.rawBytes, tags.rawBytes])
    }

    /// The index of a section of a mapped file, searched in place.
    package init(mapped section: IndexFile.Section, in file: IndexFile) throws(IndexBuildError) {
        guard section.kind == .exact, let b = section.parameters.first, b >= 1, b <= UInt64(PackedHash.maxBytes) else {
            throw IndexBuildError("index file \(file.path): a damaged exact section")
        }
        count = section.count
        byteCount = Int(b)
        wordCount = PackedHash.wordCount(forBytes: byteCount)
        guard let keys = file.buffer(section, 0, count: count * wordCount, of: UInt64.self),
              let directory = file.buffer(section, 1, count: (1 << Self.directoryBits) + 1, of: UInt32.self),
              directory.base[1 << Self.directoryBits] == UInt32(count) else {
            throw IndexBuildError("index file \(file.path): a damaged exact section")
        }
        self.keys = keys
        self.directory = directory
        entries = nil
        // The tags (array 2); a file written before they were kept has none: made here.
        if section.arrays.count > 2 {
            guard let tags = file.buffer(section, 2, count: count, of: UInt16.self) else {
                throw IndexBuildError("index file \(file.path): a damaged exact section")
            }
            self.tags = tags
        } else {
            tags = Self.tags(keys, count: count, wordCount: wordCount)
        }
        (filter, filterShift) = Self.filter(keys, count: count, wordCount: wordCount)
    }

    package var memoryBytes: Int {
        keys.memoryBytes + (entries?.memoryBytes ?? 0) + directory.memoryBytes + tags.memoryBytes + (filter?.memoryBytes ?? 0)
    }

    package func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit]) {
        guard query.bytes.count == byteCount, threshold >= 0 else { return }
        let q = PackedHash(query.bytes)
        if mayHold(q) { search(q) { hits.append($0) } }
    }

    /// Queries searched together (a worker's metadata rows): the cache lines each search reads
    /// first (its directory entry, then the keys where it starts) are asked for, for all of
    /// them, before any is searched, so that their memory latencies overlap instead of adding
    /// up (docs/index.md, "Exact lookups"). The hits of one query after another's, as
    /// `search(_:threshold:into:)` one at a time gives them.
    package func search(batch queries: [HashValue], threshold: Int, into hits: inout [IndexBatchHit]) {
        guard threshold >= 0 else { return }
        var packed: [PackedHash] = []
        packed.reserveCapacity(queries.count)
        for q in queries { packed.append(q.bytes.count == byteCount ? PackedHash(q.bytes) : PackedHash()) }
        search(packed: packed, into: &hits) { queries[$0].bytes.count == byteCount }
    }

    /// `search(batch:)` of queries laid one after another in a flat buffer (the columnar
    /// scan's URL digests, `MultiMD5`): queries of another length than the index's match nothing.
    package func search(flat queries: UnsafeRawBufferPointer, byteCount size: Int, threshold: Int, into hits: inout [IndexBatchHit]) {
        guard threshold >= 0, size == byteCount, size > 0 else { return }
        let n = queries.count / size
        var packed: [PackedHash] = []
        packed.reserveCapacity(n)
        for i in 0..<n { packed.append(PackedHash(UnsafeRawBufferPointer(rebasing: queries[(i * size)..<((i + 1) * size)]))) }
        search(packed: packed, into: &hits) { _ in true }
    }

    /// The batch searches' loops: the directory entries of all queries prefetched, then the
    /// keys where each search starts, then each query (those `valid` says) searched.
    /// With a filter, its bits first, then those loops for the queries whose bit is set.
    @inline(__always) private func search(packed: [PackedHash], into hits: inout [IndexBatchHit], valid: (Int) -> Bool) {
        guard let filter else { return search(packed.indices, of: packed, into: &hits, valid: valid) }
        for p in packed { hs_prefetch_nta(filter.base + Int(p.w0 >> filterShift) >> 6) }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: packed.count) { held in
            var n = 0
            for (i, p) in packed.enumerated() where mayHold(p) { held[n] = i; n += 1 }
            search(UnsafeBufferPointer(rebasing: held[..<n]), of: packed, into: &hits, valid: valid)
        }
    }

    @inline(__always) private func search<C: Collection<Int>>(_ which: C, of packed: [PackedHash], into hits: inout [IndexBatchHit],
                                                              valid: (Int) -> Bool) {
        let shift = UInt64(64 - Self.directoryBits)
        for i in which { hs_prefetch_nta(directory.base + Int(packed[i].w0 >> shift)) }
        for i in which {
            let p = packed[i]
            let bucket = Int(p.w0 >> shift)
            let first = Int(directory.base[bucket]), end = Int(directory.base[bucket + 1])
            // The tags where the search starts (a bucket's keys are uniform: within a few
            // places of the guess, 32 tags to a line).
            if end > first { hs_prefetch_nta(tags.base + guess(p, first, end)) }
        }
        for i in which where valid(i) {
            search(packed[i]) { hits.append(IndexBatchHit(query: Int32(truncatingIfNeeded: i), hit: $0)) }
        }
    }

    /// Where in its bucket `[first, end)` a key `q` would sit were the bucket's keys uniform.
    @inline(__always) private func guess(_ q: PackedHash, _ first: Int, _ end: Int) -> Int {
        first + Int(UInt64(end - first).multipliedFullWidth(by: q.w0 << UInt64(Self.directoryBits)).high)
    }

    @inline(__always) private func search(_ q: PackedHash, _ hit: (IndexHit) -> Void) {
        let w = wordCount
        let bucket = Int(q.w0 >> UInt64(64 - Self.directoryBits))
        let first = Int(directory.base[bucket]), end = Int(directory.base[bucket + 1])
        let t = Self.tag(q.w0), tg = tags.base
        var lo = first, hi = end
        // Lower bound: the first tag not less than q's. A bucket's keys share their top bits and
        // the rest of a digest is uniform: start where q's next bits place it (interpolation),
        // widen by doubling steps until the bound is bracketed, then bisect the bracket: one
        // cache line of tags, usually (docs/index.md, "Exact lookups").
        if end - first > Self.interpolationMinimum {
            let g = guess(q, first, end)
            var step = 1
            if tg[g] < t {
                lo = g + 1
                while true {
                    let probe = g + step
                    if probe >= end { hi = end; break }
                    if tg[probe] >= t { hi = probe; break }
                    lo = probe + 1
                    step <<= 1
                }
            } else {
                hi = g
                while true {
                    let probe = g - step
                    if probe < first { lo = first; break }
                    if tg[probe] < t { lo = probe + 1; break }
                    hi = probe
                    step <<= 1
                }
            }
        }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if tg[mid] < t { lo = mid + 1 } else { hi = mid }
        }
        // The keys of q's tag, in order: equal ones are hits (side by side).
        var i = lo
        while i < end, tg[i] == t {
            let c = compare(at: i, q, w)
            if c > 0 { break }
            if c == 0 { hit(IndexHit(entry: entries.map { $0.base[i] } ?? Int32(truncatingIfNeeded: i), distance: 0)) }
            i += 1
        }
    }

    /// Sign of (key at sorted position `i`) - `q`.
    @inline(__always) private func compare(at i: Int, _ q: PackedHash, _ w: Int) -> Int {
        let p = keys.base + i * w
        for k in 0..<w where p[k] != q[k] { return p[k] < q[k] ? -1 : 1 }
        return 0
    }
}
