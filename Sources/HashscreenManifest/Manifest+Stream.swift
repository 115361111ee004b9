import Foundation
import HashscreenCore
import HashscreenParquet
import HashscreenTar

// MARK: - A tar shard on standard input

extension Manifest {
    /// The input name that means standard input: a webdataset tar stream.
    package static let standardInputName = "-"

    /// Opens standard input as one webdataset tar shard read as a stream (no seeking, nothing
    /// written to disk): members in memory under `options.maxEmbeddedBytes`, joined with the
    /// shard's `parquet` when given (checked here: a regular file), else with the members'
    /// `KEY.json` sidecars. Every byte read is shown to `observe` (the input's digest).
    package static func openStandardInput(parquet: String?, input: Int, options: ManifestOptions = ManifestOptions(),
                                          observe: @escaping (UnsafeRawBufferPointer) -> Void) throws -> any ManifestReader {
        let n = try SampleID.checked(input, .input, in: standardInputName)
        if let c = options.imageColumn {
            throw HashscreenError(.usage, "--image-column \(c) applies to manifests; standard input is read as a webdataset tar stream")
        }
        if let parquet {
            do { close(try InputFile.openRegular(parquet).fd) } catch {
                throw HashscreenError(.input, "the standard input's shard parquet \(parquet): \(error.message)")
            }
        }
        let stream = TarStreamReader(fd: STDIN_FILENO, path: standardInputName, observe: observe)
        return ShardReader(stream: stream, parquet: parquet, input: n, maxMemberBytes: options.maxEmbeddedBytes)
    }
}

// MARK: - Sample counts known before reading

extension ManifestReader {
    /// How many samples the input holds, when its metadata says so without reading it: a
    /// Parquet manifest's footer `num_rows`; for img2dataset shards, the sum of their parquets'
    /// rows when every shard has one (images without a row come on top). Nil for CSV, TSV,
    /// JSON lines, folders and shards without a parquet: counting them means reading them.
    /// With `units` (a sharded scan's part: positions as `UnitSplitReader` numbers them), only
    /// those units' samples: row groups' rows, shards' parquets. Opens footers: call it off the
    /// scan's threads.
    package func knownSampleCount(units: Set<Int>? = nil) -> Int? {
        if let p = self as? ParquetManifestReader {
            guard let r = try? ParquetFileReader(path: p.path) else { return nil }
            guard let units else { return r.rowCount }
            return units.reduce(0) { $0 + ($1 < r.rowGroupCount ? r.rowCount(ofRowGroup: $1) : 0) }
        }
        if let s = self as? ShardReader {
            var total = 0
            for (i, shard) in s.shards.enumerated() where units?.contains(i) ?? true {
                guard let pq = shard.parquet, let r = try? ParquetFileReader(path: pq) else { return nil }
                total += r.rowCount
            }
            return total
        }
        return nil
    }
}
