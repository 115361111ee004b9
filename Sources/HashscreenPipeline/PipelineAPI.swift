/// What the `hashscreen` CLI needs from the stages, and nothing more: the CLI imports this
/// module only (with ArgumentParser and Foundation).
///
/// HashscreenCore is re-exported: the pipeline's API is written in its words (`SignalKind` in
/// a configuration, `HashscreenError` thrown, `JSONValue` returned, `HashscreenVersion`), so a
/// caller of the pipeline needs them whatever it does; re-exporting says so once instead of
/// every caller importing Core beside the pipeline. Stage types that appear in the API are
/// named here by aliases; stage modules stay out of the CLI's imports.
@_exported import HashscreenCore
import HashscreenManifest
import HashscreenPerceptual
import HashscreenReport

/// How an input is laid out (`--layout`).
public typealias ManifestLayout = HashscreenManifest.ManifestLayout
/// How pixels are prepared for PDQ in `hash` (`--pdq-mode`).
public typealias PDQMode = HashscreenPerceptual.PDQMode

/// `hashscreen manifest inspect|rows`: what hashscreen reads from an input, printed on
/// standard output through the Report module's JSON printers.
public enum ManifestOperations {
    /// Prints the detected layout, the columns (and which role each plays) and the row count
    /// as one indented JSON document.
    public static func printInspection(path: String, layout: ManifestLayout?, imageColumn: String? = nil) throws {
        let printer = JSONPrinter<JSONValue>(to: StandardOutput())
        try printer.write(try ManifestInspector.inspect(path: path, layout: layout, options: ManifestOptions(imageColumn: imageColumn)))
        try printer.finish()
    }

    /// Prints each row as a JSON line, every column under its original name, at most `limit`
    /// (embedded images replaced by their length).
    public static func printRows(path: String, layout: ManifestLayout?, imageColumn: String? = nil, limit: Int?) throws {
        let printer = JSONLinesPrinter<JSONValue>(to: StandardOutput())
        try ManifestInspector.rows(path: path, layout: layout, limit: limit, options: ManifestOptions(imageColumn: imageColumn)) { try printer.write($0) }
        try printer.finish()
    }
}

/// How `hashscreen hash` prints its rows.
public enum HashOutputFormat: String, Sendable, CaseIterable {
    case jsonl, csv
}

extension FileHasher {
    /// Hashes `files` in order and prints one row per file on standard output; returns whether
    /// every file was hashed (a file that could not be read or decoded carries its error).
    public func printHashes(of files: [String], format: HashOutputFormat) throws -> Bool {
        let out = StandardOutput()
        var printer: any ReportSink<FileHashes>
        switch format {
        case .csv: printer = try CSVPrinter<FileHashes>(header: columns, to: out)
        case .jsonl: printer = JSONLinesPrinter<FileHashes>(to: out)
        }
        var allHashed = true
        for f in files {
            let hashes = hashesURLs ? hash(url: f) : hash(path: f)
            if hashes.error != nil { allHashed = false }
            try printer.write(hashes)
        }
        try printer.finish()
        return allHashed
    }
}
