import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The one suite every Hamming index runs: each index, in each of its layouts and build modes,
/// is built over the same value sets (uniform, clustered, crowded with duplicates and, for PDQ,
/// transposed copies and diagonal-symmetric hashes) and must answer every search exactly as
/// the reference says: `HashValue.hammingDistance`, a byte loop in HashscreenCore independent
/// of the index code. "Exactly": the same entries with the same distances, each once, for one
/// query at a time and for batches (queries beside their PDQ transposes, so that the
/// transposed-pair index searches pairs together).
///
/// Thresholds: each index sweeps its own list (every threshold for the layouts whose cost
/// allows it in a debug build) on its primary value set, and a light list (low thresholds,
/// PDQ's 31 and 32, the wide ones an exhaustive fallback answers) on the others.
///
/// Debug builds run a subset: each index sweeps only the sampled thresholds on its primary
/// set, the compact layouts (slowest unoptimised) run only on their primary set, and their
/// edge cases for one variant per layout. The whole suite runs in the shipped configuration, natively and
/// natively in the shipped configuration (`make test-shipped`), where the results depend on
/// code generation: in debug it took 140 s of `make test` for checks that pass repeats in 15.
/// Under qemu (`make test-portable`, the baseline kernels) the subset runs too: the full sweep
/// took 120 s there. `HASHSCREEN_CONFORMANCE=full` or `subset` overrides the default.
final class HammingIndexConformanceTests: XCTestCase {
    static let fullSweep: Bool = {
        switch ProcessInfo.processInfo.environment["HASHSCREEN_CONFORMANCE"] {
        case "full": return true
        case "subset": return false
        default:
            #if DEBUG
            return false
            #else
            return true
            #endif
        }
    }()

    /// Whether a debug run's subset checks `variant` on `set` (always in the full sweep).
    static func inSubset(_ variant: Variant, set: String) -> Bool {
        fullSweep || !variant.name.hasPrefix("compact") || set == variant.primary
    }

    /// The compact variants whose edges a debug run checks: one per layout and mode.
    static let edgeSubset: Set<String> = ["compact 11 segments, order kept", "compact 16 segments with fallback",
                                          "compact 11 segments, transposed pairs, order handed over"]
    // MARK: - The indexes

    /// One index under test.
    struct Variant {
        var name: String
        var bytes: Int
        /// Swept by single queries on the primary value set.
        var thresholds: [Int]
        /// Swept by batches on the primary value set (nil: the sampled part of `thresholds`).
        var batchThresholds: [Int]? = nil
        var primary = "clustered"
        /// Builds the index over the values; also returns its entry order when the index names
        /// entries by it (`order[e]` = input position of entry `e`), nil when hits name input positions.
        var build: ([HashValue]) throws -> (index: any MatchIndex, order: [Int32]?)
    }

    /// Every threshold a 64-bit hash can have, and past it.
    static let all64 = Array(-1...64) + [1000]
    /// Every threshold 256-bit tables answer without the exhaustive fallback (PDQ's 31 is in it).
    static let low256 = Array(-1...63)
    /// Sampled low thresholds, for the layouts that run on every data set.
    static let sampled256 = Array(stride(from: 0, through: 63, by: 5)) + [31, 32, 47]
    /// Wide thresholds, for indexes that fall back to an exhaustive scan.
    static let wide256 = [0, 31, 90, 128, 200, 255, 256, 1000]

    /// The thresholds of the light sweeps (and of batches, with those past 63).
    static let light: [Int: Set<Int>] = [8: [-1, 0, 1, 5, 8, 10, 20], 32: [-1, 0, 5, 20, 31, 32]]
    static let sampled: [Int: Set<Int>] = [8: Set(light[8]! + [3, 12, 31, 40, 50, 63]), 32: Set(light[32]! + sampled256)]

