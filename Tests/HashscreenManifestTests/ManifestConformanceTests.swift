// The one suite every manifest layout runs: one table of rows, written by `DatasetFixture` as
// CSV, TSV, JSONL, Parquet, webdataset shards, files shards and a plain folder, read back by
// `Manifest.open`, must give the same samples: key, URL, caption, the image's bytes (a file, or a
// tar member's byte range), recorded hashes, per-row problems, and identities that follow the
// table's order. A layout that cannot hold a field is held to what it can hold (its projection of
// the table): a folder has only files, keyed by their names; a manifest has no row for an image
// its shard's parquet lost.

import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenTestSupport
import XCTest

final class ManifestConformanceTests: XCTestCase {
    /// The scan position the inputs are opened at, so that identities carry it.
    static let input = 2
    static let shardSize = 3

    /// The table: quoting and line breaks in fields, unicode, hashes in both cases, a hash that
    /// does not parse, rows without an image, an image its shard's parquet has no row for, and
    /// shards of 3 rows (the last one without any image in its parquet rows).
    static func table() throws -> [FixtureRow] {
        let md5 = "0123456789abcdef0123456789abcdef"
        let sha1 = "00112233445566778899aabbccddeeff00112233"
        let sha256 = String(repeating: "ab", count: 32)
        return [
            FixtureRow(key: "k00", url: "http://example.org/a.jpg?x=1&y=2", caption: "one, with \"quotes\"",
                       image: try DatasetFixture.image("0001.jpg"), md5: md5, sha256: sha256, status: "success"),
            FixtureRow(key: "k01", caption: "multi\nline", image: try DatasetFixture.image("0003.png"), sha1: sha1, status: "success"),
            FixtureRow(key: "k02", url: "http://example.org/c", sha256: sha256, status: "failed_to_download"),
            FixtureRow(key: "k03", url: "http://example.org/ünïcode", caption: "café\tand a tab",
                       image: try DatasetFixture.image("0002.jpg"), status: "success"),
            FixtureRow(key: "k04", url: "http://example.org/e", image: try DatasetFixture.image("0005.png"),
                       md5: md5.uppercased(), sha1: sha1, sha256: sha256, status: "success"),
            FixtureRow(key: "k05", url: "http://example.org/f", image: try DatasetFixture.image("0004.jpg"),
                       md5: "not hex", status: "success"),
            FixtureRow(key: "k06", url: "http://example.org/g", status: "failed_to_download"),
            FixtureRow(key: "k07", url: "http://example.org/h", caption: "only in its shard",
                       image: try DatasetFixture.image("0006.jpg"), sha1: sha1, status: "success", listed: false),
        ]
    }

    /// What a reader must yield for one row, in comparable form.
    struct Expected: Equatable, CustomStringConvertible {
        var key: String
        var url: String?
        var caption: String?
        var bytes: [UInt8]?
        var recorded: [RecordedHash]
        var problems: [String]
        var id: SampleID

        var description: String {
            "\(key) url=\(url ?? "-") caption=\(caption.debugDescription) bytes=\(bytes?.count ?? -1) recorded=\(recorded.map { "\($0.column)=\($0.value.hex)" }) problems=\(problems) id=\(id)"
        }
    }

    /// The table as `layout` holds it, with the identity each row gets there.
    func projection(_ table: [FixtureRow], _ layout: FixtureLayout) -> [Expected] {
        let input = UInt32(Self.input)
        func recorded(_ r: FixtureRow) -> (hashes: [RecordedHash], problems: [String]) {
            var out: [RecordedHash] = [], problems: [String] = []
            for (column, text, signal) in [("md5", r.md5, SignalKind.md5), ("sha1", r.sha1, .sha1), ("sha256", r.sha256, .sha256)] {
                guard let text else { continue }
                if let v = HashValue(hex: text.lowercased()), v.bytes.count == signal.byteCount {
                    out.append(RecordedHash(signal: signal, value: v, column: column))
                } else {
                    problems.append("column \(column)")
                }
            }
            return (out, problems)
        }
        func row(_ r: FixtureRow, _ id: SampleID) -> Expected {
            let (hashes, problems) = recorded(r)
            return Expected(key: r.key, url: r.url, caption: r.caption, bytes: r.image?.bytes, recorded: hashes,
                            problems: problems, id: id)
        }
        switch layout {
        case .csv, .tsv, .jsonl, .parquet:
            return table.filter(\.listed).enumerated().map { row($1, SampleID(input: input, row: $0)) }
        case .webdataset, .files:
            var out: [Expected] = []
            for (s, start) in stride(from: 0, to: table.count, by: Self.shardSize).enumerated() {
                var rows: UInt64 = 0, members: UInt64 = 0
                for r in table[start..<min(start + Self.shardSize, table.count)] {
                    let place: SampleID.Place = r.listed ? .row(rows) : .member(members)
                    if r.listed { rows += 1 } else { members += 1 }
                    out.append(row(r, SampleID(input: input, shard: UInt32(s), place)))
                }
            }
            return out
        case .folder:
            // Files only, keyed by name, in the sorted walk's order.
            return table.filter { $0.image != nil }.sorted { $0.imageName! < $1.imageName! }.enumerated().map {
                Expected(key: $1.imageName!, url: nil, caption: nil, bytes: $1.image!.bytes, recorded: [], problems: [],
                         id: SampleID(input: input, row: $0))
            }
        }
    }

