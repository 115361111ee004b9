import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport
import Synchronization

/// How a running scan shows its progress on standard error (docs/progress.md).
public enum ProgressMode: String, Sendable, CaseIterable {
    /// `tty` when standard error is a terminal, else nothing.
    case auto
    /// One status line, redrawn in place (carriage return, clear to end of line).
    case tty
    /// A JSON object per line every `--progress-interval` seconds, and a final one.
    case json
    /// Nothing.
    case none

    /// What `auto` means here and now; the others as they are.
    var resolved: ProgressMode {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) == 1 ? .tty : .none
    }

    /// Seconds between two updates when `--progress-interval` is not given: a few times a
    /// second on a terminal; every 10 s in a log (a day's scan: ~8,600 lines).
    var defaultInterval: Double { self == .json ? 10 : 0.25 }
}

/// What the workers add to as they finish batches: relaxed atomic counters a timer thread
/// reads (no lock, no work per sample beyond the batch's three adds).
final class ProgressCounters: Sendable {
    let samples = Atomic<Int>(0)
    let matched = Atomic<Int>(0)
    let errors = Atomic<Int>(0)

    func add(samples n: Int, matched m: Int, errors e: Int) {
        samples.add(n, ordering: .relaxed)
        if m > 0 { matched.add(m, ordering: .relaxed) }
        if e > 0 { errors.add(e, ordering: .relaxed) }
    }
}

/// Shows a scan's progress on standard error from its own thread, every `interval` seconds,
/// until `stop()` prints the last reading. The total is worked out on that thread from the
/// inputs' metadata (`ManifestReader.knownSampleCount`), so it never delays the scan.
/// Nothing goes to standard output, and nothing it does reaches the scan's outputs.
final class ProgressReporter: @unchecked Sendable {
    let counters = ProgressCounters()
    private let mode: ProgressMode
    private let interval: Double
    private let started = Date()
    private let cond = NSCondition()
    private var stopped = false
    private var finished = false
    private var total: Int?
    private var thread: Thread?
    /// Serialises writes to standard error (status line, warnings).
    private let writeLock = NSLock()

    /// A reporter for `config`'s mode, started; nil when progress is off.
    /// `units`: per reader, the work units a sharded scan's part screens (nil: all).
    static func start(_ config: ScanConfiguration, readers: [any ManifestReader], units: [Set<Int>?]) -> ProgressReporter? {
        let mode = config.progress.resolved
        guard mode != .none else { return nil }
        let r = ProgressReporter(mode: mode, interval: config.progressInterval ?? mode.defaultInterval)
        let boxed = UncheckedReaders(readers: readers)
        let t = Thread { r.loop(readers: boxed.readers, units: units) }
        t.qualityOfService = .utility
        r.thread = t
        t.start()
        return r
    }

    private init(mode: ProgressMode, interval: Double) {
        self.mode = mode
        self.interval = max(0.01, interval)
    }

    private func loop(readers: [any ManifestReader], units: [Set<Int>?]) {
        // The total first: footers only, a few milliseconds per file.
        var sum = 0
        var known = true
        for (i, r) in readers.enumerated() {
            cond.lock(); let done = stopped; cond.unlock()
            if done { break }
            if let u = units[i], u.isEmpty { continue }   // not in this part: not read
            guard let n = r.knownSampleCount(units: units[i]) else { known = false; break }
            sum += n
        }
        cond.lock()
        if known, !stopped { total = sum }
        while !stopped {
            if !cond.wait(until: Date().addingTimeInterval(interval)), !stopped {
                cond.unlock()
                show(final: false)
                cond.lock()
            }
        }
        cond.unlock()
    }

    /// The current reading.
    private func snapshot(final: Bool) -> ProgressSnapshot {
        cond.lock(); let t = total; cond.unlock()
        return ProgressSnapshot(elapsedSeconds: Date().timeIntervalSince(started),
                                samples: counters.samples.load(ordering: .relaxed), total: t,
                                matched: counters.matched.load(ordering: .relaxed),
                                errors: counters.errors.load(ordering: .relaxed), final: final)
    }

    private func show(final: Bool) {
        let s = snapshot(final: final)
        writeLock.lock(); defer { writeLock.unlock() }
        if finished { return }
        if final { finished = true }
        switch mode {
        case .json: Self.writeStandardError(s.json.rendered() + "\n")
        default: Self.writeStandardError(ProgressLine.terminalUpdate(s, width: Self.terminalWidth()))
        }
    }

    /// Prints the last reading (a final newline on a terminal) and ends the thread. Idempotent.
    func stop() {
        cond.lock()
        let wasStopped = stopped
        stopped = true
        cond.broadcast()
        cond.unlock()
        if !wasStopped { show(final: true) }
    }

    /// `warn` with the status line cleared first (it is redrawn at the next update), so a
    /// warning never lands in the middle of it.
    func interleaving(_ warn: @escaping @Sendable (String) -> Void) -> @Sendable (String) -> Void {
        guard mode == .tty else { return warn }
        return { [self] line in
            writeLock.lock(); defer { writeLock.unlock() }
            if !finished { Self.writeStandardError(ProgressLine.clear) }
            warn(line)
        }
    }

    /// Columns of the terminal on standard error (80 when it cannot be told).
    static func terminalWidth() -> Int {
        var w = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 80
    }

    static func writeStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}

/// The readers handed to the progress thread, which only reads their paths and footers.
private struct UncheckedReaders: @unchecked Sendable { let readers: [any ManifestReader] }
