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
        keepLargeFreedBlocks()
        for i in 1..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i], String(validatingCString: arg) == nil else { continue }
            let shown = EscapedName.escape(UnsafeRawBufferPointer(start: arg, count: strlen(arg)))   // as keys are escaped
            stderr("hashscreen: error: argument \(i) ('\(shown)') is not valid UTF-8; hashscreen takes UTF-8 arguments. "
                   + "A file or folder so named is read from a folder given as input (names inside are read as bytes)")
            Foundation.exit(64)
        }
        main(nil)
    }

    /// glibc's malloc returns a freed block above its (adaptive) mmap threshold to the kernel
    /// and trims the heap's top past its trim threshold, so each row group's column buffers
    /// (1-12 MiB, freed and made again by every worker for every group) came back as fresh
    /// pages: half the minor page faults of a metadata scan. Fixed thresholds of 64 MiB (mmap)
    /// and 128 MiB (trim) keep such blocks for reuse (docs/decisions.md, "Freed blocks kept").
    /// (`mallopt` from malloc.h, which Swift's Glibc module leaves out: found by name; a C
    /// library without it, such as musl, keeps its own policy.)
    static func keepLargeFreedBlocks() {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }   // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1   // malloc.h M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        _ = mallopt(mmapThreshold, 64 << 20)
        _ = mallopt(trimThreshold, 128 << 20)
        #endif
    }

    static func stderr(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
