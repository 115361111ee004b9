import Dispatch
import Foundation
import HashscreenAttest
import HashscreenCore
import HashscreenDigest
import HashscreenManifest
import HashscreenPerceptual
import HashscreenReport

/// The result of a scan, for the CLI's exit status and message.
public struct ScanResult: Sendable {
    var samples: Int
    var matchedSamples: Int
    var failedSamples: Int
    var outputDirectory: String

    /// 0 complete and nothing matched; 1 at least one match; 3 no match but some samples could
    /// not be screened (beyond `--max-unscreened`, when given). (2, a fatal error, is thrown instead.)
    public var exitCode: Int32

    static func exitCode(matched: Int, failed: Int) -> Int32 {
        if matched > 0 { return 1 }
        if failed > 0 { return 3 }
        return 0
    }
}

/// What the workers found, merged under a lock: counts per input (`ScanSummary.Counts`), and
/// the findings, streamed into the output folder's spools as they come (memory flat in their
/// number: `RecordSpool`).
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    /// The requested signals, in the order of `Counts.perSignal`.
    let signals: [SignalKind]
    private(set) var perInput: [ScanSummary.Counts]
    private(set) var bytesRead = 0
    private(set) var matchedPerList: [ListRef: Int] = [:]
    /// Flagged samples by shard, signal and list, and match kind (`report.html`, `prevalence.json`).
    private(set) var prevalence: Prevalence
    let matches: RecordSpool<MatchRecord>
    let failures: RecordSpool<FailureRecord>
    let flagged: RecordSpool<FlaggedRecord>
    /// With `verify`: release samples that are rows the earlier scan flagged (held in memory:
    /// at most one per release sample that is one, docs/verify.md).
    private(set) var remaining: [RemainingRow] = []
    /// The first spool write that failed (a full disk): the scan stops with it.
    private(set) var spoolError: HashscreenError?
    /// Called once per input, at its first sample that names no image while image signals
    /// are requested (under the lock: once, whichever worker meets it).
    private let noImageReference: (Int) -> Void
    private var warnedInputs = Set<Int>()

    /// `resuming`: continue from a checkpoint (its counts, its spools cut back to it).
    init(signals: [SignalKind], inputs: Int, shardNames: [[String]] = [], thresholds: (SignalKind) -> Int = \.defaultThreshold,
         dihedral: Bool = false, spoolFolder: String, resuming: ScanCheckpoint? = nil,
         noImageReference: @escaping (Int) -> Void) throws(HashscreenError) {
        self.signals = signals
        // Only PDQ is searched in its dihedral variants (Screener).
        prevalence = Prevalence(inputs: inputs, shardNames: shardNames, perceptual: signals.filter(\.isPerceptual).map { s in
            (s, thresholds(s), dihedral && s == .pdq ? DihedralVariant.allCases.map(\.rawValue) : [DihedralVariant.orig.rawValue])
        })
        var empty = ScanSummary.Counts()
        empty.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        perInput = Array(repeating: empty, count: inputs)
        if let r = resuming {
            let folder = spoolFolder.hasSuffix("/") ? spoolFolder : spoolFolder + "/"
            matches = try RecordSpool(adopting: folder + r.matchSpool.name, end: r.matchSpool.end)
            failures = try RecordSpool(adopting: folder + r.failureSpool.name, end: r.failureSpool.end)
            flagged = try RecordSpool(adopting: folder + r.flaggedSpool.name, end: r.flaggedSpool.end)
            perInput = r.perInput
            bytesRead = r.bytesRead
            for (l, n) in r.matchedPerList { matchedPerList[l, default: 0] += n }
            prevalence = r.prevalence
            prevalence.shardNames = shardNames
        } else {
            matches = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.matchSpool)
            failures = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.failureSpool)
            flagged = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.flaggedSpool)
        }
        self.noImageReference = noImageReference
    }

    /// Adds one batch's outcomes, counted by the worker in `local`: the counts merged under the
    /// lock once per batch, the findings spooled outside it (a spool sorts and writes a full
    /// buffer while others go on). `local` is left empty for the next batch.
    func add(_ local: inout BatchTally) {
        do {
            lock.lock(); defer { lock.unlock() }
            for (i, c) in local.perInput { perInput[i].accumulate(c) }
            bytesRead += local.bytesRead
            for (l, n) in local.matchedPerList { matchedPerList[l, default: 0] += n }
            for i in local.noImageInputs where warnedInputs.insert(i).inserted { noImageReference(i) }
            remaining += local.remaining
            for (id, failed, matches) in local.prevalence { prevalence.add(id, failed: failed, matches: matches) }
            for (id, n) in local.bulkPrevalence { prevalence.addClean(id, count: n) }
        }
        for m in local.matches { spool(m, into: matches) }
        for f in local.failures { spool(f, into: failures) }
        for g in local.flagged { spool(g, into: flagged) }
        local.reset()
    }

    /// One sample's outcome (a convenience for one sample: a batch of one).
    func add(_ o: SampleOutcome, of sample: Sample) {
        var local = BatchTally(signals: signals)
        local.count(o, of: sample)
        add(&local)
    }

    /// A row that could not be read at all: a sample none of whose signals was computed.
    func addRowFailure(_ f: FailureRecord) {
        do {
            lock.lock(); defer { lock.unlock() }
            let i = Int(f.sampleID.input)
            perInput[i].samples += 1
            perInput[i].errors += 1
            perInput[i].errorsByStage[f.stage, default: 0] += 1
            perInput[i].notComputed[.rowUnreadable, default: 0] += 1
            for j in signals.indices { perInput[i].perSignal[j].notComputed += 1 }
            prevalence.add(f.sampleID, failed: true, matches: [])
        }
        spool(f, into: failures)
    }

    /// The first spool error so far (thread-safe): the producer stops reading at it.
    var spoolFailure: HashscreenError? {
        lock.lock(); defer { lock.unlock() }
        return spoolError
    }

    /// Appends to a spool (thread-safe); keeps its first error.
    private func spool<R>(_ r: R, into spool: RecordSpool<R>) {
        do { try spool.append(r) } catch {
            lock.lock(); defer { lock.unlock() }
            if spoolError == nil { spoolError = error }
        }
    }

    /// The whole scan's counts: the inputs' summed.
    var totals: ScanSummary.Counts {
        var t = ScanSummary.Counts()
        t.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        for c in perInput { t.accumulate(c) }
        return t
    }

    /// Sets input `i`'s reader counters (entries passed over), once its reading is done.
    func setPassedOver(_ counters: [(String, Int)], input i: Int) {
        lock.lock(); defer { lock.unlock() }
        for (k, v) in counters { perInput[i].passedOver[k, default: 0] += v }
    }
}

