import HashscreenCore
import HashscreenTestSupport
import XCTest

/// `SampleID`: the order outputs break key ties by, and the bounds that keep identities apart.
final class SampleIDTests: XCTestCase {
    /// The packed integer identities used to be, within the bounds where it did not collide
    /// (65,536 shards, 2^23 rows and 2^23 row-less images per shard): input << 40, shard << 24,
    /// then row + 1, or 2^23 + member + 1.
    func packed(_ id: SampleID) -> Int {
        let place: Int
        switch id.place {
        case .row(let n): place = Int(n) + 1
        case .member(let n): place = (1 << 23) + Int(n) + 1
        }
        return Int(id.input) << 40 + Int(id.shard) << 24 + place
    }

    func testOrderIsThePackedOrdinalsOrderWithinItsBounds() {
        var rng = SplitMix64(seed: 0x51D)
        var ids: [SampleID] = []
        for i in 0..<4000 {
            let n = UInt64.random(in: 0..<(1 << 23) - 1, using: &rng) >> (i % 3 == 0 ? 18 : 0)  // small values often tie
            ids.append(SampleID(input: UInt32.random(in: 0..<4, using: &rng), shard: UInt32.random(in: 0..<(i % 2 == 0 ? 3 : 65_536), using: &rng),
                                i % 4 == 0 ? .member(n) : .row(n)))
        }
        for _ in 0..<20_000 {
            let a = ids[Int.random(in: 0..<ids.count, using: &rng)], b = ids[Int.random(in: 0..<ids.count, using: &rng)]
            XCTAssertEqual(a < b, packed(a) < packed(b), "\(a) vs \(b)")
            XCTAssertEqual(a == b, packed(a) == packed(b), "\(a) vs \(b)")
        }
        XCTAssertEqual(ids.sorted().map(packed), ids.map(packed).sorted())
    }

    /// Past the packed bounds, where ordinals of different samples used to be equal, identities
    /// stay distinct and ordered: input, shard, the shard's rows before its row-less images.
    func testPastTheOldBoundsIdentitiesStayDistinctAndOrdered() {
        let lastOldShard = SampleID(input: 0, shard: 65_535, .member(0))
        let shard65536 = SampleID(input: 0, shard: 65_536, .row(0))      // was (1 << 40) + 1: input 1's first row
        let nextInput = SampleID(input: 1, row: 0)
        XCTAssertTrue(lastOldShard < shard65536 && shard65536 < nextInput)
        let bigRow = SampleID(input: 0, shard: 0, .row(1 << 23))         // was 2^23 + 1: the first row-less image
        let firstMember = SampleID(input: 0, shard: 0, .member(0))
        let lastRow = SampleID(input: 0, shard: 0, .row(UInt64.max))
        XCTAssertTrue(bigRow < lastRow && lastRow < firstMember && firstMember < SampleID(input: 0, shard: 1, .row(0)))
        XCTAssertEqual(Set([lastOldShard, shard65536, nextInput, bigRow, firstMember, lastRow]).count, 6)
        XCTAssertEqual(SampleID(input: 3, row: 9), SampleID(input: 3, shard: 0, .row(9)))
        XCTAssertEqual(SampleID(input: 1, shard: 2, .member(3)).description, "1/2/member 3")
    }

    func testBoundsAreCheckedWithAnErrorThatSaysWhatToDo() throws {
        XCTAssertEqual(try SampleID.checked(0, .shard, in: "d"), 0)
        XCTAssertEqual(try SampleID.checked(229_999, .shard, in: "d"), 229_999, "LAION-2B's shards")
        XCTAssertEqual(try SampleID.checked(Int(UInt32.max), .input, in: "d"), UInt32.max)
        XCTAssertEqual(SampleID.maxShards, 1 << 32)
        XCTAssertThrowsError(try SampleID.checked(1 << 32, .shard, in: "data/")) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("data/: shard 4294967297 is past the 4294967296 shards"), text)
            XCTAssertTrue(text.contains("split the dataset"), text)
        }
        XCTAssertThrowsError(try SampleID.checked(-1, .input, in: "x"))
    }

    /// Matches and failures carry one each: it stays a small value.
    func testSize() {
        XCTAssertLessThanOrEqual(MemoryLayout<SampleID>.stride, 24)
    }
}
