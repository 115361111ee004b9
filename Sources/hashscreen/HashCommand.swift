import ArgumentParser
import Foundation
import HashscreenCore
import HashscreenPerceptual
import HashscreenPipeline
import HashscreenReport

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the hashes of image files (one JSON object or CSV row per file).",
        discussion: "Exit status: 0 all files hashed; 3 some file could not be read or decoded (its row carries an error); 2 bad usage."
    )

    @Argument(help: "Image files.")
    var files: [String]

    @Option(help: "Comma-separated signals: md5, sha1, sha256, pdq, phash, dhash, ahash.")
    var signals: String = "md5,sha1,sha256"

    @Option(help: "Output format: jsonl or csv.")
    var format: String = "jsonl"

    @Option(help: "PDQ input: full (whole image) or cimg512 (reference CLI's 512x512 resize).")
    var pdqMode: String = "full"

    @Flag(help: "Add the 7 other dihedral PDQ variants (pdq_rot90 ... pdq_flipm).")
    var pdqDihedral = false

    func validate() throws {
        guard format == "jsonl" || format == "csv" else { throw ValidationError("--format must be jsonl or csv") }
        guard PDQMode(rawValue: pdqMode) != nil else { throw ValidationError("--pdq-mode must be full or cimg512") }
        let s = try parseSignals(signals)
        if let u = s.first(where: \.isURL) { throw ValidationError("\(u.name) is a URL signal: `hash` hashes files") }
    }

    func run() throws {
        let hasher = try FileHasher(signals: try parseSignals(signals), pdqMode: PDQMode(rawValue: pdqMode)!,
                                    dihedral: pdqDihedral)
        let out = StandardOutput()
        var printer: any ReportSink<FileHashes>
        if format == "csv" {
            printer = try CSVPrinter<FileHashes>(header: hasher.columns, to: out)
        } else {
            printer = JSONLinesPrinter<FileHashes>(to: out)
        }
        var failed = false
        for f in files {
            let hashes = hasher.hash(path: f)
            if hashes.error != nil { failed = true }
            try printer.write(hashes)
        }
        try printer.finish()
        if failed { throw ExitCode(3) }
    }
}
