import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport

/// What the producer hands a worker: samples it read, a Parquet row group (a unit) the
/// worker reads itself as columns (docs/parquet.md, "Columnar metadata scan"), or a block of
/// a JSON lines manifest's lines the worker parses itself (docs/manifests.md, "JSON lines in
/// blocks").
enum Work {
    case samples([(Sample, [String])])
    case rowGroup(ParquetColumnarInput, Int)
    case lines(JSONLinesBlockInput, JSONLinesBlock)
    /// A block of a CSV or TSV manifest's records (docs/manifests.md, "CSV and TSV in blocks").
    case records(DelimitedBlockInput, DelimitedRecords)
}

extension Scanner {
    /// Rows of a row group whose plain rows' lookups are searched as one batch per index: enough
    /// to keep the memory system busy (a few dozen loads in flight), few enough to stay in cache.
    static let columnarLookupRun = 256

    /// `HASHSCREEN_ROW_PATH=1` sends every row through the per-row path (a Sample built by the
    /// producer), for the equivalence tests and for debugging.
    static var rowPathForced: Bool { ProcessInfo.processInfo.environment["HASHSCREEN_ROW_PATH"] == "1" }

    /// Screens row group `group` of a metadata-only Parquet input, read as columns: a plain row
    /// (`ParquetColumnarRows.sortRun`) that matches nothing is counted in bulk, like the first
    /// such row of the group, which is screened as a sample; every other row (not plain, a
    /// match) is built and screened as the row reader's sample would be, so its records are
    /// the per-row path's. A row group that cannot be read as columns is read by the row reader.
    static func screenColumnar(_ input: ParquetColumnarInput, group: Int, screener: Screener, local: inout BatchTally,
                               tally: Tally, progress: ProgressReporter?) throws {
        let rows: ParquetColumnarRows
        do { rows = try input.read(group: group) } catch {
            try screenRows(of: input, group: group, screener: screener, local: &local, tally: tally, progress: progress)
            return
        }
        var unit = UnitScreening()
        var run = UnitRun()
        let batchedURLs = screener.digestsURLsInBatches
        let screensURL = !screener.urlSignals.isEmpty
        // Each plain row's recorded hashes, decoded into one flat buffer per recorded column.
        let signals = rows.recordedSignals
        var hashes = [[UInt8]](repeating: [], count: signals.count)
        for j in hashes.indices { hashes[j].reserveCapacity(columnarLookupRun * signals[j].byteCount) }
        /// Screens row `r` as the row reader's item.
        func screenRow(_ r: Int, plain: Bool) {
            unit.screen(rows.item(r), plain: plain, screener: screener, local: &local, tally: tally, progress: progress)
        }
        // Rows in runs: the plain rows' lookups of a run are searched together.
        var start = 0
        while start < rows.rowCount {
            let end = min(start + columnarLookupRun, rows.rowCount)
            for j in hashes.indices { hashes[j].removeAll(keepingCapacity: true) }
            rows.sortRun(start..<end, screensURL: screensURL, plain: &run.plain, other: &run.other, hashes: &hashes)
            // Until the group has its template, a plain row is screened as a sample (in order,
            // before the run's other rows), its hashes dropped from the run's.
            var leading = 0
            while unit.template == nil, leading < run.plain.count { screenRow(run.plain[leading], plain: true); leading += 1 }
            if leading > 0 {
                run.plain.removeFirst(leading)
                for j in hashes.indices { hashes[j].removeFirst(leading * signals[j].byteCount) }
            }
            // The URLs of the run's plain rows (digested together below when `batchedURLs`).
            if screensURL, !batchedURLs {
                for r in run.plain { _ = rows.withURL(r) { screener.gather(url: $0, recorded: [], row: r, into: &run.lookups) } }
            }
            if batchedURLs, !run.plain.isEmpty {
                _ = rows.withURLBytes { bytes, range in screener.gatherURLs(run.plain, bytes: bytes, range: range, into: &run.lookups) }
            }
            screener.rowsMatching(recorded: signals, flat: hashes, rows: run.plain) { run.hit.insert($0) }
            unit.screen(&run, screener: screener, local: &local, tally: tally, progress: progress) { rows.item($0) }
            start = end
        }
        unit.finish(&local, tally: tally, progress: progress)
    }

