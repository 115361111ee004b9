import Foundation
import HashscreenCore
@testable import HashscreenMatch
import HashscreenTestSupport
import XCTest

/// Index files: mapped indexes answer exactly as brute force does, and a damaged file is
/// refused, never searched.
final class IndexFileTests: XCTestCase {
    func testCRC32CMatchesTheRFC3720CheckValueInHardwareAndSoftware() {
        // RFC 3720 §B.4 / the CRC catalogue: CRC-32C("123456789") = 0xE3069283.
        let check = Array("123456789".utf8)
        XCTAssertEqual(IndexFile.crc32c(check), 0xE306_9283)
        XCTAssertEqual(IndexFile.crc32c(check, software: true), 0xE306_9283)
        var rng = SplitMix64(seed: 3)
        for n in [0, 1, 7, 8, 9, 4095, 70_001] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(IndexFile.crc32c(bytes), IndexFile.crc32c(bytes, software: true), "\(n) bytes")
        }
    }

    /// Sorted unique values of `bytes` bytes, packed with `stride` (a quality byte after each, as the store hands them).
    private func sortedValues(_ values: [HashValue], stride: Int) -> (values: [HashValue], packed: [UInt8]) {
        let unique = Array(Set(values)).sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        var packed: [UInt8] = []
        for v in unique { packed += v.bytes + Array(repeating: 0xFF, count: stride - v.bytes.count) }
        return (unique, packed)
    }

    func testAMappedExactIndexFindsExactlyTheStoredValues() throws {
        let tmp = try TemporaryDirectory()
        var rng = SplitMix64(seed: 11)
        for bytes in [16, 20, 32] {
            let (values, packed) = sortedValues((0..<5000).map { _ in rng.hash(bytes: bytes) }, stride: bytes + 1)
            let built = packed.withUnsafeBytes { ExactIndex(sorted: $0.baseAddress!, count: values.count, stride: bytes + 1, byteCount: bytes) }
            let path = tmp.file("exact-\(bytes)")
            try IndexFile.write(path: path, identity: Array(repeating: 1, count: 16), fingerprint: Array(repeating: 2, count: 32),
                                sections: [built.fileSection(signal: "md5")])
            let file = try IndexFile(mapping: path)
            XCTAssertEqual(file.identity, Array(repeating: 1, count: 16))
            XCTAssertEqual(file.fingerprint, Array(repeating: 2, count: 32))
            let mapped = try ExactIndex(mapped: file.sections[0], in: file)
            XCTAssertEqual(mapped.count, values.count)
            for (i, v) in values.enumerated() {
                XCTAssertEqual(mapped.search(v, threshold: 0), [IndexHit(entry: Int32(i), distance: 0)])
            }
            let stored = Set(values)
            for _ in 0..<2000 {
                let q = rng.hash(bytes: bytes)
                XCTAssertEqual(mapped.search(q, threshold: 0).isEmpty, !stored.contains(q))
            }
            var st = stat()
            XCTAssertEqual(stat(path, &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600)

            // A file written before exact sections kept their tags (keys and directory only):
            // the tags are made when it is mapped, and every search answers the same.
            var old = built.fileSection(signal: "md5")
            XCTAssertEqual(old.arrays.count, 3)
            old.arrays.removeLast()
            let oldPath = tmp.file("exact-\(bytes)-untagged")
            try IndexFile.write(path: oldPath, identity: Array(repeating: 1, count: 16), fingerprint: Array(repeating: 2, count: 32),
                                sections: [old])
            let oldFile = try IndexFile(mapping: oldPath)
            XCTAssertEqual(oldFile.sections[0].arrays.count, 2)
            let untagged = try ExactIndex(mapped: oldFile.sections[0], in: oldFile)
            XCTAssertEqual((0..<values.count).map { untagged.tags.base[$0] }, (0..<values.count).map { mapped.tags.base[$0] })
            for (i, v) in values.enumerated().prefix(1000) {
                XCTAssertEqual(untagged.search(v, threshold: 0), [IndexHit(entry: Int32(i), distance: 0)])
            }
            // The stored tags are each key's 16 bits after the directory's.
            for (i, v) in values.enumerated() {
                XCTAssertEqual(mapped.tags.base[i], UInt16(v.bytes[2]) << 8 | UInt16(v.bytes[3]))
            }
        }
    }

    /// The exact section made while the file is written (the import's) gives the very bytes of
    /// the section of a built index, at every value length, for lists smaller than one piece,
    /// spanning several pieces (whose size is no multiple of a 20-byte value's 24-byte key), with
    /// empty and crowded directory ranges, and beside a section written from memory.
    func testAnExactSectionMadeWhileWritingGivesTheSameFileAsTheBuiltIndex() throws {
        let tmp = try TemporaryDirectory()
        var rng = SplitMix64(seed: 23)
        for bytes in [8, 16, 20, 32] {
            for n in [1, 3, 1000, IndexFile.pieceBytes / 16 + 4099] {
                var raw = (0..<n).map { _ in rng.hash(bytes: bytes) }
                // A crowded range of the directory: shared first bytes.
                for i in Swift.stride(from: 0, to: n, by: 3) { var b = raw[i].bytes; b[0] = 0x42; b[1] = 0x17; raw[i] = HashValue(bytes: b) }
                let (values, packed) = sortedValues(raw, stride: bytes + 1)
                let (other, otherPacked) = sortedValues((0..<50).map { _ in rng.hash(bytes: 16) }, stride: 17)
                let id = (0..<16).map { UInt8($0) }, fp = (0..<32).map { UInt8(255 - $0) }
                let a = tmp.file("built-\(bytes)-\(n)"), b = tmp.file("made-\(bytes)-\(n)")
                let (x, y) = try packed.withUnsafeBytes { p in
                    try otherPacked.withUnsafeBytes { o in
                        let built = ExactIndex(sorted: p.baseAddress!, count: values.count, stride: bytes + 1, byteCount: bytes)
                        let second = ExactIndex(sorted: o.baseAddress!, count: other.count, stride: 17, byteCount: 16)
                        let x = try IndexFile.write(path: a, identity: id, fingerprint: fp,
                                                    sections: [built.fileSection(signal: "sha1"), second.fileSection(signal: "md5")])
                        let made = ExactIndex.fileSection(sortedValues: p.baseAddress!, count: values.count, stride: bytes + 1,
                                                          byteCount: bytes, signal: "sha1")
                        let y = try IndexFile.write(path: b, identity: id, fingerprint: fp,
                                                    contents: [made, IndexFile.SectionContent(second.fileSection(signal: "md5"))])
                        return (x, y)
                    }
                }
                XCTAssertEqual(x.bytes, y.bytes); XCTAssertEqual(x.checksum, y.checksum)
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)),
                               "\(bytes)-byte values, \(n)")
                let file = try IndexFile(mapping: b)
                let mapped = try ExactIndex(mapped: file.sections[0], in: file)
                XCTAssertEqual(mapped.search(values[values.count / 2], threshold: 0), [IndexHit(entry: Int32(values.count / 2), distance: 0)])
            }
        }
    }

    /// A mapped compact index (standard layout and transposed pairs) against brute force over
    /// the input values, through the order the build hands out.
    func testAMappedCompactIndexMatchesBruteForce() throws {
        let tmp = try TemporaryDirectory()
        var rng = SplitMix64(seed: 5)
        let values = rng.hashSet(count: 12_000, bytes: 32, centres: 40, spread: 24)
        // 60 queries in the shipped configuration; 20 in debug, where the brute-force
        // reference of 60 took ~30 s (the release pass of `make test` runs all 60).
        #if DEBUG
        let queryCount = 20
        #else
        let queryCount = 60
        #endif
        let queries = rng.queries(count: queryCount, near: values, bytes: 32, maxFlips: 40)
        let brute = BruteForceHammingIndex(packed: try PackedHashList(values, byteCount: 32))
        for transpose in [nil, PDQBitLayout.transpose] {
            var order: [Int32] = []
            let built = try CompactHammingIndex(packed: try PackedHashList(values, byteCount: 32), segmentCount: 11,
                                                transpose: transpose, reorder: { order = Array($0) })
            let path = tmp.file("compact-\(transpose == nil)")
            try IndexFile.write(path: path, identity: Array(repeating: 0, count: 16), fingerprint: Array(repeating: 0, count: 32),
                                sections: [built.fileSection(signal: "pdq")])
            let file = try IndexFile(mapping: path)
            let mapped = try CompactHammingIndex(mapped: file.sections[0], in: file, transpose: PDQBitLayout.transpose)
            XCTAssertEqual(mapped.transposedPairs, transpose != nil)
            for t in [0, 10, 31, 45] {
                for q in queries {
                    let got = mapped.search(q, threshold: t).map { IndexHit(entry: order[Int($0.entry)], distance: $0.distance) }.sorted()
                    XCTAssertEqual(got, brute.search(q, threshold: t), "threshold \(t)")
                }
            }
            // Queries with their transposes in one batch, as a --dihedral scan asks.
            let variants = queries.prefix(4).flatMap { [$0, PDQBitLayout.transpose.apply($0)] }
            var batch: [IndexBatchHit] = []
            mapped.search(batch: variants, threshold: 31, into: &batch)
            var expected: [IndexBatchHit] = []
            brute.search(batch: variants, threshold: 31, into: &expected)
            XCTAssertEqual(batch.map { IndexBatchHit(query: $0.query, hit: IndexHit(entry: order[Int($0.hit.entry)], distance: $0.hit.distance)) }.sorted(),
                           expected.sorted())
        }
    }

    func testADamagedTruncatedOrForeignFileIsRefused() throws {
        let tmp = try TemporaryDirectory()
        var rng = SplitMix64(seed: 9)
        let (values, packed) = sortedValues((0..<3000).map { _ in rng.hash(bytes: 16) }, stride: 17)
        let built = packed.withUnsafeBytes { ExactIndex(sorted: $0.baseAddress!, count: values.count, stride: 17, byteCount: 16) }
        let path = tmp.file("index")
        try IndexFile.write(path: path, identity: Array(repeating: 0, count: 16), fingerprint: Array(repeating: 0, count: 32),
                            sections: [built.fileSection(signal: "md5")])
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertNoThrow(try IndexFile(mapping: path))
        func refused(_ bytes: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
            let p = tmp.file("bad")
            unlink(p)
            FileManager.default.createFile(atPath: p, contents: bytes)
            XCTAssertThrowsError(try IndexFile(mapping: p), what, file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(p), "\(error)", file: file, line: line)
            }
        }
        refused(good.prefix(good.count - 4096), "truncated")
        refused(good.prefix(50), "truncated inside the header")
        refused(Data(), "empty")
        refused(good + Data(count: 4096), "extended")
        for offset in [2, 8 * 3, 8 * 5, 8 * 12, 8 * 20] {           // magic, size, identity, section table
            var d = good; d[offset] ^= 0x01
            refused(d, "header byte \(offset)")
        }
        for offset in [4096, 4096 + 777, good.count - 1] {          // the keys, the directory's end
            var d = good; d[offset] ^= 0x80
            refused(d, "body byte \(offset)")
        }
        XCTAssertThrowsError(try IndexFile(mapping: tmp.file("missing")))
    }
}