    /// Reads `path` as `layout`: every sample, in the order yielded, with its image's bytes.
    func read(_ path: String, _ layout: FixtureLayout) throws -> [Expected] {
        var out: [Expected] = []
        let reader = try Manifest.open(path: path, layout: ManifestLayout(rawValue: layout.rawValue)!, input: Self.input)
        XCTAssertEqual(reader.layout.rawValue, layout.rawValue)
        try reader.forEachItem { item in
            guard case .sample(let s, let problems) = item else { return XCTFail("\(layout): unexpected \(item)") }
            var bytes: [UInt8]? = nil
            if let p = s.path {
                let all = Array(try Data(contentsOf: URL(fileURLWithPath: p)))
                bytes = s.member.map { Array(all[$0.offset..<($0.offset + $0.length)]) } ?? all
            }
            // A problem's wording is the reader's; the suite checks which column it names.
            let columns = problems.map { String($0.prefix(while: { $0 != ":" })) }
            out.append(Expected(key: s.key, url: s.url, caption: s.caption, bytes: bytes, recorded: s.recorded,
                                problems: columns, id: s.id))
        }
        return out
    }

    func testEveryLayoutYieldsItsProjectionOfTheTable() throws {
        let table = try Self.table()
        for layout in FixtureLayout.allCases {
            let tmp = try TemporaryDirectory()
            let path = try DatasetFixture.write(table, as: layout, in: tmp.path, shardSize: Self.shardSize)
            let got = try read(path, layout).sorted { $0.id < $1.id }
            let want = projection(table, layout)
            XCTAssertEqual(got.count, want.count, "\(layout): \(got.map(\.key))")
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, "\(layout)") }
        }
    }

    /// The fields every layout can hold agree between layouts, whatever each reader's order.
    func testLayoutsAgreeOnTheFieldsTheyShare() throws {
        let table = try Self.table()
        var byLayout: [FixtureLayout: [String: Expected]] = [:]
        for layout in FixtureLayout.allCases {
            let tmp = try TemporaryDirectory()
            let path = try DatasetFixture.write(table, as: layout, in: tmp.path, shardSize: Self.shardSize)
            byLayout[layout] = Dictionary(uniqueKeysWithValues: try read(path, layout).map { ($0.key, $0) })
        }
        let csv = try XCTUnwrap(byLayout[.csv])
        for layout in [FixtureLayout.tsv, .jsonl, .parquet] {
            XCTAssertEqual(byLayout[layout], csv, "\(layout) and csv: the same rows, the same samples")
        }
        let webdataset = try XCTUnwrap(byLayout[.webdataset])
        XCTAssertEqual(byLayout[.files], webdataset, "files and webdataset: the same shards, the same samples")
        for (key, s) in csv {
            var shardSample = try XCTUnwrap(webdataset[key], key)
            shardSample.id = s.id
            XCTAssertEqual(shardSample, s, "\(key): a shard's row and a manifest's row give one sample")
        }
        // A folder's sample is its file: the same bytes as the manifest rows that name it.
        for s in try XCTUnwrap(byLayout[.folder]).values {
            let key = String(s.key.prefix(while: { $0 != "." }))
            XCTAssertEqual(s.bytes, (csv[key] ?? webdataset[key])?.bytes, s.key)
        }
    }

    /// Identities are unique, carry the input's position, and sort in the table's order; in
    /// sharded layouts the shard's rows come before its images without a row, and each shard
    /// before the next.
    func testIdentitiesFollowTheTablesOrder() throws {
        let table = try Self.table()
        for layout in FixtureLayout.allCases {
            let tmp = try TemporaryDirectory()
            let path = try DatasetFixture.write(table, as: layout, in: tmp.path, shardSize: Self.shardSize)
            let got = try read(path, layout)
            XCTAssertEqual(Set(got.map(\.id)).count, got.count, "\(layout): identities are unique")
            XCTAssertTrue(got.allSatisfy { $0.id.input == UInt32(Self.input) }, "\(layout)")
            let order = projection(table, layout).map(\.key)
            XCTAssertEqual(got.sorted { $0.id < $1.id }.map(\.key), order, "\(layout)")
            if layout.isSharded {
                XCTAssertEqual(Set(got.map(\.id.shard)), [0, 1, 2], "\(layout): three shards")
                let k07 = try XCTUnwrap(got.first { $0.key == "k07" })
                XCTAssertEqual(k07.id, SampleID(input: UInt32(Self.input), shard: 2, .member(0)))
                XCTAssertEqual(k07.url, "http://example.org/h", "\(layout): read from the image's KEY.json")
            } else {
                XCTAssertEqual(Set(got.map(\.id.shard)), [0], "\(layout): one table, shard 0")
            }
        }
    }
}
