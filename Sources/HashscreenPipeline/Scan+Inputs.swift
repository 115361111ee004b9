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

    /// Fills in the SHA-256 of each input file for which `digest(i)` holds; folders have no
    /// single digest, standard input's is taken while it is read.
    static func digestInputs(_ opened: inout OpenedInputs, where digest: (Int) -> Bool) throws {
        for (i, t) in opened.inputs.enumerated() where opened.streamDigests[i] == nil && digest(i) {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: t.0.path, isDirectory: &isDir)
            if !isDir.boolValue { opened.inputs[i].2 = try Digester.sha256(ofFile: t.0.path) }
        }
    }

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
