import CSQLite
import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// The store's guarantees: atomic imports, invalid-line reports, replace, provenance, file modes,
/// read-only opening, and refusing foreign or damaged files.
final class HashListStoreTests: ListStoreTestCase {
    let md5A = "d41d8cd98f00b204e9800998ecf8427e"
    let md5B = "900150983cd24fb0d6963f7d28e17f72"

    // MARK: - Invalid input

    func testInvalidLinesAreRefusedWithFileLineReasonAndNothingIsStored() throws {
        let cases: [(String, String)] = [
            ("bogus \(md5A)", "unknown hash type 'bogus' (known: md5, sha1, sha256, pdq, phash, dhash, ahash, url_md5, url_sha256, url)"),
            ("md5 \(md5A.dropLast())", "md5 hash must be 32 hex digits, got 31"),
            ("md5 \(md5A.dropLast())g", "md5 hash is not hexadecimal"),
            ("\(md5A) \(md5B)", "unknown hash type (a 32-character field; known: md5, sha1, sha256, pdq, phash, dhash, ahash, url_md5, url_sha256, url)"),
        ]
        for (i, (bad, reason)) in cases.enumerated() {
            let f = try write("bad\(i).txt", "# header comment\nmd5 \(md5B)\n\n\(bad)\nmd5 \(md5A)\n")
            let e = expectError(ListError.self) { try importList([f], name: "bad\(i)") }
            XCTAssertEqual(e?.description, "\(f):4: \(reason)")
            // The reason never echoes the hash values of the line.
            XCTAssertFalse(e?.reason.contains(md5A.prefix(16)) ?? true)
            XCTAssertFalse(e?.reason.contains(md5B.prefix(16)) ?? true)
        }
        let store = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(try store.lists(), [])
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM entries"), 0)
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM list_sources"), 0)
    }

    func testBadQualityInCSV() throws {
        let pdq = Self.randomValue(.pdq).hex
        for (i, q) in ["101", "-1", "high", "5.5"].enumerated() {
            let f = try write("q\(i).csv", "type,hash,quality\npdq,\(pdq),50\npdq,\(Self.randomValue(.pdq).hex),\(q)\n")
            let e = expectError(ListError.self) { try importList([f]) }
            XCTAssertEqual(e?.description, "\(f):3: quality must be an integer from 0 to 100")
        }
    }

    func testInvalidLineInSecondFileStoresNothingOfTheFirst() throws {
        let good = try write("good.txt", "md5 \(md5A)\n")
        let bad = try write("bad.txt", "md5 \(md5B)\nsha1 1234\n")
        let e = expectError(ListError.self) { try importList([good, bad]) }
        XCTAssertEqual(e?.description, "\(bad):2: sha1 hash must be 40 hex digits, got 4")
        let store = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM entries"), 0)
        XCTAssertEqual(try store.lists().count, 0)
    }

    func testSkipInvalidStoresValidLinesAndCountsTheRest() throws {
        var text = "md5 \(md5A)\n"
        for _ in 0..<12 { text += "md5 123\n" }
        text += "md5 \(md5B)\nmd5 \(md5A)\n"
        let f = try write("mixed.txt", text)
        let report = try importList([f], skipInvalid: true)
        XCTAssertEqual(report.skipped, 12)
        XCTAssertEqual(report.skippedExamples.count, ListImportLimits.reportedInvalidLines)
        XCTAssertEqual(report.skippedExamples.first?.description, "\(f):2: md5 hash must be 32 hex digits, got 3")
        XCTAssertEqual(report.duplicates, 1)
        XCTAssertEqual(report.records, 15)
        XCTAssertEqual(report.list.provenance.entryCount, 2)
        XCTAssertEqual(report.list.provenance.skippedCount, 12)
        XCTAssertEqual(report.list.provenance.duplicateCount, 1)
        XCTAssertEqual(Set(try allEntries().map(\.value.hex)), [md5A, md5B])
    }

    func testImportWithNoValidEntriesIsRefused() throws {
        let f = try write("empty.txt", "# nothing here\n\n")
        let e = expectError(ListError.self) { try importList([f]) }
        XCTAssertEqual(e?.code, .emptyList)
        let g = try write("allbad.txt", "md5 1\n")
        XCTAssertEqual(expectError(ListError.self) { try importList([g], skipInvalid: true) }?.code, .emptyList)
    }