    static func compact(_ name: String, segments m: Int, thresholds: [Int], batchThresholds: [Int]? = nil,
                        primary: String = "clustered", allowExhaustive: Bool = false,
                        transposedPairs: Bool = false, handOrder: Bool, releaseList: Bool = false) -> Variant {
        Variant(name: "compact \(name)", bytes: 32, thresholds: thresholds, batchThresholds: batchThresholds, primary: primary) { values in
            let list = try PackedHashList(values, byteCount: 32)
            list.releaseAfterBuild = releaseList
            var order: [Int32]? = nil
            let index = try CompactHammingIndex(packed: list, segmentCount: m, transpose: transposedPairs ? PDQBitLayout.transpose : nil,
                                                allowExhaustive: allowExhaustive,
                                                reorder: handOrder ? { order = Array($0) } : nil)
            return (index, order)
        }
    }

    static let variants: [Variant] = {
        var v: [Variant] = []
        for bytes in [8, 32] {
            v.append(Variant(name: "brute force", bytes: bytes, thresholds: bytes == 8 ? all64 : low256 + wide256) {
                (try BruteForceHammingIndex(values: $0, byteCount: bytes), nil)
            })
            v.append(Variant(name: "multi-index, layout chosen with fallback", bytes: bytes,
                             thresholds: bytes == 8 ? all64 : sampled256 + wide256) {
                (try MultiIndexHammingIndex(values: $0, byteCount: bytes, expectedThreshold: bytes == 8 ? 10 : 31), nil)
            })
        }
        for m in [2, 3, 4, 5, 8, 16] {
            v.append(Variant(name: "multi-index, \(m) segments, tables only", bytes: 8, thresholds: Array(-1..<64)) {
                (try MultiIndexHammingIndex(values: $0, byteCount: 8, layout: .init(segmentCount: m), allowExhaustive: false), nil)
            })
        }
        for d in [1, 3, 16] {
            v.append(Variant(name: "multi-index, 4 segments, \(d)-bit directory", bytes: 8, thresholds: [0, 1, 2, 5, 8, 12, 20, 40]) {
                (try MultiIndexHammingIndex(values: $0, byteCount: 8, layout: .init(segmentCount: 4, directoryBits: d),
                                            allowExhaustive: false), nil)
            })
        }
        for m in [8, 11, 16, 23] {
            v.append(Variant(name: "multi-index, \(m) segments, tables only", bytes: 32, thresholds: m == 11 ? low256 : sampled256) {
                (try MultiIndexHammingIndex(values: $0, byteCount: 32, layout: .init(segmentCount: m), allowExhaustive: false), nil)
            })
        }
        v.append(compact("11 segments, order kept", segments: 11, thresholds: low256, handOrder: false))
        v.append(compact("11 segments, order handed over", segments: 11, thresholds: low256, handOrder: true))
        for m in [12, 16, 23, 32] {
            v.append(compact("\(m) segments, order handed over", segments: m, thresholds: sampled256, handOrder: true))
        }
        v.append(compact("16 segments with fallback", segments: 16, thresholds: wide256, allowExhaustive: true, handOrder: true))
        v.append(compact("11 segments, list released after build", segments: 11, thresholds: [0, 10, 31, 45],
                         handOrder: false, releaseList: true))
        let pairThresholds = [0, 5, 12, 20, 31, 32, 40, 63]
        v.append(compact("11 segments, transposed pairs", segments: 11, thresholds: pairThresholds, batchThresholds: pairThresholds,
                         primary: "transposes", transposedPairs: true, handOrder: false))
        v.append(compact("11 segments, transposed pairs, order handed over", segments: 11, thresholds: [0, 12, 31, 40],
                         primary: "transposes", transposedPairs: true, handOrder: true))
        v.append(compact("13 segments, transposed pairs with fallback", segments: 13, thresholds: [0, 20, 31, 32] + wide256,
                         primary: "transposes", allowExhaustive: true, transposedPairs: true, handOrder: true))
        return v
    }()

    // MARK: - The value sets

    /// Values and the queries searched in them.
    struct Dataset {
        var name: String
        var values: [HashValue]
        /// Searched one by one.
        var queries: [HashValue]
        /// Searched as one batch: the queries, some beside their transposes (PDQ) or a near
        /// value (64-bit), and one alone.
        var batch: [HashValue]

