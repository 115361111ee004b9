import Dispatch
import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenManifest
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

/// Counts and findings, merged from every worker under a lock.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    var samples = 0
    var scanned = 0
    var matchedSamples = 0
    var failedSamples = 0
    var bytesRead = 0
    var decoded = 0
    var rowsWithoutPath = 0
    var screenedPerSignal: [SignalKind: Int] = [:]
    var matchedPerSignal: [SignalKind: Int] = [:]
    var matchedPerList: [ListRef: Int] = [:]
    var failuresPerStage: [FailureStage: Int] = [:]
    var matches: [MatchRecord] = []
    var failures: [FailureRecord] = []

    func add(_ o: SampleOutcome, hasPath: Bool) {
        lock.lock(); defer { lock.unlock() }
        samples += 1
        if !hasPath { rowsWithoutPath += 1 }
        bytesRead += o.bytesRead
        if o.decoded { decoded += 1 }
        for s in o.screenedSignals { screenedPerSignal[s, default: 0] += 1 }
        if !o.matches.isEmpty {
            matchedSamples += 1
            for s in Set(o.matches.map(\.signal)) { matchedPerSignal[s, default: 0] += 1 }
            for l in Set(o.matches.map(\.list)) { matchedPerList[l, default: 0] += 1 }
            matches.append(contentsOf: o.matches)
        }
        if o.failures.isEmpty { scanned += 1 } else {
            failedSamples += 1
            for st in Set(o.failures.map(\.stage)) { failuresPerStage[st, default: 0] += 1 }
            failures.append(contentsOf: o.failures)
        }
    }

    func addRowFailure(_ f: FailureRecord) {
        lock.lock(); defer { lock.unlock() }
        samples += 1
        failedSamples += 1
        failuresPerStage[f.stage, default: 0] += 1
        failures.append(f)
    }
}

/// Runs a scan: inputs → screened samples → sorted outputs.
public enum Scanner {
    /// Samples handed to a worker at a time: dispatch per batch, not per tiny item.
    static let batchSize = 16
    /// Batches in flight per job: bounds memory whatever the manifest's length.
    static let batchesInFlightPerJob = 4

    public static func run(_ config: ScanConfiguration, log: (String) -> Void = { _ in }) throws -> ScanResult {
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
            FileManager.default.fileExists(atPath: input.path, isDirectory: &isDir)
            // Folders have no single digest; a manifest file (or a tar shard) does.
            let digest = isDir.boolValue ? "" : try Digester.sha256(ofFile: input.path)
            opened.append((input, reader, digest))
        }
        let inputs = opened
        // Every check that can fail before a sample is read; then the earlier run in --out goes.
        try preflight(config: config, inputs: inputs, outputs: outputs)

        let tally = Tally()
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
                for (_, reader, _) in inputs {
                    try reader.forEachItem { item in
                        switch item {
                        case .sample(let s, let problems):
                            if readAhead, let p = s.path, s.member == nil { Scanner.adviseWillNeed(p) }
                            batch.append((s, problems))
                            if batch.count == batchSize { channel.put(batch); batch.removeAll(keepingCapacity: true) }
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
                    tally.add(screener.screen(sample, problems: problems), hasPath: sample.hasImageReference)
                }
            }
        }
        if let e = producerError.error { throw e }
        let finished = Date()
        let phases = Phases(setupSeconds: setupDone.timeIntervalSince(started), scanSeconds: finished.timeIntervalSince(setupDone),
                            setupCPUSeconds: cpuAtSetup - cpuAtStart, scanCPUSeconds: processCPUSeconds() - cpuAtSetup)

        let matches = tally.matches
        try outputs.write(matches: matches, failures: tally.failures)
        let cleaned = config.writeCleaned ? try writeCleaned(config: config, inputs: inputs, matches: matches) : nil
        var readerCounts: [String: Int] = ["non_image_files_ignored": 0, "rows_not_success": 0]
        for (_, reader, _) in inputs { for (k, v) in reader.counters { readerCounts[k, default: 0] += v } }
        let summary = summary(config: config, tally: tally, known: known, inputs: inputs, readerCounts: readerCounts,
                              cleaned: cleaned, started: started, finished: finished, phases: phases)
        try outputs.write(summary)
        log(String(summary.text.dropLast()))  // the closing line, without its newline
        return ScanResult(samples: tally.samples, matchedSamples: tally.matchedSamples,
                          failedSamples: tally.failedSamples, outputDirectory: config.outputDirectory)
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
                             matches: [MatchRecord]) throws -> [CleanedFile] {
        let removed = Set(matches.map(\.sampleID))
        var out: [CleanedFile] = []
        for (i, (input, reader, _)) in inputs.enumerated() {
            let dir = cleanedDirectory(config, input: i, of: inputs.count)
            do {
                out += try CleanedManifestWriter.write(inputPath: input.path, layout: reader.layout,
                                                       input: i, removed: removed, into: dir)
            } catch let e as HashscreenError {
                throw e
            } catch {
                throw HashscreenError(.output, "cannot write the cleaned manifest of \(input.path): \(error)")
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
