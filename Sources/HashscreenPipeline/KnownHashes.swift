import HashscreenCore
import HashscreenList
import HashscreenMatch

/// The known-hash lists of a scan, loaded read-only from the list database into one index per
/// signal at scan start.
final class KnownHashes: @unchecked Sendable {
    struct Hit { var list: ListRef; var distance: Int }
    struct LoadedList { var ref: ListRef; var provenance: JSONValue }

    let lists: [LoadedList]

    init(lists: [LoadedList]) { self.lists = lists }

    static func load(listPath: String, signals: Set<SignalKind>) throws -> KnownHashes {
        fatalError("wired after the list store lands")
    }

    func lookup(_ signal: SignalKind, _ value: HashValue, threshold: Int, into hits: inout [Hit]) {
    }
}
