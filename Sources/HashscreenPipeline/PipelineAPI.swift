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

/// How an input is laid out (`--layout`).
public typealias ManifestLayout = HashscreenManifest.ManifestLayout
/// How pixels are prepared for PDQ in `hash` (`--pdq-mode`).
public typealias PDQMode = HashscreenPerceptual.PDQMode

/// `hashscreen manifest inspect|rows`: what hashscreen reads from an input.
public enum ManifestOperations {
    /// The detected layout, the columns (and which role each plays) and the row count.
    public static func inspect(path: String, layout: ManifestLayout?) throws -> JSONValue {
        try ManifestInspector.inspect(path: path, layout: layout)
    }

    /// Each row, every column under its original name, at most `limit` of them.
    public static func rows(path: String, layout: ManifestLayout?, limit: Int?, _ body: (JSONValue) throws -> Void) throws {
        try ManifestInspector.rows(path: path, layout: layout, limit: limit, body)
    }
}
