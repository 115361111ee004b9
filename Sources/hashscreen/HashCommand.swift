import ArgumentParser
import Foundation
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

    @Option(help: "Comma-separated signals, of \(SignalKind.allCases.filter { !$0.isURL }.map(\.name).joined(separator: ", ")) (default: \(SignalList(Self.defaultSignals).text)).",
            transform: SignalList.parse)
    var signals = SignalList(Self.defaultSignals)

    @Option(help: "Output format.")
    var format: OutputFormat = .jsonl

    @Option(help: "PDQ input: full (whole image) or cimg512 (reference CLI's 512x512 resize).")
    var pdqMode: PDQMode = .full

    @Flag(help: "Add the 7 other dihedral PDQ variants (pdq_rot90 ... pdq_flipm).")
    var pdqDihedral = false

    @OptionGroup var limits: FileLimitOptions

    static let defaultSignals: [SignalKind] = [.md5, .sha1, .sha256]

    enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
        case jsonl, csv
    }

    func validate() throws {
        if let u = signals.signals.first(where: \.isURL) {
            throw ValidationError("\(u.name) is a URL signal, and `hash` hashes files: name file signals only")
        }
    }

    func run() throws {
        let hasher = try FileHasher(signals: signals.signals, pdqMode: pdqMode, dihedral: pdqDihedral,
                                    maxPixels: limits.maxPixels, maxFileBytes: limits.maxFileBytes)
        var failed = false
        var out = FileHandleOutput()
        if format == .csv { out.write(hasher.columns.joined(separator: ",") + "\n") }
        for f in files {
            let fields = hasher.hash(path: f)
            if fields.last?.1 != nil { failed = true }
            if format == .csv {
                out.write(fields.map { ReportWriter.csvField($0.1 ?? "") }.joined(separator: ",") + "\n")
            } else {
                let kept = fields.filter { $0.0 != "error" || $0.1 != nil }
                out.write(JSONValue.object(kept.map { ($0.0, JSONValue.optional($0.1)) }).rendered() + "\n")
            }
        }
        out.flush()
        if failed { throw ExitCode(3) }
    }
}

/// Buffered standard output.
struct FileHandleOutput {
    private var buffer: [UInt8] = []
    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count > 1 << 16 { flush() }
    }
    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
