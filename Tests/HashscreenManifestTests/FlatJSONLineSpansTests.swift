// The byte-level check of plain JSON lines (`FlatJSONLine.spans`) against `FlatJSONLine.parse`
// (itself checked against Foundation): a line it vouches for is one `parse` reads, with the same
// keys and each value where it says; every line `parse` refuses it refuses. Its UTF-8 check is
// `String(validating:)`'s.

import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenManifest

final class FlatJSONLineSpansTests: XCTestCase {
    /// Checks `spans` on `bytes` with the keys `parse` finds (or `keys`): true only when `parse`
    /// reads the line with those keys, and then each span is the field `parse` gives.
    func check(_ bytes: [UInt8], keys: [String]? = nil, expect: Bool? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let fields = FlatJSONLine.parse(bytes)
        let names = keys ?? fields?.map(\.key) ?? ["key", "url"]
        var spans: [FlatJSONLine.Span] = []
        let ok = bytes.withUnsafeBufferPointer { FlatJSONLine.spans($0, keys: FlatJSONLine.Keys(names), into: &spans) }
        let shown = String(decoding: bytes, as: UTF8.self)
        if let expect { XCTAssertEqual(ok, expect, shown, file: file, line: line) }
        guard ok else { return }
        guard let fields else { XCTFail("spans vouched for a line parse refuses: \(shown)", file: file, line: line); return }
        XCTAssertEqual(fields.map(\.key), names, shown, file: file, line: line)
        XCTAssertEqual(spans.count, fields.count, shown, file: file, line: line)
        for (s, f) in zip(spans, fields) {
            let raw = Array(bytes[s.start..<s.end])
            switch (s.kind, f.value) {
            case (.string, .text(let t)): XCTAssertEqual(raw, Array(t.utf8), shown, file: file, line: line)
            case (.escapedString, .text): XCTAssertTrue(raw.contains(0x5C), shown, file: file, line: line)
            case (.null, .null): XCTAssertEqual(raw, Array("null".utf8), file: file, line: line)
            case (.integer, .text(let t)): XCTAssertEqual(raw, Array(t.utf8), shown, file: file, line: line)
            case (.other, .unsure): XCTAssertFalse(raw.contains(0x22), shown, file: file, line: line)
            default: XCTFail("\(s.kind) against \(f.value): \(shown)", file: file, line: line)
            }
        }
    }

