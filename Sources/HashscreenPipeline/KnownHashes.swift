import Foundation
import HashscreenCore
import HashscreenList
import HashscreenMatch

/// The known-hash lists of a scan, opened read-only: per signal (per signal and URL convention
/// for URL signals: a list's URL hashes are matched only with digests made its way), each
/// list's index mapped from its index file (docs/index.md, "Index files"), and one index built
/// in memory at scan start over the lists and signals that have none (a list imported by an
/// older build, a damaged or stale file: with a warning; the 64-bit image hashes). Immutable
/// afterwards: workers query it concurrently without locks.
final class KnownHashes: @unchecked Sendable {
    struct Hit { var list: HashscreenCore.ListRef; var distance: Int }
    struct LoadedList { var ref: HashscreenCore.ListRef; var provenance: ListProvenance }
    /// What an index serves: a signal, and for URL signals the convention of its lists.
    struct IndexKey: Hashable {
        var signal: SignalKind
        var convention: URLConvention?
        init(_ signal: SignalKind, _ convention: URLConvention?) {
            self.signal = signal; self.convention = signal.isURL ? convention : nil
        }
    }

    /// One index of a key: a list's mapped one, or the one built in memory.
    struct Part {
        var index: any MatchIndex
        /// The list (position in `lists`) of each entry, in the index's entry order; nil when
        /// every entry is `list`'s.
        var owners: [UInt16]?
        var list: UInt16
    }

    let lists: [LoadedList]
    private var indexes: [IndexKey: [Part]] = [:]
    /// The mapped index files the parts search in place (kept open while the scan runs).
    private var files: [IndexFile] = []
    /// The conventions of the loaded URL indexes, in order: a URL is digested once per convention.
    private(set) var urlConventions: [URLConvention] = []
    /// Entries loaded per signal (for the summary).
    private(set) var entryCounts: [SignalKind: Int] = [:]

    private init(lists: [LoadedList]) { self.lists = lists }

