/// HashscreenReport: writes a scan's outputs into the output folder.
///
/// - `removals.csv`: `key,url,path,reasons`, one row per flagged sample.
/// - `report.jsonl`: one JSON object per match.
/// - `errors.jsonl`: one JSON object per sample that could not be fully screened.
/// - `summary.json`: counts and provenance.
/// Every file is sorted by key (then input order), written to a temporary name and renamed,
/// mode 0600, in a folder created 0700. Nothing here ever sees image bytes.
import Foundation
import HashscreenCore

/// Writes the output files of one scan.
public struct ReportWriter {
    public let directory: String

    /// Creates (or reuses) the output folder with mode 0700; fails with a remedy if it cannot.
    public init(directory: String) throws(HashscreenError) {
        self.directory = directory
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw HashscreenError(.output, "output path \(directory) exists and is not a folder: choose another --out")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw HashscreenError(.output, "cannot create output folder \(directory): check the path and permissions",
                                      underlying: String(describing: error))
            }
        }
        chmod(directory, 0o700)
        guard access(directory, W_OK) == 0 else {
            throw HashscreenError(.output, "output folder \(directory) is not writable: choose another --out")
        }
    }

    /// Output file names.
    public enum File {
        public static let removals = "removals.csv"
        public static let report = "report.jsonl"
        public static let errors = "errors.jsonl"
        public static let summary = "summary.json"
    }

    /// Sorted by key, then input order, then signal/list for a total, deterministic order.
    public static func sorted(_ matches: [MatchRecord]) -> [MatchRecord] {
        matches.sorted {
            if $0.key != $1.key { return $0.key < $1.key }
            if $0.sampleID != $1.sampleID { return $0.sampleID < $1.sampleID }
            if $0.signal != $1.signal { return $0.signal < $1.signal }
            if $0.source != $1.source { return $0.source.rawValue < $1.source.rawValue }
            if $0.list != $1.list { return $0.list < $1.list }
            if $0.distance != $1.distance { return $0.distance < $1.distance }
            return ($0.variant ?? "") < ($1.variant ?? "")
        }
    }

    public static func sorted(_ failures: [FailureRecord]) -> [FailureRecord] {
        failures.sorted {
            if $0.key != $1.key { return $0.key < $1.key }
            if $0.sampleID != $1.sampleID { return $0.sampleID < $1.sampleID }
            if $0.stage != $1.stage { return $0.stage.rawValue < $1.stage.rawValue }
            return $0.message < $1.message
        }
    }

    /// `removals.csv`: one row per flagged sample; reasons are the distinct `signal:list`
    /// words joined by `;`, sorted.
    public func writeRemovals(_ sortedMatches: [MatchRecord]) throws(HashscreenError) {
        var out = "key,url,path,reasons\n"
        var i = 0
        while i < sortedMatches.count {
            let first = sortedMatches[i]
            var reasons = Set<String>()
            var j = i
            while j < sortedMatches.count, sortedMatches[j].key == first.key, sortedMatches[j].sampleID == first.sampleID {
                reasons.insert(sortedMatches[j].reason)
                j += 1
            }
            out += [first.key, first.url ?? "", first.path ?? "", reasons.sorted().joined(separator: ";")]
                .map(Self.csvField).joined(separator: ",") + "\n"
            i = j
        }
        try write(File.removals, out)
    }

    public func writeReport(_ sortedMatches: [MatchRecord]) throws(HashscreenError) {
        var out = ""
        for m in sortedMatches {
            var o: [(String, JSONValue)] = [
                ("key", .string(m.key)), ("url", .optional(m.url)), ("path", .optional(m.path)),
                ("signal", .string(m.signal.name)), ("value", .string(m.value.hex)),
                ("source", .string(m.source.rawValue)), ("list", .string(m.list.name)),
                ("list_version", .string(m.list.version)), ("distance", .int(m.distance)),
            ]
            if let v = m.variant { o.append(("variant", .string(v))) }
            if !m.notes.isEmpty { o.append(("notes", .array(m.notes.map { .string($0) }))) }
            out += JSONValue.object(o).rendered() + "\n"
        }
        try write(File.report, out)
    }

    public func writeErrors(_ sortedFailures: [FailureRecord]) throws(HashscreenError) {
        var out = ""
        for f in sortedFailures {
            var o: [(String, JSONValue)] = [
                ("key", .string(f.key)), ("path", .optional(f.path)),
                ("stage", .string(f.stage.rawValue)), ("error", .string(f.message)),
            ]
            if let q = f.quality { o.append(("quality", .int(q))) }
            out += JSONValue.object(o).rendered() + "\n"
        }
        try write(File.errors, out)
    }

    public func writeSummary(_ summary: JSONValue) throws(HashscreenError) {
        try write(File.summary, summary.pretty() + "\n")
    }

    /// Writes `name` atomically (temporary file, fsync, rename), mode 0600.
    public func write(_ name: String, _ text: String) throws(HashscreenError) {
        let final = (directory as NSString).appendingPathComponent(name)
        let tmp = final + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HashscreenError(.output, "cannot write \(final): \(String(cString: strerror(errno))); check --out")
        }
        fchmod(fd, 0o600)
        var bytes = Array(text.utf8)
        var off = 0
        let ok: Bool = bytes.withUnsafeMutableBytes { raw in
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        bytes.removeAll()
        let synced = fsync(fd) == 0
        close(fd)
        guard ok, synced, rename(tmp, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw HashscreenError(.output, "cannot write \(final): \(reason); check free space and --out")
        }
    }

    /// RFC 4180 quoting when needed.
    public static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
