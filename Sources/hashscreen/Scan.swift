import ArgumentParser
import Foundation
import HashscreenCore
import HashscreenManifest
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
            samples could not be screened; 2 fatal error (unreadable list, unwritable output, \
            malformed manifest header).
            """
    )

    @Argument(help: "Manifests (CSV, TSV, JSONL, Parquet), img2dataset shards or folders to screen.")
    var inputs: [String]

    @Option(help: "The hash-list database (made by `hashscreen list import`); opened read-only.")
    var list: String

    @Option(help: "Output folder (created with mode 0700).")
    var out: String

    @Option(help: "Comma-separated signals to compute and match: md5, sha1, sha256, pdq, phash, dhash, ahash, url_md5, url_sha256.")
    var signals: String = ScanConfiguration.defaultSignals.map(\.name).joined(separator: ",")

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = 0

    @Option(help: "Input layout, when detection from the path is not wanted: csv, tsv, jsonl, folder, parquet, webdataset, files.")
    var layout: String?

    @Option(help: "Refuse to decode images with more pixels than this (decompression bombs).")
    var maxPixels: UInt64 = 100_000_000

    @Option(help: "Refuse to read files larger than this many bytes.")
    var maxFileBytes: Int = ScanConfiguration.defaultMaxFileBytes

    @Flag(help: "Decode every image even when no perceptual signal needs pixels (finds corrupt files).")
    var verifyDecode = false

    @Option(help: "PDQ input: fast (JPEGs DCT-scaled to >= 512 px a side; within a few bits of full), full (the whole image: the exact reference path), cimg512 (the reference C++ CLI's 512x512 resize).")
    var pdqMode: String = PDQScanMode.fast.rawValue

    @Option(help: "PDQ match threshold: Hamming distance of 256 bits.")
    var pdqThreshold: Int = SignalKind.pdq.defaultThreshold

    @Option(help: "PDQ quality below which an image is reported as unscreenable-perceptual.")
    var pdqMinQuality: Int = QualityGate.pdq.minimum

    @Option(help: "pHash match threshold: Hamming distance of 64 bits (also used for dHash and aHash).")
    var phashThreshold: Int = SignalKind.phash.defaultThreshold

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
        if maxPixels == 0 { throw ValidationError("--max-pixels must be positive") }
        if !(0...255).contains(pdqThreshold) { throw ValidationError("--pdq-threshold must be between 0 and 255") }
        if !(0...63).contains(phashThreshold) { throw ValidationError("--phash-threshold must be between 0 and 63") }
        if !(0...100).contains(pdqMinQuality) { throw ValidationError("--pdq-min-quality must be between 0 and 100") }
        if PDQScanMode(rawValue: pdqMode) == nil { throw ValidationError("--pdq-mode must be fast, full or cimg512") }
        if let layout, ManifestLayout(rawValue: layout) == nil {
            throw ValidationError("--layout must be one of \(ManifestLayout.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try parseSignals(signals)
    }

    func run() throws {
        let l = layout.flatMap(ManifestLayout.init(rawValue:))
        var config = ScanConfiguration(
            inputs: inputs.map { .init(path: $0, layout: l) },
            listPath: list, outputDirectory: out, signals: try parseSignals(signals), jobs: jobs,
            maxPixels: maxPixels, maxFileBytes: maxFileBytes, verifyDecode: verifyDecode,
            pdqMode: PDQScanMode(rawValue: pdqMode)!,
            thresholds: [.pdq: pdqThreshold, .phash: phashThreshold, .dhash: phashThreshold, .ahash: phashThreshold],
            minimumQualities: [.pdq: pdqMinQuality], dihedral: dihedral, unletterbox: unletterbox)
        config.writeCleaned = writeCleaned
        let quiet = self.quiet
        let code = try Hashscreen.guarded {
            try Scanner.run(config, log: { if !quiet { Hashscreen.stderr($0) } }).exitCode
        }
        throw ExitCode(code)
    }
}
