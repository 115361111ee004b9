import Dispatch
import Foundation
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
    /// not be screened. (2, a fatal error, is thrown instead.)
    public var exitCode: Int32 { Self.exitCode(matched: matchedSamples, failed: failedSamples) }

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

    init(signals: [SignalKind], inputs: Int, shardNames: [[String]] = [], thresholds: (SignalKind) -> Int = \.defaultThreshold,
         dihedral: Bool = false, spoolFolder: String, noImageReference: @escaping (Int) -> Void) throws(HashscreenError) {
        self.signals = signals
        // Only PDQ is searched in its dihedral variants (Screener).
        prevalence = Prevalence(inputs: inputs, shardNames: shardNames, perceptual: signals.filter(\.isPerceptual).map { s in
            (s, thresholds(s), dihedral && s == .pdq ? DihedralVariant.allCases.map(\.rawValue) : [DihedralVariant.orig.rawValue])
        })
        var empty = ScanSummary.Counts()
        empty.perSignal = signals.map { ScanSummary.SignalCount(signal: $0, screened: 0, matched: 0) }
        perInput = Array(repeating: empty, count: inputs)
        matches = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.matchSpool)
        failures = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.failureSpool)
        flagged = try RecordSpool(folder: spoolFolder, name: OutputFolder.File.flaggedSpool)
        self.noImageReference = noImageReference
    }

    func add(_ o: SampleOutcome, of sample: Sample) {
        count(o, of: sample)
        // Outside the lock: a spool sorts and writes a full buffer while others go on.
        for m in o.matches { spool(m, into: matches) }
        for f in o.failures { spool(f, into: failures) }
        if let g = o.flagged { spool(g, into: flagged) }
    }

    private func count(_ o: SampleOutcome, of sample: Sample) {
        lock.lock(); defer { lock.unlock() }
        let i = Int(sample.id.input)
        perInput[i].samples += 1
        if !sample.hasImageReference { perInput[i].rowsWithoutPath += 1 }
        bytesRead += o.bytesRead
        if o.decoded { perInput[i].decoded += 1 }
        let matchedSignals = Set(o.matches.map(\.signal))
        for (j, s) in signals.enumerated() {
            if o.screenedSignals.contains(s) { perInput[i].perSignal[j].screened += 1 }
            else if o.notComputed.contains(s) { perInput[i].perSignal[j].notComputed += 1 }
            else if o.lowQualitySignals.contains(s) { perInput[i].perSignal[j].skippedLowQuality += 1 }
            else { perInput[i].perSignal[j].notApplicable += 1 }
            if matchedSignals.contains(s) { perInput[i].perSignal[j].matched += 1 }
        }
        if let reason = o.notComputedReason {
            perInput[i].notComputed[reason, default: 0] += 1
            if reason == .noImageReference, warnedInputs.insert(i).inserted { noImageReference(i) }
        }
        if let r = o.remaining { remaining.append(r) }
        if !o.matches.isEmpty {
            perInput[i].matched += 1
            for l in Set(o.matches.map(\.list)) { matchedPerList[l, default: 0] += 1 }
        }
        prevalence.add(sample.id, failed: !o.failures.isEmpty, matches: o.matches)
        if o.failures.isEmpty { perInput[i].scanned += 1 } else {
            perInput[i].errors += 1
            for st in Set(o.failures.map(\.stage)) { perInput[i].errorsByStage[st, default: 0] += 1 }
        }
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
        for c in perInput {
            t.samples += c.samples; t.scanned += c.scanned; t.matched += c.matched; t.errors += c.errors
            t.decoded += c.decoded; t.rowsWithoutPath += c.rowsWithoutPath
            t.errorsByStage.merge(c.errorsByStage, uniquingKeysWith: +)
            t.notComputed.merge(c.notComputed, uniquingKeysWith: +)
            t.passedOver.merge(c.passedOver, uniquingKeysWith: +)
            for j in signals.indices {
                t.perSignal[j].screened += c.perSignal[j].screened
                t.perSignal[j].matched += c.perSignal[j].matched
                t.perSignal[j].notComputed += c.perSignal[j].notComputed
                t.perSignal[j].skippedLowQuality += c.perSignal[j].skippedLowQuality
                t.perSignal[j].notApplicable += c.perSignal[j].notApplicable
            }
        }
        return t
    }

    /// Sets input `i`'s reader counters (entries passed over), once its reading is done.
    func setPassedOver(_ counters: [(String, Int)], input i: Int) {
        lock.lock(); defer { lock.unlock() }
        for (k, v) in counters { perInput[i].passedOver[k, default: 0] += v }
    }
}

/// Runs a scan: inputs → screened samples → sorted outputs.
public enum Scanner {
    /// Samples handed to a worker at a time: dispatch per batch, not per tiny item.
    static let batchSize = 16
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
    typealias Finishing = (ScanSummary, [RemainingRow], OutputFolder) throws -> Void

