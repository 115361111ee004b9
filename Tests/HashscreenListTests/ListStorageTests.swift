import CSQLite
import Foundation
import HashscreenCore
@testable import HashscreenList
import HashscreenTestSupport
import XCTest

/// Schema 2: URL conventions in the provenance, entries without labels in sorted blocks, and
/// databases of schema 1 read as they are and migrated by the next import.
final class ListStorageTests: ListStoreTestCase {
    func testURLConventionIsRecordedPerList() throws {
        let f = try write("a.txt", "url_md5 \(Self.randomValue(.urlMD5).hex)\n")
        try importList([f], name: "te")
        try importList([f], name: "raw", urlConvention: .raw)
        let lists = try HashListStore.openReadOnly(path: dbPath).lists()
        XCTAssertEqual(lists.map(\.name), ["raw", "te"])
        XCTAssertEqual(lists.map(\.provenance.recordedURLConvention), [.raw, .threatexchange])
    }

    /// A schema-1 database as hashscreen wrote it before URL conventions and blocks.
    func makeSchema1Database(values: [HashValue]) throws {
        let db = try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        try db.execute("""
            PRAGMA application_id = \(ListDatabaseFormat.applicationID);
            PRAGMA user_version = 1;
            CREATE TABLE lists(id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,
                imported_at TEXT NOT NULL, tool_version TEXT NOT NULL, entry_count INTEGER NOT NULL,
                duplicate_count INTEGER NOT NULL, skipped_count INTEGER NOT NULL, UNIQUE(name, version));
            CREATE TABLE list_sources(list_id INTEGER NOT NULL, position INTEGER NOT NULL, path TEXT NOT NULL,
                sha256 TEXT NOT NULL, format TEXT NOT NULL, records INTEGER NOT NULL, entries INTEGER NOT NULL,
                duplicates INTEGER NOT NULL, skipped INTEGER NOT NULL, PRIMARY KEY(list_id, position));
            CREATE TABLE list_type_counts(list_id INTEGER NOT NULL, type TEXT NOT NULL, entries INTEGER NOT NULL,
                PRIMARY KEY(list_id, type));
            CREATE TABLE entries(list_id INTEGER NOT NULL, type TEXT NOT NULL, value BLOB NOT NULL, quality INTEGER,
                label TEXT, PRIMARY KEY(list_id, type, value)) WITHOUT ROWID;
            INSERT INTO lists VALUES (1, 'old', '1', '2024-05-01T10:00:00Z', 'hashscreen 0.1.0', \(values.count), 0, 0);
            INSERT INTO list_type_counts VALUES (1, 'url_md5', \(values.count));
            """)
        let insert = try db.prepare("INSERT INTO entries VALUES (1, 'url_md5', ?1, NULL, NULL)")
        for v in values { try insert.bind(1, blob: v.bytes); try insert.step(); insert.reset() }
    }

    func testSchema1DatabaseIsReadAsItIsAndMigratedByTheNextImport() throws {
        let old = (0..<3).map { _ in Self.randomValue(.urlMD5) }
        try makeSchema1Database(values: old)

        let reader = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(reader.schemaVersion, 1)
        let info = try XCTUnwrap(try reader.lists().first)
        XCTAssertNil(info.provenance.recordedURLConvention)
        XCTAssertEqual(info.provenance.urlConvention, .hashscreen, "unrecorded lists keep today's behaviour")
        var streamed: [HashValue] = []
        try reader.forEachEntry(signals: [.urlMD5]) { streamed.append($0.value) }
        XCTAssertEqual(streamed, old.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
        XCTAssertEqual(try reader.lookup(.urlMD5, old[1]).map(\.list.name), ["old"])
        XCTAssertEqual(try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READONLY).scalarInt("PRAGMA user_version"), 1,
                       "reading never migrates")

        let f = try write("new.txt", "url_md5 \(old[0].hex)\n")
        try importList([f], name: "new", urlConvention: .raw)
        let after = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(after.schemaVersion, ListDatabaseFormat.schemaVersion)
        XCTAssertEqual(try after.lists().map { "\($0.name) \($0.provenance.recordedURLConvention?.name ?? "-")" }, ["new raw", "old -"])
        XCTAssertEqual(try after.lookup(.urlMD5, old[0]).map(\.list.name), ["new", "old"])
        var all = 0
        try after.forEachEntry(signals: [.urlMD5]) { _ in all += 1 }
        XCTAssertEqual(all, 4)
    }