    func testRequestValidation() throws {
        let f = try write("a.txt", "md5 \(md5A)\n")
        XCTAssertEqual(expectError(ListError.self) { try importList([f], name: "a@b") }?.code, .invalidRequest)
        XCTAssertEqual(expectError(ListError.self) { try importList([f], name: "") }?.code, .invalidRequest)
        XCTAssertEqual(expectError(ListError.self) { try importList([f], version: "v\n1") }?.code, .invalidRequest)
        XCTAssertEqual(expectError(ListError.self) { try importList([f], defaultType: "crc32") }?.code, .invalidRequest)
        XCTAssertEqual(expectError(ListError.self) { try importList([dir.appendingPathComponent("nope.txt").path]) }?.code, .noSuchFile)
    }

    // MARK: - Versions, replace, duplicates

    func testReimportIsRefusedUnlessReplace() throws {
        let v1 = try write("v1.txt", "md5 \(md5A)\n")
        let v2 = try write("v2.txt", "md5 \(md5B)\nsha1 a9993e364706816aba3e25717850c26c9cd0d89d\n")
        try importList([v1])
        let e = expectError(ListError.self) { try importList([v2]) }
        XCTAssertEqual(e?.code, .listExists)
        XCTAssertEqual(e?.message, "list test@v1 already exists in \(dbPath); replace it explicitly or choose another version")
        XCTAssertEqual(try allEntries().map(\.value.hex), [md5A], "the refused import changed nothing")

        try importList([v1], version: "v0")
        let report = try importList([v2], replace: true)
        XCTAssertTrue(report.replaced)
        let store = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(try store.lists().map(\.ref.description), ["test@v0", "test@v1"])
        var byList: [String: Set<String>] = [:]
        try store.forEachEntry(signals: Set(SignalKind.allCases)) { byList[$0.list.description, default: []].insert($0.value.hex) }
        XCTAssertEqual(byList, ["test@v0": [md5A], "test@v1": [md5B, "a9993e364706816aba3e25717850c26c9cd0d89d"]])
        XCTAssertEqual(try store.db.scalarInt("SELECT count(*) FROM list_sources"), 2, "the replaced list's sources are gone")
    }

    func testReplaceThatFailsKeepsTheOldList() throws {
        let v1 = try write("v1.txt", "md5 \(md5A)\n")
        let bad = try write("bad.txt", "md5 xyz\n")
        try importList([v1])
        _ = expectError(ListError.self) { try importList([bad], replace: true) }
        XCTAssertEqual(try allEntries().map(\.value.hex), [md5A])
    }

    func testDuplicatesAcrossFilesAreStoredOnceAndCounted() throws {
        let a = try write("a.txt", "md5 \(md5A)\nmd5 \(md5A.uppercased())\n")
        let b = try write("b.csv", "type,hash\nmd5,\(md5A)\nmd5,\(md5B)\n")
        let report = try importList([a, b])
        XCTAssertEqual(report.duplicates, 2)
        XCTAssertEqual(report.list.provenance.entryCount, 2)
        XCTAssertEqual(report.list.provenance.sources.map(\.duplicates), [1, 1])
        XCTAssertEqual(report.list.provenance.sources.map(\.entries), [1, 1])
        XCTAssertEqual(try allEntries().count, 2)
    }

    func testFirstOfDuplicateEntriesKeepsItsLabel() throws {
        let a = try write("a.txt", "md5 \(md5B) later-sorting first\nmd5 \(md5A) first\nmd5 \(md5A) second\n")
        try importList([a])
        XCTAssertEqual(Set(try allEntries().map { $0.label ?? "-" }), ["later-sorting first", "first"])
    }

    // MARK: - Provenance

    func testProvenance() throws {
        let a = try write("a.txt", "md5 \(md5A)\npdq \(Self.randomValue(.pdq).hex)\n")
        let b = try write("b.csv", "type,hash\nmd5,\(md5B)\n")
        let now = Date(timeIntervalSince1970: 1_714_557_600) // 2024-05-01T10:00:00Z
        let store = try HashListStore.openForImport(path: dbPath)
        let report = try store.importList(request([a, b], name: "ncmec", version: nil, now: now))
        let info = report.list.provenance
        XCTAssertEqual(info.name, "ncmec")
        XCTAssertEqual(info.version, "2024-05-01", "the default version is the UTC import date")
        XCTAssertEqual(info.importedAt, "2024-05-01T10:00:00Z")
        XCTAssertEqual(info.toolVersion, "hashscreen test")
        XCTAssertEqual(info.entryCount, 3)
        XCTAssertEqual(info.countsByType, [.md5: 2, .pdq: 1])
        XCTAssertEqual(info.sources.map(\.path), [a, b])
        XCTAssertEqual(info.sources.map(\.sha256), [try Self.sha256sum(a), try Self.sha256sum(b)])
        XCTAssertEqual(info.sources.map(\.format), ["lines", "csv"])
        XCTAssertEqual(info.sources.map(\.records), [2, 1])
        // Read back from a fresh read-only store: the same values.
        XCTAssertEqual(try HashListStore.openReadOnly(path: dbPath).lists().map(\.provenance), [info])
    }

