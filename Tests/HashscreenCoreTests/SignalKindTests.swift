import HashscreenCore
import XCTest

final class SignalKindTests: XCTestCase {
    func testEverySignalParsesItsOwnHexAndRejectsWrongLengthAndNonHex() throws {
        for s in SignalKind.allCases {
            let hex = String(repeating: "aB", count: s.byteCount)
            let v = try s.parse(hex)
            XCTAssertEqual(v.bytes.count, s.byteCount, "\(s)")
            XCTAssertEqual(v.hex, hex.lowercased())
            XCTAssertThrowsError(try s.parse(String(hex.dropLast(2)))) { e in
                XCTAssertTrue("\(e)".contains("must be \(s.hexLength) hex digits"), "\(e)")
            }
            XCTAssertThrowsError(try s.parse(String(hex.dropLast()) + "g")) { e in
                XCTAssertTrue("\(e)".contains("not hexadecimal"), "\(e)")
            }
        }
    }

    /// Parsing trims as Foundation's `.whitespaces` does (the oracle), whatever the ends: ASCII,
    /// tabs, no-break and other Unicode spaces, newlines (not trimmed: an error).
    func testParseTrimsExactlyWhatFoundationTrims() {
        let hex = String(repeating: "0a", count: 16)
        for pre in ["", " ", "\t", "\u{00A0}", "\u{3000}", "\n", "\r", "\u{2028}", "x", "é", " \u{2003}"] {
            for post in ["", " ", "\t", "\u{00A0}", "\u{202F}", "\n", "\u{0085}", "\u{200B}", "Z", "\u{0301}"] {
                let text = pre + hex + post
                let t = text.trimmingCharacters(in: .whitespaces)
                let expected = t.utf8.count == 32 ? HashValue(hex: t) : nil
                XCTAssertEqual(try? SignalKind.md5.parse(text), expected, "\(Array(text.unicodeScalars).map(\.value))")
            }
        }
    }

    /// Sets and dictionaries of signals hash by case: each case is its own key.
    func testSignalsAreDistinctKeys() {
        XCTAssertEqual(Set(SignalKind.allCases).count, SignalKind.allCases.count)
        let d = Dictionary(uniqueKeysWithValues: SignalKind.allCases.map { ($0, $0.name) })
        for s in SignalKind.allCases { XCTAssertEqual(d[s], s.name) }
    }

    func testNamesRoundTripAndAliases() {
        for s in SignalKind.allCases { XCTAssertEqual(SignalKind(name: s.name), s) }
        XCTAssertEqual(SignalKind(name: "SHA-256"), .sha256)
        XCTAssertEqual(SignalKind(name: " PDQ "), .pdq)
        XCTAssertEqual(SignalKind(name: "average_hash"), .ahash)
        XCTAssertNil(SignalKind(name: "crc32"))
        // ThreatExchange's list name for the MD5 of a photo: lists only, not flags.
        XCTAssertNil(SignalKind(name: "photo_md5"))
        XCTAssertEqual(SignalKind(listName: "Photo_MD5"), .md5)
        XCTAssertEqual(SignalKind(listName: "sha-1"), .sha1)
        XCTAssertNil(SignalKind(listName: "url"), "`url` is list syntax (a URL expanded to its URL hashes), not a signal")
    }

    /// Every signal's declared facts hold together: names unique, text form round-trips,
    /// thresholds inside their range, the quality gate on its scale, a permutation of the
    /// signal's own width that is its own inverse, URL digests that are file digests.
    func testEveryDescriptorIsConsistent() throws {
        var seen: [String: SignalKind] = [:]
        var rng = SystemRandomNumberGenerator()
        for s in SignalKind.allCases {
            let d = s.descriptor
            for n in [s.name] + d.aliases + d.listAliases {
                XCTAssertEqual(n, n.lowercased(), "\(s): names are lower case")
                XCTAssertNil(seen[n], "'\(n)' names both \(seen[n].map { "\($0)" } ?? "") and \(s)")
                seen[n] = s
            }
            for a in d.aliases { XCTAssertEqual(SignalKind(name: a), s) }
            for a in d.listAliases { XCTAssertEqual(SignalKind(listName: a), s) }

            let value = HashValue(bytes: (0..<s.byteCount).map { _ in UInt8.random(in: 0...255, using: &rng) })
            XCTAssertEqual(try s.parse(value.hex), value, "\(s) text round trip")
            XCTAssertEqual(try s.parse(value.hex.uppercased()), value)
            XCTAssertEqual(s.bitCount, 8 * s.byteCount)

            XCTAssertEqual([s.isCryptographic, s.isPerceptual, s.isURL].filter { $0 }.count, 1, "\(s) has one source")
            XCTAssertEqual(s.isPerceptual, s.comparison == .hamming)
            if let digest = s.urlDigest {
                XCTAssertTrue(digest.isCryptographic, "\(s) digests the URL with a file digest")
                XCTAssertEqual(digest.byteCount, s.byteCount)
            }

            let index = s.indexDescription
            XCTAssertEqual(index.comparison, s.comparison)
            XCTAssertEqual(index.bitCount, s.bitCount)
            if let h = d.hamming {
                let range = try XCTUnwrap(s.thresholdRange)
                XCTAssertEqual(range, 0...(s.bitCount - 1))
                XCTAssertTrue(range.contains(h.defaultThreshold), "\(s) default threshold")
                XCTAssertTrue(range.contains(h.indexTunedThreshold), "\(s) tuned threshold")
                XCTAssertEqual(s.defaultThreshold, h.defaultThreshold)
                XCTAssertEqual(index.tunedThreshold, h.indexTunedThreshold)
                if let t = h.transpose {
                    XCTAssertEqual(t.bitCount, s.bitCount, "\(s) transpose width")
                    XCTAssertTrue(t.isInvolution, "\(s) transpose is its own inverse")
                    XCTAssertEqual(t.apply(t.apply(value)), value)
                }
                XCTAssertEqual(index.transpose, h.transpose)
                XCTAssertTrue(SignalKind.hammingSignals.contains(s))
            } else {
                XCTAssertNil(s.thresholdRange)
                XCTAssertEqual(s.defaultThreshold, 0, "exact signals match equal values only")
                XCTAssertNil(s.transpose)
                XCTAssertNil(s.quality, "only a hasher's own values carry a quality")
                XCTAssertEqual(index.tunedThreshold, 0)
            }
            if let q = s.quality { XCTAssertTrue(q.range.contains(q.minimum), "\(s) quality minimum") }
        }
        XCTAssertNil(seen["url"], "`url` stays free for list syntax")
    }

