import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// The allocation-free path (`onPlainValue`) reads exactly what the general path reads: the same
/// values of the same lines, and every other line (labels, bad lengths, bad digits, unknown
/// types, URLs) left to the general path with its reasons.
final class ListFileParserFastPathTests: ListStoreTestCase {
    func results(_ path: String, defaultType: ListLineType?, fast: Bool) throws -> [String] {
        var out: [String] = []
        var parser = ListFileParser(path: path, defaultType: defaultType,
                                    urlHasher: { _ in [(.urlMD5, HashValue(bytes: Array(repeating: 7, count: 16)))] })
        // The sink is called before `onLine` of its line (which then gets `.entries([])`).
        var sunk: [String] = []
        if fast { parser.onPlainValue = { k, v, q in sunk.append("\(k.name) \(Hex.encode(v)) \(q.map(String.init) ?? "-") -") } }
        _ = try parser.parse { n, r in
            out += sunk.map { "\(n) \($0)" }
            sunk = []
            switch r {
            case .entry(let e): out.append("\(n) \(e.signal.name) \(e.value.hex) \(e.quality.map(String.init) ?? "-") \(e.label ?? "-")")
            case .entries(let es):
                for e in es { out.append("\(n) \(e.signal.name) \(e.value.hex) \(e.quality.map(String.init) ?? "-") \(e.label ?? "-")") }
            case .problem(let p): out.append("\(n) problem \(p)")
            }
        }
        return out
    }

    func testFastAndGeneralPathsReadTheSameLines() throws {
        let md5 = Self.randomValue(.md5).hex, sha1 = Self.randomValue(.sha1).hex
        let lines = "md5 \(md5)\n  MD5\t\(md5.uppercased())  \r\nmd5 \(md5) a label\nmd5 \(md5.dropLast())\n"
            + "md5 \(md5.dropLast())g\nsha1 \(sha1)\nbogus \(md5)\nurl https://example.com/a\n\(sha1)\n# comment\n\n"
        let plain = try write("plain.txt", lines)
        for d in [nil, ListLineType.signal(.sha1)] {
            var general = try results(plain, defaultType: d, fast: false)
            var fast = try results(plain, defaultType: d, fast: true)
            general.sort(); fast.sort()
            XCTAssertEqual(fast, general, "default type \(String(describing: d))")
        }
        let csv = try write("l.csv", "hash_type,hash_value,quality,label\nmd5,\(md5),,\npdq,\(Self.randomValue(.pdq).hex),55,\nmd5,\(md5),,x\nmd5,\(md5)0,,\n")
        XCTAssertEqual(try results(csv, defaultType: nil, fast: true).sorted(), try results(csv, defaultType: nil, fast: false).sorted())
    }
}
