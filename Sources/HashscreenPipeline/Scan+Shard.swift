import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport

/// Which work units a sharded scan screens (docs/sharding.md).
///
/// Every input is split into its units (`UnitSplitReader`: an img2dataset shard, a Parquet row
/// group; any other input is one unit). The units of all inputs are put in one order that does
/// not depend on the order of the inputs on the command line — by input path (byte order),
/// then the unit's position inside its input — and unit k of that order belongs to part
/// k mod N. So the N parts hold every unit exactly once, are as even as whole units allow, and
/// a unit belongs to the same part whatever the order of the inputs.
struct ShardPlan {
    let spec: ShardSpec
    /// Per input, the positions of its units this part screens.
    let units: [Set<Int>]
    let unitsTotal: Int

    /// Whether input `i` has a unit in this part (else it is neither read nor digested).
    func screens(_ i: Int) -> Bool { !units[i].isEmpty }

    init(_ spec: ShardSpec, inputs: [(path: String, reader: any ManifestReader)]) throws {
        self.spec = spec
        var all: [(path: [UInt8], unit: Int, input: Int)] = []
        for (i, input) in inputs.enumerated() {
            let n = try Manifest.unitCount(of: input.reader)
            let key = Array(input.path.utf8)
            for u in 0..<n { all.append((key, u, i)) }
        }
        all.sort { a, b in
            if a.path != b.path { return a.path.lexicographicallyPrecedes(b.path) }
            if a.unit != b.unit { return a.unit < b.unit }
            return a.input < b.input
        }
        var units = [Set<Int>](repeating: [], count: inputs.count)
        for (k, u) in all.enumerated() where k % spec.count == spec.index { units[u.input].insert(u.unit) }
        self.units = units
        unitsTotal = all.count
        for (i, input) in inputs.enumerated() { _ = Manifest.select(units[i], of: input.reader) }
    }

    /// What `summary.json` records of this part, for `merge`.
    var summaryPart: ScanSummary.ShardPart {
        ScanSummary.ShardPart(index: spec.index, count: spec.count, units: units.reduce(0) { $0 + $1.count }, unitsTotal: unitsTotal)
    }
}

extension Scanner {
    /// Refuses the options a sharded scan cannot honour.
    static func checkShardOptions(_ config: ScanConfiguration) throws {
        if config.shard != nil && config.writeCleaned {
            throw HashscreenError(.usage, "--write-cleaned cannot be combined with --shard: each part would write a partial copy of the manifests",
                                  remedy: "merge the parts, then run one scan with --write-cleaned, or clean from the merged removals.csv")
        }
    }
}
