import HashscreenCore
@testable import HashscreenList
import XCTest

/// The import inserts in key order; the order must be the `entries` key's (type name bytes, then
/// value bytes) and keep input order among equal entries (the first duplicate is the one stored).
final class InsertBatchTests: XCTestCase {
    func testOrderMatchesTypeNameThenValueBytesAndIsStable() throws {
        var batch = HashListStore.InsertBatch()
        var input: [ParsedEntry] = []
        var g = SystemRandomNumberGenerator()
        for i in 0..<3000 {
            let kind = SignalKind.allCases[Int.random(in: 0..<SignalKind.allCases.count, using: &g)]
            var bytes = (0..<kind.byteCount).map { _ in UInt8.random(in: 0...255, using: &g) }
            // Many values share their first 8 bytes, and some repeat exactly: the tie-breaks.
            if i % 3 == 0 { for j in 0..<8 { bytes[j] = 0x42 } }
            if i % 10 == 0, let prev = input.last(where: { $0.signal == kind }) { bytes = prev.value.bytes }
            let e = ParsedEntry(signal: kind, value: HashValue(bytes: bytes), quality: nil, label: "\(i)")
            input.append(e)
            batch.append(e)
        }
        // Reference: a plain stable sort on (name bytes, value bytes), input order for ties.
        let expected = input.enumerated().sorted { a, b in
            let an = Array(a.element.signal.name.utf8), bn = Array(b.element.signal.name.utf8)
            if an != bn { return an.lexicographicallyPrecedes(bn) }
            if a.element.value.bytes != b.element.value.bytes { return a.element.value.bytes.lexicographicallyPrecedes(b.element.value.bytes) }
            return a.offset < b.offset
        }.map { $0.element.label! }
        var got: [String] = []
        try batch.forEachSorted { got.append($0.label!) }
        XCTAssertEqual(got, expected)
        XCTAssertFalse(batch.isFull)
        var after = 0
        try batch.forEachSorted { _ in after += 1 }
        XCTAssertEqual(after, 0, "a batch is empty after it is drained")
    }
}