    /// Opens the database read-only and builds the indexes of `signals`. Fails (exit 2) when
    /// the database is missing, not a hashscreen list database, or damaged; when it holds no
    /// list (a failed first import leaves such a file); and when its lists hold no entry of
    /// any requested signal (nothing could ever match: the scan would screen nothing).
    /// `dihedral`: the scan matches PDQ's 8 variants, so an index whose signal declares a
    /// transpose (PDQ) is laid out for transposed pairs (`IndexBuilder`).
    /// `warn` gets a line for each list whose index file cannot be used.
    static func load(listPath: String, signals: Set<SignalKind>, dihedral: Bool = false,
                     warn: (String) -> Void = { _ in }) throws -> KnownHashes {
        let store: HashListStore
        let infos: [ListInfo]
        do {
            store = try HashListStore.openReadOnly(path: listPath)
            infos = try store.lists()
        } catch let e as ListError where e.code == .noSuchFile {
            // The store's message names the database again ("no such file: list database X").
            throw HashscreenError(.list, "cannot use list database \(listPath)", underlying: "no such file")
        } catch {
            throw HashscreenError(.list, "cannot use list database \(listPath)", underlying: String(describing: error))
        }
        guard !infos.isEmpty else {
            throw HashscreenError(.list, "list database \(listPath) holds no lists: a scan against it would match nothing",
                                  remedy: "import a list into it with `hashscreen list import` (a failed first import leaves an empty database), or pass the right --list")
        }
        guard infos.count <= Int(UInt16.max) else {
            throw HashscreenError(.list, "list database \(listPath) holds more than \(UInt16.max) lists")
        }
        let known = KnownHashes(lists: infos.map { info in
            LoadedList(ref: info.provenance.ref, provenance: info.provenance)
        })
        var position: [Int64: UInt16] = [:]
        for (i, info) in infos.enumerated() { position[info.id] = UInt16(i) }
        var convention: [Int64: URLConvention] = [:]
        for info in infos { convention[info.id] = info.provenance.urlConvention }
        // Each list's signals from its index file; those it cannot serve are built below.
        var inMemory: [Int64: Set<SignalKind>] = [:]
        for (i, info) in infos.enumerated() {
            let wanted = signals.filter { (info.provenance.countsByType[$0] ?? 0) > 0 }
            guard !wanted.isEmpty else { continue }
            var rest = wanted
            do {
                if let file = try ListIndexes.open(store, listID: info.id) {
                    known.files.append(file)
                    for signal in wanted {
                        guard let index = try mappedIndex(signal, in: file, dihedral: dihedral) else { continue }
                        guard index.count == info.provenance.countsByType[signal] else {
                            throw ListIndexes.IndexFileProblem("index file \(file.path) holds \(index.count) \(signal.name) entries, the list \(info.provenance.countsByType[signal] ?? 0)")
                        }
                        known.indexes[IndexKey(signal, info.provenance.urlConvention), default: []]
                            .append(Part(index: index, owners: nil, list: UInt16(i)))
                        known.entryCounts[signal, default: 0] += index.count
                        rest.remove(signal)
                    }
                } else if wanted.reduce(0, { $0 + (info.provenance.countsByType[$1] ?? 0) }) >= largeListWithoutIndex {
                    warn("warning: list \(info.provenance.name)@\(info.provenance.version) in \(listPath) has no index file (imported by an older hashscreen): this scan builds its index in memory; `hashscreen list index --list \(listPath)` writes one (set-up under a second)")
                }
            } catch {
                // Undo this list's mapped parts: the whole list is built in memory instead.
                for key in Array(known.indexes.keys) { known.indexes[key]!.removeAll { $0.list == UInt16(i) } }
                for signal in wanted.subtracting(rest) {
                    known.entryCounts[signal, default: 0] -= info.provenance.countsByType[signal] ?? 0
                }
                rest = wanted
                warn("warning: list \(info.provenance.name)@\(info.provenance.version) in \(listPath): its index file cannot be used: \(error); this scan builds the list's index in memory (slower set-up); `hashscreen list index --list \(listPath)` rebuilds it")
            }
            if !rest.isEmpty { inMemory[info.id] = rest }
        }
        do {
            if !inMemory.isEmpty { try known.build(store, inMemory, infos: infos, position: position, convention: convention, dihedral: dihedral) }
            for key in Array(known.indexes.keys) where known.indexes[key]!.isEmpty { known.indexes[key] = nil }
            known.urlConventions = Set(known.indexes.keys.compactMap(\.convention)).sorted()
        } catch {
            throw HashscreenError(.list, "cannot load list database \(listPath)", underlying: String(describing: error))
        }
        for (k, n) in known.entryCounts where n == 0 { known.entryCounts[k] = nil }
        guard !known.entryCounts.isEmpty else {
            throw HashscreenError(.list, "list database \(listPath) holds no entries for the requested signals (\(SignalKind.allCases.filter(signals.contains).map(\.name).joined(separator: ", "))): a scan would match nothing",
                                  remedy: "its lists hold \(Self.storedTypes(infos)); choose --signals among those, or import a list of the requested types")
        }
        return known
    }

    /// A list of at least this many entries (of the scan's signals) without an index file gets
    /// a warning: building its index takes seconds (docs/index.md).
    static let largeListWithoutIndex = 1_000_000

