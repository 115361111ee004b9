// Index files: per list, the built match indexes of its entries in a sibling file of the
// database (`<database>.index-<32 hex>`, mode 0600), which the database names in
// `list_indexes` together with the file's random identity, size and checksum, and the
// fingerprint of the list it indexes. The file itself is written and read by the caller
// (HashscreenMatch's `IndexFile`, wired by the pipeline): this module stores the record,
// hands out each list's sorted values to build it from, and the fingerprint to check it by.
//
//   list_indexes(list_id PRIMARY KEY, file TEXT, identity BLOB, fingerprint BLOB, bytes, checksum)
//
// Added to schema 2 without a version bump (`CREATE TABLE IF NOT EXISTS` in the writing
// transaction): a build that does not know it reads and imports as before, and a list it adds
// or replaces gets no record or a record whose fingerprint no longer matches (docs/lists.md).
import CSQLite
import Foundation
import HashscreenCore

/// Where a list's index file is, and how to know it is the right one.
package struct ListIndexRecord: Sendable, Equatable {
    /// The file's name, in the database's folder.
    package var file: String
    /// 16 random bytes, also in the file's header.
    package var identity: [UInt8]
    /// The SHA-256 of `HashListStore.indexFingerprint` when it was built, also in the file.
    package var fingerprint: [UInt8]
    package var bytes: Int
    /// The file's body CRC-32C.
    package var checksum: UInt32

    package init(file: String, identity: [UInt8], fingerprint: [UInt8], bytes: Int, checksum: UInt32) {
        self.file = file; self.identity = identity; self.fingerprint = fingerprint; self.bytes = bytes; self.checksum = checksum
    }
}

/// One signal's values of a list, sorted by bytes and unique, `stride` bytes apart (the value
/// first); valid only during the call that hands them out.
package struct ListSortedValues {
    package var signal: SignalKind
    package var count: Int
    package var stride: Int
    package var base: UnsafeRawPointer
}

/// What an index writer gets: the list, its values, where the file goes, and its fingerprint.
package struct ListIndexInput {
    package var list: ListRef
    package var values: [ListSortedValues]
    /// A new, unused file name in `folder` (the writer creates it with O_EXCL).
    package var file: String
    package var folder: String
    /// `HashListStore.indexFingerprint` of the list: hash it into the record.
    package var fingerprint: String
}

/// Writes a list's index file and returns its record (or nil to store none).
package typealias ListIndexWriter = (ListIndexInput) throws -> ListIndexRecord?

extension HashListStore {
    static let indexTableSQL = """
        CREATE TABLE IF NOT EXISTS list_indexes(
            list_id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            identity BLOB NOT NULL,
            fingerprint BLOB NOT NULL,
            bytes INTEGER NOT NULL,
            checksum INTEGER NOT NULL
        );
        """

