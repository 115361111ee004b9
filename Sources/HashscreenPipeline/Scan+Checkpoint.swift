import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport

/// Checkpoints and `--resume` (docs/sharding.md, "Checkpoints"). A scan goes through its work
/// units in order (`ShardPlan`); when the producer has handed out a unit's last sample it
/// waits until the workers have screened every sample handed out (`InFlight`), then writes a
/// checkpoint (`ScanCheckpoint`): the spools synced, the counts, the units done. After a
/// `kill -9`, `scan --resume` with the same arguments checks the checkpoint's fingerprint,
/// cuts the spools back to the checkpoint, restores the counts and starts at the next unit:
/// the outputs are those of a scan that was never stopped.
extension Scanner {
    /// What a resumed scan must share with the one that wrote the checkpoint: tool version,
    /// options (not `jobs`, which changes no output but the summary's record of it), the lists'
    /// provenance, the list database, the inputs (paths, layouts, digests of file inputs) and
    /// the split. The first difference is named by its path.
    static func fingerprint(config: ScanConfiguration, known: KnownHashes,
                            inputs: [(ScanConfiguration.Input, any ManifestReader, String)], plan: ShardPlan) -> JSONValue {
        .object([
            ("version", .string(HashscreenVersion.current)),
            ("options", .object(config.summaryOptions.filter { $0.name != "jobs" }.map { ($0.name, Self.optionJSON($0.value)) })),
            ("lists", .array(known.lists.map(\.provenance.json))),
            ("list_database", .string(config.listPath)),
            ("inputs", .array(inputs.map { input, reader, digest in
                .object([("path", .string(input.path)), ("layout", .string(reader.layout.rawValue)),
                         ("sha256", digest.isEmpty ? .null : .string(digest))])
            })),
            ("shard", .string(config.shard.map { "\($0.index)/\($0.count)" } ?? "none")),
            ("units", .int(plan.summaryPart.units)),
            ("units_total", .int(plan.unitsTotal)),
        ])
    }

    private static func optionJSON(_ v: ScanSummary.OptionValue) -> JSONValue {
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .string(let s): return .string(s)
        case .strings(let a): return .array(a.map { .string($0) })
        }
    }

    /// The checkpoint of `outputs` to resume from, checked against this scan; nil when there
    /// is none (the scan starts from the beginning). `fingerprint` is made only when there is
    /// one (it waits for the inputs' digests).
    static func resumePoint(_ outputs: OutputFolder, config: ScanConfiguration, fingerprint: () throws -> JSONValue,
                            inputs: Int) throws -> ScanCheckpoint? {
        guard config.resume, let c = try outputs.readCheckpoint() else { return nil }
        if let d = PartMerge.difference(c.fingerprint, try fingerprint(), at: "scan") {
            throw HashscreenError(.usage, "cannot resume the scan in \(outputs.directory): this scan is not the one it holds: \(d.replacingOccurrences(of: "in the first", with: "there").replacingOccurrences(of: "in the second", with: "here"))",
                                  remedy: "run it with the same inputs, list and options, or without --resume to start over")
        }
        guard c.perInput.count == inputs else {
            throw HashscreenError(.output, "the checkpoint in \(outputs.directory) does not match its inputs", remedy: "scan again without --resume")
        }
        return c
    }

    /// Each reader counter's growth from `before` to `after` (a unit's share).
    static func delta(_ before: [(String, Int)], _ after: [(String, Int)]) -> [(String, Int)] {
        after.map { k, v in (k, v - (before.first { $0.0 == k }?.1 ?? 0)) }
    }
}

extension Tally {
    /// The checkpoint after the first `unitsDone` units (no sample in flight).
    func checkpoint(fingerprint: JSONValue, unitsDone: Int) throws(HashscreenError) -> ScanCheckpoint {
        let m = try matches.checkpoint()
        let f = try failures.checkpoint()
        let g = try flagged.checkpoint()
        return ScanCheckpoint(fingerprint: fingerprint, unitsDone: unitsDone, perInput: perInput,
                              matchedPerList: matchedPerList.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                              bytesRead: bytesRead, prevalence: prevalence, matchSpool: (matches.fileName, m), failureSpool: (failures.fileName, f),
                              flaggedSpool: (flagged.fileName, g))
    }
}

/// Batches handed to the workers and not yet screened: the producer waits for none at a
/// unit's end, so a checkpoint sees every sample of the units before it and none after.
final class InFlight: @unchecked Sendable {
    private let cond = NSCondition()
    private var pending = 0

    func sent() { cond.lock(); pending += 1; cond.unlock() }

    func finished() {
        cond.lock()
        pending -= 1
        if pending == 0 { cond.broadcast() }
        cond.unlock()
    }

    func waitIdle() {
        cond.lock()
        while pending > 0 { cond.wait() }
        cond.unlock()
    }
}