    /// The mapped index of `signal` in `file`, or nil when the file has none for it. PDQ: the
    /// layout the scan prefers (transposed pairs for `--dihedral`), else the other one (every
    /// layout answers every query exactly; only the search's speed differs).
    private static func mappedIndex(_ signal: SignalKind, in file: IndexFile, dihedral: Bool) throws -> (any MatchIndex)? {
        let sections = file.sections.filter { $0.signal == signal.name }
        switch signal.comparison {
        case .exact:
            guard let s = sections.first(where: { $0.kind == .exact }) else { return nil }
            let index = try ExactIndex(mapped: s, in: file)
            guard index.byteCount == signal.byteCount else {
                throw ListIndexes.IndexFileProblem("index file \(file.path) has \(index.byteCount)-byte \(signal.name) values")
            }
            return index
        case .hamming:
            let preferred: IndexFile.Section.Kind = dihedral ? .compactTransposedPairs : .compact
            guard let s = sections.first(where: { $0.kind == preferred }) ?? sections.first(where: { $0.kind != .exact }),
                  signal.byteCount == CompactHammingIndex.valueBytes else { return nil }
            return try CompactHammingIndex(mapped: s, in: file, transpose: signal.indexDescription.transpose)
        }
    }

    /// Builds, in memory, one index per key over the entries of the given lists and signals
    /// (streamed from the database), as every scan did before index files.
    private func build(_ store: HashListStore, _ wanted: [Int64: Set<SignalKind>], infos: [ListInfo],
                       position: [Int64: UInt16], convention: [Int64: URLConvention], dihedral: Bool) throws {
        let chosen = infos.filter { wanted[$0.id] != nil }
        let signals = wanted.values.reduce(into: Set<SignalKind>()) { $0.formUnion($1) }
        // Values go straight into one packed buffer per signal, sized from the lists' counts
        // (a [HashValue] per entry would be one small heap array each: ~1 GB at 10M PDQ).
        var values: [IndexKey: PackedHashList] = [:]
        var owners: [IndexKey: [UInt16]] = [:]
        // With one list, every entry is that list's: no owner per entry (20 MB at 10M).
        let tracksOwners = chosen.count > 1
        var expected: [IndexKey: Int] = [:]
        for info in chosen {
            for signal in wanted[info.id]! {
                expected[IndexKey(signal, info.provenance.urlConvention), default: 0] += info.provenance.countsByType[signal] ?? 0
            }
        }
        for (key, n) in expected where n > 0 {
            values[key] = try PackedHashList(byteCount: key.signal.byteCount, capacity: n)
            // The index may free the values once it has read them (a smaller start-up peak).
            values[key]!.releaseAfterBuild = true
            if tracksOwners {
                owners[key] = []
                owners[key]!.reserveCapacity(n)
            }
        }
        try store.forEachEntry(signals: signals, lists: chosen.map(\.ref)) { e in
            guard wanted[e.list.id]?.contains(e.signal) == true else { return }
            let key = IndexKey(e.signal, convention[e.list.id])
            if values[key] == nil {
                values[key] = try PackedHashList(byteCount: e.signal.byteCount)
                values[key]!.releaseAfterBuild = true
                if tracksOwners { owners[key] = [] }
            }
            try values[key]!.append(e.value.bytes)
            if tracksOwners { owners[key]!.append(position[e.list.id] ?? 0) }
        }
        for key in Array(values.keys) {
            guard let packed = values.removeValue(forKey: key), packed.count > 0 else { continue }
            // An index that keeps its entries in its own order hands that order over
            // once; the owners follow it, so the index keeps no map back.
            let index = try IndexBuilder.makeIndex(key.signal.indexDescription, packed: packed,
                                                   transposedPairs: dihedral) { order in
                guard let old = owners[key] else { return }
                owners[key] = order.map { old[Int($0)] }
            }
            indexes[key, default: []].append(Part(index: index, owners: owners[key],
                                                  list: chosen.count == 1 ? position[chosen[0].id] ?? 0 : 0))
            entryCounts[key.signal, default: 0] += packed.count
        }
    }

