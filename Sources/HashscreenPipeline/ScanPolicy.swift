import HashscreenReport

/// `--max-unscreened`: how many samples may go unscreened before the scan fails as incomplete
/// (exit 3). A sample is *unscreened* when a requested signal could not be computed for it:
/// `summary.json`'s `counts.not_computed`, summed over its reasons (one reason per sample;
/// every such sample has a `per_signal.*.not_computed` and an `errors.jsonl` record).
public enum UnscreenedLimit: Sendable, Equatable {
    /// At most this many samples.
    case count(Int)
    /// At most this percentage of the samples (`0.1%`), compared exactly: unscreened x 100 <=
    /// percent x samples.
    case percent(Double, text: String)

    /// `25` (a count) or `0.1%` (a percentage of the samples, 0 to 100); nil for anything else.
    public init?(parsing text: String) {
        if text.hasSuffix("%") {
            guard let p = Double(text.dropLast()), p.isFinite, p >= 0, p <= 100,
                  text.dropLast().allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
            self = .percent(p, text: text)
        } else {
            guard let n = Int(text), n >= 0 else { return nil }
            self = .count(n)
        }
    }

    /// As given: `25`, `0.1%`.
    public var text: String {
        switch self {
        case .count(let n): return String(n)
        case .percent(_, let text): return text
        }
    }

    /// Whether `unscreened` of `samples` is within the limit.
    func allows(_ unscreened: Int, of samples: Int) -> Bool {
        switch self {
        case .count(let n): return unscreened <= n
        case .percent(let p, _): return Double(unscreened) * 100 <= p * Double(samples)
        }
    }
}

/// How the scan prints its summary on standard output, for a CI job's run summary.
public enum SummaryFormat: String, Sendable, CaseIterable {
    /// Markdown (GitHub's job summary, a GitLab merge-request note or an artifact).
    case markdown
    /// The same Markdown, named for `>> "$GITHUB_STEP_SUMMARY"`.
    case github
}

extension ScanResult {
    /// The exit status under the gate: 1 at any match; else, with a limit, 3 only when the
    /// unscreened samples exceed it (failures that left every signal computed, such as
    /// `--verify-decode`'s decode failures, then do not count); without one, 3 at any failure.
    static func exitCode(counts: ScanSummary.Counts, limit: UnscreenedLimit?) -> Int32 {
        guard let limit, counts.matched == 0 else { return exitCode(matched: counts.matched, failed: counts.errors) }
        return limit.allows(counts.unscreened, of: counts.samples) ? 0 : 3
    }
}
