import ArgumentParser
import Foundation
import HashscreenPipeline

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the hashes of image files, or of URLs (one JSON object or CSV row per file or URL).",
        discussion: """
            With URL signals only (--signals url_md5,url_sha256) the arguments are URLs, digested \
            under --url-convention: what a list made that way holds for them.

            Exit status: 0 all files hashed; 3 some file could not be read or decoded (its row carries an error); 2 bad usage.
            """
    )

    @Argument(help: "Image files (URLs with URL signals).")
    var files: [String]

    @Option(help: "Comma-separated signals, of \(SignalKind.allCases.filter { !$0.isURL }.map(\.name).joined(separator: ", ")); or URL signals only, of \(SignalKind.allCases.filter(\.isURL).map(\.name).joined(separator: ", ")) (default: \(SignalList(Self.defaultSignals).text)).",
            transform: SignalList.parse)
    var signals = SignalList(Self.defaultSignals)

    @Option(help: "With URL signals: how URLs are digested, \(URLConvention.allNames) (default: \(URLConvention.importDefault.name)).")
    var urlConvention: URLConvention?

    @Option(help: "Output format.")
    var format: HashOutputFormat = .jsonl

    @Option(help: "PDQ input: full (whole image) or cimg512 (reference CLI's 512x512 resize).")
    var pdqMode: PDQMode = .full

    @Flag(help: "Add the 7 other dihedral PDQ variants (pdq_rot90 ... pdq_flipm).")
    var pdqDihedral = false

    @OptionGroup var limits: FileLimitOptions

    static let defaultSignals: [SignalKind] = [.md5, .sha1, .sha256]

    func validate() throws {
        let urls = signals.signals.filter(\.isURL)
        if !urls.isEmpty, urls.count != signals.signals.count {
            throw ValidationError("URL signals (\(urls.map(\.name).joined(separator: ", "))) hash URLs and the others hash files: name one kind only")
        }
        if urlConvention != nil, urls.isEmpty {
            throw ValidationError("--url-convention applies to URL signals (\(SignalKind.allCases.filter(\.isURL).map(\.name).joined(separator: ", "))) only")
        }
    }

    func run() throws {
        let hasher = try FileHasher(signals: signals.signals, pdqMode: pdqMode, dihedral: pdqDihedral,
                                    maxPixels: limits.maxPixels, maxFileBytes: limits.maxFileBytes,
                                    urlConvention: urlConvention ?? .importDefault)
        let allHashed = try hasher.printHashes(of: files, format: format)
        if !allHashed { throw ExitCode(3) }
    }
}

extension HashOutputFormat: ExpressibleByArgument {}
extension URLConvention: ExpressibleByArgument {}