        init(name: String, values: [HashValue], queries: [HashValue], batch: [HashValue]? = nil, rng: inout SplitMix64) {
            self.name = name; self.values = values; self.queries = queries
            let bytes = values[0].bytes.count
            self.batch = batch ?? queries + queries.prefix(4).map { bytes == 32 ? HammingIndexConformanceTests.transpose($0) : rng.flip($0, bits: 3) }
                + [rng.hash(bytes: bytes)]
        }
    }

    /// `h` with the bits at `positions` inverted (bit 0 = the first byte's high bit).
    static func flipping(_ h: HashValue, _ positions: [Int]) -> HashValue {
        var b = h.bytes
        for p in positions { b[p >> 3] ^= UInt8(0x80) >> UInt8(p & 7) }
        return HashValue(bytes: b)
    }

    static func datasets(bytes: Int) throws -> [Dataset] {
        let bits = bytes * 8
        var rng = SplitMix64(seed: 0xC0F0 + UInt64(bytes))
        var sets: [Dataset] = []
        let flips = bytes == 8 ? 20 : 45
        let uniform = (0..<1200).map { _ in rng.hash(bytes: bytes) }
        let uniformQueries = rng.queries(count: 11, near: uniform, bytes: bytes, maxFlips: flips) + [uniform[0]]
        sets.append(Dataset(name: "uniform", values: uniform, queries: uniformQueries, rng: &rng))
        let clustered = rng.hashSet(count: 1500, bytes: bytes, centres: 4, spread: bytes == 8 ? 12 : 35)
        let clusteredQueries = rng.queries(count: bytes == 8 ? 16 : 12, near: clustered, bytes: bytes, maxFlips: flips)
        sets.append(Dataset(name: "clustered", values: clustered, queries: clusteredQueries, rng: &rng))
        // Crowded buckets: hundreds of entries that differ only in the last quarter of their bits
        // (longer than one 56-bit window of unary bits), exact duplicates, and a far value.
        let centre = rng.hash(bytes: bytes)
        var crowded: [HashValue] = (0..<300).map { _ in
            var b = centre.bytes
            for i in (bytes * 3 / 4)..<bytes { b[i] = UInt8.random(in: 0...255, using: &rng) }
            return HashValue(bytes: b)
        }
        crowded += Array(repeating: centre, count: 70)
        crowded += rng.hashSet(count: 400, bytes: bytes, centres: 2, spread: bytes == 8 ? 10 : 20)
        crowded.append(HashValue(bytes: centre.bytes.map { ~$0 }))   // at distance `bits` from the centre
        crowded.shuffle(using: &rng)
        let crowdedQueries = [centre] + rng.queries(count: 8, near: crowded, bytes: bytes, maxFlips: bytes == 8 ? 14 : 35)
        sets.append(Dataset(name: "crowded", values: crowded, queries: crowdedQueries, rng: &rng))
        if bits == 256 { sets.append(try transposes(&rng)) }
        return sets
    }

    /// PDQ's transpose, which the transposed-pair layout pairs queries and segments by.
    static func transpose(_ h: HashValue) -> HashValue { PDQBitLayout.transpose.apply(h) }

