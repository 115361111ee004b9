import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// Multi-index hashing: when the tables are used, the edges of its layouts, and concurrent
/// searches. Its answers against the byte-by-byte reference, for every layout: the shared
/// `HammingIndexConformanceTests`.
final class MultiIndexHammingIndexTests: XCTestCase {
    func testExhaustiveFallbackForWideThresholds() throws {
        var rng = SplitMix64(seed: 11)
        let values = (0..<5000).map { _ in rng.hash(bytes: 32) }
        let index = try MultiIndexHammingIndex(values: values, byteCount: 32,
                                               layout: .init(segmentCount: 16))
        XCTAssertTrue(index.usesTables(threshold: 0), "an exact search must use the tables")
        XCTAssertFalse(index.usesTables(threshold: 120), "threshold 120 of 256 bits cannot skip anything")
    }

    func testLayoutsThatCannotBeBuiltAreRefused() throws {
        var rng = SplitMix64(seed: 3)
        let one = rng.hash(bytes: 8)
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