    /// Screens a block of a JSON lines manifest's lines, as `screenColumnar` screens a row
    /// group: a plain line (`JSONLinesBlockRows.plainLine`) that matches nothing is counted in
    /// bulk, like the first such line of its column map, which is screened as a sample; every
    /// other line (not plain, a match, a failure) is built and screened as the reader's item.
    /// Throws what the reader would have stopped the scan with.
    static func screenLines(_ input: JSONLinesBlockInput, _ block: JSONLinesBlock, screener: Screener, local: inout BatchTally,
                            tally: Tally, progress: ProgressReporter?) throws {
        var rows = input.lineReader()
        var recorded: [(SignalKind, HashValue)] = []
        var unit = UnitScreening()   // its template: the current column map's
        var generation = rows.generation
        var run = UnitRun()
        // Plain lines whose URL lies in the block, digested together (`gatherURLs`), and where.
        let batchedURLs = screener.digestsURLsInBatches
        var urlRows: [Int] = []
        var urlRange = [Range<Int>](repeating: 0..<0, count: batchedURLs ? block.count : 0)
        func screenRow(_ r: Int, plain: Bool) throws {
            unit.screen(try rows.item(block, r), plain: plain, screener: screener, local: &local, tally: tally, progress: progress)
        }
        /// Screens the run's gathered lines: the plain ones' lookups searched together.
        func finishRun() throws {
            if !urlRows.isEmpty {
                block.withUnsafeBytes { b in screener.gatherURLs(urlRows, bytes: b, range: { urlRange[$0] }, into: &run.lookups) }
                urlRows.removeAll(keepingCapacity: true)
            }
            try unit.screen(&run, screener: screener, local: &local, tally: tally, progress: progress) { try rows.item(block, $0) }
        }
        /// Counts the bulk lines of the current template (its column map ends here).
        func flushTemplate() {
            unit.countBulk(&local)
        }
        for r in 0..<block.count {
            let plain = rows.plainLine(block, r, recorded: &recorded)
            if rows.generation != generation {
                // Another column map: the lines before keep their template.
                try finishRun(); flushTemplate()
                generation = rows.generation
            }
            guard plain else { run.other.append(r); continue }
            if unit.template == nil {
                // Until the column map has its template, a plain line is screened as a sample
                // (in order: the lines gathered before it come first).
                try finishRun(); try screenRow(r, plain: true); continue
            }
            run.plain.append(r)
            if batchedURLs, let u = rows.urlInBlock {
                urlRange[r] = u
                urlRows.append(r)
                screener.gather(url: nil, recorded: recorded, row: r, into: &run.lookups)
            } else {
                rows.withURL(block) { screener.gather(url: $0, recorded: recorded, row: r, into: &run.lookups) }
            }
            if run.count >= columnarLookupRun { try finishRun() }
        }
        try finishRun(); flushTemplate()
        tally.add(&local)
        tally.setPassedOver([("embedded_images", rows.embeddedImages)], input: Int(input.input))
        unit.report(progress)
    }

