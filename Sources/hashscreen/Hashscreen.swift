/// The `hashscreen` command line: thin over HashscreenPipeline. Only this target imports
/// ArgumentParser; options are resolved here into one configuration value.
import ArgumentParser
import Foundation
import HashscreenPipeline

@main
struct Hashscreen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hashscreen",
        abstract: "Screen image training datasets against lists of known child-sexual-abuse-material hashes.",
        discussion: """
            hashscreen reads a dataset manifest or folder, hashes every image (MD5, SHA-1, SHA-256, \
            PDQ, pHash...), matches the hashes against a local hash-list database and writes a \
            removal manifest, a report and a summary. It never writes image content.

            Exit status of `scan`: 0 complete and nothing matched; 1 at least one match; \
            3 no match but some samples could not be screened; 2 fatal error. Of `verify`: 0 \
            verified; 1 a row the earlier scan flagged is still in the release; 4 a sample matches \
            now; 3 incomplete; 5 the earlier screening not reproduced; 2 fatal error.
            """,
        version: HashscreenVersion.current,
        subcommands: [Scan.self, MergeCommand.self, Verify.self, ListCommand.self, HashCommand.self, ManifestCommand.self, KeyCommand.self, AttestationCommand.self]
    )

    /// Exit status for a fatal error that is not a `HashscreenError` (whose code gives its own).
    static let fatalExitCode: Int32 = 2

    /// Runs `body`, turning setup failures into a message on stderr and the exit status of the
    /// error's code (`HashscreenError.Code.exitStatus`; 2 for other errors).
    static func guarded(_ body: () throws -> Int32) throws -> Int32 {
        do {
            return try body()
        } catch let e as HashscreenError {
            FileHandle.standardError.write(Data("hashscreen: error: \(e.description)\n".utf8))
            return e.code.exitStatus
        } catch let e as ExitCode {
            throw e
        } catch {
            FileHandle.standardError.write(Data("hashscreen: error: \(error)\n".utf8))
            return fatalExitCode
        }
    }

    /// Refuses an argument that is not valid UTF-8 before parsing (exit 64): Swift decodes
    /// such bytes lossily, so a path given so would name another file ("does not exist").
    /// Names inside a folder are read as bytes, so the folder that holds it is scanned whole.
    static func main() {
        for i in 1..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i], String(validatingCString: arg) == nil else { continue }
            let shown = EscapedName.escape(UnsafeRawBufferPointer(start: arg, count: strlen(arg)))   // as keys are escaped
            stderr("hashscreen: error: argument \(i) ('\(shown)') is not valid UTF-8; hashscreen takes UTF-8 arguments. "
                   + "A file or folder so named is read from a folder given as input (names inside are read as bytes)")
            Foundation.exit(64)
        }
        main(nil)
    }

    static func stderr(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
