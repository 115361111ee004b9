import HashscreenCore

/// The figures `report.html` and `prevalence.json` show beside `summary.json`'s counts: flagged
/// samples by shard, by signal and list, by how they matched (file content, recorded hash, URL,
/// perceptual: closest distance and dihedral variant). Counts of samples only, never values,
/// keys or paths. The pipeline's tally fills it one sample at a time (`add`); the printers
/// derive the rates (per million) and the "after removal" figures (docs/report.md).
package struct Prevalence: Sendable, Equatable {
    /// One shard of an input (the whole input for layouts without shards: shard 0).
    package struct Shard: Sendable, Equatable {
        package var shard: UInt32
        /// The shard's name (img2dataset's `00000`); nil for layouts without shards. Filled when
        /// reported (`PrevalenceReport.shards(ofInput:)`), not while counting; in a merge, the
        /// name a part recorded (`part-prevalence.json`).
        package var name: String?
        package var samples = 0
        /// Samples with at least one match.
        package var flagged = 0
        /// Samples with at least one failure (not fully screened).
        package var unscreened = 0
        /// Samples both flagged and not fully screened (removed all the same).
        package var flaggedUnscreened = 0
        package init(shard: UInt32, name: String? = nil) { self.shard = shard; self.name = name }
    }

    /// How a sample matched; a sample counts once per kind it matched by.
    package enum MatchKind: String, Sendable, CaseIterable, Comparable {
        /// A digest of the image bytes computed by hashscreen (md5, sha1, sha256).
        case fileDigest = "file_digest"
        /// A hash recorded in the manifest (img2dataset's sha256 of the original download).
        case recordedHash = "recorded_hash"
        /// A hash of the sample's URL (url_md5, url_sha256).
        case url
        /// A perceptual hash within its threshold (pdq, phash, dhash, ahash).
        case perceptual
        package static func < (a: MatchKind, b: MatchKind) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// One perceptual signal's matched samples: by the distance of each sample's closest match
    /// and by the dihedral variant of that match (`orig` without --dihedral).
    package struct Perceptual: Sendable, Equatable {
        package var signal: SignalKind
        /// The scan's threshold for it (the histogram's last bin).
        package var threshold: Int
        /// Samples by closest distance (0 ... threshold).
        package var byDistance: [Int: Int] = [:]
        /// Samples by the variant of their closest match (ties: `orig` first, then by name).
        package var byVariant: [String: Int] = [:]
        /// The variants searched (`orig` alone without --dihedral), shown even when none matched.
        package var variants: [String]
        package init(signal: SignalKind, threshold: Int, variants: [String] = ["orig"]) {
            self.signal = signal; self.threshold = threshold; self.variants = variants
        }
    }

    /// Per input (in input order), its shards with at least one sample, by shard number.
    package var shards: [[UInt32: Shard]]
    /// Shard names per input (by shard number), when its layout has shards.
    package var shardNames: [[String]]
    /// Flagged samples per (signal, list).
    package var perSignalList: [SignalKind: [ListRef: Int]] = [:]
    /// Flagged samples per match kind.
    package var perKind: [MatchKind: Int] = [:]
    /// Flagged samples matched by a perceptual signal only (no exact match of any kind).
    package var perceptualOnly = 0
    /// The requested perceptual signals, in the scan's signal order.
    package var perceptual: [Perceptual]

    /// `perceptual`: each requested perceptual signal in signal order, with the scan's
    /// threshold and the dihedral variants it searches.
    package init(inputs: Int, shardNames: [[String]] = [], perceptual: [(SignalKind, threshold: Int, variants: [String])]) {
        shards = Array(repeating: [:], count: inputs)
        self.shardNames = shardNames
        self.perceptual = perceptual.map { Perceptual(signal: $0.0, threshold: $0.threshold, variants: $0.variants) }
    }

    /// Counts `n` samples at `id`'s input and shard that did not fail and matched nothing
    /// (`n` calls of `add(_:failed:matches:)` with no match).
    package mutating func addClean(_ id: SampleID, count n: Int) {
        let i = Int(id.input)
        var s = shards[i][id.shard] ?? Shard(shard: id.shard)
        s.samples += n
        shards[i][id.shard] = s
    }

    /// Counts one sample: where it is, whether it failed, and its matches.
    package mutating func add(_ id: SampleID, failed: Bool, matches: [MatchRecord]) {
        let i = Int(id.input)
        var s = shards[i][id.shard] ?? Shard(shard: id.shard)
        s.samples += 1
        if failed { s.unscreened += 1 }
        if !matches.isEmpty {
            s.flagged += 1
            if failed { s.flaggedUnscreened += 1 }
        }
        shards[i][id.shard] = s
        guard !matches.isEmpty else { return }
        var kinds = Set<MatchKind>()
        var pairs = Set<[String]>()
        for m in matches {
            if pairs.insert([m.signal.name, m.list.name, m.list.version]).inserted {
                perSignalList[m.signal, default: [:]][m.list, default: 0] += 1
            }
            kinds.insert(Self.kind(of: m))
        }
        for k in kinds { perKind[k, default: 0] += 1 }
        if kinds == [.perceptual] { perceptualOnly += 1 }
        for j in perceptual.indices {
            let sig = perceptual[j].signal
            let closest = matches.filter { $0.signal == sig }.min { a, b in
                if a.distance != b.distance { return a.distance < b.distance }
                return Self.variantPrecedes(a.variant ?? "orig", b.variant ?? "orig")
            }
            guard let c = closest else { continue }
            perceptual[j].byDistance[c.distance, default: 0] += 1
            perceptual[j].byVariant[c.variant ?? "orig", default: 0] += 1
        }
    }

    /// The kind a match is of.
    static func kind(of m: MatchRecord) -> MatchKind {
        if m.signal.isPerceptual { return .perceptual }
        if m.signal.isURL { return .url }
        return m.source == .manifest ? .recordedHash : .fileDigest
    }

    /// `orig` first, then by name.
    static func variantPrecedes(_ a: String, _ b: String) -> Bool {
        if a == b { return false }
        if a == "orig" { return true }
        if b == "orig" { return false }
        return a < b
    }

    /// Shard `shard` of input `input`'s name, if its layout has shards.
    func name(input: Int, shard: UInt32) -> String? {
        guard input < shardNames.count, Int(shard) < shardNames[input].count else { return nil }
        return shardNames[input][Int(shard)]
    }
}
