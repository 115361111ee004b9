import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport

/// The checks between set-up and the scan: everything that can fail before a sample is read
/// fails there, before the earlier run in `--out` is removed, so a refused scan leaves the
/// folder as it was (docs/outputs.md).
extension Scanner {
    /// Runs once the output folder is locked (`OutputFolder.init`), the list loaded and the
    /// inputs opened, and before the first sample is read:
    /// 1. no input is the output folder or inside it (a scan replaces what the folder holds),
    ///    and the output folder is not inside a folder input (the walk would read the outputs);
    /// 2. with `--write-cleaned`, every cleaned copy can be written
    ///    (`CleanedManifestWriter.preflight`: not over its source, Parquet columns flat...), and
    ///    no input carries its images in its rows (a copy would hold their bytes);
    /// 3. then the earlier run is removed (`OutputFolder.removePreviousRun`) and the cleaned
    ///    folders are created.
    static func preflight(config: ScanConfiguration, inputs: [(ScanConfiguration.Input, any ManifestReader, String)],
                          outputs: OutputFolder, keeping: Set<String> = []) throws {
        let out = resolved(outputs.directory)
        for (input, _, _) in inputs {
            let path = resolved(input.path)
            if path == out || path.hasPrefix(folderPrefix(out)) {
                throw HashscreenError(.input, "input \(input.path) is inside the output folder \(outputs.directory), whose earlier contents a scan replaces",
                                      remedy: "move the input or choose another --out")
            }
            if isFolder(input.path) && out.hasPrefix(folderPrefix(path)) {
                throw HashscreenError(.input, "the output folder \(outputs.directory) is inside the input folder \(input.path): the scan would read its own outputs",
                                      remedy: "choose an --out outside the input")
            }
        }
        if config.writeCleaned {
            for (i, (input, reader, _)) in inputs.enumerated() {
                try CleanedManifestWriter.preflight(inputPath: input.path, layout: reader.layout, input: i,
                                                    into: cleanedDirectory(config, input: i, of: inputs.count),
                                                    options: manifestOptions(config, input))
            }
        }
        try outputs.removePreviousRun(keeping: keeping)
        if config.writeCleaned {
            for (i, (_, reader, _)) in inputs.enumerated() where reader.layout != .folder {
                try CleanedManifestWriter.makeDirectory(cleanedDirectory(config, input: i, of: inputs.count))
            }
        }
    }

    /// How input `input` is read: its `--image-column`, and embedded images over --max-file-bytes not kept.
    static func manifestOptions(_ config: ScanConfiguration, _ input: ScanConfiguration.Input) -> ManifestOptions {
        ManifestOptions(imageColumn: input.imageColumn, maxEmbeddedBytes: config.maxFileBytes, readsCaptions: false)
    }

    /// Where the cleaned copy of input `i` (0-based) of `count` goes: `OUT/cleaned/` for one
    /// input, `OUT/cleaned/N/` (N from 1, input order) for several, so names never collide.
    static func cleanedDirectory(_ config: ScanConfiguration, input i: Int, of count: Int) -> String {
        let root = (config.outputDirectory as NSString).appendingPathComponent(OutputFolder.File.cleaned)
        return count == 1 ? root : (root as NSString).appendingPathComponent(String(i + 1))
    }

    /// `path` with every link and `..` resolved (as it is now), or as given if it cannot be.
    private static func resolved(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }

    /// `path` ending in one `/`: what the paths inside it begin with.
    private static func folderPrefix(_ path: String) -> String { path.hasSuffix("/") ? path : path + "/" }

    private static func isFolder(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }
}
