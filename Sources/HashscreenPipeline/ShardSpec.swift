import HashscreenCore

/// Which part of the work a sharded scan screens: part `index` (0-based) of `count`
/// (docs/sharding.md). `--shard I/N` gives it; `--shard auto` reads it from the engine the
/// process runs in (`fromEnvironment`).
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Most parts a scan may be split into (far above any cluster's array limit: Slurm's
    /// default MaxArraySize is 1001, Kubernetes' Indexed Job completions limit 100,000).
    public static let maxCount = 1 << 20

    public init(index: Int, count: Int) throws(HashscreenError) {
        guard count >= 1, count <= Self.maxCount else {
            throw HashscreenError(.usage, "--shard: the count must be 1 to \(Self.maxCount), not \(count)")
        }
        guard index >= 0, index < count else {
            throw HashscreenError(.usage, "--shard: the index is 0-based and must be 0 to \(count - 1) for \(count) parts, not \(index)",
                                  remedy: "parts are numbered 0..N-1: --shard 0/\(count) ... --shard \(count - 1)/\(count)")
        }
        self.index = index; self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// `I/N` as given to `--shard`.
    public static func parse(_ text: String) throws(HashscreenError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = strictInt(parts[0]), let n = strictInt(parts[1]) else {
            throw HashscreenError(.usage, "--shard \(text): expected I/N (0-based index I of N parts, e.g. 0/4), or auto")
        }
        return try ShardSpec(index: i, count: n)
    }

    /// The part the job engine gave this process: a Kubernetes Indexed Job's
    /// `JOB_COMPLETION_INDEX`, or a Slurm job array's task (`SLURM_ARRAY_TASK_ID` mapped to
    /// its position among `SLURM_ARRAY_TASK_MIN`, `_STEP`, `_MAX`, `_COUNT`: arrays may start
    /// at 1 and skip numbers). `expectedCount` (`--shard-count`, or `HASHSCREEN_SHARD_COUNT`)
    /// is required and checked against the engine's count where it has one: an array
    /// submitted with a different size (`sbatch --array=17` has a count of 1) would otherwise
    /// screen the wrong part silently.
    public static func fromEnvironment(_ env: [String: String], expectedCount: Int?) throws(HashscreenError) -> ShardSpec {
        var expected = expectedCount
        if expected == nil, let v = env["HASHSCREEN_SHARD_COUNT"] {
            guard let n = strictInt(Substring(v)) else {
                throw HashscreenError(.usage, "HASHSCREEN_SHARD_COUNT=\(v) is not a whole number of parts")
            }
            expected = n
        }
        let k8s = env["JOB_COMPLETION_INDEX"]
        let slurm = env["SLURM_ARRAY_TASK_ID"]
        if k8s != nil && slurm != nil {
            throw HashscreenError(.usage, "--shard auto: both JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm) are set; pass --shard I/N")
        }
        guard k8s != nil || slurm != nil else {
            throw HashscreenError(.usage, "--shard auto: neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (a Slurm job array) is set",
                                  remedy: "run it as a job-array task, or pass --shard I/N")
        }
        guard let count = expected else {
            throw HashscreenError(.usage, "--shard auto needs the number of parts: pass --shard-count N (or set HASHSCREEN_SHARD_COUNT)",
                                  remedy: "the same N as the Indexed Job's completions or the array's task count")
        }
        if let k8s {
            guard let i = strictInt(Substring(k8s)) else {
                throw HashscreenError(.usage, "--shard auto: JOB_COMPLETION_INDEX=\(k8s) is not a whole number")
            }
            return try ShardSpec(index: i, count: count)
        }
        func number(_ name: String) throws(HashscreenError) -> Int? {
            guard let v = env[name] else { return nil }
            guard let n = strictInt(Substring(v)) else { throw HashscreenError(.usage, "--shard auto: \(name)=\(v) is not a whole number") }
            return n
        }
        guard let id = try number("SLURM_ARRAY_TASK_ID") else { preconditionFailure() }
        let minimum = try number("SLURM_ARRAY_TASK_MIN") ?? 0
        let step = max(try number("SLURM_ARRAY_TASK_STEP") ?? 1, 1)
        let maximum = try number("SLURM_ARRAY_TASK_MAX") ?? id
        let engineCount = try number("SLURM_ARRAY_TASK_COUNT") ?? ((maximum - minimum) / step + 1)
        guard id >= minimum, id <= maximum, (id - minimum) % step == 0, (maximum - minimum) / step + 1 == engineCount else {
            throw HashscreenError(.usage, "--shard auto: the Slurm array (task \(id), min \(minimum), max \(maximum), step \(step), count \(engineCount)) is not an evenly stepped range, so a task's position is unknown",
                                  remedy: "submit the array as --array=A-B or --array=A-B:S, or pass --shard I/N")
        }
        guard engineCount == count else {
            throw HashscreenError(.usage, "--shard auto: the Slurm array has \(engineCount) task\(engineCount == 1 ? "" : "s") (min \(minimum), max \(maximum), step \(step)) but --shard-count is \(count)",
                                  remedy: "submit --array with \(count) tasks; to rerun one task alone, pass --shard I/\(count) (I its 0-based position)")
        }
        return try ShardSpec(index: (id - minimum) / step, count: count)
    }

    /// A decimal number without sign, spaces or leading `+`.
    private static func strictInt(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }
}
