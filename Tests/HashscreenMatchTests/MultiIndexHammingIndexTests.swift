import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// Multi-index hashing must return exactly what the exhaustive scan returns (same entries,
/// same distances, each once), and the exhaustive scan exactly what `HashValue`'s own
/// byte-by-byte Hamming distance says.
final class MultiIndexHammingIndexTests: XCTestCase {
    /// Checks `index` against `HashValue.hammingDistance` (a byte loop in HashscreenCore,
    /// independent of the index code) for every threshold and query given.
    func assertMatchesReference(_ index: any MatchIndex, _ values: [HashValue], queries: [HashValue],
                                thresholds: [Int], _ label: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        var failures = 0
        // Distances by the reference, once per query.
        let distances = queries.map { q in values.map { $0.hammingDistance(to: q) } }
        for t in thresholds {
            for (qi, q) in queries.enumerated() {
                let got = index.search(q, threshold: t)
                let want = distances[qi].enumerated().compactMap { i, d in
                    d <= t ? IndexHit(entry: Int32(i), distance: d) : nil
                }
                if got != want {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("\(label) t=\(t) query \(qi) \(q.hex): got \(got.count) hits \(got.prefix(8)), want \(want.count) \(want.prefix(8))",
                                file: file, line: line)
                    }
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(label): \(failures) mismatching searches", file: file, line: line)
    }

    // MARK: - Exhaustive scan (the reference the tables are compared with)

    func testBruteForceEqualsByteLoop() throws {
        for bytes in [8, 32] {
            var rng = SplitMix64(seed: 0xB207E + UInt64(bytes))
            let values = rng.hashSet(count: 500, bytes: bytes, centres: 4, spread: 20)
            let index = try BruteForceHammingIndex(values: values, byteCount: bytes)
            let queries = rng.queries(count: 20, near: values, bytes: bytes, maxFlips: 30)
            assertMatchesReference(index, values, queries: queries,
                                   thresholds: [0, 1, 5, 17, 31, 40, bytes * 8 - 1, bytes * 8],
                                   "brute force \(bytes * 8)-bit")
        }
    }

    // MARK: - 64-bit hashes (phash, dhash, ahash)

    func test64BitEveryThresholdEveryLayout() throws {
        var rng = SplitMix64(seed: 64)
        let values = rng.hashSet(count: 1000, bytes: 8, centres: 5, spread: 12)
        let queries = rng.queries(count: 16, near: values, bytes: 8, maxFlips: 20)
        for m in [2, 3, 4, 5, 8, 16] {
            let index = try MultiIndexHammingIndex(values: values, byteCount: 8,
                                                   layout: .init(segmentCount: m), allowExhaustive: false)
            assertMatchesReference(index, values, queries: queries, thresholds: Array(0..<64),
                                   "64-bit, \(m) segments")
        }
    }

    /// Small directories put most of a segment in the posting's low part; full directories
    /// put none there: both ways of reading a bucket must be exact.
    func testDirectoryExtremes() throws {
        var rng = SplitMix64(seed: 0xD1)
        let values = rng.hashSet(count: 800, bytes: 8, centres: 3, spread: 10)
        let queries = rng.queries(count: 20, near: values, bytes: 8, maxFlips: 14)
        for d in [1, 3, 16] {
            let index = try MultiIndexHammingIndex(values: values, byteCount: 8,
                                                   layout: .init(segmentCount: 4, directoryBits: d),
                                                   allowExhaustive: false)
            assertMatchesReference(index, values, queries: queries, thresholds: [0, 1, 2, 5, 8, 12, 20, 40],
                                   "64-bit, 4 segments, \(d)-bit directory")
        }
    }

    // MARK: - 256-bit hashes (PDQ)

    func test256BitSampledThresholdsAndThirtyOne() throws {
        var rng = SplitMix64(seed: 256)
        let values = rng.hashSet(count: 1200, bytes: 32, centres: 4, spread: 40)
        let queries = rng.queries(count: 16, near: values, bytes: 32, maxFlips: 45)
        let thresholds = Array(stride(from: 0, through: 63, by: 7)) + [31, 32, 47]
        for m in [8, 11, 16, 23] {
            let index = try MultiIndexHammingIndex(values: values, byteCount: 32,
                                                   layout: .init(segmentCount: m), allowExhaustive: false)
            assertMatchesReference(index, values, queries: queries, thresholds: thresholds,
                                   "256-bit, \(m) segments")
        }
    }

    /// Every threshold 0...63 at the PDQ layout the builder would pick for a large list.
    func test256BitAllLowThresholds() throws {
        var rng = SplitMix64(seed: 0x9D9)
        let values = rng.hashSet(count: 600, bytes: 32, centres: 3, spread: 35)
        let queries = rng.queries(count: 8, near: values, bytes: 32, maxFlips: 40)
        let index = try MultiIndexHammingIndex(values: values, byteCount: 32,
                                               layout: .init(segmentCount: 11), allowExhaustive: false)
        assertMatchesReference(index, values, queries: queries, thresholds: Array(0...63),
                               "256-bit, 11 segments")
    }

    // MARK: - Chosen layouts, fallback, edges

    func testChosenLayoutsWithFallback() throws {
        var rng = SplitMix64(seed: 7)
        for bytes in [8, 32] {
            let values = rng.hashSet(count: 2000, bytes: bytes, centres: 6, spread: 16)
            let queries = rng.queries(count: 12, near: values, bytes: bytes, maxFlips: 36)
            let index = try MultiIndexHammingIndex(values: values, byteCount: bytes,
                                                   expectedThreshold: bytes == 8 ? 10 : 31)
            assertMatchesReference(index, values, queries: queries,
                                   thresholds: [0, 3, 10, 20, 31, 50, bytes * 8 - 1, bytes * 8, 1000],
                                   "\(bytes * 8)-bit, \(index.layout)")
        }
    }

    func testExhaustiveFallbackForWideThresholds() throws {
        var rng = SplitMix64(seed: 11)
        let values = (0..<5000).map { _ in rng.hash(bytes: 32) }
        let index = try MultiIndexHammingIndex(values: values, byteCount: 32,
                                               layout: .init(segmentCount: 16))
        XCTAssertTrue(index.usesTables(threshold: 0), "an exact search must use the tables")
        XCTAssertFalse(index.usesTables(threshold: 120), "threshold 120 of 256 bits cannot skip anything")
    }

    func testEdges() throws {
        let empty = try MultiIndexHammingIndex(values: [], byteCount: 32, layout: .init(segmentCount: 16))
        XCTAssertEqual(empty.search(HashValue(bytes: [UInt8](repeating: 0, count: 32)), threshold: 31), [])

        var rng = SplitMix64(seed: 3)
        let one = rng.hash(bytes: 8)
        let single = try MultiIndexHammingIndex(values: [one], byteCount: 8, layout: .init(segmentCount: 4))
        XCTAssertEqual(single.search(one, threshold: 0), [IndexHit(entry: 0, distance: 0)])
        XCTAssertEqual(single.search(one, threshold: -1), [], "negative threshold matches nothing")
        XCTAssertEqual(single.search(HashValue(bytes: one.bytes + one.bytes), threshold: 64), [],
                       "a query of another length matches nothing")
        let far = HashValue(bytes: one.bytes.map { ~$0 })
        XCTAssertEqual(single.search(far, threshold: 63), [])
        XCTAssertEqual(single.search(far, threshold: 64), [IndexHit(entry: 0, distance: 64)])

        // The same value twice: both entries.
        let twice = try MultiIndexHammingIndex(values: [one, one], byteCount: 8, layout: .init(segmentCount: 4))
        XCTAssertEqual(twice.search(one, threshold: 2), [IndexHit(entry: 0, distance: 0), IndexHit(entry: 1, distance: 0)])

        XCTAssertThrowsError(try MultiIndexHammingIndex(values: [one, HashValue(bytes: [1])], byteCount: 8,
                                                        layout: .init(segmentCount: 4)))
        XCTAssertThrowsError(try MultiIndexHammingIndex(values: [one], byteCount: 8,
                                                        layout: .init(segmentCount: 1)),
                             "a 64-bit segment does not fit a posting")
    }

    /// Searching is read-only: many threads at once get what one thread gets.
    func testConcurrentSearches() throws {
        var rng = SplitMix64(seed: 99)
        let values = rng.hashSet(count: 3000, bytes: 32, centres: 5, spread: 30)
        let queries = rng.queries(count: 64, near: values, bytes: 32, maxFlips: 35)
        let index = try MultiIndexHammingIndex(values: values, byteCount: 32, layout: .init(segmentCount: 16))
        let want = queries.map { index.search($0, threshold: 31) }
        let results = ResultBox(count: queries.count)
        DispatchQueue.concurrentPerform(iterations: queries.count) { i in
            results.set(i, index.search(queries[i], threshold: 31))
        }
        XCTAssertEqual(results.values, want)
        XCTAssertGreaterThan(want.reduce(0) { $0 + $1.count }, 0, "the near queries should find something")
    }
}

/// Collects per-query results written from many threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [[IndexHit]]
    init(count: Int) { storage = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [IndexHit]) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [[IndexHit]] { lock.lock(); defer { lock.unlock() }; return storage }
}