    func testItVouchesForTheLinesParseReadsAndNoOthers() {
        for l in FlatJSONLineTests.lines { check(Array(l.utf8), expect: true) }
        for l in FlatJSONLineTests.leftToFoundation { check(Array(l.utf8), expect: false) }
        let awkward: [String] = [
            #"{"key":"a","url":"http:\/\/x.example\/a"}"#, #"{"key":"\u00e9\ud83d\ude00","url":"x"}"#,
            #"{"key":"\ud83dx","url":"x"}"#, #"{"key":"\ud83d\u0041","url":"x"}"#, #"{"key":"\udc00","url":"x"}"#,
            #"{"key":"\u0000","url":"x"}"#, #"{"key":"\u00G0","url":"x"}"#, #"{"key":"\u00e","url":"x"}"#,
            #"{"key":"a","url":"x"} "#, "{\"key\":\"a\",\"url\":\"x\"}\r", #"{"key":"a","url":"x"}}"#, #"{"key":"a","url":"x""#,
            #"{"key":"a","url":"x",}"#, #"{"key":"a" , "url" : "x" }"#, #"{"key":-0,"url":1e5}"#, #"{"key":true,"url":false}"#,
            #"{"key":null,"url":null}"#, #"{"key":nulL,"url":null}"#, #"{"key":tru,"url":null}"#, #"{"key":01,"url":1}"#,
            #"{"key":1.,"url":1}"#, #"{"key":1e,"url":1}"#, #"{"key":-,"url":1}"#, #"{"key":"a","url":"caf\u00e9 😀 é"}"#,
            #"{"key":"a","url":"0123456789abcdef0123456789abcdef\"x\\"}"#, #"{"key":"a","url":[1]}"#, #"{"key":"a","url":{}}"#,
            #"{"key":"a","url":"x","url":"y"}"#, #"{"kez":"a","url":"x"}"#, #"{"url":"x","key":"a"}"#, #"{"key":"a"}"#,
            #"{"ke":"a","url":"x"}"#, #"{"keyy":"a","url":"x"}"#, #"{"k\u0065y":"a","url":"x"}"#, #"{"key":"a","url":"\q"}"#,
            #"{"key":"a","url":"x\"#, "{\"key\":\"a\u{7F}\",\"url\":\"x\"}", #"{"key":"0123456","url":"01234567"}"#,
            #"{"key":123456789012345678,"url":-123456789012345678}"#, #"{"key":1234567890123456789,"url":-1234567890123456789}"#,
            #"{"key":-0.0,"url":0}"#, #"{"key":-00,"url":0}"#, #"{"key":0e0,"url":3000000001}"#,
        ]
        for l in awkward {
            check(Array(l.utf8))
            check(Array(l.utf8), keys: ["key", "url"])
        }
        XCTAssertTrue(FlatJSONLine.parse(Array(#"{"key":"a","url":"x"}"#.utf8)) != nil)
        check(Array(#"{"key":"a","url":"x"}"#.utf8), keys: ["key", "url"], expect: true)
        check(Array(#"{"key":"a","url":"x"}"#.utf8), keys: ["url", "key"], expect: false)
        check(Array(#"{"key":"a","url":"x"}"#.utf8), keys: ["key"], expect: false)
        check(Array(#"{"key":"a","url":"x"}"#.utf8), keys: ["key", "url", "md5"], expect: false)
        check(Array(#"{}"#.utf8), keys: [], expect: true)
        check(Array(#"{"key":"a"}"#.utf8), keys: [], expect: false)
        // Control characters, a DEL, bytes that are not UTF-8, at every offset of the 8-byte words.
        for bad: [UInt8] in [[0x01], [0x1F], [0x0A], [0xFF], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80]] {
            for pad in 0..<17 {
                let head = Array(#"{"key":"a","url":""#.utf8) + [UInt8](repeating: 0x61, count: pad)
                check(head + bad + Array(#"bcdefghijklmnop"}"#.utf8), keys: ["key", "url"], expect: false)
            }
        }
        for good: [UInt8] in [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0x7F], [0x5C, 0x22], [0x5C, 0x5C]] {
            for pad in 0..<17 {
                let head = Array(#"{"key":"a","url":""#.utf8) + [UInt8](repeating: 0x61, count: pad)
                check(head + good + Array(#"bcdefghijklmnop"}"#.utf8), keys: ["key", "url"], expect: true)
            }
        }
    }

    /// Lines mutated at random (a byte replaced, dropped or doubled; seeded, so the same every
    /// run): whatever `spans` vouches for, `parse` reads alike, and it refuses what `parse` refuses.
    func testMutatedLinesAreReadAsParseReadsThem() {
        var rng = SplitMix64(seed: 12)
        let bases = FlatJSONLineTests.lines.map { Array($0.utf8) } + [
            Array(#"{"key": "k1", "url": "https://a.example/x?y=1&z=\"2\"", "caption": "caf\u00e9 \ud83d\ude00 é tab\t", "md5": "0123456789abcdef0123456789abcdef", "n": -12.5e3, "b": true, "z": null}"#.utf8),
        ]
        let alphabet = Array(#"{}[]":,\ u0aAdDe.-+19tfnl"#.utf8) + [0x00, 0x0A, 0x0D, 0x7F, 0x80, 0xBF, 0xC3, 0xE0, 0xED, 0xF0, 0xFF]
        var vouched = 0
        for _ in 0..<20000 {
            var b = bases[Int(rng.next() % UInt64(bases.count))]
            for _ in 0...Int(rng.next() % 3) where !b.isEmpty {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: b.remove(at: at)
                default: b.insert(b[at], at: at)
                }
            }
            let fields = FlatJSONLine.parse(b)
            check(b)
            if let fields {
                var spans: [FlatJSONLine.Span] = []
                if b.withUnsafeBufferPointer({ FlatJSONLine.spans($0, keys: FlatJSONLine.Keys(fields.map(\.key)), into: &spans) }) { vouched += 1 }
            }
        }
        XCTAssertGreaterThan(vouched, 1000)
    }

    func testUTF8CheckIsStringsValidation() {
        func agree(_ bytes: [UInt8]) {
            let mine = bytes.withUnsafeBufferPointer { FlatJSONLine.isUTF8($0, from: 0, to: $0.count) }
            XCTAssertEqual(mine, String(validating: bytes, as: UTF8.self) != nil, "\(bytes.map { String($0, radix: 16) })")
        }
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        for a in 0...255 {
            agree([UInt8(a)])
            for b in 0...255 {
                agree([UInt8(a), UInt8(b)])
                if a >= 0xC0 { for c in edges { agree([UInt8(a), UInt8(b), c]) } }
                if a >= 0xF0 { for c in [UInt8(0x80), 0xBF] { for d in edges { agree([UInt8(a), UInt8(b), c, d]) } } }
            }
        }
    }
}
