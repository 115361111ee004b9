import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// Every accepted input format, read through a real import and read back from the database.
final class ListFileParserTests: ListStoreTestCase {
    let md5A = "d41d8cd98f00b204e9800998ecf8427e"       // MD5 of the empty string (RFC 1321 A.5)
    let md5B = "900150983cd24fb0d6963f7d28e17f72"       // MD5("abc") (RFC 1321 A.5)
    let sha1A = "a9993e364706816aba3e25717850c26c9cd0d89d" // SHA-1("abc") (FIPS 180-2 B.1)

    func testCSVWithHeaderQuotesExtraColumnsCRLFCommentsAndCase() throws {
        let pdq = Self.randomValue(.pdq)
        let text = "# exported list\r\n"
            + "id,hash_type,hash_value,label,quality,added\r\n"
            + "1,md5,\(md5A.uppercased()),\"empty, file\",,2024-01-01\r\n"
            + "\r\n"
            + "# a comment between rows\r\n"
            + "2,\"SHA1\",\"\(sha1A)\",\"say \"\"abc\"\"\",,x\r\n"
            + "3,pdq,\(pdq.hex), spaced label ,87,y\r\n"
        let f = try write("list.csv", text)
        let report = try importList([f])
        XCTAssertEqual(report.records, 3)
        XCTAssertEqual(report.list.provenance.sources.map(\.format), ["csv"])
        let entries = try allEntries()
        XCTAssertEqual(Set(entries.map { "\($0.signal.name) \($0.value.hex) \($0.label ?? "-") \($0.quality.map(String.init) ?? "-")" }), [
            "md5 \(md5A) empty, file -",
            "sha1 \(sha1A) say \"abc\" -",
            "pdq \(pdq.hex) spaced label 87",
        ])
    }

    func testCSVQuotedFieldSpanningLinesKeepsLineNumbers() throws {
        let text = "type,hash,label\nmd5,\(md5A),\"two\nlines\"\nmd5,\(md5B)\nmd5,zz\n"
        let f = try write("multi.csv", text)
        let e = expectError(ListError.self) { try importList([f]) }
        XCTAssertEqual(e?.line, 5, "the bad row is physical line 5")
        let ok = try write("multi-ok.csv", "type,hash,label\nmd5,\(md5A),\"two\nlines\"\nmd5,\(md5B)\n")
        try importList([ok])
        XCTAssertEqual(Set(try allEntries().map { $0.label ?? "-" }), ["two\nlines", "-"])
    }

    /// The shared tokenizer ends a record at a CR alone (issue 11, for manifests); list lines are
    /// split at LF, so a CR-only list file is refused with a reason, never read as one short row.
    func testCSVListWithCROnlyLineEndsIsRefusedNotCutShort() throws {
        let f = try write("cr.csv", "type,hash\rmd5,\(md5A)\rmd5,\(md5B)\r")
        let e = expectError(ListError.self) { try importList([f]) }
        XCTAssertTrue("\(e.map { "\($0)" } ?? "")".contains("carriage return"), "\(String(describing: e))")
    }

    func testTSVWithHeader() throws {
        let f = try write("list.tsv", "hash\ttype\tnote\n\(md5A)\tmd5\tanything, with comma\n\(sha1A)\tsha1\t\n")
        let report = try importList([f])
        XCTAssertEqual(report.list.provenance.sources.first?.format, "tsv")
        XCTAssertEqual(Set(try allEntries().map(\.value.hex)), [md5A, sha1A])
    }

    func testWhitespaceTableWithHeader() throws {
        let f = try write("list.txt", "type hash label\nmd5 \(md5A) a label with spaces\n")
        let report = try importList([f])
        XCTAssertEqual(report.list.provenance.sources.first?.format, "table")
        XCTAssertEqual(try allEntries().map { $0.label ?? "-" }, ["a label with spaces"])
    }

    func testPlainTypedLinesThreatExchangeStyle() throws {
        let pdq = Self.randomValue(.pdq)
        let f = try write("te.txt", "pdq \(pdq.hex)\nmd5\t\(md5A)   some label here\n  PDQ   \(pdq.hex.uppercased())\n")
        let report = try importList([f])
        XCTAssertEqual(report.list.provenance.sources.first?.format, "lines")
        XCTAssertEqual(report.duplicates, 1, "the upper-case PDQ repeats the first line")
        let entries = try allEntries()
        XCTAssertEqual(Set(entries.map { "\($0.signal.name) \($0.value.hex) \($0.label ?? "-")" }),
                       ["pdq \(pdq.hex) -", "md5 \(md5A) some label here"])
    }

    func testBareHexWithDefaultType() throws {
        let f = try write("bare.txt", "\u{FEFF}\(md5A)\n\(md5B.uppercased())  label b\n")
        try importList([f], defaultType: "md5")
        XCTAssertEqual(Set(try allEntries().map { "\($0.signal.name) \($0.value.hex) \($0.label ?? "-")" }),
                       ["md5 \(md5A) -", "md5 \(md5B) label b"])
    }

    func testCSVWithoutTypeColumnUsesDefaultType() throws {
        let f = try write("hashes.csv", "hash\n\(sha1A)\n")
        try importList([f], defaultType: "sha1")
        XCTAssertEqual(try allEntries().map(\.signal), [.sha1])
        let g = try write("hashes2.csv", "hash\n\(sha1A)\n")
        let e = expectError(ListError.self) { try importList([g], name: "other") }
        XCTAssertEqual(e?.description, "\(g):1: header has no hash_type or type column and no default type was given")
    }

