// A whole-file parse that keeps nothing: what the fuzz entry points call (HashscreenFuzzEntryPoints).
import HashscreenCore

/// Parses list source files without storing them.
package enum ListFileCheck {
    /// Parses the list file at `path` as an import would (default type by name, `url` lines through
    /// `urlHasher`) and returns how many data lines it read and how many were invalid. Throws what
    /// an import throws for a file that is unusable as a whole.
    package static func check(path: String, defaultTypeName: String? = nil,
                              urlHasher: ((String) throws -> [(SignalKind, HashValue)])? = nil) throws -> (lines: Int, invalid: Int) {
        let type = defaultTypeName.flatMap { ListLineType(name: $0) }
        var lines = 0, invalid = 0
        _ = try ListFileParser(path: path, defaultType: type, urlHasher: urlHasher).parse { _, result in
            lines += 1
            if case .problem = result { invalid += 1 }
        }
        return (lines, invalid)
    }
}