    /// PDQ values with transposed copies (near and exact), hashes equal or close to their own
    /// transpose (an image symmetric about the diagonal: its canonical probes repeat, and
    /// entries near the transpose sit in the same buckets as entries near the query), and an
    /// entry that a query's first closed segment finds only through the query's transpose while
    /// its first segment within radius of the query is a later one (it must be reported once,
    /// by that later segment): u = s + F0 + G, entry = s + F0 + H + transpose(G), with F0, H in
    /// segment 0 and G on one side of segment 1's pairs.
    static func transposes(_ rng: inout SplitMix64) throws -> Dataset {
        var values = rng.hashSet(count: 1500, bytes: 32, centres: 4, spread: 30)
        for i in stride(from: 0, to: 300, by: 3) { values.append(rng.flip(transpose(values[i]), bits: i % 9)) }
        var symmetric: [HashValue] = []
        for _ in 0..<3 {
            let r = rng.hash(bytes: 32)
            let s = flipping(r, (0..<256).filter { p in
                let t = PDQBitLayout.transpose[p]
                let bit = { (q: Int) in r.bytes[q >> 3] & (UInt8(0x80) >> UInt8(q & 7)) != 0 }
                return t > p && bit(p) != bit(t)   // copy each bit above the diagonal onto its transpose
            }.map { PDQBitLayout.transpose[$0] })
            XCTAssertEqual(transpose(s), s)
            symmetric.append(s)
        }
        for s in symmetric { for f in 0..<25 { values.append(rng.flip(s, bits: f % 16)) } }
        let seg1 = try XCTUnwrap(SegmentBits.pairLayout(segmentCount: 11, firstWidth: 24, transpose: PDQBitLayout.transpose))[1].positions
        let g = Array(seg1.filter { PDQBitLayout.transpose[$0] > $0 }.prefix(3))
        let u = flipping(symmetric[0], [1, 7, 13] + g)
        values.append(flipping(symmetric[0], [1, 7, 13] + [3, 9, 20] + g.map { PDQBitLayout.transpose[$0] }))
        values.shuffle(using: &rng)
        var queries = rng.queries(count: 8, near: values, bytes: 32, maxFlips: 40)
        queries.append(values[0])
        for s in symmetric { queries += [s, rng.flip(s, bits: 2), rng.flip(s, bits: 5)] }
        queries.append(u)
        // Every query beside its transpose, and one alone.
        let batch = queries.flatMap { [$0, transpose($0)] } + [rng.hash(bytes: 32)]
        return Dataset(name: "transposes", values: values, queries: queries, batch: batch, rng: &rng)
    }

    // MARK: - The reference

    /// Per query, every entry's distance by the byte loop, closest first; the hits of each
    /// (query, threshold) are kept once made, since every variant asks for them.
    final class Reference {
        let byDistance: [[(distance: Int, entry: Int32)]]
        private var made: [Int: [IndexHit]] = [:]

        init(_ values: [HashValue], _ queries: [HashValue]) {
            byDistance = queries.map { q in
                values.enumerated().map { ($1.hammingDistance(to: q), Int32($0)) }.sorted { $0 < $1 }
            }
        }

        /// The hits within `t` of query `q`, by entry.
        func hits(_ q: Int, _ t: Int) -> [IndexHit] {
            let key = q << 16 | (t + 1)
            if let h = made[key] { return h }
            let h = byDistance[q].prefix { $0.distance <= t }.map { IndexHit(entry: $0.entry, distance: $0.distance) }.sorted()
            made[key] = h
            return h
        }
    }

    /// Checks the searches of `variant` over `data` against the reference: one query at a time
    /// at `thresholds`, the batch at `batchThresholds`.
    func check(_ variant: Variant, _ data: Dataset, thresholds: [Int], batchThresholds: [Int],
               _ reference: Reference, _ batchReference: Reference) throws {
        let batch = data.batch
        let label = "\(variant.bytes * 8)-bit \(variant.name), \(data.name)"
        let (index, order) = try variant.build(data.values)
        XCTAssertEqual(index.count, data.values.count, label)
        if let order { XCTAssertEqual(order.sorted(), Array(0..<Int32(data.values.count)), "\(label): the order is a permutation") }
        func inInputOrder(_ h: IndexHit) -> IndexHit { IndexHit(entry: order.map { $0[Int(h.entry)] } ?? h.entry, distance: h.distance) }
        var failures = 0
        func fail(_ message: String) {
            failures += 1
            if failures <= 3 { XCTFail("\(label): \(message)") }
        }
        for t in thresholds {
            for (qi, q) in data.queries.enumerated() {
                let want = reference.hits(qi, t)
                let got = index.search(q, threshold: t).map(inInputOrder).sorted()
                if got != want { fail("t=\(t) query \(qi): \(got.count) hits \(got.prefix(6)), want \(want.count) \(want.prefix(6))") }
            }
        }
        for t in batchThresholds {
            var hits: [IndexBatchHit] = []
            index.search(batch: batch, threshold: t, into: &hits)
            var perQuery = [[IndexHit]](repeating: [], count: batch.count)
            for h in hits { perQuery[Int(h.query)].append(inInputOrder(h.hit)) }
            for qi in batch.indices where perQuery[qi].sorted() != batchReference.hits(qi, t) {
                fail("t=\(t) batch query \(qi): \(perQuery[qi].count) hits, want \(batchReference.hits(qi, t).count)")
            }
        }
        XCTAssertEqual(failures, 0, "\(label): \(failures) mismatching searches")
    }

