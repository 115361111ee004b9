import HashscreenCore
import HashscreenReport

/// `hashscreen merge`: the parts of a sharded scan combined into one scan's outputs
/// (HashscreenReport's `PartMerge`; docs/sharding.md).
public enum Merger {
    /// Merges the part folders `parts` into `outputDirectory` (the `--out` policy of a scan:
    /// new, empty, or an earlier run's). Returns the exit status the unsharded scan would have
    /// (1 a match, 3 incomplete, 0); `log` gets the closing line.
    public static func run(parts: [String], outputDirectory: String, log: (String) -> Void = { _ in }) throws(HashscreenError) -> Int32 {
        try HashscreenError.converting {
            let out = try OutputFolder(directory: outputDirectory)
            let (line, exit) = try PartMerge.merge(parts, into: out)
            log(line)
            return Int32(exit)
        }
    }
}