/// What one worker found in one batch, counted without a lock and merged into the `Tally`
/// once per batch (`Tally.add(_:)`): per-sample locking cost more than the screening of a
/// metadata row (docs/decisions.md, "Metadata rows in large batches").
struct BatchTally {
    let signals: [SignalKind]
    /// Counts per input touched by the batch (a batch holds one input's rows, or a few).
    private(set) var perInput: [(Int, ScanSummary.Counts)] = []
    private(set) var bytesRead = 0
    private(set) var matchedPerList: [ListRef: Int] = [:]
    /// Inputs with a sample that named no image while image signals were requested.
    private(set) var noImageInputs: [Int] = []
    private(set) var matches: [MatchRecord] = []
    private(set) var failures: [FailureRecord] = []
    private(set) var flagged: [FlaggedRecord] = []
    private(set) var remaining: [RemainingRow] = []
    /// Per sample, what `Prevalence.add` counts (merged in order under the tally's lock).
    private(set) var prevalence: [(SampleID, Bool, [MatchRecord])] = []
    /// Clean samples counted in bulk (`count(_:of:times:)`): a sample's place, and how many.
    var bulkPrevalence: [(SampleID, Int)] = []
    private let empty: ScanSummary.Counts

    init(signals: [SignalKind]) {
        self.signals = signals
        var e = ScanSummary.Counts()
        e.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        empty = e
    }

