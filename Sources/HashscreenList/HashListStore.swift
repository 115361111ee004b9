// The list database: one SQLite file (https://sqlite.org/fileformat2.html) holding every list.
//
// Schema (version 2; `PRAGMA user_version`, `PRAGMA application_id` = 'HSLD'):
//   lists(id, name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count,
//         url_convention)   url_convention: NULL for a list imported under schema 1 (not recorded)
//   list_sources(list_id, position, path, sha256, format, records, entries, duplicates, skipped)
//   list_type_counts(list_id, type, entries)
//   entries(list_id, type TEXT, value BLOB, quality, label)  PRIMARY KEY (list_id, type, value),
//   WITHOUT ROWID: the table is its key's b-tree. Since schema 2 only entries with a label.
//   entry_blocks(list_id, type, first_value, entry_count, packed_values, qualities)
//   PRIMARY KEY (list_id, type, first_value), WITHOUT ROWID: the entries without a label, as
//   runs of up to `blockEntries` sorted values end to end (`qualities`: one byte per value,
//   0xFF = none, or NULL when none has one). A value of a list is in one table, once.
//   list_indexes(list_id, file, identity, fingerprint, bytes, checksum): each list's index file
//   beside the database (HashListStore+Index.swift; optional, created by the first import that
//   writes one, no version bump).
// Schema 1 (no url_convention, no entry_blocks) is read as it is and migrated to 2 by the first
// import into it (one transaction: a column and a table added, nothing rewritten).
// No second index on (type, value): measured, it made a 1M-entry import 1.6x slower, the file 2x
// larger, and scans 3x slower (docs/lists.md); screening maps each list's index file (or builds
// its own in-memory index).
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
    /// The schema version of the open file (an import migrates it to the current one).
    package private(set) var schemaVersion = ListDatabaseFormat.schemaVersion
    /// Opened for writing at an older schema: the next write transaction migrates it first.
    private var migrationPending = false

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
            switch try store.checkIdentity() {
            case .empty: try store.inTransaction { try db.execute(schemaSQL) }
            case .ours(let v) where v < ListDatabaseFormat.schemaVersion:
                // Migrated inside the first write transaction (`inTransaction`), so that a
                // failed import leaves the file as it was, schema included.
                store.schemaVersion = v
                store.migrationPending = true
            case .ours: store.schemaVersion = ListDatabaseFormat.schemaVersion
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
            switch try store.checkIdentity() {
            case .empty: throw ListError(.notAListDatabase, "not a hashscreen list database: \(path) is empty")
            case .ours(let v): store.schemaVersion = v
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

    private enum Identity: Equatable { case ours(schema: Int64), empty }

    /// Checks the header says this is our database at a schema version we read.
    private func checkIdentity() throws -> Identity {
        let appID = try db.scalarInt("PRAGMA application_id") ?? 0
        let version = try db.scalarInt("PRAGMA user_version") ?? 0
        if appID == ListDatabaseFormat.applicationID {
            if version > ListDatabaseFormat.schemaVersion {
                throw ListError(.newerSchema, "list database \(path) has schema version \(version); this hashscreen reads up to \(ListDatabaseFormat.schemaVersion): upgrade hashscreen")
            }
            guard version >= ListDatabaseFormat.oldestReadableSchemaVersion else {
                throw ListError(.damaged, "list database \(path) has no valid schema version (\(version)): it is damaged")
            }
            return .ours(schema: version)
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
            url_convention TEXT,
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
        \(entryBlocksSQL)
        \(indexTableSQL)
        """

    static let entryBlocksSQL = """
        CREATE TABLE entry_blocks(
            list_id INTEGER NOT NULL,
            type TEXT NOT NULL,
            first_value BLOB NOT NULL,
            entry_count INTEGER NOT NULL,
            packed_values BLOB NOT NULL,
            qualities BLOB,
            PRIMARY KEY(list_id, type, first_value)
        ) WITHOUT ROWID;
        """

    /// Schema 1 to 2: lists' URL conventions (NULL: not recorded) and the blocks table.
    static let migrationSQL = """
        ALTER TABLE lists ADD COLUMN url_convention TEXT;
        \(entryBlocksSQL)
        PRAGMA user_version = \(ListDatabaseFormat.schemaVersion);
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
        // The files' SHA-256s are computed on another thread while they are parsed (both read
        // the files; on 2 cores this hides the digest's time).
        let digestJob = BackgroundJob {
            try req.files.map { file in
                do { return try req.fileDigest(file).lowercased() } catch {
                    throw ListError(.io, "cannot compute the SHA-256 of list file \(file): \(error)")
                }
            }
        }
        defer { _ = try? digestJob.wait() }

        let ref = ListRef(id: 0, name: req.name, version: version)
        var replaced = false
        var records = 0, skipped = 0, duplicates = 0
        var examples: [ListError] = []
        var listID: Int64 = 0
        // Index files: the one written for this list (removed if the import fails) and those of
        // the list it replaces (removed once the import commits).
        var writtenIndex: String?
        var oldIndexes: [String] = []
        do {
        try mapped {
            try inTransaction {
                let find = try db.prepare("SELECT id FROM lists WHERE name = ?1 AND version = ?2")
                try find.bind(1, ref.name); try find.bind(2, ref.version)
                if try find.step() {
                    let old = find.int64(0)
                    guard req.replace else {
                        throw ListError(.listExists, "list \(ref) already exists in \(path); replace it explicitly or choose another version")
                    }
                    if let f = try deleteList(id: old) { oldIndexes.append(f) }
                    replaced = true
                }
                let addList = try db.prepare("""
                    INSERT INTO lists(name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count, url_convention)
                    VALUES (?1, ?2, ?3, ?4, 0, 0, 0, ?5)
                    """)
                try addList.bind(1, ref.name); try addList.bind(2, ref.version)
                try addList.bind(3, importedAt); try addList.bind(4, req.toolVersion)
                try addList.bind(5, req.urlConvention.name)
                try addList.step()
                listID = db.lastInsertRowID

                let addSource = try db.prepare("""
                    INSERT INTO list_sources(list_id, position, path, sha256, format, records, entries, duplicates, skipped)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                    """)
                var collected = CollectedEntries()
                var sources: [(format: String, records: Int, skipped: Int)] = []
                for file in req.files {
                    collected.beginFile(bytes: Self.fileSize(file))
                    let parser = ListFileParser(path: file, defaultType: defaultType, urlHasher: req.urlHasher)
                    let (layout, fileRecords, fileSkipped) = try read(parser, req: req, into: &collected, examples: &examples)
                    collected.endFile()
                    sources.append((layout.formatName, fileRecords, fileSkipped))
                    records += fileRecords; skipped += fileSkipped
                }
                let perFile = collected.finish(parts: req.reading.threads * 4)
                duplicates = perFile.reduce(0) { $0 + $1.duplicates }
                let digests = try digestJob.wait()
                for (position, (file, s)) in zip(req.files, sources).enumerated() {
                    try addSource.bind(1, listID); try addSource.bind(2, Int64(position))
                    try addSource.bind(3, file); try addSource.bind(4, digests[position])
                    try addSource.bind(5, s.format); try addSource.bind(6, s.records)
                    try addSource.bind(7, perFile[position].entries); try addSource.bind(8, perFile[position].duplicates)
                    try addSource.bind(9, s.skipped)
                    try addSource.step(); addSource.reset()
                }
                let counts = collected.counts
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
                // The index file is built on another thread while sqlite stores the blocks (both
                // only read the sorted values); waited for on every path, so a failed import
                // removes a finished file.
                var indexJob: BackgroundJob<ListIndexRecord?>?
                defer { _ = try? indexJob?.wait() }
                if let writer = req.indexWriter {
                    let file = newIndexFileName()
                    let fingerprint = try indexFingerprint(listID: listID)
                    let values = collected, list = ListRef(id: listID, name: ref.name, version: ref.version), folder = folder
                    writtenIndex = file
                    indexJob = BackgroundJob { [self] in
                        try withImportedValues(values) { v in
                            try writer(ListIndexInput(list: list, values: v, file: file, folder: folder, fingerprint: fingerprint))
                        }
                    }
                }
                try write(collected, listID: listID)
                if let indexJob {
                    let record = try indexJob.wait()
                    if record == nil { writtenIndex = nil }
                    _ = try storeIndexRecord(record, listID: listID)
                }
            }
        }
        } catch {
            if let writtenIndex { unlink(indexFilePath(writtenIndex)) }
            throw error
        }
        for f in oldIndexes { unlink(indexFilePath(f)) }
        guard let info = try lists().first(where: { $0.id == listID }) else {
            throw ListError(.sqlite, "list \(ref) vanished from \(path) right after its import")
        }
        return ListImportReport(list: info, replaced: replaced, records: records, skipped: skipped,
                                skippedExamples: examples, duplicates: duplicates)
    }

    /// Reads one source file into `collected`: a large file of plain lines on several threads,
    /// anything else (tables, labels, URLs) line by line. Returns its layout, data lines and
    /// invalid lines skipped.
    private func read(_ parser: ListFileParser, req: ListImportRequest, into collected: inout CollectedEntries,
                      examples: inout [ListError]) throws -> (ListFileLayout, Int, Int) {
        let size = Self.fileSize(parser.path)
        let threads = min(req.reading.threads, size / max(req.reading.minimumChunkBytes, 1))
        if threads >= 2, collected.hasNoLabels, parser.defaultType != .url, parser.detectFileLayout() == .lines {
            let starts = try parser.lineStarts(size: size, parts: threads)
            if starts.count > 2, let (r, s) = try Self.readInChunks(parser, starts: starts, skipInvalid: req.skipInvalid,
                                                                     collected: &collected, examples: &examples) {
                return (.lines, r, s)
            }
        }
        var parser = parser
        let file = parser.path
        var fileRecords = 0, fileSkipped = 0
        // Moved out and back (not copied): the parser's callback keeps a reference while it lives.
        var local = collected
        collected = CollectedEntries()
        defer { parser.onPlainValue = nil; collected = local }
        parser.onPlainValue = { kind, value, quality in local.appendPlain(kind, value, quality: quality) }
        let layout = try parser.parse { line, result in
            fileRecords += 1
            switch result {
            case .problem(let reason):
                let error = ListError(file: file, line: line, reason: reason)
                guard req.skipInvalid else { throw error }
                fileSkipped += 1
                if examples.count < ListImportLimits.reportedInvalidLines { examples.append(error) }
            case .entry(let e):
                local.append(e)
            case .entries(let es):
                for e in es { local.append(e) }
            }
        }
        return (layout, fileRecords, fileSkipped)
    }

    /// Entries per block of `entry_blocks`: a lookup reads one block (16 KB of md5 values);
    /// 16M entries make 16k rows, so sqlite's per-row cost vanishes from an import.
    static let blockEntries = 1024

    /// Stores the collected entries: labelled ones one row each in `entries`, the others in
    /// blocks of `blockEntries` sorted values in `entry_blocks`.
    private func write(_ collected: CollectedEntries, listID: Int64) throws {
        let addBlock = try db.prepare("""
            INSERT INTO entry_blocks(list_id, type, first_value, entry_count, packed_values, qualities)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            """)
        try addBlock.bind(1, listID)
        // One block's values and qualities, reused for every block and bound without a copy
        // (each is stepped and reset before the buffers are refilled).
        let maxValueBytes = SignalKind.allCases.map(\.byteCount).max()!
        let values = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockEntries * maxValueBytes, alignment: 16)
        let qualities = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockEntries, alignment: 16)
        defer { addBlock.clearBindings(); values.deallocate(); qualities.deallocate() }
        for (kind, packed) in collected.plain.sorted(by: { $0.key.name < $1.key.name }) where packed.count > 0 {
            try addBlock.bind(2, kind.name)
            try packed.forEachBlock(size: Self.blockEntries) { block, n in
                let k = packed.valueBytes, stride = packed.stride
                let v = values.baseAddress!, q = qualities.baseAddress!.assumingMemoryBound(to: UInt8.self)
                for i in 0..<n {
                    memcpy(v + i * k, block.baseAddress! + i * stride, k)
                    q[i] = block[i * stride + k]
                }
                try addBlock.bind(3, staticBlob: UnsafeRawBufferPointer(start: v, count: k))
                try addBlock.bind(4, Int64(n))
                try addBlock.bind(5, staticBlob: UnsafeRawBufferPointer(start: v, count: n * k))
                if packed.hasQuality { try addBlock.bind(6, staticBlob: UnsafeRawBufferPointer(start: q, count: n)) } else { try addBlock.bindNull(6) }
                try addBlock.step()
                addBlock.rewind()
            }
        }
        let insert = try db.prepare("INSERT INTO entries(list_id, type, value, quality, label) VALUES (?1, ?2, ?3, ?4, ?5)")
        try insert.bind(1, listID)
        // In key order (type name, value): sorted inserts walk the b-tree in order.
        let labelled = collected.labelled
        let rankOf = Dictionary(uniqueKeysWithValues: SignalKind.allCases.sorted { $0.name < $1.name }.enumerated().map { ($1, $0) })
        // The sort key as integers: the type's rank, then the value as big-endian words (a
        // signal's values all have one length, so word order is byte order).
        struct Key: Comparable {
            var rank: Int, w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, index: Int
            static func < (a: Key, b: Key) -> Bool {
                (a.rank, a.w0, a.w1, a.w2, a.w3) < (b.rank, b.w0, b.w1, b.w2, b.w3)
            }
        }
        var keys = labelled.enumerated().map { i, e -> Key in
            var w = [UInt64](repeating: 0, count: 4)
            for (j, b) in e.value.bytes.prefix(32).enumerated() { w[j / 8] |= UInt64(b) << UInt64(56 - 8 * (j % 8)) }
            return Key(rank: rankOf[e.signal]!, w0: w[0], w1: w[1], w2: w[2], w3: w[3], index: i)
        }
        keys.sort()
        for e in keys.lazy.map({ labelled[$0.index] }) {
            try insert.bind(2, e.signal.name)
            try insert.bind(3, blob: e.value.bytes)
            try insert.bind(4, e.quality)
            try insert.bind(5, e.label)
            try insert.step()
            insert.rewind()
        }
    }

    /// The entries of an import, made unique per signal (the first occurrence of a value is the
    /// one kept, with its label and quality), file by file so each source file's contribution
    /// is counted. Unlabelled values are kept as runs in input order and sorted once at the end
    /// (`finish`): linear in the entries whatever the number of files.
    struct CollectedEntries {
        /// Values without a label, per signal (after `finish`).
        private(set) var plain: [SignalKind: PackedValues] = [:]
        /// The runs of unlabelled values read so far, per signal, in input order.
        private var runs: [SignalKind: [PackedValues.Run]] = [:]
        /// This file's unlabelled values, per signal (in `signals`' order: no hashing per entry).
        private var pending: [PackedValues.Pending] = []
        private var signals: [SignalKind] = []
        /// Entries with a label, first occurrence of each value (rare: labels are per entry).
        private var labelledByValue: [SignalKind: [ValueKey: Int]] = [:]
        private(set) var labelled: [ParsedEntry] = []
        /// The file of each of `labelled`.
        private var labelledFile: [Int] = []
        /// Per file: values dropped as they were read (repeats of a labelled value).
        private var droppedRepeats: [Int] = []
        /// The position of the file being read.
        private(set) var file = -1

        /// The size of the file being read, to reserve room for its values at once.
        private var fileBytes = 0

        /// True when no labelled entry has been read: values can then be read on several threads
        /// (a labelled value's repeats are dropped as read, which needs input order).
        var hasNoLabels: Bool { labelled.isEmpty }

        /// Starts a source file of `bytes` bytes.
        mutating func beginFile(bytes: Int) {
            fileBytes = bytes; file += 1; droppedRepeats.append(0)
        }

        /// The position of `kind` in `pending`, added if new (with room for as many values as
        /// the file could hold: untouched room costs no memory).
        @inline(__always) private mutating func slot(_ kind: SignalKind) -> Int {
            if let i = signals.firstIndex(of: kind) { return i }
            var p = PackedValues.Pending(valueBytes: kind.byteCount)
            p.records.reserveCapacity(min(fileBytes / (kind.hexLength + 1) + 1, 1 << 30 / (kind.byteCount + 1)) * (kind.byteCount + 1))
            signals.append(kind); pending.append(p)
            return signals.count - 1
        }

        /// A value without a label (the parser's allocation-free path).
        mutating func appendPlain(_ kind: SignalKind, _ value: UnsafeBufferPointer<UInt8>, quality: Int?) {
            if !labelledByValue.isEmpty, labelledByValue[kind]?[ValueKey(value)] != nil { droppedRepeats[file] += 1; return }
            pending[slot(kind)].append(value, quality: quality)
        }

        mutating func append(_ e: ParsedEntry) {
            if !labelledByValue.isEmpty, labelledByValue[e.signal]?[ValueKey(e.value.bytes)] != nil { droppedRepeats[file] += 1; return }
            guard e.label != nil else {
                pending[slot(e.signal)].append(e.value.bytes, quality: e.quality)
                return
            }
            labelledByValue[e.signal, default: [:]][ValueKey(e.value.bytes)] = labelled.count
            labelled.append(e)
            labelledFile.append(file)
        }

        /// Adds runs of this file read elsewhere (by the parse threads), in input order.
        mutating func appendRuns(_ kind: SignalKind, _ parts: [PackedValues.Pending]) {
            for p in parts where p.count > 0 { runs[kind, default: []].append(PackedValues.Run(pending: p, file: file)) }
        }

        /// Ends a source file: its values become runs.
        mutating func endFile() {
            for (i, kind) in signals.enumerated() where pending[i].count > 0 {
                runs[kind, default: []].append(PackedValues.Run(pending: pending[i], file: file))
            }
            pending = []; signals = []
        }

        /// Sorts every signal's values once and returns, per file, the entries it added and its
        /// repeats. A labelled value also read without a label (earlier: later ones were dropped
        /// as read) is a repeat.
        mutating func finish(parts: Int) -> [(entries: Int, duplicates: Int)] {
            let files = max(file + 1, 1)
            var added = [Int](repeating: 0, count: files), dups = droppedRepeats + [Int](repeating: 0, count: files - droppedRepeats.count)
            for kind in runs.keys.sorted() {
                var r = runs[kind]!
                runs[kind] = nil
                let sorted = PackedValues.sortOnce(&r, valueBytes: kind.byteCount, files: files, parts: parts)
                for i in 0..<files { added[i] += sorted.added[i]; dups[i] += sorted.duplicates[i] }
                plain[kind] = sorted.values
            }
            var kept: [ParsedEntry] = []
            for (e, f) in zip(labelled, labelledFile) {
                if plain[e.signal]?.contains(e.value.bytes) == true { dups[f] += 1 } else { added[f] += 1; kept.append(e) }
            }
            labelled = kept; labelledFile = []; labelledByValue = [:]
            return zip(added, dups).map { ($0, $1) }
        }

        /// A value of at most 32 bytes (every signal's) as four words: hashed and compared as
        /// integers, not byte by byte.
        struct ValueKey: Hashable {
            var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
            init(_ bytes: some Collection<UInt8>) {
                precondition(bytes.count <= 32, "signal values have at most 32 bytes")
                for (i, b) in bytes.enumerated() {
                    let shifted = UInt64(b) << UInt64(8 * (i % 8))
                    switch i / 8 {
                    case 0: w0 |= shifted
                    case 1: w1 |= shifted
                    case 2: w2 |= shifted
                    default: w3 |= shifted
                    }
                }
            }
        }

        /// Entries per signal.
        var counts: [SignalKind: Int] {
            var c: [SignalKind: Int] = [:]
            for (k, p) in plain where p.count > 0 { c[k] = p.count }
            for e in labelled { c[e.signal, default: 0] += 1 }
            return c
        }
    }

    /// Deletes a list's rows; returns its index file's name (to remove after the commit).
    private func deleteList(id: Int64) throws -> String? {
        try db.execute(Self.indexTableSQL)
        let indexFile = try indexRecord(listID: id)?.file
        for sql in ["DELETE FROM list_indexes WHERE list_id = ?1","DELETE FROM entries WHERE list_id = ?1", "DELETE FROM entry_blocks WHERE list_id = ?1",
                    "DELETE FROM list_sources WHERE list_id = ?1",
                    "DELETE FROM list_type_counts WHERE list_id = ?1", "DELETE FROM lists WHERE id = ?1"] {
            let s = try db.prepare(sql)
            try s.bind(1, id)
            try s.step()
        }
        return indexFile
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

    private static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
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
            let convention = schemaVersion >= 2 ? "url_convention" : "NULL"
            let q = try db.prepare("""
                SELECT id, name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count, \(convention)
                FROM lists ORDER BY name, version, id
                """)
            while try q.step() {
                let ref = ListRef(id: q.int64(0), name: q.text(1) ?? "", version: q.text(2) ?? "")
                index[ref.id] = infos.count
                infos.append(ListInfo(id: ref.id, provenance: ListProvenance(
                    name: ref.name, version: ref.version, importedAt: q.text(3) ?? "", toolVersion: q.text(4) ?? "",
                    entryCount: q.int(5), duplicateCount: q.int(6), skippedCount: q.int(7),
                    recordedURLConvention: try Self.convention(q.text(8), list: ref))))
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

    /// A stored convention name; one this build does not know is refused (its URL hashes could
    /// not be matched right).
    private static func convention(_ name: String?, list: ListRef) throws -> URLConvention? {
        guard let name else { return nil }
        guard let c = URLConvention(rawValue: name) else {
            throw ListError(.newerSchema, "list \(list) declares URL convention '\(name)', unknown to this hashscreen (known: \(URLConvention.allNames)): upgrade hashscreen")
        }
        return c
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
    /// in storage order (list, signal name, value), to build an in-memory index: the rows of
    /// `entries` and the values of `entry_blocks` merged in that order.
    package func forEachEntry(signals: Set<SignalKind>, lists selected: [ListRef]? = nil,
                             includeLabels: Bool = false, _ body: (ListEntry) throws -> Void) throws {
        guard !signals.isEmpty, selected.map({ !$0.isEmpty }) ?? true else { return }
        let kinds = signals.sorted()
        let byName = Dictionary(uniqueKeysWithValues: kinds.map { ($0.name, $0) })
        try mapped {
            var refs: [Int64: ListRef] = [:]
            let l = try db.prepare("SELECT id, name, version FROM lists")
            while try l.step() { refs[l.int64(0)] = ListRef(id: l.int64(0), name: l.text(1) ?? "", version: l.text(2) ?? "") }
            func ref(_ id: Int64) throws -> ListRef {
                guard let r = refs[id] else {
                    throw ListError(.damaged, "list database \(path) has entries of a list it does not describe (id \(id)): it is damaged")
                }
                return r
            }
            func query(_ columns: String, _ table: String, order: String) throws -> SQLiteStatement {
                var sql = "SELECT \(columns) FROM \(table) WHERE type IN ("
                sql += kinds.indices.map { "?\($0 + 1)" }.joined(separator: ", ") + ")"
                if let selected {
                    sql += " AND list_id IN (" + selected.indices.map { "?\(kinds.count + $0 + 1)" }.joined(separator: ", ") + ")"
                }
                sql += " ORDER BY list_id, type, \(order)"
                let q = try db.prepare(sql)
                for (i, k) in kinds.enumerated() { try q.bind(Int32(i + 1), k.name) }
                for (i, r) in (selected ?? []).enumerated() { try q.bind(Int32(kinds.count + i + 1), r.id) }
                return q
            }
            let rows = try query("list_id, type, value, quality\(includeLabels ? ", label" : "")", "entries", order: "value")
            let blocks = schemaVersion >= 2
                ? try query("list_id, type, packed_values, qualities, entry_count", "entry_blocks", order: "first_value") : nil

            // The current row of `entries`.
            var row: ListEntry?
            func nextRow() throws {
                row = nil
                while try rows.step() {
                    guard let name = rows.text(1), let kind = byName[name] else { continue }
                    let list = try ref(rows.int64(0))
                    let value = rows.rawBytes(2)
                    guard value.count == kind.byteCount else {
                        throw ListError(.damaged, "list database \(path): an entry of \(list) has a \(value.count)-byte \(kind.name) value (expected \(kind.byteCount)): it is damaged")
                    }
                    row = ListEntry(list: list, signal: kind, value: HashValue(bytes: Array(value)),
                                    quality: rows.optionalInt(3), label: includeLabels ? rows.text(4) : nil)
                    return
                }
            }
            // The current block of `entry_blocks` and the position in it.
            var block: (list: ListRef, kind: SignalKind, values: [UInt8], qualities: [UInt8]?, count: Int)?
            var at = 0
            func nextBlock() throws {
                block = nil; at = 0
                guard let blocks else { return }
                while try blocks.step() {
                    guard let name = blocks.text(1), let kind = byName[name] else { continue }
                    let list = try ref(blocks.int64(0))
                    let n = blocks.int(4)
                    let values = Array(blocks.rawBytes(2))
                    let qualities = blocks.isNull(3) ? nil : Array(blocks.rawBytes(3))
                    guard n > 0, values.count == n * kind.byteCount, qualities.map({ $0.count == n }) ?? true else {
                        throw ListError(.damaged, "list database \(path): a block of \(list)'s \(kind.name) entries has the wrong size: it is damaged")
                    }
                    block = (list, kind, values, qualities, n)
                    return
                }
            }
            try nextRow(); try nextBlock()
            while true {
                guard let b = block else {
                    guard let r = row else { return }
                    try body(r); try nextRow(); continue
                }
                let k = b.kind.byteCount
                let value = Array(b.values[(at * k)..<((at + 1) * k)])
                if let r = row, Self.precedes(r, before: (b.list.id, b.kind.name, value)) {
                    try body(r); try nextRow(); continue
                }
                let q = b.qualities.map { $0[at] }.flatMap { $0 == PackedValues.noQuality ? nil : Int($0) }
                try body(ListEntry(list: b.list, signal: b.kind, value: HashValue(bytes: value), quality: q, label: nil))
                at += 1
                if at == b.count { try nextBlock() }
            }
        }
    }

    /// Storage order: list id, then signal name bytes, then value bytes.
    private static func precedes(_ e: ListEntry, before key: (Int64, String, [UInt8])) -> Bool {
        if e.list.id != key.0 { return e.list.id < key.0 }
        if e.signal.name != key.1 { return Array(e.signal.name.utf8).lexicographicallyPrecedes(Array(key.1.utf8)) }
        return e.value.bytes.lexicographicallyPrecedes(key.2)
    }

    /// The entries equal to one value, in every list (or the given lists): one primary-key probe
    /// per list and table.
    package func lookup(_ signal: SignalKind, _ value: HashValue, lists selected: [ListRef]? = nil,
                       includeLabels: Bool = true) throws -> [ListEntry] {
        try mapped {
            let refs = try selected ?? lists().map(\.ref)
            let q = try db.prepare("SELECT quality, label FROM entries WHERE list_id = ?1 AND type = ?2 AND value = ?3")
            let b = schemaVersion >= 2 ? try db.prepare("""
                SELECT packed_values, qualities, entry_count FROM entry_blocks
                WHERE list_id = ?1 AND type = ?2 AND first_value <= ?3 ORDER BY first_value DESC LIMIT 1
                """) : nil
            var found: [ListEntry] = []
            for r in refs {
                try q.bind(1, r.id); try q.bind(2, signal.name); try q.bind(3, blob: value.bytes)
                if try q.step() {
                    found.append(ListEntry(list: r, signal: signal, value: value, quality: q.optionalInt(0),
                                           label: includeLabels ? q.text(1) : nil))
                    q.reset()
                    continue
                }
                q.reset()
                guard let b else { continue }
                try b.bind(1, r.id); try b.bind(2, signal.name); try b.bind(3, blob: value.bytes)
                if try b.step(), value.bytes.count == signal.byteCount {
                    let values = b.rawBytes(0), n = b.int(2), k = signal.byteCount
                    if n > 0, values.count == n * k {
                        let hit = value.bytes.withUnsafeBufferPointer { v in
                            PackedValues.find(v.baseAddress!, in: values.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                              count: n, stride: k, keyBytes: k)
                        }
                        if let i = hit {
                            let qs = b.isNull(1) ? nil : b.rawBytes(1)
                            let quality = qs.flatMap { $0.count == n && $0[i] != PackedValues.noQuality ? Int($0[i]) : nil }
                            found.append(ListEntry(list: r, signal: signal, value: value, quality: quality, label: nil))
                        }
                    }
                }
                b.reset()
            }
            return found
        }
    }

    /// How many entries of `newer` are not in `older` (by signal and value; never a value out):
    /// what a newer version of a list adds (`verify`). `older`'s values are held in memory, one
    /// sorted array per signal (the value bytes: 16 to 32 bytes an entry); `newer` is streamed.
    package func entryCount(of newer: ListRef, notIn older: ListRef) throws -> Int {
        var held: [SignalKind: [UInt8]] = [:]
        try forEachEntry(signals: Set(SignalKind.allCases), lists: [older]) { e in
            held[e.signal, default: []].append(contentsOf: e.value.bytes)
        }
        var added = 0
        try forEachEntry(signals: Set(SignalKind.allCases), lists: [newer]) { e in
            let k = e.signal.byteCount
            guard let values = held[e.signal], e.value.bytes.count == k else { added += 1; return }
            let hit = values.withUnsafeBufferPointer { base in
                e.value.bytes.withUnsafeBufferPointer { v in
                    PackedValues.find(v.baseAddress!, in: base.baseAddress!, count: values.count / k, stride: k, keyBytes: k)
                }
            }
            if hit == nil { added += 1 }
        }
        return added
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

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if anything throws. A
    /// database opened for writing at an older schema is migrated first, in the same
    /// transaction (checked again under the lock: another importer may have migrated it), so
    /// the migration commits only with the write that needed it.
    func inTransaction(_ body: () throws -> Void) throws {
        try db.execute("BEGIN IMMEDIATE")
        let versionBefore = schemaVersion
        do {
            if migrationPending {
                if case .ours(let now) = try checkIdentity(), now < ListDatabaseFormat.schemaVersion {
                    try db.execute(Self.migrationSQL)
                }
                schemaVersion = ListDatabaseFormat.schemaVersion
            }
            try body()
            try db.execute("COMMIT")
            migrationPending = false
        } catch {
            try? db.execute("ROLLBACK")
            schemaVersion = versionBefore
            throw error
        }
    }
}
