import HashscreenCore
import HashscreenList
import HashscreenMatch

/// The known-hash lists of a scan, loaded read-only from the list database into one index per
/// signal (per signal and URL convention for URL signals: a list's URL hashes are matched only
/// with digests made its way) at scan start. Immutable afterwards: workers query it
/// concurrently without locks.
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

    let lists: [LoadedList]
    private var indexes: [IndexKey: any MatchIndex] = [:]
    /// Per index, the list (position in `lists`) of each index entry, in the index's entry
    /// order; absent when the database holds one list (every entry is that list's).
    private var entryLists: [IndexKey: [UInt16]] = [:]
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
    static func load(listPath: String, signals: Set<SignalKind>, dihedral: Bool = false) throws -> KnownHashes {
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
        // Values go straight into one packed buffer per signal, sized from the lists' counts
        // (a [HashValue] per entry would be one small heap array each: ~1 GB at 10M PDQ).
        var convention: [Int64: URLConvention] = [:]
        for info in infos { convention[info.id] = info.provenance.urlConvention }
        var values: [IndexKey: PackedHashList] = [:]
        var owners: [IndexKey: [UInt16]] = [:]
        // With one list, every entry is that list's: no owner per entry (20 MB at 10M).
        let tracksOwners = infos.count > 1
        do {
            var expected: [IndexKey: Int] = [:]
            for info in infos {
                for signal in signals {
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
            try store.forEachEntry(signals: signals) { e in
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
                known.indexes[key] = try IndexBuilder.makeIndex(key.signal.indexDescription, packed: packed,
                                                                transposedPairs: dihedral) { order in
                    guard let old = owners[key] else { return }
                    owners[key] = order.map { old[Int($0)] }
                }
                known.entryCounts[key.signal, default: 0] += packed.count
            }
            known.urlConventions = Set(known.indexes.keys.compactMap(\.convention)).sorted()
        } catch {
            throw HashscreenError(.list, "cannot load list database \(listPath)", underlying: String(describing: error))
        }
        guard !known.entryCounts.isEmpty else {
            throw HashscreenError(.list, "list database \(listPath) holds no entries for the requested signals (\(SignalKind.allCases.filter(signals.contains).map(\.name).joined(separator: ", "))): a scan would match nothing",
                                  remedy: "its lists hold \(Self.storedTypes(infos)); choose --signals among those, or import a list of the requested types")
        }
        known.entryLists = owners
        return known
    }

    /// What the lists hold, by type (`md5 21, pdq 1`; counts, never values), for a message.
    static func storedTypes(_ infos: [ListInfo]) -> String {
        var counts: [SignalKind: Int] = [:]
        for i in infos { for (s, n) in i.provenance.countsByType { counts[s, default: 0] += n } }
        let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key.name) \($0.value)" }
        return parts.isEmpty ? "no entries of any type this build knows" : parts.joined(separator: ", ")
    }

    /// The list of index entry `entry` of `signal`.
    @inline(__always)
    private func list(_ owners: [UInt16]?, _ entry: Int32) -> HashscreenCore.ListRef {
        lists[owners.map { Int($0[Int(entry)]) } ?? 0].ref
    }

    /// Appends the lists whose entries match `value` within `threshold` (0 for exact signals);
    /// a URL signal's value is matched against the lists of `convention` only.
    func lookup(_ signal: SignalKind, _ value: HashValue, convention: URLConvention? = nil, threshold: Int,
                into hits: inout [Hit], scratch: inout [IndexHit]) {
        let key = IndexKey(signal, convention)
        guard let index = indexes[key] else { return }
        let owners = entryLists[key]
        scratch.removeAll(keepingCapacity: true)
        index.search(value, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
        for h in scratch {
            hits.append(Hit(list: list(owners, h.entry), distance: h.distance))
        }
    }

    /// One index and the owners of its entries, found once: a worker's loop over metadata rows
    /// looks its URL digests up through it without hashing a key per row.
    struct Resolved {
        fileprivate let index: any MatchIndex
        fileprivate let owners: [UInt16]?
    }

    /// The index serving `signal` (and `convention`, for a URL signal); nil when no loaded list
    /// holds that signal (a lookup would find nothing).
    func resolved(_ signal: SignalKind, convention: URLConvention? = nil) -> Resolved? {
        let key = IndexKey(signal, convention)
        return indexes[key].map { Resolved(index: $0, owners: entryLists[key]) }
    }

    /// `lookup(_:_:convention:threshold:into:scratch:)` through a resolved index, exact match
    /// (the URL signals').
    func lookupExact(_ r: Resolved, _ value: HashValue, into hits: inout [Hit], scratch: inout [IndexHit]) {
        scratch.removeAll(keepingCapacity: true)
        r.index.search(value, threshold: 0, into: &scratch)
        for h in scratch {
            hits.append(Hit(list: list(r.owners, h.entry), distance: h.distance))
        }
    }

    /// Looks up several values of one signal at once (an image's PDQ dihedral variants: one
    /// call, the index runs the searches one after another, docs/index.md) and appends their
    /// hits to `hits[i]` for `values[i]`.
    func lookup(_ signal: SignalKind, batch values: [HashValue], threshold: Int, into hits: inout [[Hit]],
                scratch: inout [IndexBatchHit]) {
        if hits.count < values.count { hits += Array(repeating: [], count: values.count - hits.count) }
        let key = IndexKey(signal, nil)
        guard let index = indexes[key] else { return }
        let owners = entryLists[key]
        scratch.removeAll(keepingCapacity: true)
        index.search(batch: values, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
        for h in scratch {
            hits[Int(h.query)].append(Hit(list: list(owners, h.hit.entry), distance: h.hit.distance))
        }
    }
}