    /// Screens a block of a CSV or TSV manifest's records, as `screenColumnar` screens a row
    /// group: a plain record (`DelimitedBlockRows.plainRecord`) that matches nothing is counted
    /// in bulk, like the block's first such record, which is screened as a sample; every other
    /// record (not plain, a match, a failure) is built and screened as the reader's item.
    static func screenRecords(_ input: DelimitedBlockInput, _ block: DelimitedRecords, screener: Screener, local: inout BatchTally,
                              tally: Tally, progress: ProgressReporter?) {
        var rows = input.recordReader()
        var recorded: [(SignalKind, HashValue)] = []
        var unit = UnitScreening()
        var run = UnitRun()
        // Plain records' URLs, digested together (`gatherURLs`), and where they lie.
        let batchedURLs = screener.digestsURLsInBatches
        var urlRows: [Int] = []
        var urlRange = [Range<Int>](repeating: 0..<0, count: batchedURLs ? block.count : 0)
        func screenRow(_ r: Int, plain: Bool) {
            unit.screen(rows.item(block, r), plain: plain, screener: screener, local: &local, tally: tally, progress: progress)
        }
        var start = 0
        while start < block.count {
            let end = min(start + columnarLookupRun, block.count)
            for r in start..<end {
                guard rows.plainRecord(block, r, recorded: &recorded) else { run.other.append(r); continue }
                // Until the block has its template, a plain record is screened as a sample.
                if unit.template == nil { screenRow(r, plain: true); continue }
                run.plain.append(r)
                if batchedURLs, let u = rows.urlRange {
                    urlRange[r] = u
                    urlRows.append(r)
                    screener.gather(url: nil, recorded: recorded, row: r, into: &run.lookups)
                } else if let u = rows.urlRange {
                    block.withUnsafeBytes { b in screener.gather(url: UnsafeRawBufferPointer(rebasing: b[u]), recorded: recorded, row: r, into: &run.lookups) }
                } else {
                    screener.gather(url: nil, recorded: recorded, row: r, into: &run.lookups)
                }
            }
            if !urlRows.isEmpty {
                block.withUnsafeBytes { b in screener.gatherURLs(urlRows, bytes: b, range: { urlRange[$0] }, into: &run.lookups) }
                urlRows.removeAll(keepingCapacity: true)
            }
            unit.screen(&run, screener: screener, local: &local, tally: tally, progress: progress) { rows.item(block, $0) }
            start = end
        }
        unit.finish(&local, tally: tally, progress: progress)
    }

    /// Screens row group `group` through the row reader, as the producer would have (its damage
    /// is failure rows; what it throws is what the producer would have stopped the scan with).
    static func screenRows(of input: ParquetColumnarInput, group: Int, screener: Screener, local: inout BatchTally,
                           tally: Tally, progress: ProgressReporter?) throws {
        let reader = input.rowReader(group: group)
        var samples = 0, matched = 0, failed = 0, pending = 0
        try reader.forEachItem { item in
            switch item {
            case .sample(let sample, let problems):
                let outcome = screener.screen(sample, problems: problems)
                if !outcome.matches.isEmpty { matched += 1 }
                if !outcome.failures.isEmpty { failed += 1 }
                local.count(outcome, of: sample)
                samples += 1
                pending += 1
                if pending == metadataBatchSize { tally.add(&local); pending = 0 }
            case .failure(let key, let path, let message, let id):
                tally.addRowFailure(FailureRecord(key: key, path: path, stage: .manifest, message: message, sampleID: id))
                progress?.counters.add(samples: 1, matched: 0, errors: 1)
            }
        }
        tally.add(&local)
        tally.setPassedOver(reader.counters, input: Int(input.input))
        progress?.counters.add(samples: samples, matched: matched, errors: failed)
    }
}

extension ScanSummary.Counts {
    /// Adds `n` times `c`'s counts (same signals, in the same order) to these.
    mutating func accumulate(_ c: ScanSummary.Counts, times n: Int) {
        var m = c
        m.samples *= n; m.scanned *= n; m.matched *= n; m.errors *= n; m.decoded *= n; m.rowsWithoutPath *= n
        for k in m.errorsByStage.keys { m.errorsByStage[k]! *= n }
        for k in m.notComputed.keys { m.notComputed[k]! *= n }
        for k in m.passedOver.keys { m.passedOver[k]! *= n }
        for j in m.perSignal.indices {
            m.perSignal[j].screened *= n; m.perSignal[j].matched *= n; m.perSignal[j].notComputed *= n
            m.perSignal[j].skippedLowQuality *= n; m.perSignal[j].notApplicable *= n
        }
        accumulate(m)
    }
}

