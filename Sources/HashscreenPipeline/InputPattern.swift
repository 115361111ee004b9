import Foundation
import HashscreenCore

/// Brace ranges as webdataset names shards (`shards/{00000..01023}.tar`), expanded by
/// hashscreen rather than the shell: the names of a LAION-scale dataset (~230,000 shards) do not
/// fit a command line, and a shell without brace expansion (sh, Slurm scripts) passes them on.
///
/// Rules (docs/manifests.md, "Brace ranges"), as Python's `braceexpand`, which webdataset
/// uses, reads numeric ranges:
/// - `{A..B}` with A and B decimal numbers is every number from A to B, ascending or
///   descending; zero padding is kept: when A or B has a leading zero, each number is padded
///   to the longer of the two (`{8..010}` is 008, 009, 010);
/// - several ranges in one name multiply, the leftmost changing slowest (`{0..1}/{0..2}` is
///   0/0, 0/1, 0/2, 1/0 ...);
/// - nothing else is special: `{a,b}`, `{x}`, a lone brace stay as written, and a name that
///   exists as written is never expanded (a file whose name holds braces);
/// - every name a pattern gives must exist: otherwise a clear error naming how many do not and
///   the first, before anything is read.
/// Expansion is linear in the names made (one `stat` each).
package enum InputPattern {
    /// Most names one pattern may make: far above LAION-5B's ~600,000 shards.
    static let maxNames = 10_000_000

    /// One `{A..B}` range of a pattern.
    struct Range: Equatable {
        var start: Int
        var end: Int
        var width: Int
        var count: Int { abs(end - start) + 1 }
        func value(_ i: Int) -> String {
            let v = start <= end ? start + i : start - i
            let digits = String(v)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
    }

    /// The literal pieces and ranges of `pattern`: pieces.count == ranges.count + 1. Nil ranges
    /// when it holds none.
    static func parse(_ pattern: String) -> (pieces: [String], ranges: [Range]) {
        let b = Array(pattern.utf8)
        var pieces: [String] = []
        var ranges: [Range] = []
        var literalStart = 0
        var i = 0
        func digits(from j: Int) -> Int {
            var k = j
            while k < b.count, b[k] >= 48, b[k] <= 57 { k += 1 }
            return k
        }
        while i < b.count {
            guard b[i] == UInt8(ascii: "{") else { i += 1; continue }
            let aEnd = digits(from: i + 1)
            guard aEnd > i + 1, aEnd - (i + 1) <= 18, aEnd + 1 < b.count, b[aEnd] == UInt8(ascii: "."), b[aEnd + 1] == UInt8(ascii: ".") else { i += 1; continue }
            let bEnd = digits(from: aEnd + 2)
            guard bEnd > aEnd + 2, bEnd - (aEnd + 2) <= 18, bEnd < b.count, b[bEnd] == UInt8(ascii: "}") else { i += 1; continue }
            let a = String(decoding: b[(i + 1)..<aEnd], as: UTF8.self)
            let z = String(decoding: b[(aEnd + 2)..<bEnd], as: UTF8.self)
            let padded = (a.count > 1 && a.hasPrefix("0")) || (z.count > 1 && z.hasPrefix("0"))
            ranges.append(Range(start: Int(a)!, end: Int(z)!, width: padded ? max(a.count, z.count) : 0))
            pieces.append(String(decoding: b[literalStart..<i], as: UTF8.self))
            i = bEnd + 1
            literalStart = i
        }
        pieces.append(String(decoding: b[literalStart...], as: UTF8.self))
        return (pieces, ranges)
    }

    /// The names `pattern` makes, in order (itself when it holds no range or exists as
    /// written), each checked to exist.
    package static func expand(_ pattern: String) throws(HashscreenError) -> [String] {
        var st = stat()
        if stat(pattern, &st) == 0 { return [pattern] }
        let (pieces, ranges) = parse(pattern)
        guard !ranges.isEmpty else { return [pattern] }
        var total = 1
        for r in ranges {
            let (p, overflow) = total.multipliedReportingOverflow(by: r.count)
            guard !overflow, p <= maxNames else {
                throw HashscreenError(.usage, "input pattern \(pattern) names more than \(maxNames) inputs: split the scan (see --shard)")
            }
            total = p
        }
        var names: [String] = []
        names.reserveCapacity(total)
        var missing = 0
        var firstMissing: String? = nil
        var odometer = [Int](repeating: 0, count: ranges.count)
        for _ in 0..<total {
            var name = pieces[0]
            for (k, r) in ranges.enumerated() { name += r.value(odometer[k]); name += pieces[k + 1] }
            if stat(name, &st) != 0 {
                missing += 1
                if firstMissing == nil { firstMissing = name }
            }
            names.append(name)
            var k = ranges.count - 1
            while k >= 0 {
                odometer[k] += 1
                if odometer[k] < ranges[k].count { break }
                odometer[k] = 0
                k -= 1
            }
        }
        if let firstMissing {
            throw HashscreenError(.input, "input pattern \(pattern) names \(total) inputs, \(missing) of which do not exist (the first: \(firstMissing))",
                                  remedy: "check the range, or name the inputs that exist")
        }
        return names
    }
}

extension ScanConfiguration {
    /// Replaces each input whose path is a brace range (`shards/{00000..01023}.tar`) by the
    /// inputs it names, in order, each read as its pattern was (`InputPattern`).
    public mutating func expandInputPatterns() throws(HashscreenError) {
        var out: [Input] = []
        for input in inputs {
            if input.path == "-" { out.append(input); continue }
            for p in try InputPattern.expand(input.path) {
                var i = input
                i.path = p
                out.append(i)
            }
        }
        inputs = out
    }
}
