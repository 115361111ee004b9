/// Where a sample sits in a scan's inputs: which input, which shard of it, and which row of
/// that shard's table (or which of its images that have no row).
///
/// - *input*: the position of the input among the scan's inputs (0 = the first path given).
/// - *shard*: for img2dataset `webdataset`/`files` inputs, the position of the shard in the
///   reader's sorted shard order; 0 for every other layout (one table, no shards).
/// - *row*: the n-th record (0-based) of the input's table: a manifest row (blank lines are not
///   rows), a shard parquet's row, a folder's file in walk order.
/// - *member*: the n-th image (0-based) of a shard that has no row in the shard's parquet
///   (read with its `KEY.json`, or bare); these come after the shard's rows.
///
/// Identities are compared in that order (input, shard, rows before members, position): the
/// order in which the readers yield samples, which outputs use to break ties between samples
/// that share a key, and by which `--write-cleaned` finds the rows to drop. Each field is wide
/// enough for any dataset seen in practice (LAION-2B through img2dataset: ~230,000 shards;
/// shards of millions of rows; manifests of billions of rows); a dataset past a bound stops
/// with an error before scanning (`checked(_:_:in:)`), so two samples never share an identity.
package struct SampleID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// A position inside one shard (or one table, for layouts without shards).
    package enum Place: Sendable, Hashable, Comparable {
        /// The n-th row of the table (0-based).
        case row(UInt64)
        /// The n-th image of the shard that has no row (0-based), after every row.
        case member(UInt64)
    }

    package var input: UInt32
    package var shard: UInt32
    package var place: Place

    package init(input: UInt32, shard: UInt32 = 0, _ place: Place) {
        self.input = input; self.shard = shard; self.place = place
    }

    /// Row `row` (0-based) of input `input`'s single table (CSV, TSV, JSONL, Parquet, folder).
    package init(input: UInt32, row: Int) {
        self.init(input: input, shard: 0, .row(UInt64(row)))
    }

    package static func < (a: SampleID, b: SampleID) -> Bool {
        (a.input, a.shard, a.place) < (b.input, b.shard, b.place)
    }

    // MARK: - Bounds

    /// Most inputs one scan can name (`input` is a `UInt32`).
    static let maxInputs = Int(UInt32.max) + 1
    /// Most shards one input can hold (`shard` is a `UInt32`; LAION-2B has ~230,000).
    package static let maxShards = Int(UInt32.max) + 1
    // Rows and members are `UInt64`: the readers count them in `Int`, which cannot pass it.

    /// The fields a position is checked for.
    package enum Field: String, Sendable {
        case input, shard
        var limit: Int { self == .input ? SampleID.maxInputs : SampleID.maxShards }
    }

    /// `position` (0-based) as an input or shard number, or a setup error naming `context`
    /// when it does not fit (e.g. `checked(70_000, .shard, in: "data/")`).
    package static func checked(_ position: Int, _ field: Field, in context: String) throws(HashscreenError) -> UInt32 {
        guard let v = UInt32(exactly: position) else {
            throw HashscreenError(.input, "\(context): \(field.rawValue) \(position + 1) is past the \(field.limit) \(field.rawValue)s a scan can tell apart: split the dataset into several scans")
        }
        return v
    }

    /// `input/shard/row n` or `input/shard/member n`, for test and debug messages.
    package var description: String {
        switch place {
        case .row(let n): return "\(input)/\(shard)/row \(n)"
        case .member(let n): return "\(input)/\(shard)/member \(n)"
        }
    }
}