    mutating func reset() {
        perInput.removeAll(keepingCapacity: true)
        bytesRead = 0
        matchedPerList.removeAll(keepingCapacity: true)
        noImageInputs.removeAll(keepingCapacity: true)
        matches.removeAll(keepingCapacity: true)
        failures.removeAll(keepingCapacity: true)
        flagged.removeAll(keepingCapacity: true)
        remaining.removeAll(keepingCapacity: true)
        prevalence.removeAll(keepingCapacity: true)
        bulkPrevalence.removeAll(keepingCapacity: true)
    }

    /// Counts one sample's outcome and keeps its findings.
    mutating func count(_ o: SampleOutcome, of sample: Sample) {
        let i = Int(sample.id.input)
        if perInput.last?.0 != i { perInput.append((i, empty)) }
        let last = perInput.count - 1
        Self.count(o, of: sample, signals: signals, into: &perInput[last].1)
        bytesRead += o.bytesRead
        if o.notComputedReason == .noImageReference, noImageInputs.last != i, !noImageInputs.contains(i) { noImageInputs.append(i) }
        if !o.matches.isEmpty {
            if o.matches.count == 1 { matchedPerList[o.matches[0].list, default: 0] += 1 }
            else { for l in Set(o.matches.map(\.list)) { matchedPerList[l, default: 0] += 1 } }
            matches += o.matches
        }
        if !o.failures.isEmpty { failures += o.failures }
        if let g = o.flagged { flagged.append(g) }
        if let r = o.remaining { remaining.append(r) }
        prevalence.append((sample.id, !o.failures.isEmpty, o.matches))
    }

    /// Counts `n` samples whose outcome is `o` (no finding: a clean row's), like `n` calls of
    /// `count(_:of:)` with samples of `sample`'s input and shard.
    mutating func count(_ o: SampleOutcome, of sample: Sample, times n: Int) {
        precondition(o.matches.isEmpty && o.failures.isEmpty && o.flagged == nil && o.remaining == nil)
        guard n > 0 else { return }
        var one = BatchTally(signals: signals)
        one.count(o, of: sample)
        for (i, c) in one.perInput {
            if perInput.last?.0 != i { perInput.append((i, empty)) }
            perInput[perInput.count - 1].1.accumulate(c, times: n)
        }
        bulkPrevalence.append((sample.id, n))
    }

    private static func count(_ o: SampleOutcome, of sample: Sample, signals: [SignalKind], into c: inout ScanSummary.Counts) {
        c.samples += 1
        if !sample.hasImageReference { c.rowsWithoutPath += 1 }
        if o.decoded { c.decoded += 1 }
        for (j, s) in signals.enumerated() {
            if o.screenedSignals.contains(s) { c.perSignal[j].screened += 1 }
            else if o.notComputed.contains(s) { c.perSignal[j].notComputed += 1 }
            else if o.lowQualitySignals.contains(s) { c.perSignal[j].skippedLowQuality += 1 }
            else { c.perSignal[j].notApplicable += 1 }
            if o.matches.contains(where: { $0.signal == s }) { c.perSignal[j].matched += 1 }
        }
        if let reason = o.notComputedReason { c.notComputed[reason, default: 0] += 1 }
        if !o.matches.isEmpty { c.matched += 1 }
        if o.failures.isEmpty { c.scanned += 1 } else {
            c.errors += 1
            if o.failures.count == 1 { c.errorsByStage[o.failures[0].stage, default: 0] += 1 }
            else { for st in Set(o.failures.map(\.stage)) { c.errorsByStage[st, default: 0] += 1 } }
        }
    }
}

