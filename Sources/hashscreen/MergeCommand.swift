import ArgumentParser
import Foundation
import HashscreenPipeline

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the output folders of a sharded scan (scan --shard I/N) into one scan's outputs.",
        discussion: """
            Each PART is the --out of one `scan --shard I/N` (I = 0..N-1) run with the same \
            inputs, list database and options. The merged removals.csv, report.jsonl, errors.jsonl \
            and summary.json are those one unsharded scan gives (summary.json's times and throughput \
            aside). Refused, before anything is written: a part that did not finish, a part given \
            twice or missing, parts of different scans (inputs, lists, options, N) — the message \
            names the difference. Memory: one read buffer per part. Exit status as `scan`'s.
            """
    )

    @Argument(help: "The parts' output folders.")
    var parts: [String]

    @Option(help: "Output folder: new (created with mode 0700), empty, or an earlier run's (replaced).")
    var out: String

    @Flag(name: .shortAndLong, help: "Print no closing line.")
    var quiet = false

    func run() throws {
        let quiet = self.quiet
        let code = try Hashscreen.guarded {
            try Merger.run(parts: parts, outputDirectory: out, log: { if !quiet { Hashscreen.stderr($0) } })
        }
        throw ExitCode(code)
    }
}
