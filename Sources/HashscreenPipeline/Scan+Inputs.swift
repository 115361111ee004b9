import Foundation
import HashscreenCore
import HashscreenDigest
import HashscreenManifest

/// Opening a scan's inputs: files and folders in place, and standard input (`-`) as a
/// webdataset tar stream whose digest is taken while it is read.
extension Scanner {
    /// The inputs opened, with their digests (SHA-256 of a manifest or tar file, "" for a
    /// folder), and the digest being taken of standard input's stream, by input position.
    struct OpenedInputs {
        var inputs: [(ScanConfiguration.Input, any ManifestReader, String)]
        var streamDigests: [Int: StreamingSHA256] = [:]

        /// The inputs with standard input's digest filled in: the SHA-256 of every byte read
        /// from it (the whole stream: it is read to its end). Call once the scan has read it.
        var withStreamDigests: [(ScanConfiguration.Input, any ManifestReader, String)] {
            inputs.enumerated().map { i, t in streamDigests[i].map { (t.0, t.1, $0.finish()) } ?? t }
        }

        /// The inputs with the file digests `digests` (by position; "" for none) filled in.
        func withFileDigests(_ digests: [String]) -> [(ScanConfiguration.Input, any ManifestReader, String)] {
            inputs.enumerated().map { i, t in digests[i].isEmpty ? t : (t.0, t.1, digests[i]) }
        }
    }

    /// `digest(i)`: whether input `i` is digested (a sharded scan digests only the inputs
    /// it screens). The readers are opened first, so that the shard plan can be made from them.
    static func openInputs(_ config: ScanConfiguration) throws -> OpenedInputs {
        try checkStandardInput(config)
        var out = OpenedInputs(inputs: [])
        for (i, input) in config.inputs.enumerated() {
            if input.path == Manifest.standardInputName {
                let digest = try StreamingSHA256()
                let reader = try Manifest.openStandardInput(parquet: config.standardInputParquet, input: i,
                                                            options: manifestOptions(config, input),
                                                            observe: { digest.update($0) })
                out.inputs.append((input, reader, ""))
                out.streamDigests[i] = digest
                continue
            }
            let reader = try Manifest.open(path: input.path, layout: input.layout, input: i, options: manifestOptions(config, input),
                                           walk: config.folderWalk)
            out.inputs.append((input, reader, ""))
        }
        return out
    }

    /// Starts taking the SHA-256 of each input file for which `digest(i)` holds, on a thread of
    /// its own, while the scan goes on (docs/decisions.md, "Input digests beside the scan");
    /// folders have no single digest, standard input's is taken while it is read. `sha256` is
    /// the file digest (tests put a failing one in its place).
    static func digestInputs(_ opened: OpenedInputs, where digest: (Int) -> Bool,
                             sha256: @escaping @Sendable (String) throws -> String) -> InputDigests {
        var paths: [(Int, String)] = []
        for (i, t) in opened.inputs.enumerated() where opened.streamDigests[i] == nil && digest(i) {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: t.0.path, isDirectory: &isDir)
            if !isDir.boolValue { paths.append((i, t.0.path)) }
        }
        return InputDigests(paths, inputs: opened.inputs.count, sha256: sha256)
    }

    /// The default file digest: the whole file's SHA-256, streamed (HashscreenDigest).
    static let fileSHA256: @Sendable (String) throws -> String = { try Digester.sha256(ofFile: $0) }
}

/// The input files' SHA-256, taken one file after another (in input order) on one thread while
/// the scan reads them: the digests are an output (`summary.json`, the attestation) and the
/// resume fingerprint, not something the screening needs. The first file that cannot be read
/// ends the digests with its error (the one a digest before the scan gave), which the scan
/// throws in place of any other (`wait`); the producer stops at its next unit or block once
/// `failure` is set.
final class InputDigests: @unchecked Sendable {
    private let cond = NSCondition()
    private var digests: [String]
    private var error: Error?
    private var finished = false

    init(_ paths: [(Int, String)], inputs: Int, sha256: @escaping @Sendable (String) throws -> String) {
        digests = [String](repeating: "", count: inputs)
        if paths.isEmpty { finished = true; return }
        let thread = Thread { [self] in
            var out = [String](repeating: "", count: inputs)
            var failure: Error?
            for (i, path) in paths {
                do { out[i] = try sha256(path) } catch { failure = error; break }
            }
            cond.lock()
            if let failure { error = failure } else { digests = out }
            finished = true
            cond.broadcast()
            cond.unlock()
        }
        thread.start()
    }

    /// Whether every digest is taken (or one failed): `wait` returns at once then.
    var isFinished: Bool { cond.lock(); defer { cond.unlock() }; return finished }

    /// The error that ended the digests, if any yet (does not wait).
    var failure: Error? { cond.lock(); defer { cond.unlock() }; return error }

    /// The digests by input position ("" for a folder, standard input or an input not
    /// digested), once all are taken; the first unreadable file's error.
    func wait() throws -> [String] {
        cond.lock()
        defer { cond.unlock() }
        while !finished { cond.wait() }
        if let error { throw error }
        return digests
    }

    /// `other` unless the digests fail: their error, as a digest before the scan would have
    /// thrown it first (waits for them).
    func error(before other: Error) -> Error {
        do { _ = try wait(); return other } catch { return error }
    }
}

extension Scanner {
    /// Standard input is one tar stream: named once, read as webdataset, never copied into
    /// a cleaned manifest; `--stdin-parquet` only with it.
    static func checkStandardInput(_ config: ScanConfiguration) throws(HashscreenError) {
        let stdin = config.inputs.filter { $0.path == Manifest.standardInputName }
        if stdin.isEmpty {
            if let p = config.standardInputParquet {
                throw HashscreenError(.usage, "--stdin-parquet \(p) names the parquet of a tar read from standard input, but no input is '-'")
            }
            return
        }
        if stdin.count > 1 { throw HashscreenError(.usage, "standard input ('-') is named \(stdin.count) times: it can be read once") }
        if let l = stdin[0].layout, l != .webdataset {
            throw HashscreenError(.usage, "standard input ('-') is read as a webdataset tar stream, not --layout \(l.rawValue)")
        }
        if config.shard != nil || config.resume {
            throw HashscreenError(.usage, "standard input ('-') is one stream, read once: it cannot be split by --shard or continued by --resume",
                                  remedy: "scan the shards from files (brace ranges name many: shards/{00000..00999}.tar)")
        }
        if config.writeCleaned {
            throw HashscreenError(.usage, "--write-cleaned cannot copy standard input ('-'): it is a tar stream, and hashscreen never writes images",
                                  remedy: "scan the shard's parquet with --write-cleaned, or leave it out")
        }
    }
}
