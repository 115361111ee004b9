import ArgumentParser
import Foundation
import HashscreenPipeline

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the hashes of image files (one JSON object or CSV row per file).",
        discussion: "Exit status: 0 all files hashed; 3 some file could not be read or decoded (its row carries an error); 2 bad usage."
    )

    @Argument(help: "Image files.")
    var files: [String]

    @Option(help: "Comma-separated signals, of \(SignalKind.allCases.filter { !$0.isURL }.map(\.name).joined(separator: ", ")) (default: \(SignalList(Self.defaultSignals).text)).",
            transform: SignalList.parse)
    var signals = SignalList(Self.defaultSignals)

    @Option(help: "Output format.")
    var format: HashOutputFormat = .jsonl

    @Option(help: "PDQ input: full (whole image) or cimg512 (reference CLI's 512x512 resize).")
    var pdqMode: PDQMode = .full

    @Flag(help: "Add the 7 other dihedral PDQ variants (pdq_rot90 ... pdq_flipm).")
    var pdqDihedral = false

    @OptionGroup var limits: FileLimitOptions

    static let defaultSignals: [SignalKind] = [.md5, .sha1, .sha256]

    func validate() throws {
        if let u = signals.signals.first(where: \.isURL) {
            throw ValidationError("\(u.name) is a URL signal, and `hash` hashes files: name file signals only")
        }
    }

    func run() throws {
        let hasher = try FileHasher(signals: signals.signals, pdqMode: pdqMode, dihedral: pdqDihedral,
                                    maxPixels: limits.maxPixels, maxFileBytes: limits.maxFileBytes)
        let allHashed = try hasher.printHashes(of: files, format: format)
        if !allHashed { throw ExitCode(3) }
    }
}

extension HashOutputFormat: ExpressibleByArgument {}