    /// The figures the signals declare, with their sources (python-threatexchange's
    /// PDQ_CONFIDENT_MATCH_THRESHOLD = 31 and QUALITY_THRESHOLD = 50; ImageHash's 8 of 64 bits).
    func testDeclaredFigures() {
        XCTAssertEqual(SignalKind.pdq.defaultThreshold, 31)
        XCTAssertEqual(SignalKind.pdq.thresholdRange, 0...255)
        XCTAssertEqual(SignalKind.pdq.indexDescription.tunedThreshold, 31)
        XCTAssertEqual(SignalKind.pdq.quality, QualityGate.pdq)
        XCTAssertEqual(QualityGate.pdq.range, 0...100)
        XCTAssertEqual(QualityGate.pdq.minimum, 50)
        XCTAssertNotNil(SignalKind.pdq.transpose)
        for s in [SignalKind.phash, .dhash, .ahash] {
            XCTAssertEqual(s.defaultThreshold, 8)
            XCTAssertEqual(s.thresholdRange, 0...63)
            XCTAssertEqual(s.indexDescription.tunedThreshold, 10)
            XCTAssertNil(s.transpose)
            XCTAssertNil(s.quality)
        }
        XCTAssertEqual(SignalKind.hammingSignals, [.pdq, .phash, .dhash, .ahash])
        XCTAssertEqual(SignalKind.urlMD5.urlDigest, .md5)
        XCTAssertEqual(SignalKind.urlSHA256.urlDigest, .sha256)
    }

    func testBitPermutations() throws {
        XCTAssertNil(BitPermutation(bitCount: 8) { $0 / 2 }, "two bits to one place")
        XCTAssertNil(BitPermutation(bitCount: 8) { $0 + 1 }, "a place out of range")
        let reverse = try XCTUnwrap(BitPermutation(bitCount: 16) { 15 - $0 })
        XCTAssertTrue(reverse.isInvolution)
        XCTAssertEqual(reverse.fixedPoints, [])
        XCTAssertEqual(reverse.apply(HashValue(bytes: [0x80, 0x03])), HashValue(bytes: [0xC0, 0x01]))
        let rotate = try XCTUnwrap(BitPermutation(bitCount: 16) { ($0 + 4) % 16 })
        XCTAssertFalse(rotate.isInvolution)
        XCTAssertEqual(rotate.apply(HashValue(bytes: [0xF0, 0x00])), HashValue(bytes: [0x0F, 0x00]))
        // PDQ's transpose swaps coefficient (i, j) with (j, i) and keeps the diagonal.
        let t = PDQBitLayout.transpose
        XCTAssertEqual(t[PDQBitLayout.position(row: 2, column: 9)], PDQBitLayout.position(row: 9, column: 2))
        XCTAssertEqual(t[PDQBitLayout.position(row: 5, column: 5)], PDQBitLayout.position(row: 5, column: 5))
        XCTAssertEqual(Set((0..<16).flatMap { i in (0..<16).map { PDQBitLayout.position(row: i, column: $0) } }).count, 256)
    }

    func testComparisonKinds() {
        XCTAssertEqual(SignalKind.md5.comparison, .exact)
        XCTAssertEqual(SignalKind.urlSHA256.comparison, .exact)
        XCTAssertEqual(SignalKind.pdq.comparison, .hamming)
        XCTAssertEqual(SignalKind.phash.byteCount, 8)
        XCTAssertTrue(SignalKind.sha1.isCryptographic)
        XCTAssertFalse(SignalKind.urlMD5.isCryptographic)
        XCTAssertTrue(SignalKind.urlMD5.isURL)
        XCTAssertTrue(SignalKind.dhash.isPerceptual)
    }

    func testHammingDistance() throws {
        let a = try SignalKind.phash.parse("0000000000000000")
        let b = try SignalKind.phash.parse("ffffffffffffffff")
        let c = try SignalKind.phash.parse("8000000000000001")
        XCTAssertEqual(a.hammingDistance(to: b), 64)
        XCTAssertEqual(a.hammingDistance(to: c), 2)
        XCTAssertEqual(c.hammingDistance(to: c), 0)
    }

    func testJSONRenderingIsOrderedAndEscaped() {
        let v: JSONValue = .object([("b", .int(1)), ("a", .string("x\"y\\z\n\u{1}")), ("n", .null),
                                    ("l", .array([.bool(true), .double(1.5), .double(2)]))])
        XCTAssertEqual(v.rendered(), #"{"b":1,"a":"x\"y\\z\n\u0001","n":null,"l":[true,1.5,2]}"#)
        XCTAssertTrue(v.pretty().contains("\n  \"b\": 1,"))
    }
}
