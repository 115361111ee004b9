import HashscreenAttest
import HashscreenCore
import HashscreenDecode
import HashscreenDigest
import HashscreenList
import HashscreenMatch
import HashscreenParquet
import HashscreenTar

/// The one place where a stage module's error that stops a command becomes the
/// `HashscreenError` the CLI prints: every public entry point of the pipeline throws
/// `HashscreenError` only (typed throws), through `HashscreenError.converting`.
///
/// Stage errors already say what failed in their own words (`ParquetError`: "file: message",
/// `TarError`: "path: tar header at byte N: ..."); the conversion keeps those words as the
/// message and picks the code by where the error comes from. List values never appear in any
/// of them (ListError's messages name files and lines, not values).
extension HashscreenError {
    /// `body`'s result, or its error as a `HashscreenError`.
    static func converting<T>(_ body: () throws -> T) throws(HashscreenError) -> T {
        do {
            return try body()
        } catch {
            throw HashscreenError(stopping: error)
        }
    }

    /// `error` as the pipeline reports it: a `HashscreenError` as it is; a stage module's error
    /// with the code of its stage.
    init(stopping error: any Error) {
        switch error {
        case let e as HashscreenError: self = e
        case let e as ListError: self = e.hashscreenError
        case let e as ParquetError: self.init(.manifest, e.description)
        case let e as TarError: self.init(.input, e.description)
        case let e as DecodeError: self.init(.input, e.description)
        case let e as DigestError: self.init(.io, e.description)
        case let e as IndexBuildError: self.init(.list, e.description)
        case let e as AttestError: self.init(e.kind == .library ? .io : .input, e.description)
        default: self.init(.io, "unexpected error", underlying: String(describing: error))
        }
    }
}
