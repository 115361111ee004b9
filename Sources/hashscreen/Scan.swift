import ArgumentParser
import Foundation
import HashscreenPipeline

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Screen a dataset against a hash-list database.",
        discussion: """
            INPUT is a CSV/TSV/JSONL/Parquet manifest, an img2dataset output (webdataset .tar \
            shards or a folder of them; a `files` folder with NNNNN.parquet + NNNNN/), or a plain \
            folder (walked recursively for image files); --layout overrides detection. Manifest \
            columns are detected by name, case-insensitively: key/sample_id, url, caption/text, a \
            path column (path, filepath, file, image_path; relative paths resolve against the \
            manifest's folder) and recorded hash columns md5, sha1, sha256. Tar shards are read in \
            place, never extracted.

            Outputs in --out (folder 0700, files 0600), sorted by key: removals.csv, report.jsonl, \
            errors.jsonl, summary.json.

            Exit status: 0 complete and nothing matched; 1 at least one match; 3 no match but some \
            samples could not be screened by a requested signal (image missing, unreadable or \
            undecodable, or the row names no image); 2 fatal error (unreadable or empty list \
            database, unwritable output, malformed manifest header). A PDQ hash below \
            --pdq-min-quality, a row without a URL and a failed download are not failures.
            """
    )

    @Argument(help: "Manifests (CSV, TSV, JSONL, Parquet), img2dataset shards or folders to screen.")
    var inputs: [String]

    @Option(help: "The hash-list database (made by `hashscreen list import`); opened read-only.")
    var list: String

    @Option(help: "Output folder (created with mode 0700).")
    var out: String

    @Option(help: "Comma-separated signals to compute and match, of \(SignalKind.allNames) (default: \(SignalList(ScanConfiguration.defaultSignals).text)).",
            transform: SignalList.parse)
    var signals = SignalList(ScanConfiguration.defaultSignals)

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = 0

    @OptionGroup var input: LayoutOptions

    @OptionGroup var limits: FileLimitOptions

    @Flag(help: "Decode every image even when no perceptual signal needs pixels (finds corrupt files).")
    var verifyDecode = false

    @Option(help: "PDQ input: fast (JPEGs DCT-scaled to >= 512 px a side; within a few bits of full), full (the whole image: the exact reference path), cimg512 (the reference C++ CLI's 512x512 resize).")
    var pdqMode: PDQScanMode = .fast

    @OptionGroup var matching: MatchOptions

    @Flag(help: "Also match the 8 rotations/flips of each PDQ hash.")
    var dihedral = false

    @Flag(help: "Remove a uniform border (letterbox) before perceptual hashing, for every image. img2dataset layouts always remove their known padding.")
    var unletterbox = false

    @Flag(help: "Also write each input manifest minus the removed rows, in its own format, into OUT/cleaned/ (manifests only: never images or tar shards).")
    var writeCleaned = false

    @Flag(name: .shortAndLong, help: "Print no progress line.")
    var quiet = false

    func validate() throws {
        if jobs < 0 { throw ValidationError("--jobs must be 0 (all cores) or more") }
    }

    func run() throws {
        var config = ScanConfiguration(
            inputs: inputs.map { .init(path: $0, layout: input.layout) },
            listPath: list, outputDirectory: out, signals: signals.signals, jobs: jobs,
            maxPixels: limits.maxPixels, maxFileBytes: limits.maxFileBytes, verifyDecode: verifyDecode,
            pdqMode: pdqMode, thresholds: matching.thresholds, minimumQualities: matching.minimumQualities,
            dihedral: dihedral, unletterbox: unletterbox)
        config.writeCleaned = writeCleaned
        let quiet = self.quiet
        let code = try Hashscreen.guarded {
            try Scanner.run(config, log: { if !quiet { Hashscreen.stderr($0) } }).exitCode
        }
        throw ExitCode(code)
    }
}
