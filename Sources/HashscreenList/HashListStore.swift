// The list database: one SQLite file (https://sqlite.org/fileformat2.html) holding every list.
//
// Schema (version 1; `PRAGMA user_version`, `PRAGMA application_id` = 'HSLD'):
//   lists(id, name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count)
//   list_sources(list_id, position, path, sha256, format, records, entries, duplicates, skipped)
//   list_type_counts(list_id, type, entries)
//   entries(list_id, type TEXT, value BLOB, quality, label)  PRIMARY KEY (list_id, type, value),
//   WITHOUT ROWID: the table is its key's b-tree (dedup, per-list scans and lookups, in one tree).
// No second index on (type, value): measured, it made a 1M-entry import 1.6x slower, the file 2x
// larger, and scans 3x slower (docs/lists.md); screening builds its own in-memory index.
// Types are stored as their names (text), so a new signal kind needs no schema change.
// Rationale, modes and speed: docs/lists.md.
import CSQLite
import Foundation
import HashscreenCore

/// One open list database: imports lists into it, describes them, and streams their entries.
///
/// Open it for import (creates the file, mode 0600, if missing) or read-only (never creates,
/// never writes). Not thread-safe: use one store per thread.
package final class HashListStore {
    let db: SQLiteConnection
    /// The database file's path as given.
    package let path: String
    let isReadOnly: Bool

    /// How long a writer waits for another process's lock before failing (milliseconds): long
    /// enough to ride out a concurrent `list info`, short enough to report a stuck importer.
    static let busyTimeoutMilliseconds: Int32 = 5_000
    /// Mode of a database file hashscreen creates: lists are confidential, owner only.
    package static let fileMode: mode_t = 0o600

    private init(db: SQLiteConnection, path: String, readOnly: Bool) {
        self.db = db; self.path = path; self.isReadOnly = readOnly
    }

    // MARK: - Opening

    /// Opens the database for importing, creating it (mode 0600, schema) if the file is missing
    /// or empty. Refuses a file that is not a hashscreen list database.
    package static func openForImport(path: String) throws -> HashListStore {
        try createFileIfMissing(path)
        let db: SQLiteConnection
        do {
            db = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READWRITE)
        } catch let e as SQLiteError {
            throw ListError(.io, "cannot open list database \(path) for writing: \(e.message)")
        }
        let store = HashListStore(db: db, path: path, readOnly: false)
        try store.mapped {
            sqlite3_busy_timeout(db.handle, busyTimeoutMilliseconds)
            if try store.checkIdentity() == .empty {
                try store.inTransaction { try db.execute(schemaSQL) }
            }
            // Rollback journal beside the file, deleted at commit; sqlite gives it the database
            // file's mode (os_unix.c findCreateFileMode), so it is 0600 too. No WAL files.
            try db.execute("PRAGMA journal_mode=DELETE")
        }
        return store
    }

    /// Opens an existing database read-only for `info` and screening. Never creates a file.
    package static func openReadOnly(path: String) throws -> HashListStore {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw ListError(.noSuchFile, "no such file: list database \(path)") }
            throw ListError(.io, "cannot open list database \(path): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ListError(.notAListDatabase, "not a hashscreen list database: \(path) is not a regular file")
        }
        let db: SQLiteConnection
        do {
            db = try SQLiteConnection(path: path, flags: SQLITE_OPEN_READONLY)
        } catch let e as SQLiteError {
            throw ListError(.io, "cannot open list database \(path): \(e.message)")
        }
        let store = HashListStore(db: db, path: path, readOnly: true)
        try store.mapped {
            sqlite3_busy_timeout(db.handle, busyTimeoutMilliseconds)
            try db.execute("PRAGMA query_only=1")
            if try store.checkIdentity() == .empty {
                throw ListError(.notAListDatabase, "not a hashscreen list database: \(path) is empty")
            }
        }
        return store
    }

    /// Creates the file with mode 0600 before sqlite sees it (O_EXCL: never follows a symlink
    /// planted in the meantime); an existing file is left as it is.
    private static func createFileIfMissing(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 {
            if errno == EEXIST { return }
            throw ListError(.io, "cannot create list database \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // The umask can only clear bits; set the exact mode anyway (a umask of 0700 would leave 0).
        guard fchmod(fd, fileMode) == 0 else {
            throw ListError(.io, "cannot set mode 0600 on list database \(path): \(String(cString: strerror(errno)))")
        }
    }

    private enum Identity { case ours, empty }

    /// Checks the header says this is our database at a schema version we read.
    private func checkIdentity() throws -> Identity {
        let appID = try db.scalarInt("PRAGMA application_id") ?? 0
        let version = try db.scalarInt("PRAGMA user_version") ?? 0
        if appID == ListDatabaseFormat.applicationID {
            if version > ListDatabaseFormat.schemaVersion {
                throw ListError(.newerSchema, "list database \(path) has schema version \(version); this hashscreen reads up to \(ListDatabaseFormat.schemaVersion): upgrade hashscreen")
            }
            guard version == ListDatabaseFormat.schemaVersion else {
                throw ListError(.damaged, "list database \(path) has no valid schema version (\(version)): it is damaged")
            }
            return .ours
        }
        let objects = try db.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0
        if appID == 0 && version == 0 && objects == 0 { return .empty }
        throw ListError(.notAListDatabase, "not a hashscreen list database: \(path) (an SQLite database of another application)")
    }

    static let schemaSQL = """
        PRAGMA application_id = \(ListDatabaseFormat.applicationID);
        PRAGMA user_version = \(ListDatabaseFormat.schemaVersion);
        CREATE TABLE lists(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            entry_count INTEGER NOT NULL,
            duplicate_count INTEGER NOT NULL,
            skipped_count INTEGER NOT NULL,
            UNIQUE(name, version)
        );
        CREATE TABLE list_sources(
            list_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            format TEXT NOT NULL,
            records INTEGER NOT NULL,
            entries INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            PRIMARY KEY(list_id, position)
        );
        CREATE TABLE list_type_counts(
            list_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            entries INTEGER NOT NULL,
            PRIMARY KEY(list_id, type)
        );
        CREATE TABLE entries(
            list_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            value BLOB NOT NULL,
            quality INTEGER,
            label TEXT,
            PRIMARY KEY(list_id, type, value)
        ) WITHOUT ROWID;
        """

    // MARK: - Import

    /// Imports one list from its source files in one transaction: all of it, or (on an invalid
    /// line without `skipInvalid`, an existing name and version without `replace`, or any
    /// failure) nothing.
    package func importList(_ req: ListImportRequest) throws -> ListImportReport {
        guard !isReadOnly else { throw ListError(.invalidRequest, "list database \(path) is open read-only") }
        try Self.validate(name: req.name)
        let importedAt = Self.iso8601(req.now)
        let version = req.version ?? String(importedAt.prefix(10))
        try Self.validate(version: version)
        guard !req.files.isEmpty else { throw ListError(.invalidRequest, "no list files given for \(req.name)") }
        var defaultType: ListLineType?
        if let t = req.defaultType {
            guard let parsed = ListLineType(name: t) else {
                throw ListError(.invalidRequest, "unknown default hash type '\(t)' (known: \(ListLineType.knownNames))")
            }
            defaultType = parsed
        }
        for file in req.files { try Self.checkReadableFile(file) }
        let digests = try req.files.map { file in
            do { return try req.fileDigest(file).lowercased() } catch {
                throw ListError(.io, "cannot compute the SHA-256 of list file \(file): \(error)")
            }
        }

        let ref = ListRef(id: 0, name: req.name, version: version)
        var replaced = false
        var records = 0, skipped = 0, duplicates = 0
        var examples: [ListError] = []
        var listID: Int64 = 0
        try mapped {
            try inTransaction {
                let find = try db.prepare("SELECT id FROM lists WHERE name = ?1 AND version = ?2")
                try find.bind(1, ref.name); try find.bind(2, ref.version)
                if try find.step() {
                    let old = find.int64(0)
                    guard req.replace else {
                        throw ListError(.listExists, "list \(ref) already exists in \(path); replace it explicitly or choose another version")
                    }
                    try deleteList(id: old)
                    replaced = true
                }
                let addList = try db.prepare("""
                    INSERT INTO lists(name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count)
                    VALUES (?1, ?2, ?3, ?4, 0, 0, 0)
                    """)
                try addList.bind(1, ref.name); try addList.bind(2, ref.version)
                try addList.bind(3, importedAt); try addList.bind(4, req.toolVersion)
                try addList.step()
                listID = db.lastInsertRowID

                let insert = try db.prepare("INSERT OR IGNORE INTO entries(list_id, type, value, quality, label) VALUES (?1, ?2, ?3, ?4, ?5)")
                try insert.bind(1, listID)
                let addSource = try db.prepare("""
                    INSERT INTO list_sources(list_id, position, path, sha256, format, records, entries, duplicates, skipped)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                    """)
                var counts: [SignalKind: Int] = [:]
                var batch = InsertBatch()
                for (position, file) in req.files.enumerated() {
                    var fileRecords = 0, fileEntries = 0, fileDuplicates = 0, fileSkipped = 0
                    /// Inserts the batch in key order; counts what was new and what was already there.
                    func flush() throws {
                        try batch.forEachSorted { e in
                            try insert.bind(2, e.signal.name)
                            try insert.bind(3, blob: e.value.bytes)
                            try insert.bind(4, e.quality)
                            try insert.bind(5, e.label)
                            try insert.step()
                            insert.rewind()
                            if db.changes > 0 {
                                fileEntries += 1
                                counts[e.signal, default: 0] += 1
                            } else {
                                fileDuplicates += 1
                            }
                        }
                    }
                    let parser = ListFileParser(path: file, defaultType: defaultType, urlHasher: req.urlHasher)
                    let layout = try parser.parse { line, result in
                        fileRecords += 1
                        switch result {
                        case .problem(let reason):
                            let error = ListError(file: file, line: line, reason: reason)
                            guard req.skipInvalid else { throw error }
                            fileSkipped += 1
                            if examples.count < ListImportLimits.reportedInvalidLines { examples.append(error) }
                        case .entry(let e):
                            batch.append(e)
                        case .entries(let es):
                            for e in es { batch.append(e) }
                        }
                        if batch.isFull { try flush() }
                    }
                    try flush()
                    try addSource.bind(1, listID); try addSource.bind(2, Int64(position))
                    try addSource.bind(3, file); try addSource.bind(4, digests[position])
                    try addSource.bind(5, layout.formatName); try addSource.bind(6, fileRecords)
                    try addSource.bind(7, fileEntries); try addSource.bind(8, fileDuplicates)
                    try addSource.bind(9, fileSkipped)
                    try addSource.step(); addSource.reset()
                    records += fileRecords; skipped += fileSkipped; duplicates += fileDuplicates
                }
                let total = counts.values.reduce(0, +)
                guard total > 0 else {
                    throw ListError(.emptyList, "nothing to import into \(ref): \(req.files.joined(separator: ", ")) \(req.files.count == 1 ? "has" : "have") no valid entries")
                }
                let addCount = try db.prepare("INSERT INTO list_type_counts(list_id, type, entries) VALUES (?1, ?2, ?3)")
                for (kind, n) in counts.sorted(by: { $0.key < $1.key }) {
                    try addCount.bind(1, listID); try addCount.bind(2, kind.name); try addCount.bind(3, n)
                    try addCount.step(); addCount.reset()
                }
                let finish = try db.prepare("UPDATE lists SET entry_count = ?1, duplicate_count = ?2, skipped_count = ?3 WHERE id = ?4")
                try finish.bind(1, total); try finish.bind(2, duplicates); try finish.bind(3, skipped); try finish.bind(4, listID)
                try finish.step()
            }
        }
        guard let info = try lists().first(where: { $0.id == listID }) else {
            throw ListError(.sqlite, "list \(ref) vanished from \(path) right after its import")
        }
        return ListImportReport(list: info, replaced: replaced, records: records, skipped: skipped,
                                skippedExamples: examples, duplicates: duplicates)
    }

    /// Entries waiting to be inserted, kept in input order and inserted sorted by the `entries`
    /// key (type, value): sorted inserts walk the b-trees in order, which keeps their pages in
    /// cache and makes a 1M-entry import several times faster than inserting in file order.
    struct InsertBatch {
        /// Entries per batch: sorting gains most with big batches; 2^18 entries keep the batch to
        /// about 30 MB.
        static let capacity = 1 << 18
        private var entries: [ParsedEntry] = []
        var isFull: Bool { entries.count >= Self.capacity }

        mutating func append(_ e: ParsedEntry) { entries.append(e) }

        /// Calls `body` for each entry in (type name, value bytes, input order), then empties the
        /// batch. Input order breaks ties, so the first of duplicate entries is the one stored.
        mutating func forEachSorted(_ body: (ParsedEntry) throws -> Void) throws {
            let entries = self.entries  // a local copy: no exclusivity checks in the comparator
            self.entries.removeAll(keepingCapacity: false)
            // Rank of each signal by the byte order of its name (the order of the `type` column).
            let rank = Dictionary(uniqueKeysWithValues: SignalKind.allCases.sorted { $0.name < $1.name }.enumerated().map { ($1, $0) })
            struct Key { var rank: Int; var prefix: UInt64; var index: Int }
            var keys = entries.indices.map { i -> Key in
                var p: UInt64 = 0
                for b in entries[i].value.bytes.prefix(8) { p = p << 8 | UInt64(b) }
                // A value shorter than 8 bytes is padded with zeros; ties go to the full compare.
                p <<= UInt64(8 * max(0, 8 - entries[i].value.bytes.count))
                return Key(rank: rank[entries[i].signal]!, prefix: p, index: i)
            }
            // Sort by the packed key alone (the comparator touches no entry), then order each run
            // of equal 8-byte prefixes (rare) by the full value.
            keys.sort { a, b in (a.rank, a.prefix, a.index) < (b.rank, b.prefix, b.index) }
            var start = 0
            while start < keys.count {
                var end = start + 1
                while end < keys.count, keys[end].rank == keys[start].rank, keys[end].prefix == keys[start].prefix { end += 1 }
                if end - start > 1 {
                    keys[start..<end].sort { a, b in
                        let x = entries[a.index].value.bytes, y = entries[b.index].value.bytes
                        return x != y ? x.lexicographicallyPrecedes(y) : a.index < b.index
                    }
                }
                start = end
            }
            for k in keys { try body(entries[k.index]) }
        }
    }

    private func deleteList(id: Int64) throws {
        for sql in ["DELETE FROM entries WHERE list_id = ?1", "DELETE FROM list_sources WHERE list_id = ?1",
                    "DELETE FROM list_type_counts WHERE list_id = ?1", "DELETE FROM lists WHERE id = ?1"] {
            let s = try db.prepare(sql)
            try s.bind(1, id)
            try s.step()
        }
    }

    static func validate(name: String) throws {
        guard !name.isEmpty, name.count <= ListImportLimits.maxNameLength else {
            throw ListError(.invalidRequest, "a list name must have 1 to \(ListImportLimits.maxNameLength) characters")
        }
        guard name.trimmingCharacters(in: .whitespaces) == name, !name.contains("@"),
              !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw ListError(.invalidRequest, "a list name must not contain '@', control characters or surrounding spaces")
        }
    }

    static func validate(version: String) throws {
        guard !version.isEmpty, version.count <= ListImportLimits.maxVersionLength else {
            throw ListError(.invalidRequest, "a list version must have 1 to \(ListImportLimits.maxVersionLength) characters")
        }
        guard version.trimmingCharacters(in: .whitespaces) == version,
              !version.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw ListError(.invalidRequest, "a list version must not contain control characters or surrounding spaces")
        }
    }

    private static func checkReadableFile(_ file: String) throws {
        var st = stat()
        guard stat(file, &st) == 0 else {
            if errno == ENOENT { throw ListError(.noSuchFile, "no such file: list file \(file)") }
            throw ListError(.io, "cannot read list file \(file): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ListError(.invalidRequest, "list file \(file) is not a regular file")
        }
    }

    /// `2024-05-01T10:00:00Z`: UTC, whole seconds.
    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    // MARK: - Describing

    /// Every stored list with its provenance, ordered by name, version and id.
    package func lists() throws -> [ListInfo] {
        try mapped {
            var infos: [ListInfo] = []
            var index: [Int64: Int] = [:]
            let q = try db.prepare("""
                SELECT id, name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count
                FROM lists ORDER BY name, version, id
                """)
            while try q.step() {
                let ref = ListRef(id: q.int64(0), name: q.text(1) ?? "", version: q.text(2) ?? "")
                index[ref.id] = infos.count
                infos.append(ListInfo(id: ref.id, provenance: ListProvenance(
                    name: ref.name, version: ref.version, importedAt: q.text(3) ?? "", toolVersion: q.text(4) ?? "",
                    entryCount: q.int(5), duplicateCount: q.int(6), skippedCount: q.int(7))))
            }
            let s = try db.prepare("""
                SELECT list_id, path, sha256, format, records, entries, duplicates, skipped
                FROM list_sources ORDER BY list_id, position
                """)
            while try s.step() {
                guard let i = index[s.int64(0)] else { continue }
                infos[i].provenance.sources.append(ListSource(path: s.text(1) ?? "", sha256: s.text(2) ?? "", format: s.text(3) ?? "",
                                                   records: s.int(4), entries: s.int(5), duplicates: s.int(6), skipped: s.int(7)))
            }
            let c = try db.prepare("SELECT list_id, type, entries FROM list_type_counts")
            while try c.step() {
                guard let i = index[c.int64(0)], let name = c.text(1) else { continue }
                if let kind = SignalKind(rawValue: name) {
                    infos[i].provenance.countsByType[kind] = c.int(2)
                } else {
                    infos[i].provenance.otherTypeCounts[name] = c.int(2)
                }
            }
            return infos
        }
    }

    /// Resolves selectors (`name` = every version of the list, `name@version` = one) to lists.
    /// An unknown selector is an error naming the lists that exist.
    package func resolve(selectors: [String]) throws -> [ListRef] {
        let all = try lists().map(\.ref)
        var chosen: [ListRef] = []
        for selector in selectors {
            let matches: [ListRef]
            if let at = selector.lastIndex(of: "@") {
                let name = String(selector[..<at]), version = String(selector[selector.index(after: at)...])
                matches = all.filter { $0.name == name && $0.version == version }
            } else {
                matches = all.filter { $0.name == selector }
            }
            guard !matches.isEmpty else {
                let known = all.isEmpty ? "it holds no lists" : "it holds " + all.map(\.description).joined(separator: ", ")
                throw ListError(.noSuchList, "no list '\(selector)' in \(path): \(known)")
            }
            for m in matches where !chosen.contains(m) { chosen.append(m) }
        }
        return chosen
    }

    // MARK: - Screening

    /// Streams every entry of the given signals (of the given lists, or of all lists when nil),
    /// in storage order (list, signal, value), to build an in-memory index.
    package func forEachEntry(signals: Set<SignalKind>, lists selected: [ListRef]? = nil,
                             includeLabels: Bool = false, _ body: (ListEntry) throws -> Void) throws {
        guard !signals.isEmpty, selected.map({ !$0.isEmpty }) ?? true else { return }
        let kinds = signals.sorted()
        try mapped {
            var refs: [Int64: ListRef] = [:]
            let l = try db.prepare("SELECT id, name, version FROM lists")
            while try l.step() { refs[l.int64(0)] = ListRef(id: l.int64(0), name: l.text(1) ?? "", version: l.text(2) ?? "") }

            var sql = "SELECT list_id, type, value, quality\(includeLabels ? ", label" : "") FROM entries WHERE type IN ("
            sql += kinds.indices.map { "?\($0 + 1)" }.joined(separator: ", ") + ")"
            if let selected {
                sql += " AND list_id IN (" + selected.indices.map { "?\(kinds.count + $0 + 1)" }.joined(separator: ", ") + ")"
            }
            sql += " ORDER BY list_id, type, value"
            let q = try db.prepare(sql)
            for (i, k) in kinds.enumerated() { try q.bind(Int32(i + 1), k.name) }
            for (i, r) in (selected ?? []).enumerated() { try q.bind(Int32(kinds.count + i + 1), r.id) }

            let names = kinds.map { Array($0.name.utf8) }
            var last = 0
            var lastList: ListRef?
            while try q.step() {
                let typeBytes = q.rawBytes(1)
                if !typeBytes.elementsEqual(names[last]) {
                    guard let i = names.firstIndex(where: { typeBytes.elementsEqual($0) }) else { continue }
                    last = i
                }
                let kind = kinds[last]
                let id = q.int64(0)
                if lastList?.id != id {
                    guard let r = refs[id] else {
                        throw ListError(.damaged, "list database \(path) has entries of a list it does not describe (id \(id)): it is damaged")
                    }
                    lastList = r
                }
                let value = q.rawBytes(2)
                guard value.count == kind.byteCount else {
                    throw ListError(.damaged, "list database \(path): an entry of \(lastList!) has a \(value.count)-byte \(kind.name) value (expected \(kind.byteCount)): it is damaged")
                }
                try body(ListEntry(list: lastList!, signal: kind, value: HashValue(bytes: Array(value)),
                                   quality: q.optionalInt(3), label: includeLabels ? q.text(4) : nil))
            }
        }
    }

    /// The entries equal to one value, in every list (or the given lists): one primary-key probe
    /// per list.
    package func lookup(_ signal: SignalKind, _ value: HashValue, lists selected: [ListRef]? = nil,
                       includeLabels: Bool = true) throws -> [ListEntry] {
        try mapped {
            let refs = try selected ?? lists().map(\.ref)
            let q = try db.prepare("SELECT quality, label FROM entries WHERE list_id = ?1 AND type = ?2 AND value = ?3")
            var found: [ListEntry] = []
            for r in refs {
                try q.bind(1, r.id); try q.bind(2, signal.name); try q.bind(3, blob: value.bytes)
                if try q.step() {
                    found.append(ListEntry(list: r, signal: signal, value: value, quality: q.optionalInt(0),
                                           label: includeLabels ? q.text(1) : nil))
                }
                q.reset()
            }
            return found
        }
    }

    // MARK: - Errors and transactions

    /// `SQLITE_READONLY_ROLLBACK` (`SQLITE_READONLY | (3<<8)` in sqlite3.h; a macro Swift cannot
    /// import): a read-only connection found a hot journal it may not roll back.
    private let sqliteReadOnlyRollback = SQLITE_READONLY | (3 << 8)

    /// Runs `body`, turning sqlite failures into `ListError`s that name the database.
    func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SQLiteError {
            switch e.primaryCode {
            case SQLITE_NOTADB:
                throw ListError(.notAListDatabase, "not a hashscreen list database: \(path) (\(e.message))")
            case SQLITE_CORRUPT:
                throw ListError(.damaged, "list database \(path) is damaged (\(e.message)); re-import the lists into a new database")
            case SQLITE_READONLY where e.code == sqliteReadOnlyRollback:
                throw ListError(.sqlite, "list database \(path) has an interrupted import that must be rolled back first: run a `hashscreen list import` on it (opening it for writing rolls the interrupted import back)")
            case SQLITE_FULL:
                throw ListError(.io, "list database \(path): the disk is full")
            default:
                throw ListError(.sqlite, "list database \(path): \(e.message)")
            }
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if anything throws.
    func inTransaction(_ body: () throws -> Void) throws {
        try db.execute("BEGIN IMMEDIATE")
        do {
            try body()
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