    func runSuite(bytes: Int) throws {
        let variants = Self.variants.filter { $0.bytes == bytes }
        XCTAssertGreaterThan(variants.count, 5)
        let sets = try Self.datasets(bytes: bytes)
        for v in variants { XCTAssertTrue(sets.contains { $0.name == v.primary }, v.name) }
        for data in sets {
            let reference = Reference(data.values, data.queries)
            let batchReference = Reference(data.values, data.batch)
            XCTAssertTrue(data.queries.indices.contains { !reference.hits($0, bytes == 8 ? 8 : 31).isEmpty },
                          "\(data.name): some queries find entries")
            for v in variants where Self.inSubset(v, set: data.name) {
                let beyond = { (t: Int) in t > 63 }
                let light = v.thresholds.filter { Self.light[bytes]!.contains($0) || beyond($0) }
                let sampledOnly = v.thresholds.filter { Self.sampled[bytes]!.contains($0) || beyond($0) }
                if data.name == v.primary {
                    try check(v, data, thresholds: Self.fullSweep ? v.thresholds : sampledOnly,
                              batchThresholds: v.batchThresholds ?? v.thresholds.filter { Self.sampled[bytes]!.contains($0) || beyond($0) },
                              reference, batchReference)
                } else {
                    try check(v, data, thresholds: light, batchThresholds: light, reference, batchReference)
                }
            }
        }
    }

    func test64BitIndexes() throws { try runSuite(bytes: 8) }

    func test256BitIndexes() throws { try runSuite(bytes: 32) }

    /// What every index says at the edges: no entries, one entry, the same value twice, a
    /// value at the farthest distance, a query of another length, a negative threshold, an
    /// empty batch and a batch of one.
    func testEdges() throws {
        var rng = SplitMix64(seed: 0xED6E)
        let checked = Self.variants.filter { Self.fullSweep || !$0.name.hasPrefix("compact") || Self.edgeSubset.contains($0.name) }
        XCTAssertEqual(checked.filter { $0.name.hasPrefix("compact") }.count,
                       Self.fullSweep ? Self.variants.filter { $0.name.hasPrefix("compact") }.count : Self.edgeSubset.count,
                       "every variant of the edge subset exists")
        for v in checked {
            let label = "\(v.bytes * 8)-bit \(v.name)"
            let one = rng.hash(bytes: v.bytes)
            let far = HashValue(bytes: one.bytes.map { ~$0 })
            let bits = v.bytes * 8
            XCTAssertEqual(try v.build([]).index.search(one, threshold: 31), [], label)
            let (index, _) = try v.build([one, far, one])
            let kept = { (t: Int) in Set(index.search(one, threshold: t).map(\.distance)) }
            XCTAssertEqual(index.search(one, threshold: 0).count, 2, "\(label): both copies")
            XCTAssertEqual(kept(0), [0], label)
            XCTAssertEqual(index.search(one, threshold: -1), [], "\(label): a negative threshold matches nothing")
            XCTAssertEqual(index.search(HashValue(bytes: one.bytes + [1]), threshold: bits), [],
                           "\(label): a query of another length matches nothing")
            var hits: [IndexBatchHit] = []
            index.search(batch: [], threshold: 31, into: &hits)
            XCTAssertEqual(hits, [], label)
            index.search(batch: [far], threshold: 0, into: &hits)
            XCTAssertEqual(hits.map(\.query), [0], "\(label): a batch of one")
            XCTAssertEqual(hits.map(\.hit.distance), [0], label)
            if v.thresholds.contains(bits) {
                XCTAssertEqual(kept(bits - 1), [0], label)
                XCTAssertEqual(kept(bits), [0, bits], "\(label): the complement is at distance \(bits)")
            }
        }
    }
}