extension ScanSummary.Counts {
    /// Adds `c`'s counts (same signals, in the same order) to these.
    mutating func accumulate(_ c: ScanSummary.Counts) {
        samples += c.samples; scanned += c.scanned; matched += c.matched; errors += c.errors
        decoded += c.decoded; rowsWithoutPath += c.rowsWithoutPath
        if !c.errorsByStage.isEmpty { errorsByStage.merge(c.errorsByStage, uniquingKeysWith: +) }
        if !c.notComputed.isEmpty { notComputed.merge(c.notComputed, uniquingKeysWith: +) }
        if !c.passedOver.isEmpty { passedOver.merge(c.passedOver, uniquingKeysWith: +) }
        for j in perSignal.indices {
            perSignal[j].screened += c.perSignal[j].screened
            perSignal[j].matched += c.perSignal[j].matched
            perSignal[j].notComputed += c.perSignal[j].notComputed
            perSignal[j].skippedLowQuality += c.perSignal[j].skippedLowQuality
            perSignal[j].notApplicable += c.perSignal[j].notApplicable
        }
    }
}

/// Runs a scan: inputs → screened samples → sorted outputs.
public enum Scanner {
    /// Samples with image work (bytes to read, decode or digest; or embedded image bytes held
    /// in memory) handed to a worker at a time: dispatch per batch, not per tiny item.
    static let batchSize = 16
    /// Samples handed to a worker at a time when none of them has image work (metadata rows:
    /// a URL and recorded hashes to look up, microseconds each): the hand-over (a lock and a
    /// wake-up) and the merge into the tally are paid per thousands of rows, not per 16. Such a
    /// row holds a few hundred bytes, so batches in flight stay within a few MB.
    static let metadataBatchSize = 1024
    /// Batches in flight per job: bounds memory whatever the manifest's length.
    static let batchesInFlightPerJob = 4

    /// `log` gets the closing line (the CLI prints it unless `--quiet`); `warn` gets warnings,
    /// one line each (standard error by default, whatever `--quiet`).
    public static func run(_ config: ScanConfiguration, log: (String) -> Void = { _ in },
                           warn: @escaping @Sendable (String) -> Void = Scanner.standardErrorLine) throws(HashscreenError) -> ScanResult {
        try HashscreenError.converting { try scan(config, log: log, warn: warn) }
    }

    /// What `verify` adds before `summary.json` is written (last): the finished scan's summary,
    /// the release samples that are earlier-flagged rows, the output folder.
    /// It returns the prevalence report's verification (before: the earlier scan) and what
    /// to do after `summary.json` (verify's attestation).
    typealias Finishing = (ScanSummary, [RemainingRow], OutputFolder) throws -> Finished
    struct Finished {
        var verification: PrevalenceReport.Verification?
        var afterSummary: ((ScanSummary, OutputFolder) throws -> Void)?
    }

    /// `sha256`: the input files' digest (tests put a failing one in its place).
    static func scan(_ config: ScanConfiguration, log: (String) -> Void,
                     warn: @escaping @Sendable (String) -> Void, finishing: Finishing? = nil,
                     sha256: @escaping @Sendable (String) throws -> String = fileSHA256) throws -> ScanResult {
        let started = Date()
        let cpuAtStart = processCPUSeconds()
        // Setup failures stop the run before any work: output folder, list, inputs.
        try checkShardOptions(config)
        let outputs = try OutputFolder(directory: config.outputDirectory)
        // The signing key is read before any work, so a bad --attest stops the run at once.
        let signingKey = try config.attestationKey.map { path throws(HashscreenError) in try Attestation.signingKey(at: path) }
        let known = try KnownHashes.load(listPath: config.listPath, signals: Set(config.signals), dihedral: config.dihedral, warn: warn)
        let opened = try openInputs(config)
        // The work units in order (a sharded scan's part of them): it reads (and digests) only
        // the inputs with a unit in its part, and checkpoints after each unit.
        let plan = try ShardPlan(config.shard ?? ShardSpec(index: 0, count: 1), inputs: opened.inputs.map { ($0.0.path, $0.1) })
        // The input files' SHA-256 are taken on their own thread from here, beside the scan;
        // what needs them waits for them. Any error from here on gives way to a digest's (a
        // digest before the rest would have stopped the run first).
        let digests = digestInputs(opened, where: { config.shard == nil || plan.screens($0) }, sha256: sha256)
        do {
            return try scan(config, log: log, warn: warn, finishing: finishing,
                            setUp: SetUp(started: started, cpuAtStart: cpuAtStart, outputs: outputs, signingKey: signingKey,
                                         known: known, opened: opened, plan: plan, digests: digests))
        } catch {
            throw digests.error(before: error)
        }
    }

