// A scan's progress on disk, for `scan --resume` (docs/sharding.md, "Checkpoints"): after each
// work unit, once every sample of it is screened, the findings spools are synced (their
// buffers written as runs) and `OUT/.hashscreen-checkpoint` is replaced (AtomicFile: fsync,
// rename, folder fsync). It holds what the scan must be to continue (`fingerprint`), how many
// of its units are done (units finish in order), the counts so far (the summary's and the
// prevalence figures', `Prevalence.rawJSON`) and the spools' lengths.
// A scan killed at any moment leaves the last one whole; `--resume` cuts the spools back to
// those lengths, restores the counts and goes on with the next unit.
import Foundation
import HashscreenCore

package struct ScanCheckpoint {
    package static let formatVersion = 2
    /// What a resumed scan must be: the same tool version, options, lists, inputs and split.
    package var fingerprint: JSONValue
    /// Units of the scan's sequence finished (the first `unitsDone`).
    package var unitsDone: Int
    package var perInput: [ScanSummary.Counts]
    package var matchedPerList: [(list: ListRef, matched: Int)]
    package var bytesRead: Int
    /// The prevalence counts so far (`report.html`, `prevalence.json`), without shard names
    /// (the resumed scan has them from its inputs).
    package var prevalence: Prevalence
    /// The spools' file names in the folder and the lengths they had at the checkpoint.
    package var matchSpool: (name: String, end: UInt64)
    package var failureSpool: (name: String, end: UInt64)
    package var flaggedSpool: (name: String, end: UInt64)

    package init(fingerprint: JSONValue, unitsDone: Int, perInput: [ScanSummary.Counts], matchedPerList: [(list: ListRef, matched: Int)],
                 bytesRead: Int, prevalence: Prevalence, matchSpool: (name: String, end: UInt64), failureSpool: (name: String, end: UInt64),
                 flaggedSpool: (name: String, end: UInt64)) {
        self.fingerprint = fingerprint; self.unitsDone = unitsDone; self.perInput = perInput
        self.matchedPerList = matchedPerList; self.bytesRead = bytesRead; self.prevalence = prevalence
        self.matchSpool = matchSpool; self.failureSpool = failureSpool; self.flaggedSpool = flaggedSpool
    }

    var json: JSONValue {
        .object([
            ("format", .int(Self.formatVersion)),
            ("fingerprint", fingerprint),
            ("units_done", .int(unitsDone)),
            ("bytes_read", .int(bytesRead)),
            ("per_input", .array(perInput.map { .object(ScanSummary.countFields($0)) })),
            ("matched_per_list", .array(matchedPerList.map {
                .object([("name", .string($0.list.name)), ("version", .string($0.list.version)), ("matched", .int($0.matched))])
            })),
            ("prevalence", prevalence.rawJSON(withNames: false)),
            ("spools", .object([
                ("matches", .object([("name", .string(matchSpool.name)), ("end", .int(Int(matchSpool.end)))])),
                ("errors", .object([("name", .string(failureSpool.name)), ("end", .int(Int(failureSpool.end)))])),
                ("flagged", .object([("name", .string(flaggedSpool.name)), ("end", .int(Int(flaggedSpool.end)))])),
            ])),
        ])
    }
}

extension OutputFolder {
    /// Replaces the folder's checkpoint (synced, renamed into place, folder synced).
    package func write(_ checkpoint: ScanCheckpoint) throws(HashscreenError) {
        let file = try AtomicFile(path: path(File.checkpoint))
        try file.write(checkpoint.json.rendered())
        try file.commit()
    }

    /// Removes the checkpoint once the scan's outputs are whole.
    package func removeCheckpoint() {
        unlink(path(File.checkpoint))
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// The folder's checkpoint, nil when there is none (a scan killed before its first one, or
    /// one that finished). Its counts are read with the signals its fingerprint names (the
    /// scan that resumes compares the fingerprint, and so the signals, next).
    package func readCheckpoint() throws(HashscreenError) -> ScanCheckpoint? {
        let p = path(File.checkpoint)
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        func damaged(_ what: String = "its fields") -> HashscreenError {
            HashscreenError(.output, "the checkpoint \(p) cannot be read (\(what): not written by this version of hashscreen, or changed)",
                            remedy: "scan again without --resume (the scan starts over)")
        }
        guard let doc = JSONValue.parse(Array(data)) else { throw damaged("not JSON") }
        guard doc[key: "format"]?.intValue == ScanCheckpoint.formatVersion,
              let fingerprint = doc[key: "fingerprint"], let done = doc[key: "units_done"]?.intValue, let bytes = doc[key: "bytes_read"]?.intValue,
              let inputs = doc[key: "per_input"]?.arrayValue, let lists = doc[key: "matched_per_list"]?.arrayValue,
              let prevalence = doc[key: "prevalence"].flatMap({ Prevalence(rawJSON: $0) }), prevalence.shards.count == inputs.count,
              let m = doc[key: "spools"]?[key: "matches"], let mName = m[key: "name"]?.stringValue, let mEnd = m[key: "end"]?.intValue,
              let f = doc[key: "spools"]?[key: "errors"], let fName = f[key: "name"]?.stringValue, let fEnd = f[key: "end"]?.intValue,
              let g = doc[key: "spools"]?[key: "flagged"], let gName = g[key: "name"]?.stringValue, let gEnd = g[key: "end"]?.intValue
        else { throw damaged() }
        let signals = (fingerprint[key: "options"]?[key: "signals"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { SignalKind(name: $0) } }
        var perInput: [ScanSummary.Counts] = []
        for c in inputs {
            guard let counts = PartMerge.counts(c, signals: signals) else { throw damaged("its counts, for the signals \(signals.map(\.name).joined(separator: ","))") }
            perInput.append(counts)
        }
        var perList: [(list: ListRef, matched: Int)] = []
        for l in lists {
            guard let n = l[key: "name"]?.stringValue, let v = l[key: "version"]?.stringValue, let k = l[key: "matched"]?.intValue else { throw damaged() }
            perList.append((ListRef(name: n, version: v), k))
        }
        for name in [mName, fName, gName] where name.contains("/") || !name.hasPrefix(".") { throw damaged() }
        return ScanCheckpoint(fingerprint: fingerprint, unitsDone: done, perInput: perInput, matchedPerList: perList,
                              bytesRead: bytes, prevalence: prevalence, matchSpool: (mName, UInt64(mEnd)), failureSpool: (fName, UInt64(fEnd)),
                              flaggedSpool: (gName, UInt64(gEnd)))
    }
}