    func testFileDigestFailureAbortsBeforeWriting() throws {
        let a = try write("a.txt", "md5 \(md5A)\n")
        struct NoDigest: Error {}
        var req = request([a])
        req.fileDigest = { _ in throw NoDigest() }
        let store = try HashListStore.openForImport(path: dbPath)
        XCTAssertEqual(expectError(ListError.self) { _ = try store.importList(req) }?.code, .io)
        XCTAssertEqual(try store.lists(), [])
    }

    // MARK: - Files and modes

    func testCreatedDatabaseAndJournalAreOwnerOnly() throws {
        let old = umask(0o022)  // a common permissive umask: would give 0644 without our care
        defer { umask(old) }
        let f = try write("a.txt", "md5 \(md5A)\n")
        try importList([f])
        XCTAssertEqual(try mode(dbPath), 0o600)
        // The rollback journal exists only during a write transaction: look at it then.
        let store = try HashListStore.openForImport(path: dbPath)
        try store.db.execute("BEGIN IMMEDIATE; UPDATE lists SET tool_version = 'x';")
        XCTAssertEqual(try mode(dbPath + "-journal"), 0o600)
        try store.db.execute("ROLLBACK")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dbPath + "-wal"))
    }

    func testExistingEmptyFileIsInitialised() throws {
        _ = FileManager.default.createFile(atPath: dbPath, contents: Data())
        let f = try write("a.txt", "md5 \(md5A)\n")
        try importList([f])
        XCTAssertEqual(try allEntries().count, 1)
    }

    func testReadOnlyOpenOfMissingFileFailsAndCreatesNothing() throws {
        let e = expectError(ListError.self) { _ = try HashListStore.openReadOnly(path: dbPath) }
        XCTAssertEqual(e?.code, .noSuchFile)
        XCTAssertEqual(e?.message, "no such file: list database \(dbPath)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dbPath))
    }

    func testReadOnlyStoreRefusesWrites() throws {
        let f = try write("a.txt", "md5 \(md5A)\n")
        try importList([f])
        let store = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(expectError(ListError.self) { _ = try store.importList(request([f], version: "v2")) }?.code, .invalidRequest)
        // Even raw SQL cannot write through the read-only connection.
        XCTAssertNotNil(expectError(SQLiteError.self) { try store.db.execute("DELETE FROM entries") })
        XCTAssertEqual(try allEntries().count, 1)
    }

    func testEmptyFileIsNotAListDatabaseWhenReadOnly() throws {
        _ = FileManager.default.createFile(atPath: dbPath, contents: Data())
        let e = expectError(ListError.self) { _ = try HashListStore.openReadOnly(path: dbPath) }
        XCTAssertEqual(e?.code, .notAListDatabase)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: dbPath)[.size] as? Int, 0)
    }

    func testGarbageFileIsNotAListDatabase() throws {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &g) }
        _ = FileManager.default.createFile(atPath: dbPath, contents: Data(bytes))
        for open in [{ _ = try HashListStore.openReadOnly(path: self.dbPath) }, { _ = try HashListStore.openForImport(path: self.dbPath) }] {
            let e = expectError(ListError.self) { try open() }
            XCTAssertEqual(e?.code, .notAListDatabase)
            XCTAssertTrue(e?.message.hasPrefix("not a hashscreen list database: \(dbPath)") ?? false, e?.message ?? "")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dbPath)), Data(bytes), "the file is untouched")
    }

    func testOtherApplicationsDatabaseIsRefused() throws {
        do {
            let other = try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            try other.execute("CREATE TABLE photos(id INTEGER PRIMARY KEY, hash BLOB)")
        }
        for open in [{ _ = try HashListStore.openReadOnly(path: self.dbPath) }, { _ = try HashListStore.openForImport(path: self.dbPath) }] {
            XCTAssertEqual(expectError(ListError.self) { try open() }?.code, .notAListDatabase)
        }
    }

    func testNewerSchemaIsRefused() throws {
        let f = try write("a.txt", "md5 \(md5A)\n")
        try importList([f])
        try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READWRITE).execute("PRAGMA user_version = 99")
        let e = expectError(ListError.self) { _ = try HashListStore.openReadOnly(path: dbPath) }
        XCTAssertEqual(e?.code, .newerSchema)
    }

    func testDamagedDatabaseGivesAClearError() throws {
        var text = ""
        for _ in 0..<5000 { text += "sha256 \(Self.randomValue(.sha256).hex)\n" }
        let f = try write("a.txt", text)
        try importList([f])
        // Overwrite every page after the first two with garbage: the b-trees are broken.
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: dbPath))
        let size = try h.seekToEnd()
        try h.seek(toOffset: 8192)
        try h.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 8192))
        try h.close()
        let e = expectError(ListError.self) {
            let store = try HashListStore.openReadOnly(path: dbPath)
            _ = try store.lists()
            try store.forEachEntry(signals: [.sha256]) { _ in }
        }
        XCTAssertTrue([.damaged, .notAListDatabase].contains(e?.code), "\(String(describing: e))")
    }

    // MARK: - Streaming and selection

    func testForEachEntryFiltersBySignalAndList() throws {
        let a = try write("a.txt", "md5 \(md5A)\npdq \(Self.randomValue(.pdq).hex)\n")
        let b = try write("b.txt", "md5 \(md5B)\n")
        try importList([a], name: "alpha")
        try importList([b], name: "beta", version: "1")
        try importList([b], name: "beta", version: "2")
        let store = try HashListStore.openReadOnly(path: dbPath)

        var md5s: [String] = []
        try store.forEachEntry(signals: [.md5]) { md5s.append("\($0.list) \($0.value.hex)") }
        XCTAssertEqual(md5s.sorted(), ["alpha@v1 \(md5A)", "beta@1 \(md5B)", "beta@2 \(md5B)"])

        let beta2 = try store.resolve(selectors: ["beta@2"])
        XCTAssertEqual(beta2.map(\.description), ["beta@2"])
        XCTAssertEqual(try store.resolve(selectors: ["beta", "beta@1"]).map(\.description), ["beta@1", "beta@2"])
        var chosen: [String] = []
        try store.forEachEntry(signals: [.md5, .pdq], lists: beta2) { chosen.append("\($0.list) \($0.value.hex)") }
        XCTAssertEqual(chosen, ["beta@2 \(md5B)"])

        var none = 0
        try store.forEachEntry(signals: [.sha1]) { _ in none += 1 }
        try store.forEachEntry(signals: [.md5], lists: []) { _ in none += 1 }
        XCTAssertEqual(none, 0)

        let e = expectError(ListError.self) { _ = try store.resolve(selectors: ["gamma"]) }
        XCTAssertEqual(e?.code, .noSuchList)
        XCTAssertEqual(e?.message, "no list 'gamma' in \(dbPath): it holds alpha@v1, beta@1, beta@2")
    }

    func testLookupFindsAValueInEveryListHoldingIt() throws {
        let a = try write("a.txt", "md5 \(md5A) first\nmd5 \(md5B)\n")
        let b = try write("b.csv", "type,hash,label\nmd5,\(md5A.uppercased()),second\n")
        try importList([a], name: "alpha")
        try importList([b], name: "beta")
        let store = try HashListStore.openReadOnly(path: dbPath)
        let hits = try store.lookup(.md5, HashValue(hex: md5A)!)
        XCTAssertEqual(hits.map { "\($0.list) \($0.label ?? "-")" }, ["alpha@v1 first", "beta@v1 second"])
        XCTAssertEqual(try store.lookup(.md5, HashValue(hex: md5B)!).map(\.list.name), ["alpha"])
        XCTAssertEqual(try store.lookup(.sha1, HashValue(hex: md5A + "00000000")!).count, 0)
    }

    func testLabelsOnlyWhenAsked() throws {
        let f = try write("a.txt", "md5 \(md5A) a label\n")
        try importList([f])
        XCTAssertEqual(try allEntries(includeLabels: false).map(\.label), [nil])
        XCTAssertEqual(try allEntries(includeLabels: true).map(\.label), ["a label"])
    }

    func testUnknownStoredTypeIsCountedButNeverStreamed() throws {
        let f = try write("a.txt", "md5 \(md5A)\n")
        try importList([f])
        // A type a future hashscreen might write: the schema stores names as text.
        let raw = try SQLiteConnection(path: dbPath, flags: SQLITE_OPEN_READWRITE)
        try raw.execute("INSERT INTO entries VALUES (1, 'future_hash', x'0102', NULL, NULL); INSERT INTO list_type_counts VALUES (1, 'future_hash', 1)")
        let store = try HashListStore.openReadOnly(path: dbPath)
        XCTAssertEqual(try store.lists().first?.provenance.otherTypeCounts, ["future_hash": 1])
        XCTAssertEqual(try allEntries().map(\.signal), [.md5])
    }

    private func mode(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw ListError(.io, "stat \(path) failed") }
        return Int(st.st_mode & 0o7777)
    }
}
