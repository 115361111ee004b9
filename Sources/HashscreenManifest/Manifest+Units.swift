import HashscreenCore
import HashscreenParquet

/// Work units: the whole pieces an input splits into for a sharded scan (docs/sharding.md).
///
/// - an img2dataset `webdataset`/`files` folder: one unit per shard (`NNNNN.tar` or `NNNNN/`
///   with its `NNNNN.parquet`), in the reader's sorted shard order;
/// - a Parquet manifest: one unit per row group (rows keep their numbers in the whole file);
/// - every other input (a CSV/TSV/JSONL manifest, one tar, a plain folder): one unit.
///
/// A reader told to read some of its units only (`select`) yields exactly the items those
/// units yield in a whole read, with the same identities; its counters count those units'
/// entries only, and entries of the input as a whole (a folder's hidden entries at its root)
/// go with its unit 0, so the counters of the parts sum to the whole read's.
package protocol UnitSplitReader: ManifestReader {
    /// How many units the input holds (opens a Parquet footer; nothing else is read).
    func unitCount() throws -> Int
    /// Reads only the units at these positions (0-based, in the reader's order).
    func select(units: Set<Int>)
}

extension Manifest {
    /// The units of `reader` (1 for a reader that does not split).
    package static func unitCount(of reader: any ManifestReader) throws -> Int {
        guard let r = reader as? any UnitSplitReader else { return 1 }
        return try r.unitCount()
    }

    /// Restricts `reader` to `units`; false when the reader does not split and `units` does
    /// not hold its one unit (the caller then skips the input).
    package static func select(_ units: Set<Int>, of reader: any ManifestReader) -> Bool {
        guard let r = reader as? any UnitSplitReader else { return units.contains(0) }
        r.select(units: units)
        return !units.isEmpty
    }
}

extension ShardReader: UnitSplitReader {
    func unitCount() throws -> Int { shards.count }
    func select(units: Set<Int>) { selected = units }
}

extension ParquetManifestReader: UnitSplitReader {
    func unitCount() throws -> Int {
        // At least one: a file without row groups is still opened (and its columns checked).
        do { return max(1, try ParquetFileReader(path: path).rowGroupCount) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet manifest: \(error)")
        }
    }
    func select(units: Set<Int>) { selected = units }
}
