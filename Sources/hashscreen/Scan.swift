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
            columns are detected by name, case-insensitively: key/sample_id/id/uid, url, \
            caption/text, recorded hash columns md5, sha1, sha256, and the image: an image column \
            (image, img, jpg, jpeg, png, webp, image_bytes, img_bytes, image_base64, img_base64, \
            image_data, bytes; or a Hugging Face {bytes, path} struct such as image.bytes) or a \
            path column (path, filepath, file_path, file_name, filename, image_path, img_path, \
            image_file, image_filename, img_file, file); --image-column NAME names it instead. \
            An image column's value is the image itself (Parquet binary, base64 or a \
            data:image/...;base64, URL: screened in memory, under --max-file-bytes) or its path. \
            Relative paths resolve against the manifest's folder. Tar shards are read in place, \
            never extracted. A brace range `{00000..01023}` in an input (numeric, zero padding \
            kept, several allowed) names one input per number; each must exist. `-` reads one \
            webdataset tar shard from standard input as a stream (`aws s3 cp s3://b/00001.tar - | \
            hashscreen scan - --stdin-parquet 00001.parquet ...`), images held in memory only. \
            --write-cleaned refuses (exit 2, before the scan) inputs whose rows \
            carry images: hashscreen never writes image bytes.

            Outputs in --out (files 0600), sorted by key: removals.csv, report.jsonl, \
            errors.jsonl, flagged.jsonl (digests of the flagged samples for `verify`, never a list \
            value), summary.json (last), and with --attest attestation.intoto.json (after the \
            summary). --out must be new (created 0700), empty, or hold an \
            earlier scan, which is replaced (its mode is left alone); one scan at a time per --out.

            Exit status: 0 complete and nothing matched; 1 at least one match; 3 no match but some \
            samples could not be screened by a requested signal (image missing, unreadable or \
            undecodable, or the row names no image), or with --max-unscreened more of them than it \
            allows (within it: 0); 2 fatal error (unreadable or empty list \
            database, unusable or busy output folder, malformed manifest header); 64 usage error. \
            A part of a sharded scan (--shard) exits 0 when it finishes: `hashscreen merge` gives \
            the scan's status. A PDQ hash \
            below --pdq-min-quality, a row without a URL and a failed download are not failures.
            """
    )

    @Argument(help: "Manifests (CSV, TSV, JSONL, Parquet), img2dataset shards or folders to screen; brace ranges as webdataset writes them (shards/{00000..01023}.tar) are expanded; '-' reads one webdataset tar shard from standard input.")
    var inputs: [String]

    @Option(help: "The hash-list database (made by `hashscreen list import`); opened read-only.")
    var list: String

    @Option(help: "Output folder: new (created with mode 0700), empty, or an earlier scan's (replaced).")
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

    @Flag(help: "Folders: also screen hidden files and folders (names starting with '.'); without it they are passed over and counted in the summary.")
    var includeHidden = false

    @Flag(help: "Folders: follow symbolic links, wherever they point, each folder walked once (loops end); without it links are passed over and counted in the summary.")
    var followSymlinks = false

    @Option(help: "Screen part I of N (0-based: 0/4 ... 3/4) of the work, split by whole units (an img2dataset shard, a Parquet row group, any other input whole), for `hashscreen merge`; or auto: the part from the job engine (Kubernetes JOB_COMPLETION_INDEX, Slurm SLURM_ARRAY_TASK_*), with --shard-count. See docs/sharding.md.")
    var shard: String?

    @Option(help: "With --shard auto: the number of parts (default: $HASHSCREEN_SHARD_COUNT), checked against the Slurm array's task count.")
    var shardCount: Int?

    @Flag(help: "Continue the scan in --out from its checkpoint (after a crash or kill), with the same arguments: finished work units are not screened again; refused, naming the difference, when the inputs, list or options differ. Without a checkpoint the scan starts from the beginning.")
    var resume = false

    @Option(help: "Checkpoint after a work unit (an img2dataset shard, a Parquet row group, an input) once this many seconds have passed since the last checkpoint (0: after every unit). See docs/sharding.md.")
    var checkpointInterval: Double = ScanConfiguration.defaultCheckpointInterval

    @Option(name: .customLong("stdin-parquet"), help: "With input '-' (a webdataset tar on standard input): the shard's img2dataset parquet, joined by key; without it each image takes its row from its KEY.json member.")
    var stdinParquet: String?

    @Option(help: "Progress on standard error: auto (a status line when standard error is a terminal, else nothing), tty, json (a JSON line every --progress-interval seconds), none.")
    var progress: ProgressMode = .auto

    @Option(help: "Seconds between progress updates (default: 0.25 for tty, 10 for json).")
    var progressInterval: Double?

    @Option(help: ArgumentHelp("Also write attestation.intoto.json: an in-toto statement of the screening in a DSSE envelope, signed with this Ed25519 private key (`hashscreen key generate`; docs/attestation.md).", valueName: "key"))
    var attest: String?

    @Option(help: ArgumentHelp("CI gate: let up to N samples (25) or a percentage of them (0.1%) go unscreened — a requested signal not computed — and still exit 0 when nothing matched; above it exit 3. Default: any unscreened sample exits 3.", valueName: "N|P%"),
            transform: { text in
                guard let limit = UnscreenedLimit(parsing: text) else {
                    throw ValidationError("--max-unscreened takes a count (25) or a percentage from 0% to 100% (0.1%), not \(text)")
                }
                return limit
            })
    var maxUnscreened: UnscreenedLimit?

    @Option(help: "Also print the summary on standard output as Markdown (github: the same, for >> \"$GITHUB_STEP_SUMMARY\"): \(SummaryFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var summaryFormat: SummaryFormat?

    @Flag(name: .shortAndLong, help: "Print no progress and no closing line (warnings and errors still go to standard error).")
    var quiet = false

    func validate() throws {
        if jobs < 0 { throw ValidationError("--jobs must be 0 (all cores) or more") }
        if !(checkpointInterval >= 0 && checkpointInterval.isFinite) { throw ValidationError("--checkpoint-interval must be 0 or more seconds") }
        if let i = progressInterval, !(i >= 0.01 && i <= 86_400) {
            throw ValidationError("--progress-interval must be between 0.01 and 86400 seconds")
        }
    }

    func run() throws {
        var config = ScanConfiguration(
            inputs: inputs.map { .init(path: $0, layout: input.layout, imageColumn: input.imageColumn) },
            listPath: list, outputDirectory: out, signals: signals.signals, jobs: jobs,
            maxPixels: limits.maxPixels, maxFileBytes: limits.maxFileBytes, verifyDecode: verifyDecode,
            pdqMode: pdqMode, thresholds: matching.thresholds, minimumQualities: matching.minimumQualities,
            dihedral: dihedral, unletterbox: unletterbox)
        config.writeCleaned = writeCleaned
        config.includeHidden = includeHidden
        config.followSymlinks = followSymlinks
        config.resume = resume
        config.checkpointInterval = checkpointInterval
        config.standardInputParquet = stdinParquet
        config.progress = quiet ? .none : progress
        config.progressInterval = progressInterval
        config.attestationKey = attest
        config.maxUnscreened = maxUnscreened
        config.summaryFormat = summaryFormat
        let quiet = self.quiet
        let code = try Hashscreen.guarded {
            try config.expandInputPatterns()
            if let shard {
                config.shard = shard == "auto"
                    ? try ShardSpec.fromEnvironment(ProcessInfo.processInfo.environment, expectedCount: shardCount)
                    : try ShardSpec.parse(shard)
            } else if shardCount != nil {
                throw HashscreenError(.usage, "--shard-count applies to --shard auto only")
            }
            let result = try Scanner.run(config, log: { if !quiet { Hashscreen.stderr($0) } })
            // A part that finished exits 0 (job engines retry or stop on anything else); its
            // matches and errors are the merge's result, and its summary.json's exit_status.
            return config.shard == nil ? result.exitCode : 0
        }
        throw ExitCode(code)
    }
}
