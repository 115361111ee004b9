import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenMatch

/// The compact PDQ index: its building blocks (`select`, the unary directory), its memory, and
/// what a released list keeps. Its answers against the byte-by-byte reference, in every layout
/// and build mode: the shared `HammingIndexConformanceTests`.
final class CompactHammingIndexTests: XCTestCase {
    /// A list marked `releaseAfterBuild` gives its values back during the build; the list keeps
    /// its count but refuses new values (the index's answers: the conformance suite).
    func testListReleasedAfterBuild() throws {
        var rng = SplitMix64(seed: 0x5E1E)
        let values = rng.hashSet(count: 900, bytes: 32, centres: 3, spread: 30)
        let list = try PackedHashList(values, byteCount: 32)
        list.releaseAfterBuild = true
        let index = try CompactHammingIndex(packed: list, segmentCount: 11, allowExhaustive: false)
        XCTAssertEqual(list.count, values.count)
        XCTAssertEqual(index.count, values.count)
        XCTAssertThrowsError(try list.append(values[0].bytes))
        XCTAssertTrue(index.search(values[5], threshold: 0).contains(IndexHit(entry: 5, distance: 0)))
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

    /// Which thresholds scan instead of probing, and layouts that cannot be built.
    func testFallbackAndRefusedLayouts() throws {
        var rng = SplitMix64(seed: 0xFA11)
        let values = rng.hashSet(count: 800, bytes: 32, centres: 3, spread: 25)
        let index = try CompactHammingIndex(values: values, segmentCount: 16)
        XCTAssertTrue(index.usesTables(threshold: 0))
        XCTAssertFalse(index.usesTables(threshold: 120), "threshold 120 of 256 bits cannot skip anything")
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
