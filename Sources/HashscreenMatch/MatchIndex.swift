/// HashscreenMatch: finds which list entries match a hash value.
///
/// - *entry*: one known hash of a list, named by its position (`Int32`) in the array of
///   values the index was built from; the caller maps positions back to its list rows. An
///   index that stores its entries in its own order (`CompactHammingIndex`) names them by
///   that order instead when the caller took the order at build (`IndexBuilder`'s `reorder`).
/// - *index*: an immutable structure over the entries of one signal, built once and then
///   searched from many threads at once without locks.
/// - *hit*: an entry that matches a query, with its Hamming distance (0 for exact signals).
/// - *threshold*: the largest Hamming distance that counts as a match (ignored by exact
///   signals). Every index answers every threshold exactly; the threshold given at build time
///   only tunes the layout.
import HashscreenCore

/// An entry that matches a query.
package struct IndexHit: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Position of the entry in the array the index was built from (or in the index's own
    /// order, when the caller took it at build).
    package var entry: Int32
    /// Hamming distance between the entry and the query (0 for exact matches).
    package var distance: Int

    package init(entry: Int32, distance: Int) { self.entry = entry; self.distance = distance }

    package static func < (a: IndexHit, b: IndexHit) -> Bool {
        (a.entry, a.distance) < (b.entry, b.distance)
    }

    package var description: String { "\(entry)@\(distance)" }
}

/// A searchable set of hash values of one signal, immutable after it is built.
///
/// Conforming types are safe to search from many threads at once: searching reads only.
package protocol MatchIndex: Sendable {
    /// Number of entries.
    var count: Int { get }
    /// Bytes of memory the index holds (its arrays; not the values it was built from).
    var memoryBytes: Int { get }
    /// Appends to `hits` every entry within `threshold` of `query` (exact signals: equal to
    /// it), in no particular order, each entry once. A query of the wrong length matches
    /// nothing; a negative threshold matches nothing.
    func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit])
    /// Appends to `hits` the matches of every query of `queries` (e.g. an image's eight PDQ
    /// dihedral variants), each tagged with the query's position; the same results as
    /// searching the queries one by one.
    func search(batch queries: [HashValue], threshold: Int, into hits: inout [IndexBatchHit])
    /// `search(batch:)` of the queries laid one after another in `queries`, `byteCount` bytes
    /// each (a flat buffer of digests: no `HashValue` per query), tagged with their positions.
    func search(flat queries: UnsafeRawBufferPointer, byteCount: Int, threshold: Int, into hits: inout [IndexBatchHit])
}

/// A match of one query of a batch.
package struct IndexBatchHit: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Position of the query in the batch.
    package var query: Int32
    package var hit: IndexHit

    package init(query: Int32, hit: IndexHit) { self.query = query; self.hit = hit }

    package static func < (a: IndexBatchHit, b: IndexBatchHit) -> Bool { (a.query, a.hit) < (b.query, b.hit) }

    package var description: String { "q\(query):\(hit)" }
}

extension MatchIndex {
    /// Each query as a `HashValue`, searched as `search(batch:)` (indexes other than
    /// `ExactIndex`: the flat form is for the columnar scan's URL digests).
    package func search(flat queries: UnsafeRawBufferPointer, byteCount: Int, threshold: Int, into hits: inout [IndexBatchHit]) {
        guard byteCount > 0 else { return }
        let values = (0..<queries.count / byteCount).map { i in
            HashValue(bytes: Array(UnsafeRawBufferPointer(rebasing: queries[(i * byteCount)..<((i + 1) * byteCount)])))
        }
        search(batch: values, threshold: threshold, into: &hits)
    }

    /// One query after the other. Why batches are not searched together: a batch of 8 PDQ
    /// queries against 10M entries shares under 1% of its random reads, each single search
    /// already keeps the memory system busy, and interleaving 8 queries' passes was measured
    /// slower (docs/index.md).
    package func search(batch queries: [HashValue], threshold: Int, into hits: inout [IndexBatchHit]) {
        var scratch: [IndexHit] = []
        for (i, q) in queries.enumerated() {
            scratch.removeAll(keepingCapacity: true)
            search(q, threshold: threshold, into: &scratch)
            for h in scratch { hits.append(IndexBatchHit(query: Int32(truncatingIfNeeded: i), hit: h)) }
        }
    }

    /// The entries matching `query`, sorted by entry.
    package func search(_ query: HashValue, threshold: Int) -> [IndexHit] {
        var hits: [IndexHit] = []
        search(query, threshold: threshold, into: &hits)
        hits.sort()
        return hits
    }
}