    /// What set-up has made by the time the inputs' digests start.
    struct SetUp {
        let started: Date
        let cpuAtStart: Double
        let outputs: OutputFolder
        let signingKey: Ed25519Key?
        let known: KnownHashes
        let opened: OpenedInputs
        let plan: ShardPlan
        let digests: InputDigests
    }

    private static func scan(_ config: ScanConfiguration, log: (String) -> Void, warn: @escaping @Sendable (String) -> Void,
                             finishing: Finishing?, setUp: SetUp) throws -> ScanResult {
        let (started, cpuAtStart, outputs, signingKey, known, plan, digests) =
            (setUp.started, setUp.cpuAtStart, setUp.outputs, setUp.signingKey, setUp.known, setUp.plan, setUp.digests)
        var opened = setUp.opened
        let inputs = opened.inputs   // their digests not filled in: nothing here reads them
        // The fingerprint names the input files' digests, so it is made once they are taken:
        // a --resume that finds a checkpoint waits for them (to compare, before any work);
        // otherwise the first checkpoint is the first after they are taken.
        let fingerprintOnceDigested = { () throws -> JSONValue in
            fingerprint(config: config, known: known, inputs: setUp.opened.withFileDigests(try digests.wait()), plan: plan)
        }
        let resumed = try resumePoint(outputs, config: config, fingerprint: fingerprintOnceDigested, inputs: inputs.count)
        let resumedFingerprint = try resumed.map { _ in try fingerprintOnceDigested() }
        // Every check that can fail before a sample is read; then the earlier run in --out goes
        // (but for what a resumed scan continues from).
        try preflight(config: config, inputs: inputs, outputs: outputs,
                      keeping: resumed.map { [OutputFolder.File.checkpoint, $0.matchSpool.name, $0.failureSpool.name, $0.flaggedSpool.name] } ?? [])
        // verify: the earlier flagged rows sorted into files in --out, before any sample is read.
        try config.earlier?.prepare(in: outputs.directory)

        // Progress on standard error from its own thread (off: nil); stopped however the scan ends.
        let progress = ProgressReporter.start(config, readers: inputs.map(\.1), units: inputs.indices.map { config.shard == nil ? nil : plan.units[$0] })
        defer { progress?.stop() }
        let warn = progress?.interleaving(warn) ?? warn
        let imageSignals = config.signals.filter { $0.isCryptographic || $0.isPerceptual }
        let inputPaths = inputs.map(\.0.path)
        let tally = try Tally(signals: config.signals, inputs: inputs.count, shardNames: inputs.map { $0.1.shardNames },
                              thresholds: config.threshold(for:), dihedral: config.dihedral, spoolFolder: outputs.directory,
                              resuming: resumed) { i in
            warn(noImageReferenceWarning(input: inputPaths[i], imageSignals: imageSignals))
        }
        var screeners: [Screener] = []
        for _ in 0..<config.jobs { screeners.append(try Screener(config: config, known: known)) }
        let channel = BoundedChannel<Work>(capacity: config.jobs * batchesInFlightPerJob)
        // Metadata-only inputs go to the workers by unit or block: Parquet row groups read as
        // columns, JSON lines and CSV/TSV records in blocks the producer only cuts.
        let columnar = !rowPathForced && screeners[0].screensMetadataOnly
        // Set-up ends here: the list read and indexed, the inputs opened, the workers' buffers made.
        let setupDone = Date()
        let cpuAtSetup = processCPUSeconds()

        // The producer reads the manifests (blocking I/O) on its own thread, in batches, and
        // asks the kernel to start reading each queued image (readahead), so workers rarely
        // wait on the disk while the channel holds work.
        let readAhead = config.needsDecode || config.signals.contains(where: \.isCryptographic)
        let producerError = ErrorBox()
        let inFlight = InFlight()
        let producer = Thread {
            var batch: [(Sample, [String])] = []
            var imageWork = 0   // samples of the batch with image work
            batch.reserveCapacity(batchSize)
            var unitsDone = 0   // in the scan's unit order
            var columnarInputs = [ParquetColumnarInput??](repeating: nil, count: inputs.count)   // nil: not yet opened
            var nextCheckpoint = Date()
            var fingerprint = resumedFingerprint   // nil until the inputs' digests are taken
            // A findings spool that cannot be written (a full disk) or an input file that
            // cannot be read for its digest stops the scan at the next unit or block.
            func stopIfFailed() throws {
                if let e = tally.spoolFailure { throw e }
                if let e = digests.failure { throw e }
            }
            do {
                for (i, (_, reader, _)) in inputs.enumerated() {
                    if !plan.screens(i) { tally.setPassedOver(reader.counters, input: i); continue }
                    for unit in plan.units[i].sorted() {
                    if unitsDone < resumed?.unitsDone ?? 0 { unitsDone += 1; continue }
                    if columnar, columnarInputs[i] == nil { columnarInputs[i] = .some(try ParquetColumnarInput.open(reader)) }
                    if columnar, let j = JSONLinesBlockInput.open(reader) {
                        // Workers parse the lines: the producer only cuts the file into blocks.
                        tally.setPassedOver(Scanner.delta(reader.counters, reader.counters), input: i)
                        let splitter = try j.splitter()
                        while let block = try splitter.next() {
                            try stopIfFailed()
                            inFlight.sent(); channel.put(.lines(j, block))
                        }
                    } else if columnar, let d = DelimitedBlockInput.open(reader) {
                        // Workers split the records into fields: the producer only finds where they end.
                        tally.setPassedOver(Scanner.delta(reader.counters, reader.counters), input: i)
                        let splitter = try d.splitter()
                        while let block = try splitter.next() {
                            try stopIfFailed()
                            inFlight.sent(); channel.put(.records(d, block))
                        }
                    } else if case let c?? = columnarInputs[i] {
                        // A worker reads the row group (the reader's counters: none passed over).
                        try stopIfFailed()
                        tally.setPassedOver(Scanner.delta(reader.counters, reader.counters), input: i)
                        inFlight.sent(); channel.put(.rowGroup(c, unit))
                    } else {
                        let before = reader.counters
                        _ = Manifest.select([unit], of: reader)
                        try reader.forEachItem { item in
                            switch item {
                            case .sample(let s, let problems):
                                if readAhead, let p = s.path, s.member == nil { Scanner.adviseWillNeed(p) }
                                batch.append((s, problems))
                                if s.embedded != nil || (readAhead && s.hasImageReference) { imageWork += 1 }
                                if imageWork == batchSize || batch.count == metadataBatchSize {
                                    try stopIfFailed()
                                    inFlight.sent(); channel.put(.samples(batch)); batch.removeAll(keepingCapacity: true)
                                    imageWork = 0
                                }
                            case .failure(let key, let path, let message, let id):
                                tally.addRowFailure(FailureRecord(key: key, path: path, stage: .manifest, message: message, sampleID: id))
                                progress?.counters.add(samples: 1, matched: 0, errors: 1)
                            }
                        }
                        if !batch.isEmpty { inFlight.sent(); channel.put(.samples(batch)); batch.removeAll(keepingCapacity: true); imageWork = 0 }
                        tally.setPassedOver(Scanner.delta(before, reader.counters), input: i)
                    }
                    unitsDone += 1
                    // The units so far are whole once the workers are idle: checkpoint them
                    // (once the inputs' digests are taken: the fingerprint names them).
                    try stopIfFailed()
                    if Date() >= nextCheckpoint, digests.isFinished {
                        if fingerprint == nil { fingerprint = try fingerprintOnceDigested() }
                        inFlight.waitIdle()
                        try stopIfFailed()
                        try outputs.write(try tally.checkpoint(fingerprint: fingerprint!, unitsDone: unitsDone))
                        nextCheckpoint = Date().addingTimeInterval(config.checkpointInterval)
                    }
                    }
                    // The input's file is closed once the workers are done with its row groups
                    // (thousands of Parquet inputs do not hold thousands of descriptors).
                    columnarInputs[i] = nil
                }
            } catch {
                producerError.set(error)
            }
            channel.close()
        }
        producer.stackSize = 8 << 20
        producer.start()
        // One worker per job, each with its own screener, pulling batches until the channel closes.
        DispatchQueue.concurrentPerform(iterations: config.jobs) { i in
            let screener = screeners[i]
            var local = BatchTally(signals: config.signals)
            while let item = channel.take() {
                let work: [(Sample, [String])]
                switch item {
                case .samples(let w): work = w
                case .lines(let input, let block):
                    do { try screenLines(input, block, screener: screener, local: &local, tally: tally, progress: progress) } catch {
                        producerError.set(error)
                    }
                    inFlight.finished()
                    continue
                case .records(let input, let block):
                    screenRecords(input, block, screener: screener, local: &local, tally: tally, progress: progress)
                    inFlight.finished()
                    continue
                case .rowGroup(let input, let group):
                    do { try screenColumnar(input, group: group, screener: screener, local: &local, tally: tally, progress: progress) } catch {
                        producerError.set(error)
                    }
                    inFlight.finished()
                    continue
                }
                var matched = 0, failed = 0
                for (sample, problems) in work {
                    let outcome = screener.screen(sample, problems: problems)
                    if !outcome.matches.isEmpty { matched += 1 }
                    if !outcome.failures.isEmpty { failed += 1 }
                    local.count(outcome, of: sample)
                }
                // Counted before the batch is done, so that a checkpoint after waitIdle has it.
                tally.add(&local)
                inFlight.finished()
                progress?.counters.add(samples: work.count, matched: matched, errors: failed)
            }
        }
        // The input files' digests, joined before anything is written that claims a result
        // (their error first: see `scan` above).
        let fileDigests: [String]
        do { fileDigests = try digests.wait() } catch {
            // No checkpoint names these spools (none is written before the digests are done).
            tally.matches.remove(); tally.failures.remove(); tally.flagged.remove()
            throw error
        }
        if let e = producerError.error { throw e }
        if let e = tally.spoolError { throw e }
        progress?.stop()
        let finished = Date()
        let phases = Phases(setupSeconds: setupDone.timeIntervalSince(started), scanSeconds: finished.timeIntervalSince(setupDone),
                            setupCPUSeconds: cpuAtSetup - cpuAtStart, scanCPUSeconds: processCPUSeconds() - cpuAtSetup)

        // The spools' sorted runs merged into the record files; the removed samples' identities
        // kept only for --write-cleaned.
        let reporting = config.exportReporting
            ? ReportingContext(scannedAt: started, inputs: inputs.map(\.0.path), shards: inputs.map { $0.1.shardNames }) : nil
        let removed = try outputs.write(matches: tally.matches, failures: tally.failures, flagged: tally.flagged,
                                        keepingRemovedIDs: config.writeCleaned, partRecords: config.shard != nil,
                                        reporting: reporting)
        let cleaned = config.writeCleaned ? try writeCleaned(config: config, inputs: inputs, removed: removed) : nil
        let totals = tally.totals
        opened.inputs = opened.withFileDigests(fileDigests)
        let screenedInputs = opened.withStreamDigests  // standard input's digest finished once
        var summary = summary(config: config, counts: totals, tally: tally, known: known, inputs: screenedInputs,
                              cleaned: cleaned, started: started, finished: finished, phases: phases)
        summary.shard = config.shard == nil ? nil : plan.summaryPart
        summary.shard?.exportReporting = config.exportReporting
        if let finishing {
            let finished = try finishing(summary, tally.remaining.sorted(by: RemainingRow.precedes), outputs)
            try outputs.write(summary, prevalence: tally.prevalence, verification: finished.verification)
            try finished.afterSummary?(summary, outputs)
        } else {
            try outputs.write(summary, prevalence: tally.prevalence)
        }
        if let signingKey {
            try Attestation.write(summary: summary, inputs: screenedInputs.map { ($0.0.path, $0.2) }, followSymlinks: config.followSymlinks,
                                  key: signingKey, into: outputs)
        }
        if finishing == nil {
            log(String(summary.text.dropLast()))  // the closing line, without its newline
        }
        // The checkpoint before the spools it names: a scan killed in between resumes from
        // spools that are still there, or (checkpoint gone) starts over.
        outputs.removeCheckpoint()
        tally.matches.remove()
        tally.failures.remove()
        tally.flagged.remove()
        if config.summaryFormat != nil {
            try HashscreenError.converting {
                let printer = MarkdownPrinter<ScanSummary>(to: StandardOutput())
                try printer.write(summary)
                try printer.finish()
            }
        }
        return ScanResult(samples: totals.samples, matchedSamples: totals.matched,
                          failedSamples: totals.errors, outputDirectory: config.outputDirectory,
                          exitCode: Int32(summary.exitStatus))
    }

