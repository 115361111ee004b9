// `Prevalence`'s raw counts as JSON, for what outlives one process: a part's
// `part-prevalence.json` (for `merge`) and the checkpoint's `prevalence` (for `--resume`)
// (docs/sharding.md). `prevalence.json` is not read back: its rates are derived and it lacks
// the per-shard "flagged and not fully screened" count the "after removal" figures need.
// Counts of samples only, never values, keys or paths.
import Foundation
import HashscreenCore

extension Prevalence {
    /// The counts: per input its shards as `[shard, samples, flagged, unscreened,
    /// flagged_unscreened]` (and the shard's name, `withNames`), by shard number; the
    /// (signal, list) pairs; the match kinds; per perceptual signal its threshold, variants
    /// and histograms.
    package func rawJSON(withNames: Bool) -> JSONValue {
        .object([
            ("shards", .array(shards.enumerated().map { i, byShard in
                .array(byShard.values.sorted { $0.shard < $1.shard }.map { s in
                    let n: [JSONValue] = [.int(Int(s.shard)), .int(s.samples), .int(s.flagged), .int(s.unscreened), .int(s.flaggedUnscreened)]
                    let name = withNames ? (name(input: i, shard: s.shard) ?? s.name) : nil
                    return .array(n + (name.map { [.string($0)] } ?? []))
                })
            })),
            ("per_signal_list", .array(perSignalList.sorted { $0.key < $1.key }.flatMap { signal, lists in
                lists.sorted { $0.key < $1.key }.map { l, n in
                    JSONValue.array([.string(signal.name), .string(l.name), .string(l.version), .int(n)])
                }
            })),
            ("per_kind", .object(perKind.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int($0.value)) })),
            ("perceptual_only", .int(perceptualOnly)),
            ("perceptual", .array(perceptual.map { p in
                .object([
                    ("signal", .string(p.signal.name)), ("threshold", .int(p.threshold)),
                    ("variants", .array(p.variants.map { .string($0) })),
                    ("by_distance", .array(p.byDistance.sorted { $0.key < $1.key }.map { .array([.int($0.key), .int($0.value)]) })),
                    ("by_variant", .object(p.byVariant.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ])
            })),
        ])
    }

    /// The counts `rawJSON` wrote; shard names (when written) on the shards, `shardNames`
    /// empty. Nil when `v` is not such a document.
    package init?(rawJSON v: JSONValue) {
        guard let inputs = v[key: "shards"]?.arrayValue, let pairs = v[key: "per_signal_list"]?.arrayValue,
              let kinds = v[key: "per_kind"]?.objectValue, let only = v[key: "perceptual_only"]?.intValue,
              let perceptual = v[key: "perceptual"]?.arrayValue else { return nil }
        var parsed: [(SignalKind, threshold: Int, variants: [String])] = []
        for p in perceptual {
            guard let s = p[key: "signal"]?.stringValue.flatMap({ SignalKind(name: $0) }), let t = p[key: "threshold"]?.intValue,
                  let vs = p[key: "variants"]?.arrayValue else { return nil }
            parsed.append((s, t, vs.compactMap(\.stringValue)))
        }
        self.init(inputs: inputs.count, perceptual: parsed)
        for (i, input) in inputs.enumerated() {
            for s in input.arrayValue ?? [] {
                guard let a = s.arrayValue, a.count >= 5 else { return nil }
                let n = a.prefix(5).compactMap(\.intValue)
                guard n.count == 5, n[0] >= 0, n[0] <= Int(UInt32.max) else { return nil }
                var sh = Shard(shard: UInt32(n[0]), name: a.count > 5 ? a[5].stringValue : nil)
                sh.samples = n[1]; sh.flagged = n[2]; sh.unscreened = n[3]; sh.flaggedUnscreened = n[4]
                shards[i][sh.shard] = sh
            }
        }
        for p in pairs {
            guard let a = p.arrayValue, a.count == 4, let s = a[0].stringValue.flatMap({ SignalKind(name: $0) }),
                  let name = a[1].stringValue, let version = a[2].stringValue, let n = a[3].intValue else { return nil }
            perSignalList[s, default: [:]][ListRef(name: name, version: version)] = n
        }
        for (k, n) in kinds {
            guard let kind = MatchKind(rawValue: k), let n = n.intValue else { return nil }
            perKind[kind] = n
        }
        perceptualOnly = only
        for (j, p) in perceptual.enumerated() {
            for d in p[key: "by_distance"]?.arrayValue ?? [] {
                guard let a = d.arrayValue, a.count == 2, let k = a[0].intValue, let n = a[1].intValue else { return nil }
                self.perceptual[j].byDistance[k] = n
            }
            for (k, n) in p[key: "by_variant"]?.objectValue ?? [] {
                guard let n = n.intValue else { return nil }
                self.perceptual[j].byVariant[k] = n
            }
        }
    }

    /// Adds another part's counts (the same scan: the same inputs and perceptual signals).
    /// Shards of one input in both (a Parquet input's row groups: its one shard 0) are summed.
    package mutating func add(_ o: Prevalence) {
        for (i, byShard) in o.shards.enumerated() where i < shards.count {
            for (k, s) in byShard {
                var t = shards[i][k] ?? Shard(shard: k, name: s.name)
                t.samples += s.samples; t.flagged += s.flagged; t.unscreened += s.unscreened
                t.flaggedUnscreened += s.flaggedUnscreened
                if t.name == nil { t.name = s.name }
                shards[i][k] = t
            }
        }
        for (s, lists) in o.perSignalList {
            for (l, n) in lists { perSignalList[s, default: [:]][l, default: 0] += n }
        }
        perKind.merge(o.perKind, uniquingKeysWith: +)
        perceptualOnly += o.perceptualOnly
        for j in perceptual.indices {
            guard let p = o.perceptual.first(where: { $0.signal == perceptual[j].signal }) else { continue }
            perceptual[j].byDistance.merge(p.byDistance, uniquingKeysWith: +)
            perceptual[j].byVariant.merge(p.byVariant, uniquingKeysWith: +)
        }
    }
}
