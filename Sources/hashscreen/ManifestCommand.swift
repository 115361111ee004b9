import ArgumentParser
import Foundation
import HashscreenPipeline

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Show what hashscreen reads from a dataset input, without screening it.",
        subcommands: [Inspect.self, Rows.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the detected layout, columns (and their roles) and row count as JSON.")
        @Argument(help: "A manifest (CSV, TSV, JSONL, Parquet), a tar shard or a folder.") var path: String
        @OptionGroup var input: LayoutOptions
        func run() throws {
            let code = try Hashscreen.guarded {
                try ManifestOperations.printInspection(path: path, layout: input.layout, imageColumn: input.imageColumn)
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Rows: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one JSON object per row, every column under its original name (binary as base64; embedded images never printed, only their length).")
        @Argument(help: "A manifest (CSV, TSV, JSONL, Parquet), a tar shard or a folder.") var path: String
        @OptionGroup var input: LayoutOptions
        @Option(help: "Print at most this many rows.") var limit: Int?
        func validate() throws { if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") } }
        func run() throws {
            let code = try Hashscreen.guarded {
                try ManifestOperations.printRows(path: path, layout: input.layout, imageColumn: input.imageColumn, limit: limit)
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
