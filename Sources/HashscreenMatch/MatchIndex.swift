/// HashscreenMatch: finds which list entries match a hash value.
///
/// - *entry*: one known hash of a list, named by its position (`Int32`) in the array of
///   values the index was built from; the caller maps positions back to its list rows.
/// - *index*: an immutable structure over the entries of one signal, built once and then
///   searched from many threads at once without locks.
/// - *hit*: an entry that matches a query, with its Hamming distance (0 for exact signals).
/// - *threshold*: the largest Hamming distance that counts as a match (ignored by exact
///   signals). Every index answers every threshold exactly; the threshold given at build time
///   only tunes the layout.
import HashscreenCore

/// An entry that matches a query.
public struct IndexHit: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Position of the entry in the array the index was built from.
    public var entry: Int32
    /// Hamming distance between the entry and the query (0 for exact matches).
    public var distance: Int

    public init(entry: Int32, distance: Int) { self.entry = entry; self.distance = distance }

    public static func < (a: IndexHit, b: IndexHit) -> Bool {
        (a.entry, a.distance) < (b.entry, b.distance)
    }

    public var description: String { "\(entry)@\(distance)" }
}

/// A searchable set of hash values of one signal, immutable after it is built.
///
/// Conforming types are safe to search from many threads at once: searching reads only.
public protocol MatchIndex: Sendable {
    /// Number of entries.
    var count: Int { get }
    /// Bytes of memory the index holds (its arrays; not the values it was built from).
    var memoryBytes: Int { get }
    /// Appends to `hits` every entry within `threshold` of `query` (exact signals: equal to
    /// it), in no particular order, each entry once. A query of the wrong length matches
    /// nothing; a negative threshold matches nothing.
    func search(_ query: HashValue, threshold: Int, into hits: inout [IndexHit])
}

extension MatchIndex {
    /// The entries matching `query`, sorted by entry.
    public func search(_ query: HashValue, threshold: Int) -> [IndexHit] {
        var hits: [IndexHit] = []
        search(query, threshold: threshold, into: &hits)
        hits.sort()
        return hits
    }
}