    /// The folder of the database file (index files live beside it).
    package var folder: String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path
    }

    /// A fresh index file name for the database: its name, `.index-`, 32 random hex digits.
    func newIndexFileName() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        return URL(fileURLWithPath: path).lastPathComponent + ".index-" + hex
    }

    /// The path of an index file named in the database.
    package func indexFilePath(_ file: String) -> String {
        (folder as NSString).appendingPathComponent(file)
    }

    /// The text an index file's fingerprint hashes: everything recorded about the list (row
    /// id, name, version, import time, counts per type, URL convention, source digests), so that
    /// a list replaced or changed by any build no longer matches its old index file.
    package func indexFingerprint(listID: Int64) throws -> String {
        try mapped {
            let convention = schemaVersion >= 2 ? "url_convention" : "NULL"
            let l = try db.prepare("""
                SELECT id, name, version, imported_at, tool_version, entry_count, duplicate_count, skipped_count, \(convention)
                FROM lists WHERE id = ?1
                """)
            try l.bind(1, listID)
            guard try l.step() else { return "" }
            var parts = ["hashscreen list index 1", "\(l.int64(0))"]
            for c in 1...4 { parts.append(l.text(Int32(c)) ?? "") }
            for c in 5...7 { parts.append("\(l.int64(Int32(c)))") }
            parts.append(l.text(8) ?? "-")
            let t = try db.prepare("SELECT type, entries FROM list_type_counts WHERE list_id = ?1 ORDER BY type")
            try t.bind(1, listID)
            while try t.step() { parts.append("\(t.text(0) ?? "") \(t.int64(1))") }
            let s = try db.prepare("SELECT position, sha256, records, entries FROM list_sources WHERE list_id = ?1 ORDER BY position")
            try s.bind(1, listID)
            while try s.step() { parts.append("\(s.int64(0)) \(s.text(1) ?? "") \(s.int64(2)) \(s.int64(3))") }
            return parts.joined(separator: "\n")
        }
    }

    /// The index record of a list, if the database has one.
    package func indexRecord(listID: Int64) throws -> ListIndexRecord? {
        try mapped {
            guard try db.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'list_indexes'") == 1 else {
                return nil
            }
            let q = try db.prepare("SELECT file, identity, fingerprint, bytes, checksum FROM list_indexes WHERE list_id = ?1")
            try q.bind(1, listID)
            guard try q.step(), let file = q.text(0) else { return nil }
            return ListIndexRecord(file: file, identity: Array(q.rawBytes(1)), fingerprint: Array(q.rawBytes(2)),
                                   bytes: q.int(3), checksum: UInt32(truncatingIfNeeded: q.int64(4)))
        }
    }

    /// Stores `record` for a list (inside the caller's transaction), replacing any earlier one,
    /// and returns the earlier one's file, to be removed once the transaction commits.
    func storeIndexRecord(_ record: ListIndexRecord?, listID: Int64) throws -> String? {
        try db.execute(Self.indexTableSQL)
        let old = try indexRecord(listID: listID)?.file
        let d = try db.prepare("DELETE FROM list_indexes WHERE list_id = ?1")
        try d.bind(1, listID); try d.step()
        if let record {
            let i = try db.prepare("INSERT INTO list_indexes(list_id, file, identity, fingerprint, bytes, checksum) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            try i.bind(1, listID); try i.bind(2, record.file); try i.bind(3, blob: record.identity)
            try i.bind(4, blob: record.fingerprint); try i.bind(5, Int64(record.bytes)); try i.bind(6, Int64(record.checksum))
            try i.step()
        }
        return old == record?.file ? nil : old
    }

    /// Builds the index file of one list from its stored entries with `writer` and records it,
    /// in one transaction (`hashscreen list index`): the old file is removed after the commit,
    /// the new one if anything fails.
    package func rebuildIndex(list: ListRef, writer: ListIndexWriter) throws {
        guard !isReadOnly else { throw ListError(.invalidRequest, "list database \(path) is open read-only") }
        var written: String?
        var old: String?
        do {
            try mapped {
                try inTransaction {
                    // The list's values per signal, in storage order (sorted by value).
                    var buffers: [SignalKind: [UInt8]] = [:]
                    try forEachEntry(signals: Set(SignalKind.allCases), lists: [list]) { e in
                        buffers[e.signal, default: []].append(contentsOf: e.value.bytes)
                    }
                    let kinds = buffers.keys.sorted()
                    let file = newIndexFileName()
                    let fingerprint = try indexFingerprint(listID: list.id)
                    let record = try Self.withSorted(kinds.map { ($0, buffers[$0]!) }) { values in
                        written = file
                        return try writer(ListIndexInput(list: list, values: values, file: file, folder: folder, fingerprint: fingerprint))
                    }
                    if record == nil { written = nil }
                    old = try storeIndexRecord(record, listID: list.id)
                }
            }
        } catch {
            if let written { unlink(indexFilePath(written)) }
            throw error
        }
        if let old { unlink(indexFilePath(old)) }
    }

    /// Hands `body` the values of several signals (each a buffer of whole values) as pointers.
    private static func withSorted<T>(_ buffers: [(SignalKind, [UInt8])], _ body: ([ListSortedValues]) throws -> T) throws -> T {
        var out: [ListSortedValues] = []
        func next(_ i: Int) throws -> T {
            guard i < buffers.count else { return try body(out) }
            let (kind, bytes) = buffers[i]
            return try bytes.withUnsafeBytes { b in
                out.append(ListSortedValues(signal: kind, count: bytes.count / kind.byteCount, stride: kind.byteCount,
                                            base: b.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!))
                return try next(i + 1)
            }
        }
        return try next(0)
    }

    /// The values of an import, per signal, sorted and unique: the unlabelled ones in place
    /// (records of value + quality byte), merged with the labelled ones when a signal has any.
    func withImportedValues<T>(_ collected: CollectedEntries, _ body: ([ListSortedValues]) throws -> T) throws -> T {
        var labelled: [SignalKind: [[UInt8]]] = [:]
        for e in collected.labelled { labelled[e.signal, default: []].append(e.value.bytes) }
        let kinds = Set(collected.plain.filter { $0.value.count > 0 }.keys).union(labelled.keys).sorted()
        var merged: [(SignalKind, [UInt8])] = []
        var inPlace: [SignalKind] = []
        for kind in kinds {
            guard var extra = labelled[kind] else { inPlace.append(kind); continue }
            // Rare (labels are per entry): a plain merge of the two sorted runs.
            extra.sort { $0.lexicographicallyPrecedes($1) }
            let k = kind.byteCount
            var out: [UInt8] = []
            if let p = collected.plain[kind] {
                p.records.withUnsafeBufferPointer { r in
                    var j = 0
                    for i in 0..<p.count {
                        let v = UnsafeBufferPointer(rebasing: r[(i * p.stride)..<(i * p.stride + k)])
                        while j < extra.count, extra[j].lexicographicallyPrecedes(v) { out += extra[j]; j += 1 }
                        out.append(contentsOf: v)
                    }
                    while j < extra.count { out += extra[j]; j += 1 }
                }
            } else {
                for v in extra { out += v }
            }
            merged.append((kind, out))
        }
        func plainValues(_ i: Int, _ acc: [ListSortedValues]) throws -> T {
            guard i < inPlace.count else {
                return try Self.withSorted(merged) { m in try body((acc + m).sorted { $0.signal < $1.signal }) }
            }
            let p = collected.plain[inPlace[i]]!
            return try p.records.withUnsafeBytes { b in
                try plainValues(i + 1, acc + [ListSortedValues(signal: inPlace[i], count: p.count, stride: p.stride, base: b.baseAddress!)])
            }
        }
        return try plainValues(0, [])
    }
}

extension HashListStore {
    /// Removes the files beside the database named like its index files (`<database>.index-`
    /// and 32 hex digits) that no list records: left by an import or rebuild that was killed
    /// after writing one. Runs under the write lock, so no import is writing one meanwhile.
    /// Returns the names removed.
    package func removeStrayIndexFiles() throws -> [String] {
        guard !isReadOnly else { throw ListError(.invalidRequest, "list database \(path) is open read-only") }
        let prefix = URL(fileURLWithPath: path).lastPathComponent + ".index-"
        var removed: [String] = []
        try mapped {
            try inTransaction {
                try db.execute(Self.indexTableSQL)
                var recorded = Set<String>()
                let q = try db.prepare("SELECT file FROM list_indexes")
                while try q.step() { if let f = q.text(0) { recorded.insert(f) } }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
                for name in names.sorted() where name.hasPrefix(prefix) && !recorded.contains(name) {
                    let tail = name.dropFirst(prefix.count)
                    guard tail.count == 32, tail.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { continue }
                    if unlink(indexFilePath(name)) == 0 { removed.append(name) }
                }
            }
        }
        return removed
    }
}