    /// The migration commits only with the import that needed it: an import that fails (an
    /// invalid line) leaves a schema-1 file as it was, byte for byte, still readable as schema 1;
    /// an existing name and version refused likewise.
    func testFailedImportLeavesASchema1DatabaseUnmigrated() throws {
        let old = (0..<3).map { _ in Self.randomValue(.urlMD5) }
        try makeSchema1Database(values: old)
        let before = try Data(contentsOf: URL(fileURLWithPath: dbPath))
        let bad = try write("bad.txt", "url_md5 \(Self.randomValue(.urlMD5).hex)\nurl_md5 nothex\n")
        XCTAssertThrowsError(try importList([bad], name: "new"))
        let dup = try write("dup.txt", "url_md5 \(Self.randomValue(.urlMD5).hex)\n")
        XCTAssertThrowsError(try importList([dup], name: "old", version: "1"), "an existing name and version is refused")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dbPath)), before, "the file is unchanged")
        XCTAssertEqual(try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READONLY).scalarInt("PRAGMA user_version"), 1)
        let reader = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(reader.schemaVersion, 1)
        XCTAssertEqual(try reader.lookup(.urlMD5, old[2]).map(\.list.name), ["old"])

        // The same store object, after a failed import, still migrates with a good one.
        let store = try HashListStore.openForImport(path: dbPath)
        XCTAssertThrowsError(try store.importList(request([bad], name: "new", version: "v1", defaultType: nil,
                                                          skipInvalid: false, replace: false, urlHasher: nil,
                                                          urlConvention: .raw)))
        XCTAssertEqual(store.schemaVersion, 1, "rolled back with the import")
        let good = try write("good.txt", "url_md5 \(old[0].hex)\n")
        _ = try store.importList(request([good], name: "new", version: "v1", defaultType: nil, skipInvalid: false,
                                         replace: false, urlHasher: nil, urlConvention: .raw))
        XCTAssertEqual(store.schemaVersion, ListDatabaseFormat.schemaVersion)
        let after = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(after.schemaVersion, ListDatabaseFormat.schemaVersion)
        XCTAssertEqual(try after.lookup(.urlMD5, old[0]).map(\.list.name), ["new", "old"])
    }

    /// Unlabelled entries go to blocks, labelled ones to rows; reading merges both in storage
    /// order, every value is found by a lookup, and qualities and labels come back.
    func testBlocksAndRowsReadBackInStorageOrderWithQualitiesAndLabels() throws {
        var g = SplitMix64(seed: 3)
        var lines = ["hash_type,hash_value,quality,label"]
        var expected: [String: (Int?, String?)] = [:]
        for i in 0..<(3 * HashListStore.blockEntries + 17) {
            let kind: SignalKind = i % 2 == 0 ? .pdq : .md5
            let v = HashValue(bytes: (0..<kind.byteCount).map { _ in UInt8.random(in: 0...255, using: &g) })
            let quality: Int? = kind == .pdq && i % 3 != 0 ? i % 101 : nil
            let label: String? = i % 50 == 0 ? "label \(i)" : nil
            lines.append("\(kind.name),\(v.hex),\(quality.map(String.init) ?? ""),\(label ?? "")")
            expected["\(kind.name) \(v.hex)"] = (quality, label)
        }
        let f = try write("l.csv", lines.joined(separator: "\n") + "\n")
        let report = try importList([f])
        XCTAssertEqual(report.list.provenance.entryCount, expected.count)

        let store = try HashListStore.openReadOnly(path: dbPath)
        var got: [(String, Int?, String?)] = []
        try store.forEachEntry(signals: [.md5, .pdq], includeLabels: true) { got.append(("\($0.signal.name) \($0.value.hex)", $0.quality, $0.label)) }
        XCTAssertEqual(got.map(\.0), expected.keys.sorted(), "list, type name, value order")
        for (key, q, l) in got {
            XCTAssertEqual(expected[key]?.0, q, key); XCTAssertEqual(expected[key]?.1, l, key)
        }
        for key in expected.keys.sorted().prefix(200) {
            let parts = key.split(separator: " ")
            let kind = SignalKind(rawValue: String(parts[0]))!
            let hits = try store.lookup(kind, HashValue(hex: String(parts[1]))!)
            XCTAssertEqual(hits.count, 1, key)
            XCTAssertEqual(hits.first?.quality, expected[key]?.0, key)
            XCTAssertEqual(hits.first?.label, expected[key]?.1, key)
        }
        XCTAssertEqual(try store.lookup(.md5, Self.randomValue(.md5)).count, 0)
    }

    func testFirstOccurrenceWinsBetweenLabelledAndUnlabelledRepeats() throws {
        let a = Self.randomValue(.md5).hex, b = Self.randomValue(.md5).hex, c = Self.randomValue(.md5).hex
        let first = try write("1.txt", "md5 \(a)\nmd5 \(a) late label\nmd5 \(b) early label\nmd5 \(b)\n")
        let second = try write("2.txt", "md5 \(c)\nmd5 \(b)\nmd5 \(a) another\nmd5 \(c) label of a repeat\n")
        let report = try importList([first, second])
        XCTAssertEqual(report.list.provenance.sources.map(\.entries), [2, 1])
        XCTAssertEqual(report.list.provenance.sources.map(\.duplicates), [2, 3])
        let labels = Dictionary(uniqueKeysWithValues: try allEntries().map { ($0.value.hex, $0.label ?? "-") })
        XCTAssertEqual(labels, [a: "-", b: "early label", c: "-"])
    }

    func testDamagedBlockIsReportedNotUsed() throws {
        let f = try write("a.txt", "md5 \(Self.randomValue(.md5).hex)\nmd5 \(Self.randomValue(.md5).hex)\n")
        try importList([f])
        try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READWRITE).execute("UPDATE entry_blocks SET entry_count = 3")
        let e = expectError(ListError.self) { try HashListStore.openReadOnly(path: dbPath).forEachEntry(signals: [.md5]) { _ in } }
        XCTAssertEqual(e?.code, .damaged)
    }
}