/// A worker's screening of one unit read in bulk (a row group, a block of lines): each item
/// screened as its sample, the first plain one that matched nothing kept as the template the
/// bulk-counted plain rows are counted like, and the findings merged every batch's worth of
/// rows (memory flat in their number).
struct UnitScreening {
    /// The outcome of the first plain item that matched nothing, and its sample.
    var template: (SampleOutcome, Sample)?
    /// Plain items that matched nothing, counted like the template.
    var bulk = 0
    private var pending = 0, samples = 0, matched = 0, failed = 0, bulkDone = 0

    mutating func screen(_ item: ManifestItem, plain: Bool, screener: Screener, local: inout BatchTally,
                         tally: Tally, progress: ProgressReporter?) {
        switch item {
        case .sample(let sample, let problems):
            let outcome = screener.screen(sample, problems: problems)
            if plain, template == nil, outcome.matches.isEmpty, outcome.failures.isEmpty, outcome.flagged == nil, outcome.remaining == nil {
                template = (outcome, sample)
            }
            if !outcome.matches.isEmpty { matched += 1 }
            if !outcome.failures.isEmpty { failed += 1 }
            local.count(outcome, of: sample)
            samples += 1
        case .failure(let key, let path, let message, let id):
            tally.addRowFailure(FailureRecord(key: key, path: path, stage: .manifest, message: message, sampleID: id))
            progress?.counters.add(samples: 1, matched: 0, errors: 1)
        }
        pending += 1
        if pending == Scanner.metadataBatchSize { tally.add(&local); pending = 0 }
    }

    /// Ends `run`: its lookups searched; each plain row that matched something (in `run.hit`)
    /// screened as its sample, the others counted in bulk; then every other row screened; `run`
    /// emptied for the next. `item` builds row `r` as the row reader's item; it cannot reach
    /// this value, which the call holds exclusively (why the loop is here, once, rather than in
    /// each unit's screen closure).
    mutating func screen(_ run: inout UnitRun, screener: Screener, local: inout BatchTally, tally: Tally,
                         progress: ProgressReporter?, item: (Int) throws -> ManifestItem) rethrows {
        screener.rowsMatching(run.lookups) { run.hit.insert($0) }
        if run.hit.isEmpty {
            bulk += run.plain.count   // most runs: none of their plain rows matched
        } else {
            for r in run.plain {
                if run.hit.contains(r) { screen(try item(r), plain: true, screener: screener, local: &local, tally: tally, progress: progress) } else { bulk += 1 }
            }
        }
        for r in run.other { screen(try item(r), plain: false, screener: screener, local: &local, tally: tally, progress: progress) }
        run.removeAll()
    }

    /// Counts the bulk items like the template, then starts a new template (another column map).
    mutating func countBulk(_ local: inout BatchTally) {
        if let (outcome, sample) = template { local.count(outcome, of: sample, times: bulk) }
        bulkDone += bulk
        template = nil; bulk = 0
    }

    /// Ends the unit: the bulk rows counted, the batch merged into the tally, the progress told.
    mutating func finish(_ local: inout BatchTally, tally: Tally, progress: ProgressReporter?) {
        countBulk(&local)
        tally.add(&local)
        report(progress)
    }

    /// The unit's items for the progress line.
    func report(_ progress: ProgressReporter?) {
        progress?.counters.add(samples: samples + bulkDone, matched: matched, errors: failed)
    }
}

/// A run of a unit's rows (`Scanner.columnarLookupRun` at most), gathered for
/// `UnitScreening.screen(_:...)`: the plain rows, whose lookups are searched together, and the
/// others, built and screened one by one.
struct UnitRun {
    var lookups = Screener.PlainLookups()
    var plain: [Int] = [], other: [Int] = []
    /// Plain rows found to match something (by `screen`, or before it by the unit's own search).
    var hit = Set<Int>()

    var count: Int { plain.count + other.count }

    mutating func removeAll() {
        lookups.removeAll(); plain.removeAll(keepingCapacity: true); other.removeAll(keepingCapacity: true)
        hit.removeAll(keepingCapacity: true)
    }
}
