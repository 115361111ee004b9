import HashscreenCore
import HashscreenList
import HashscreenMatch

/// The known-hash lists of a scan, loaded read-only from the list database into one index per
/// signal at scan start. Immutable afterwards: workers query it concurrently without locks.
final class KnownHashes: @unchecked Sendable {
    struct Hit { var list: HashscreenCore.ListRef; var distance: Int }
    struct LoadedList { var ref: HashscreenCore.ListRef; var provenance: ListProvenance }

    let lists: [LoadedList]
    private var indexes: [SignalKind: any MatchIndex] = [:]
    /// Per signal, the list (position in `lists`) of each index entry, in the index's entry
    /// order; absent when the database holds one list (every entry is that list's).
    private var entryLists: [SignalKind: [UInt16]] = [:]
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
        var values: [SignalKind: PackedHashList] = [:]
        var owners: [SignalKind: [UInt16]] = [:]
        // With one list, every entry is that list's: no owner per entry (20 MB at 10M).
        let tracksOwners = infos.count > 1
        do {
            for signal in signals {
                let expected = infos.reduce(0) { $0 + ($1.provenance.countsByType[signal] ?? 0) }
                guard expected > 0 else { continue }
                values[signal] = try PackedHashList(byteCount: signal.byteCount, capacity: expected)
                // The index may free the values once it has read them (a smaller start-up peak).
                values[signal]!.releaseAfterBuild = true
                if tracksOwners {
                    owners[signal] = []
                    owners[signal]!.reserveCapacity(expected)
                }
            }
            try store.forEachEntry(signals: signals) { e in
                if values[e.signal] == nil {
                    values[e.signal] = try PackedHashList(byteCount: e.signal.byteCount)
                    values[e.signal]!.releaseAfterBuild = true
                    if tracksOwners { owners[e.signal] = [] }
                }
                try values[e.signal]!.append(e.value.bytes)
                if tracksOwners { owners[e.signal]!.append(position[e.list.id] ?? 0) }
            }
            for signal in Array(values.keys) {
                guard let packed = values.removeValue(forKey: signal), packed.count > 0 else { continue }
                // An index that keeps its entries in its own order hands that order over
                // once; the owners follow it, so the index keeps no map back.
                known.indexes[signal] = try IndexBuilder.makeIndex(signal.indexDescription, packed: packed,
                                                                   transposedPairs: dihedral) { order in
                    guard let old = owners[signal] else { return }
                    owners[signal] = order.map { old[Int($0)] }
                }
                known.entryCounts[signal] = packed.count
            }
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

    /// Appends the lists whose entries match `value` within `threshold` (0 for exact signals).
    func lookup(_ signal: SignalKind, _ value: HashValue, threshold: Int, into hits: inout [Hit], scratch: inout [IndexHit]) {
        guard let index = indexes[signal] else { return }
        let owners = entryLists[signal]
        scratch.removeAll(keepingCapacity: true)
        index.search(value, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
        for h in scratch {
            hits.append(Hit(list: list(owners, h.entry), distance: h.distance))
        }
    }

    /// Looks up several values of one signal at once (an image's PDQ dihedral variants: one
    /// call, the index runs the searches one after another, docs/index.md) and appends their
    /// hits to `hits[i]` for `values[i]`.
    func lookup(_ signal: SignalKind, batch values: [HashValue], threshold: Int, into hits: inout [[Hit]],
                scratch: inout [IndexBatchHit]) {
        if hits.count < values.count { hits += Array(repeating: [], count: values.count - hits.count) }
        guard let index = indexes[signal] else { return }
        let owners = entryLists[signal]
        scratch.removeAll(keepingCapacity: true)
        index.search(batch: values, threshold: signal.comparison == .exact ? 0 : threshold, into: &scratch)
        for h in scratch {
            hits[Int(h.query)].append(Hit(list: list(owners, h.hit.entry), distance: h.hit.distance))
        }
    }
}
