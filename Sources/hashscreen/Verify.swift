import ArgumentParser
import Foundation
import HashscreenPipeline

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-check a released dataset against an earlier scan: flagged rows gone, nothing matching now, provenance reproduced.",
        discussion: """
            RELEASE is the released dataset, given as `scan` takes its inputs (a cleaned manifest \
            hashscreen wrote with --write-cleaned, a Parquet filtered with pyarrow or DuckDB, \
            shards, folders). --against names the output folder of the earlier scan (of the \
            dataset before cleaning, or of the release itself); it must hold summary.json and \
            flagged.jsonl. The release is screened again with the earlier scan's options against \
            every list of --list now (newer list versions included), each sample also compared \
            with the earlier flagged rows by key, content digest and URL digest.

            Outputs in --out (files 0600; as `scan`'s --out): the re-screening's removals.csv, \
            report.jsonl, errors.jsonl, flagged.jsonl, then verify.json (the verdict), \
            prevalence.json, report.html and summary.json (last), and with --attest \
            verification.intoto.json after it. The verdict is also printed on standard error unless --quiet.

            Exit status: 0 verified; 1 a row the earlier scan flagged is still in the release; \
            4 a release sample matches the lists now; 3 some samples could not be screened; \
            5 the earlier screening is not reproduced (an option, or a list missing or changed; \
            with --same-inputs also the input digests); 6 --against's attestation is not verified \
            by --key (or --flagged is not the file it records; checked first, nothing written); \
            2 fatal error; 64 bad usage. The first that holds, in the order 1, 4, 3, 5.
            """
    )

    @Argument(help: "The release: manifests (CSV, TSV, JSONL, Parquet), img2dataset shards or folders.")
    var inputs: [String]

    @Option(help: "The hash-list database now (made by `hashscreen list import`); opened read-only.")
    var list: String

    @Option(help: "The earlier scan's output folder (holding summary.json and flagged.jsonl), or its attestation.intoto.json (with --key).")
    var against: String

    @Option(help: ArgumentHelp("With --against ATTESTATION: the public key that must verify it (exit 6 if it does not).", valueName: "pub"))
    var key: String?

    @Option(help: ArgumentHelp("With --against ATTESTATION: the earlier scan's flagged.jsonl, whose SHA-256 the attestation records (without it the flagged-rows check is not checked).", valueName: "file"))
    var flagged: String?

    @Option(help: ArgumentHelp("Also write verification.intoto.json: an in-toto statement of the verification in a DSSE envelope, signed with this Ed25519 private key (docs/attestation.md).", valueName: "key"))
    var attest: String?

    @Option(help: "Output folder for the re-screening and verify.json: new, empty, or an earlier run's (replaced); not --against.")
    var out: String

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = 0

    @OptionGroup var input: LayoutOptions

    @Flag(help: "The release must be the very inputs the earlier scan screened: differing input digests fail (exit 5).")
    var sameInputs = false

    @Flag(help: "Folders: also screen hidden files and folders (as scan's flag; not recorded in summary.json).")
    var includeHidden = false

    @Flag(help: "Folders: follow symbolic links (as scan's flag; not recorded in summary.json).")
    var followSymlinks = false

    @Flag(name: .shortAndLong, help: "Print no summary.")
    var quiet = false

    func validate() throws {
        if jobs < 0 { throw ValidationError("--jobs must be 0 (all cores) or more") }
    }

    func run() throws {
        var config = VerifyConfiguration(
            inputs: inputs.map { .init(path: $0, layout: input.layout, imageColumn: input.imageColumn) },
            listPath: list, earlierDirectory: against, outputDirectory: out, jobs: jobs, sameInputs: sameInputs,
            includeHidden: includeHidden, followSymlinks: followSymlinks)
        config.attestationKey = attest
        config.earlierKey = key
        config.earlierFlagged = flagged
        let quiet = self.quiet
        let code = try Hashscreen.guarded {
            try Verifier.run(config, log: { if !quiet { Hashscreen.stderr($0) } }).exitCode
        }
        throw ExitCode(code)
    }
}
