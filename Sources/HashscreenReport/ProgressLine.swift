// How a running scan's progress looks: the status line on a terminal and the JSON line for
// logs (docs/progress.md). The pipeline counts and times; only this file formats.
import Foundation
import HashscreenCore

/// One reading of a running scan's counters.
package struct ProgressSnapshot: Sendable, Equatable {
    /// Seconds since the scan's samples started.
    package var elapsedSeconds: Double
    /// Samples finished (screened, or unreadable rows), as `summary.json`'s `samples` counts them.
    package var samples: Int
    /// Samples the inputs hold, when their metadata says (`ManifestReader.knownSampleCount`);
    /// nil while unknown. Never below `samples` once shown.
    package var total: Int?
    /// Samples with at least one match, and samples with at least one error, so far.
    package var matched: Int
    package var errors: Int
    /// True for the last reading, at the end of the scan.
    package var final: Bool

    package init(elapsedSeconds: Double, samples: Int, total: Int?, matched: Int, errors: Int, final: Bool) {
        self.elapsedSeconds = elapsedSeconds; self.samples = samples
        self.total = total.map { max($0, samples) }
        self.matched = matched; self.errors = errors; self.final = final
    }

    /// Samples a second over the whole run so far (0 before a tenth of a second).
    package var rate: Double { elapsedSeconds >= 0.1 ? Double(samples) / elapsedSeconds : 0 }

    /// Seconds left at the rate so far, when the total is known and the rate positive.
    package var etaSeconds: Double? {
        guard let total, rate > 0 else { return nil }
        return Double(total - samples) / rate
    }
}

extension ProgressSnapshot: JSONRecord {
    /// One line of `--progress json` (docs/progress.md): rates to a tenth, seconds to a tenth.
    package var json: JSONValue {
        func tenth(_ v: Double) -> JSONValue { .double((v * 10).rounded() / 10) }
        return .object([
            ("type", .string("progress")),
            ("elapsed_seconds", tenth(elapsedSeconds)),
            ("samples", .int(samples)),
            ("total", total.map { .int($0) } ?? .null),
            ("rate", tenth(rate)),
            ("eta_seconds", etaSeconds.map(tenth) ?? .null),
            ("matched", .int(matched)),
            ("errors", .int(errors)),
            ("final", .bool(final)),
        ])
    }
}

/// The terminal status line: carriage return, the text, clear to the end of the line; the
/// final one ends with a newline.
package enum ProgressLine {
    /// `scan: 1,234/10,000 samples (12.3%)  650/s  ETA 13s  matched 2  errors 1`, cut to
    /// `width` columns (the terminal's) so that it never wraps.
    package static func text(_ s: ProgressSnapshot, width: Int = 80) -> String {
        var parts: [String] = []
        if let total = s.total {
            let pct = total > 0 ? Double(s.samples) * 100 / Double(total) : 100
            parts.append("scan: \(grouped(s.samples))/\(grouped(total)) samples (\(String(format: "%.1f", pct))%)")
        } else {
            parts.append("scan: \(grouped(s.samples)) samples")
        }
        parts.append("\(grouped(Int(s.rate.rounded())))/s")
        if s.final {
            parts.append("in \(duration(s.elapsedSeconds))")
        } else if let eta = s.etaSeconds {
            parts.append("ETA \(duration(eta))")
        }
        parts.append("matched \(grouped(s.matched))")
        parts.append("errors \(grouped(s.errors))")
        let line = parts.joined(separator: "  ")
        return String(line.prefix(max(1, width - 1)))
    }

    /// What is written to the terminal for `s`: `\r`, the text, `ESC[K`; a newline after the final one.
    package static func terminalUpdate(_ s: ProgressSnapshot, width: Int) -> String {
        "\r" + text(s, width: width) + "\u{1B}[K" + (s.final ? "\n" : "")
    }

    /// What clears the status line before another line (a warning) is written under it.
    package static let clear = "\r\u{1B}[K"

    /// 1234567 as `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// 75 seconds as `1m15s`, 4000 as `1h06m`, 9 as `9s`.
    static func duration(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        if t < 60 { return "\(t)s" }
        if t < 3600 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        if t < 86400 * 2 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        return "\(t / 86400)d\(String(format: "%02d", (t % 86400) / 3600))h"
    }
}