    /// What the lists hold, by type (`md5 21, pdq 1`; counts, never values), for a message.
    static func storedTypes(_ infos: [ListInfo]) -> String {
        var counts: [SignalKind: Int] = [:]
        for i in infos { for (s, n) in i.provenance.countsByType { counts[s, default: 0] += n } }
        let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key.name) \($0.value)" }
        return parts.isEmpty ? "no entries of any type this build knows" : parts.joined(separator: ", ")
    }

    /// The list of index entry `entry` of a part.
    @inline(__always)
    private func list(_ part: Part, _ entry: Int32) -> HashscreenCore.ListRef {
        lists[part.owners.map { Int($0[Int(entry)]) } ?? Int(part.list)].ref
    }

    /// Appends the lists whose entries match `value` within `threshold` (0 for exact signals);
    /// a URL signal's value is matched against the lists of `convention` only.
    func lookup(_ signal: SignalKind, _ value: HashValue, convention: URLConvention? = nil, threshold: Int,
                into hits: inout [Hit], scratch: inout [IndexHit]) {
        guard let parts = indexes[IndexKey(signal, convention)] else { return }
        for part in parts {
            scratch.removeAll(keepingCapacity: true)
            part.index.search(value, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
            for h in scratch {
                hits.append(Hit(list: list(part, h.entry), distance: h.distance))
            }
        }
    }

    /// One index and the owners of its entries, found once: a worker's loop over metadata rows
    /// looks its URL digests up through it without hashing a key per row.
    struct Resolved {
        fileprivate let parts: [Part]
    }

    /// The index serving `signal` (and `convention`, for a URL signal); nil when no loaded list
    /// holds that signal (a lookup would find nothing).
    func resolved(_ signal: SignalKind, convention: URLConvention? = nil) -> Resolved? {
        let key = IndexKey(signal, convention)
        return indexes[key].map { Resolved(parts: $0) }
    }

    /// `lookup(_:_:convention:threshold:into:scratch:)` through a resolved index, exact match
    /// (the URL signals').
    func lookupExact(_ r: Resolved, _ value: HashValue, into hits: inout [Hit], scratch: inout [IndexHit]) {
        for part in r.parts {
            scratch.removeAll(keepingCapacity: true)
            part.index.search(value, threshold: 0, into: &scratch)
            for h in scratch {
                hits.append(Hit(list: list(part, h.entry), distance: h.distance))
            }
        }
    }

    /// `lookupExact` of several values through one resolved index, searched together (the
    /// index overlaps their memory loads, `ExactIndex.search(batch:)`): calls `hit` with the
    /// position of each value that matches an entry (once per matching entry).
    func lookupExact(_ r: Resolved, batch values: [HashValue], scratch: inout [IndexBatchHit], hit: (Int) -> Void) {
        for part in r.parts {
            scratch.removeAll(keepingCapacity: true)
            part.index.search(batch: values, threshold: 0, into: &scratch)
            for h in scratch { hit(Int(h.query)) }
        }
    }

    /// `lookupExact(_:batch:)` of values laid one after another in a flat buffer, `byteCount`
    /// bytes each (the columnar scan's URL digests, `MultiMD5`).
    func lookupExact(_ r: Resolved, flat values: UnsafeRawBufferPointer, byteCount: Int, scratch: inout [IndexBatchHit],
                     hit: (Int) -> Void) {
        for part in r.parts {
            scratch.removeAll(keepingCapacity: true)
            part.index.search(flat: values, byteCount: byteCount, threshold: 0, into: &scratch)
            for h in scratch { hit(Int(h.query)) }
        }
    }

    /// Looks up several values of one signal at once (an image's PDQ dihedral variants: one
    /// call, the index runs the searches one after another, docs/index.md) and appends their
    /// hits to `hits[i]` for `values[i]`.
    func lookup(_ signal: SignalKind, batch values: [HashValue], threshold: Int, into hits: inout [[Hit]],
                scratch: inout [IndexBatchHit]) {
        if hits.count < values.count { hits += Array(repeating: [], count: values.count - hits.count) }
        guard let parts = indexes[IndexKey(signal, nil)] else { return }
        for part in parts {
            scratch.removeAll(keepingCapacity: true)
            part.index.search(batch: values, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
            for h in scratch {
                hits[Int(h.query)].append(Hit(list: list(part, h.hit.entry), distance: h.hit.distance))
            }
        }
    }
}
