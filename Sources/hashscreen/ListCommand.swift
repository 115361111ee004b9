import ArgumentParser
import Foundation
import HashscreenPipeline

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Build and inspect hash-list databases.",
        subcommands: [Import.self, Info.self, Index.self]
    )

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a named, versioned list to a database (created with mode 0600 if needed).",
            discussion: """
                FILE formats: CSV/TSV with a header (hash_type/type, hash_value/hash/value, optional \
                label, optional quality); lines `<type> <hash>` (ThreatExchange); bare hex lines with \
                --type. `#` comments and blank lines are ignored. Types: \(SignalKind.allNames), and url \
                (a URL, stored as its \(SignalKind.allCases.filter(\.isURL).map(\.name).joined(separator: " and ")) \
                under --url-convention).

                URL conventions (how the list's URL hashes were made; a scan digests each URL the \
                way each list needs): threatexchange (python-threatexchange url_md5: whole URL \
                lower-cased, scheme:// removed), raw (the URL's bytes as written), hashscreen \
                (scheme and host lower-cased, default port and fragment dropped). Default: \
                \(URLConvention.importDefault.name).

                An invalid line refuses the whole import (FILE:LINE: reason; nothing stored) unless \
                --skip-invalid. Exit status: 0 imported; 2 refused.
                """
        )

        @Option(help: "The list database.")
        var list: String

        @Option(help: "The list's name (e.g. the organisation that supplied it).")
        var name: String

        @Option(help: "The list's version (default: today's date, YYYY-MM-DD).")
        var version: String?

        @Option(help: "Hash type of bare hex lines: a signal name or url.")
        var type: String?

        @Option(help: "How the list's URL hashes were made: \(URLConvention.allNames) (default: \(URLConvention.importDefault.name)).")
        var urlConvention: URLConvention?

        @Flag(help: "Store the valid lines and report how many invalid ones were skipped.")
        var skipInvalid = false

        @Flag(help: "Replace an existing list of the same name and version.")
        var replace = false

        @Flag(help: "Print the import report as JSON.")
        var json = false

        @Flag(help: "Also store PDQ's index in transposed pairs, the layout --dihedral scans search fastest.")
        var dihedralIndex = false

        @Argument(help: "List files.")
        var files: [String]

        func run() throws {
            let code = try Hashscreen.guarded {
                let r = try ListOperations.importList(
                    database: list, name: name, version: version, files: files, defaultType: type,
                    skipInvalid: skipInvalid, replace: replace, json: json, urlConvention: urlConvention,
                    dihedralIndex: dihedralIndex)
                print(r, terminator: "")
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each list's provenance: name, version, import time, source digests, counts per type."
        )

        @Option(help: "The list database (opened read-only).")
        var list: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let code = try Hashscreen.guarded {
                print(try ListOperations.info(database: list, json: json), terminator: "")
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the index file of every list of a database (scans map them read-only).",
            discussion: """
                A list import writes its list's index file beside the database (mode 0600); a scan \
                maps it instead of building the index (set-up under a second whatever the list's \
                size). Run this for lists imported by an older hashscreen, after a warning that an \
                index file is damaged or stale, or with --dihedral-index. Prints `list info`. \
                Exit status: 0 written; 2 refused.
                """
        )

        @Option(help: "The list database.")
        var list: String

        @Flag(help: "Also store PDQ's index in transposed pairs, the layout --dihedral scans search fastest.")
        var dihedralIndex = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let code = try Hashscreen.guarded {
                print(try ListOperations.index(database: list, dihedral: dihedralIndex, json: json), terminator: "")
                return 0
            }
            if code != 0 { throw ExitCode(code) }
        }
    }
}