    static func scan(_ config: ScanConfiguration, log: (String) -> Void,
                     warn: @escaping @Sendable (String) -> Void, finishing: Finishing? = nil) throws -> ScanResult {
        let started = Date()
        let cpuAtStart = processCPUSeconds()
        // Setup failures stop the run before any work: output folder, list, inputs.
        let outputs = try OutputFolder(directory: config.outputDirectory)
        let known = try KnownHashes.load(listPath: config.listPath, signals: Set(config.signals), dihedral: config.dihedral)
        var opened: [(ScanConfiguration.Input, any ManifestReader, String)] = []
        for (i, input) in config.inputs.enumerated() {
            let reader = try Manifest.open(path: input.path, layout: input.layout, input: i, options: manifestOptions(config, input),
                                           walk: config.folderWalk)
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: input.path, isDirectory: &isDir)
            // Folders have no single digest; a manifest file (or a tar shard) does.
            let digest = isDir.boolValue ? "" : try Digester.sha256(ofFile: input.path)
            opened.append((input, reader, digest))
        }
        let inputs = opened
        // Every check that can fail before a sample is read; then the earlier run in --out goes.
        try preflight(config: config, inputs: inputs, outputs: outputs)

        let imageSignals = config.signals.filter { $0.isCryptographic || $0.isPerceptual }
        let inputPaths = inputs.map(\.0.path)
        let tally = try Tally(signals: config.signals, inputs: inputs.count, shardNames: inputs.map { $0.1.shardNames },
                              thresholds: config.threshold(for:), dihedral: config.dihedral, spoolFolder: outputs.directory) { i in
            warn(noImageReferenceWarning(input: inputPaths[i], imageSignals: imageSignals))
        }
        var screeners: [Screener] = []
        for _ in 0..<config.jobs { screeners.append(try Screener(config: config, known: known)) }
        let channel = BoundedChannel<[(Sample, [String])]>(capacity: config.jobs * batchesInFlightPerJob)
        // Set-up ends here: the list read and indexed, the inputs opened, the workers' buffers made.
        let setupDone = Date()
        let cpuAtSetup = processCPUSeconds()

        // The producer reads the manifests (blocking I/O) on its own thread, in batches, and
        // asks the kernel to start reading each queued image (readahead), so workers rarely
        // wait on the disk while the channel holds work.
        let readAhead = config.needsDecode || config.signals.contains(where: \.isCryptographic)
        let producerError = ErrorBox()
        let producer = Thread {
            var batch: [(Sample, [String])] = []
            batch.reserveCapacity(batchSize)
            do {
                for (i, (_, reader, _)) in inputs.enumerated() {
                    defer { tally.setPassedOver(reader.counters, input: i) }
                    try reader.forEachItem { item in
                        switch item {
                        case .sample(let s, let problems):
                            if readAhead, let p = s.path, s.member == nil { Scanner.adviseWillNeed(p) }
                            batch.append((s, problems))
                            if batch.count == batchSize {
                                // A findings spool that cannot be written (a full disk) stops the scan here.
                                if let e = tally.spoolFailure { throw e }
                                channel.put(batch); batch.removeAll(keepingCapacity: true)
                            }
                        case .failure(let key, let path, let message, let id):
                            tally.addRowFailure(FailureRecord(key: key, path: path, stage: .manifest, message: message, sampleID: id))
                        }
                    }
                }
                if !batch.isEmpty { channel.put(batch) }
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
            while let work = channel.take() {
                for (sample, problems) in work {
                    tally.add(screener.screen(sample, problems: problems), of: sample)
                }
            }
        }
        if let e = producerError.error { throw e }
        if let e = tally.spoolError { throw e }
        let finished = Date()
        let phases = Phases(setupSeconds: setupDone.timeIntervalSince(started), scanSeconds: finished.timeIntervalSince(setupDone),
                            setupCPUSeconds: cpuAtSetup - cpuAtStart, scanCPUSeconds: processCPUSeconds() - cpuAtSetup)

        // The spools' sorted runs merged into the record files; the removed samples' identities
        // kept only for --write-cleaned.
        let reporting = config.exportReporting
            ? ReportingContext(scannedAt: started, inputs: inputs.map(\.0.path), shards: inputs.map { $0.1.shardNames }) : nil
        let removed = try outputs.write(matches: tally.matches, failures: tally.failures, flagged: tally.flagged,
                                        keepingRemovedIDs: config.writeCleaned, reporting: reporting)
        tally.matches.remove()
        tally.failures.remove()
        tally.flagged.remove()
        let cleaned = config.writeCleaned ? try writeCleaned(config: config, inputs: inputs, removed: removed) : nil
        let totals = tally.totals
        let summary = summary(config: config, counts: totals, tally: tally, known: known, inputs: inputs,
                              cleaned: cleaned, started: started, finished: finished, phases: phases)
        if let finishing {
            try finishing(summary, tally.remaining.sorted(by: RemainingRow.precedes), outputs)
            try outputs.write(summary, prevalence: tally.prevalence)
        } else {
            try outputs.write(summary, prevalence: tally.prevalence)
            log(String(summary.text.dropLast()))  // the closing line, without its newline
        }
        return ScanResult(samples: totals.samples, matchedSamples: totals.matched,
                          failedSamples: totals.errors, outputDirectory: config.outputDirectory)
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
    private var items: [T] = []
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
        let item = items[head]
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