    func testBareValueWithoutDefaultTypeIsInvalid() throws {
        let f = try write("bare.txt", "\(md5A)\n")
        let e = expectError(ListError.self) { try importList([f]) }
        XCTAssertEqual(e?.description, "\(f):1: no hash type: write `<type> <hash>` or give a default type")
    }

    func testEverySignalKindInEveryLayout() throws {
        for (i, layout) in ["lines", "csv", "tsv"].enumerated() {
            var text = layout == "csv" ? "hash_type,hash_value\n" : layout == "tsv" ? "type\thash_value\n" : ""
            var expected: Set<String> = []
            for kind in SignalKind.allCases {
                let v = Self.randomValue(kind)
                expected.insert("\(kind.name) \(v.hex)")
                let sep = layout == "csv" ? "," : layout == "tsv" ? "\t" : " "
                text += "\(kind.name)\(sep)\(i % 2 == 0 ? v.hex : v.hex.uppercased())\n"
            }
            let f = try write("all.\(layout)", text)
            let report = try importList([f], name: "all-\(layout)")
            XCTAssertEqual(report.list.provenance.countsByType, Dictionary(uniqueKeysWithValues: SignalKind.allCases.map { ($0, 1) }), layout)
            let store = try HashListStore.openReadOnly(path: dbPath)
            var got: Set<String> = []
            try store.forEachEntry(signals: Set(SignalKind.allCases), lists: [report.list.ref]) {
                XCTAssertEqual($0.value.bytes.count, $0.signal.byteCount)
                got.insert("\($0.signal.name) \($0.value.hex)")
            }
            XCTAssertEqual(got, expected, layout)
        }
    }

    func testURLLinesAreStoredAsTheirDigests() throws {
        // A stand-in hasher: the real one (url_md5/url_sha256 of the normalised URL) lives in
        // HashscreenDigest; here we check the store keeps what the hasher returns.
        var seen: [String] = []
        let md5 = Self.randomValue(.urlMD5), sha = Self.randomValue(.urlSHA256)
        let hasher: (String) throws -> [(SignalKind, HashValue)] = { url in
            seen.append(url)
            return [(.urlMD5, md5), (.urlSHA256, sha)]
        }
        let f = try write("urls.txt", "url https://example.com/a.jpg seen on forum\n")
        let report = try importList([f], urlHasher: hasher)
        XCTAssertEqual(seen, ["https://example.com/a.jpg"])
        XCTAssertEqual(report.list.provenance.countsByType, [.urlMD5: 1, .urlSHA256: 1])
        XCTAssertEqual(Set(try allEntries().map { "\($0.signal.name) \($0.value.hex) \($0.label ?? "-")" }),
                       ["url_md5 \(md5.hex) seen on forum", "url_sha256 \(sha.hex) seen on forum"])

        let csv = try write("urls.csv", "type,value\nurl,\"https://example.com/b?x=1,2\"\n")
        try importList([csv], name: "csv-urls", urlHasher: hasher)
        XCTAssertEqual(seen.last, "https://example.com/b?x=1,2")

        let bare = try write("bare-urls.txt", "https://example.com/c.png\n")
        try importList([bare], name: "bare-urls", defaultType: "url", urlHasher: hasher)
        XCTAssertEqual(seen.last, "https://example.com/c.png")
    }

    func testURLWithoutHasherIsAnInvalidLine() throws {
        let f = try write("urls.txt", "md5 \(md5A)\nurl https://example.com/a.jpg\n")
        let e = expectError(ListError.self) { try importList([f]) }
        XCTAssertEqual(e?.description, "\(f):2: url entries cannot be imported: no URL hasher was provided")
    }

    func testURLHasherRejectionReasonIsReportedOnlyForHashscreenError() throws {
        struct Secret: Error, CustomStringConvertible { var description: String { "https://secret.example/x" } }
        let f = try write("urls.txt", "url https://secret.example/x\n")
        let e1 = expectError(ListError.self) {
            try importList([f], urlHasher: { _ in throw HashscreenError(.input, "not an http(s) URL") })
        }
        XCTAssertEqual(e1?.reason, "URL rejected: not an http(s) URL")
        let e2 = expectError(ListError.self) { try importList([f], urlHasher: { _ in throw Secret() }) }
        XCTAssertEqual(e2?.reason, "URL rejected")
    }

    func testOverlongLineIsRefused() throws {
        let f = try write("binary.bin", String(repeating: "a", count: ListImportLimits.maxLineBytes + 10))
        let e = expectError(ListError.self) { try importList([f], defaultType: "md5", skipInvalid: true) }
        XCTAssertEqual(e?.line, 1)
        XCTAssertTrue(e?.reason.hasPrefix("line longer than") ?? false, e?.reason ?? "")
    }

    func testLongFileAcrossReadChunksKeepsEveryLine() throws {
        // More than one 1 MiB read chunk: lines split across chunk boundaries must survive.
        var text = "", expected = Set<String>()
        for i in 0..<40_000 {
            let v = Self.randomValue(.sha256)
            expected.insert(v.hex)
            text += i % 3 == 0 ? "sha256 \(v.hex)\r\n" : "sha256 \(v.hex) label \(i)\n"
        }
        XCTAssertGreaterThan(text.utf8.count, 2 << 20)
        let f = try write("long.txt", text)
        let report = try importList([f])
        XCTAssertEqual(report.records, 40_000)
        XCTAssertEqual(Set(try allEntries(includeLabels: false).map(\.value.hex)), expected)
    }
}
