import ArgumentParser
import Foundation
import HashscreenCore
import HashscreenManifest
import HashscreenReport

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Show what hashscreen reads from a dataset input, without screening it.",
        subcommands: [Inspect.self, Rows.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the detected layout, columns (and their roles) and row count as JSON.")
        @Argument(help: "A manifest (CSV, TSV, JSONL, Parquet), a tar shard or a folder.") var path: String
        @Option(help: "Layout, when detection is not wanted.") var layout: String?
        func run() throws {
            let code = try Hashscreen.guarded {
                let printer = JSONPrinter<JSONValue>(to: StandardOutput())
                try printer.write(try ManifestInspector.inspect(path: path, layout: try parseLayout(layout)))
                try printer.finish()
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Rows: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one JSON object per row, every column under its original name (binary as base64).")
        @Argument(help: "A manifest (CSV, TSV, JSONL, Parquet), a tar shard or a folder.") var path: String
        @Option(help: "Layout, when detection is not wanted.") var layout: String?
        @Option(help: "Print at most this many rows.") var limit: Int?
        func validate() throws { if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") } }
        func run() throws {
            let code = try Hashscreen.guarded {
                let printer = JSONLinesPrinter<JSONValue>(to: StandardOutput())
                try ManifestInspector.rows(path: path, layout: try parseLayout(layout), limit: limit) { try printer.write($0) }
                try printer.finish()
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}

func parseLayout(_ text: String?) throws -> ManifestLayout? {
    guard let text else { return nil }
    guard let l = ManifestLayout(rawValue: text) else {
        throw ValidationError("--layout must be one of \(ManifestLayout.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return l
}
