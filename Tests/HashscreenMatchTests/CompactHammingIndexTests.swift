import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The compact PDQ index must return exactly what `HashValue`'s byte-by-byte Hamming distance
/// says (same entries, same distances, each once), whether it keeps its entry order or hands
/// it to the caller, one query at a time or in batches.
final class CompactHammingIndexTests: XCTestCase {
    /// Reference hits within `t`, by input position, sorted, from precomputed distances.
    func reference(_ distances: [Int], _ t: Int) -> [IndexHit] {
        distances.enumerated().compactMap { i, d in d <= t ? IndexHit(entry: Int32(i), distance: d) : nil }
    }

    /// Builds the index both ways (order kept, order handed over) and checks every search.
    func assertExact(_ values: [HashValue], segments m: Int, queries: [HashValue], thresholds: [Int],
                     allowExhaustive: Bool = false, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        let keeping = try CompactHammingIndex(values: values, segmentCount: m, allowExhaustive: allowExhaustive)
        var order: [Int32] = []
        let handing = try CompactHammingIndex(values: values, segmentCount: m, allowExhaustive: allowExhaustive) {
            order = Array($0)
        }
        XCTAssertEqual(order.sorted(), (0..<Int32(values.count)).map { $0 }, "\(label): order is a permutation",
                       file: file, line: line)
        var failures = 0
        let distances = queries.map { q in values.map { $0.hammingDistance(to: q) } }
        for t in thresholds {
            var batch: [IndexBatchHit] = []
            handing.search(batch: queries, threshold: t, into: &batch)
            for (qi, q) in queries.enumerated() {
                let want = reference(distances[qi], t)
                let kept = keeping.search(q, threshold: t)
                let handed = handing.search(q, threshold: t).map { IndexHit(entry: order[Int($0.entry)], distance: $0.distance) }.sorted()
                let batched = batch.filter { $0.query == Int32(qi) }
                    .map { IndexHit(entry: order[Int($0.hit.entry)], distance: $0.hit.distance) }.sorted()
                if kept != want || handed != want || batched != want {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("\(label) t=\(t) query \(qi): want \(want.count) \(want.prefix(6)), kept \(kept.count), handed \(handed.count), batch \(batched.count)",
                                file: file, line: line)
                    }
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(label): \(failures) mismatching searches", file: file, line: line)
    }

    func testEveryLowThresholdAtElevenSegments() throws {
        var rng = SplitMix64(seed: 0xC011)
        let values = rng.hashSet(count: 1500, bytes: 32, centres: 4, spread: 35)
        let queries = rng.queries(count: 10, near: values, bytes: 32, maxFlips: 40)
        try assertExact(values, segments: 11, queries: queries, thresholds: Array(0...63), "11 segments")
    }

    /// A list marked `releaseAfterBuild` gives its values back during the build; the index
    /// still answers exactly, and the list keeps its count but refuses new values.
    func testListReleasedAfterBuild() throws {
        var rng = SplitMix64(seed: 0x5E1E)
        let values = rng.hashSet(count: 900, bytes: 32, centres: 3, spread: 30)
        let queries = rng.queries(count: 10, near: values, bytes: 32, maxFlips: 40)
        let list = try PackedHashList(values, byteCount: 32)
        list.releaseAfterBuild = true
        let index = try CompactHammingIndex(packed: list, segmentCount: 11, allowExhaustive: false)
        XCTAssertEqual(list.count, values.count)
        XCTAssertThrowsError(try list.append(values[0].bytes))
        for t in [0, 10, 31, 45] {
            for q in queries {
                XCTAssertEqual(index.search(q, threshold: t).sorted(),
                               reference(values.map { $0.hammingDistance(to: q) }, t), "t=\(t)")
            }
        }
    }

    /// `select` (pdep when compiled for BMI2, broadword otherwise) against bit-by-bit counting.
    func testSelect() {
        var rng = SplitMix64(seed: 0x5E7E)
        for i in 0..<20_000 {
            var x = rng.next()
            if i % 3 == 0 { x &= rng.next() }
            if i % 5 == 0 { x &= rng.next() & rng.next() }
            if x == 0 { continue }
            let r = Int(rng.next() % UInt64(x.nonzeroBitCount))
            var seen = 0, want = -1
            for bit in 0..<64 where x >> UInt64(bit) & 1 == 1 {
                if seen == r { want = bit; break }
                seen += 1
            }
            XCTAssertEqual(UnaryView.select(x, r), want, "x=\(String(x, radix: 16)) r=\(r)")
        }
    }

    func testSegmentCounts() throws {
        var rng = SplitMix64(seed: 0xC5E6)
        let values = rng.hashSet(count: 1200, bytes: 32, centres: 5, spread: 30)
        let queries = rng.queries(count: 12, near: values, bytes: 32, maxFlips: 45)
        for m in [12, 16, 23, 32] {
            try assertExact(values, segments: m, queries: queries,
                            thresholds: Array(stride(from: 0, through: 63, by: 5)) + [31, 32],
                            "\(m) segments")
        }
    }

    /// Crowded buckets: hundreds of entries share segment 0 and other segments (longer than
    /// one 56-bit window of unary bits), plus exact duplicates.
    func testCrowdedBucketsAndDuplicates() throws {
        var rng = SplitMix64(seed: 0xC20D)
        let centre = rng.hash(bytes: 32)
        var values: [HashValue] = (0..<300).map { _ in
            var b = centre.bytes
            for i in 24..<32 { b[i] = UInt8.random(in: 0...255, using: &rng) }  // only the last 64 bits vary
            return HashValue(bytes: b)
        }
        values += Array(repeating: centre, count: 70)
        values += rng.hashSet(count: 400, bytes: 32, centres: 2, spread: 20)
        values.shuffle(using: &rng)
        let queries = [centre] + rng.queries(count: 8, near: values, bytes: 32, maxFlips: 35)
        try assertExact(values, segments: 11, queries: queries, thresholds: [0, 5, 20, 31, 40], "crowded")
    }

    /// With the exhaustive fallback allowed, wide thresholds scan (and stay exact).
    func testFallbackAndEdges() throws {
        var rng = SplitMix64(seed: 0xFA11)
        let values = rng.hashSet(count: 800, bytes: 32, centres: 3, spread: 25)
        let queries = rng.queries(count: 6, near: values, bytes: 32, maxFlips: 40)
        try assertExact(values, segments: 16, queries: queries, thresholds: [0, 31, 90, 128, 200, 255, 256, 1000],
                        allowExhaustive: true, "fallback")
        let index = try CompactHammingIndex(values: values, segmentCount: 16)
        XCTAssertTrue(index.usesTables(threshold: 0))
        XCTAssertFalse(index.usesTables(threshold: 120), "threshold 120 of 256 bits cannot skip anything")

        let empty = try CompactHammingIndex(values: [], segmentCount: 11)
        XCTAssertEqual(empty.search(values[0], threshold: 31), [])
        XCTAssertEqual(index.search(values[0], threshold: -1), [])
        XCTAssertEqual(index.search(HashValue(bytes: [1, 2, 3]), threshold: 31), [], "another length matches nothing")
        XCTAssertThrowsError(try CompactHammingIndex(values: values, segmentCount: 8), "32-bit segments are too wide")
        XCTAssertThrowsError(try CompactHammingIndex(packed: PackedHashList(byteCount: 8), segmentCount: 11))
    }

    /// The unary directory against a plain count of each bucket, including empty blocks and
    /// buckets longer than one read window.
    func testUnaryDirectory() {
        var rng = SplitMix64(seed: 0xD17)
        for keyBits in [1, 3, 7, 8, 12] {
            let n = 3000
            let keys = FlatBuffer<UInt32>(repeating: 0, count: n)
            for i in 0..<n {
                // Skewed: half the keys in the lowest 1/16 of the range, one key crowded.
                let r = UInt32.random(in: 0..<(1 << UInt32(keyBits)), using: &rng)
                keys.base[i] = i % 5 == 0 ? 1 % (1 << UInt32(keyBits)) : (i % 2 == 0 ? r >> 4 : r)
            }
            var slots = [Int](repeating: -1, count: n)
            let storage = UnaryDirectory.build(keys: keys, count: n, keyBits: keyBits, blockShift: keyBits == 12 ? 8 : 5) { slot, i in slots[slot] = i }
            let dir = storage.view
            XCTAssertEqual(slots.sorted(), Array(0..<n))
            var first = 0
            for b in 0..<(1 << keyBits) {
                let want = (0..<n).filter { keys.base[$0] == UInt32(b) }
                let (base, pos) = dir.block(UInt32(b))
                let (start, len) = dir.range(UInt32(b), base: base, bitPos: pos)
                XCTAssertEqual(start, first, "keyBits \(keyBits) bucket \(b) start")
                XCTAssertEqual(len, want.count, "keyBits \(keyBits) bucket \(b) size")
                XCTAssertEqual(Array(slots[start..<(start + len)]), want, "stable order")
                for e in start..<(start + len) { XCTAssertEqual(dir.key(atEntry: e), UInt32(b)) }
                first += want.count
            }
            var cursor = dir.cursor()
            for e in 0..<n { XCTAssertEqual(dir.advance(&cursor), keys.base[slots[e]]) }
            withExtendedLifetime(storage) {}
        }
    }

    /// The layout the builder picks for 1M and 10M entries stays within 64 bytes per entry,
    /// and the estimate agrees with a built index.
    func testMemoryCap() throws {
        for n in [1_000_000, 10_000_000] {
            let layout = try XCTUnwrap(CompactHammingIndex.chooseLayout(count: n, expectedThreshold: 31, maxBytesPerEntry: 64))
            XCTAssertLessThanOrEqual(CompactHammingIndex.bytesPerEntry(count: n, segmentCount: layout.segmentCount,
                                                                       blockShift: layout.blockShift), 64)
        }
        var rng = SplitMix64(seed: 0x3E3)
        let values = (0..<20000).map { _ in rng.hash(bytes: 32) }
        let index = try CompactHammingIndex(values: values, segmentCount: 14, blockShift: 6) { _ in }
        let estimate = CompactHammingIndex.bytesPerEntry(count: values.count, segmentCount: 14, blockShift: 6)
        let actual = Double(index.memoryBytes) / Double(values.count)
        XCTAssertEqual(actual, estimate, accuracy: 0.5)
    }
}