    /// Wall and CPU time of a scan's two phases: set-up (reading and indexing the list, opening
    /// the inputs) and the scan itself, so that a large list's start-up can be told apart from
    /// the per-image cost (`make bench` measures `--dihedral` against 10M entries this way).
    struct Phases {
        var setupSeconds: Double
        var scanSeconds: Double
        var setupCPUSeconds: Double
        var scanCPUSeconds: Double
    }

    /// Writes `line` and a newline to standard error.
    public static let standardErrorLine: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The warning for an input some of whose rows name no image while image signals are
    /// requested: what happens to such rows, and the remedies.
    static func noImageReferenceWarning(input: String, imageSignals: [SignalKind]) -> String {
        "warning: \(input): rows name no image (an empty path or image value, or no path or image column at all), so \(imageSignals.map(\.name).joined(separator: ", ")) cannot be computed for them: each such row is an error in errors.jsonl and the scan is incomplete (exit 3 unless something matched); to screen its metadata only pass --signals url_md5,url_sha256, or name its image column with --image-column"
    }

    /// User plus system CPU time of the whole process so far, in seconds.
    static func processCPUSeconds() -> Double {
        var u = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u) == 0 else { return 0 }
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
            + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// POSIX_FADV_WILLNEED on a whole file: asynchronous readahead, no data copied here.
    static func adviseWillNeed(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)
        close(fd)
    }

    /// Each input manifest minus the flagged rows, in `cleanedDirectory`.
    static func writeCleaned(config: ScanConfiguration, inputs: [(ScanConfiguration.Input, any ManifestReader, String)],
                             removed: Set<SampleID>) throws -> [CleanedFile] {
        var out: [CleanedFile] = []
        for (i, (input, reader, _)) in inputs.enumerated() {
            let dir = cleanedDirectory(config, input: i, of: inputs.count)
            do {
                out += try CleanedManifestWriter.write(inputPath: input.path, layout: reader.layout,
                                                       input: i, removed: removed, into: dir)
            } catch let e as HashscreenError {
                throw e
            } catch {
                throw HashscreenError(.output, "cannot write the cleaned manifest of \(input.path)", underlying: String(describing: error))
            }
        }
        return out
    }
}

/// A bounded, closable FIFO: `put` blocks while full (back-pressure on the manifest reader),
/// `take` blocks while empty and returns nil once closed and drained.
final class BoundedChannel<T>: @unchecked Sendable {
    private let cond = NSCondition()
    /// Taken items are cleared at once (nil): a taken batch of thousands of samples is not kept
    /// alive until the array is compacted.
    private var items: [T?] = []
    private var head = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func put(_ item: T) {
        cond.lock()
        while items.count - head >= capacity { cond.wait() }
        items.append(item)
        cond.broadcast()
        cond.unlock()
    }

    func take() -> T? {
        cond.lock(); defer { cond.unlock() }
        while head == items.count && !closed { cond.wait() }
        guard head < items.count else { return nil }
        let item = items[head].take()
        head += 1
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        cond.broadcast()
        return item
    }

    func close() {
        cond.lock()
        closed = true
        cond.broadcast()
        cond.unlock()
    }
}

/// The first error a background thread hit.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func set(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
