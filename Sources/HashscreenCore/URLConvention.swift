/// How a URL becomes the bytes its URL hashes (`url_md5`, `url_sha256`) digest: each list of
/// URL hashes was made one way, and a scan digests each manifest URL the way each loaded list
/// needs (docs/url-hashing.md).
///
/// - `threatexchange`: python-threatexchange's `common.normalize_url` (the `url_md5` signal
///   type of ThreatExchange and Hasher-Matcher-Actioner): lower-case the whole URL, drop the
///   first `scheme://`, UTF-8.
/// - `raw`: the URL's UTF-8 bytes exactly as the manifest or list file holds them.
/// - `hashscreen`: hashscreen's own normalisation (lower-case scheme and host, default port
///   and fragment dropped); the only behaviour before conventions were recorded.
public enum URLConvention: String, Sendable, CaseIterable, Comparable {
    case threatexchange
    case raw
    case hashscreen

    /// The convention of an import that names none: `url_md5` is ThreatExchange's signal name
    /// and the lists exchanged under it are made its way (docs/decisions.md, "Default URL
    /// convention").
    public static let importDefault = URLConvention.threatexchange
    /// The convention of a list imported before conventions were recorded: what hashscreen
    /// did then, so such a list matches exactly as before.
    public static let unrecorded = URLConvention.hashscreen

    /// The word used on the command line and in outputs.
    public var name: String { rawValue }
    /// Every convention's name, for messages and help.
    public static let allNames = allCases.map(\.name).joined(separator: ", ")

    public static func < (a: URLConvention, b: URLConvention) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
