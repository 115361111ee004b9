// verify's list checks that read the list database: what a newer version of a list adds.
import HashscreenCore
import HashscreenList
import HashscreenReport

extension Verifier {
    /// A new list named like one of the earlier scan's (another version) says which version it
    /// follows and how many of its entries that version lacks, counted in the database at
    /// `listPath` when both versions are there.
    static func listChecks(_ earlier: EarlierScan, _ summary: ScanSummary, listPath: String) throws(HashscreenError) -> [VerifyReport.ListCheck] {
        var checks = listChecks(earlier, summary)
        let newer = checks.indices.filter { i in checks[i].status == .new && earlier.lists.contains { $0.ref.name == checks[i].list.name } }
        guard !newer.isEmpty else { return checks }
        try HashscreenError.converting {
            let store = try HashListStore.openReadOnly(path: listPath)
            let inDatabase = try store.lists().map(\.ref)
            for i in newer {
                let name = checks[i].list.name
                // The highest earlier version of that name, by the version text (one in practice).
                guard let old = earlier.lists.filter({ $0.ref.name == name }).map(\.ref.version).max() else { continue }
                checks[i].newerVersionOf = old
                if let o = inDatabase.first(where: { $0.name == name && $0.version == old }),
                   let n = inDatabase.first(where: { $0.name == name && $0.version == checks[i].list.version }) {
                    checks[i].entriesNew = try store.entryCount(of: n, notIn: o)
                }
            }
        }
        return checks
    }
}
