// hashscreen-index-bench: build time, memory and queries/s of the match indexes on synthetic
// lists (uniform hashes plus near-duplicate clusters). Figures go to docs/index.md.
//
//   swift build -c release --product hashscreen-index-bench   (plus the Makefile's RELEASE_FLAGS)
//   .build/release/hashscreen-index-bench --count 10000000 --bits 256 --layouts 0,11,16 --threads 1,2
//   .build/release/hashscreen-index-bench --count 10000000 --layouts pipeline --threads 1,2 --batch 8,128 \
//       --pollute-kb 0,32768     # a decode's cache traffic between images (lists run each in turn)
import Foundation
import HashscreenCore
import HashscreenMatch

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func hash(_ bytes: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes)
        var i = 0
        while i < bytes { let r = next(); for k in 0..<min(8, bytes - i) { out[i + k] = UInt8(truncatingIfNeeded: r >> (8 * UInt64(k))) }; i += 8 }
        return out
    }
    mutating func flip(_ b: [UInt8], _ n: Int) -> [UInt8] {
        var b = b
        var done = Set<Int>()
        while done.count < n { let p = Int(next() % UInt64(b.count * 8)); if done.insert(p).inserted { b[p >> 3] ^= 0x80 >> UInt8(p & 7) } }
        return b
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

var args = [String: String]()
var it = CommandLine.arguments.dropFirst().makeIterator()
while let k = it.next() { if k.hasPrefix("--"), let v = it.next() { args[String(k.dropFirst(2))] = v } }
let count = Int(args["count"] ?? "1000000")!
let bits = Int(args["bits"] ?? "256")!
let bytes = bits / 8
let threshold = Int(args["threshold"] ?? (bits == 256 ? "31" : "10"))!
let layouts = (args["layouts"] ?? "auto").split(separator: ",").map(String.init)
let dirBits = args["dir-bits"].flatMap { Int($0) }
let threadCounts = (args["threads"] ?? "1,2").split(separator: ",").map { Int($0)! }
let seconds = Double(args["seconds"] ?? "3")!
/// Queries per `search(batch:)` call (1: single searches); a list runs each in turn.
let batches = (args["batch"] ?? "1").split(separator: ",").map { Int($0)! }
/// Batches of queries with their PDQ transposes (what `--dihedral` asks: 4 pairs in 8).
let pairs = args["pairs"] == "1"
/// Queries cycled through (e.g. 1: one query over and over, everything it reads stays in
/// cache: the search's compute time without memory latency).
let distinctQueries = Int(args["distinct"] ?? "20000")!
/// Share of entries in near-duplicate clusters, and the flips around a centre.
let clusterShare = Double(args["cluster-share"] ?? "0.2")!
let clusterSize = 50, clusterSpread = bits == 256 ? 24 : 6
/// KB of memory streamed through (read and written, like a decode's pixels) before every 8
/// queries, scaled to the batch (0: none): simulates a scan, whose decoders evict the index's
/// cached lines between images. Only the searches' CPU time is counted. A list runs each.
let maxPolluteBytes = 64 << 20
let polluteKBs = (args["pollute-kb"] ?? "0").split(separator: ",").map { Int($0)! }

var rng = SplitMix64(state: 42)
let t0 = now()
// Rows generated into one flat byte array, shuffled row-wise, then packed: no array per value.
var rows = [UInt8](); rows.reserveCapacity(count * bytes)
let clustered = Int(Double(count) * clusterShare)
var made = 0
while made < clustered {
    let c = rng.hash(bytes)
    for _ in 0..<clusterSize where made < clustered {
        rows += rng.flip(c, Int(rng.next() % UInt64(clusterSpread + 1))); made += 1
    }
}
while made < count { rows += rng.hash(bytes); made += 1 }
if count > 1 {
    for i in stride(from: count - 1, to: 0, by: -1) {
        let j = Int(rng.next() % UInt64(i + 1))
        if i != j { for k in 0..<bytes { rows.swapAt(i * bytes + k, j * bytes + k) } }
    }
}
let allRows = rows
rows = []
func row(_ i: Int) -> [UInt8] { Array(allRows[(i * bytes)..<((i + 1) * bytes)]) }
func packedList() throws -> PackedHashList {
    let list = try PackedHashList(byteCount: bytes, capacity: count)
    for i in 0..<count { try list.append(row(i)) }
    return list
}
// Queries: 90% uniform (the usual miss), 10% near an entry (0...threshold+4 flips).
let queryCount = 20_000
let queries: [HashValue] = (0..<queryCount).map { i in
    if i % 10 != 0 { return HashValue(bytes: rng.hash(bytes)) }
    let e = row(Int(rng.next() % UInt64(count)))
    return HashValue(bytes: rng.flip(e, Int(rng.next() % UInt64(threshold + 5))))
}
print(String(format: "data: %d entries of %d bits (%.0f%% clustered), %d queries, threshold %d, generated in %.1fs",
             count, bits, clusterShare * 100, queryCount, threshold, now() - t0))

/// Queries whose results are checked against the exhaustive scan (0: none).
let verifyCount = Int(args["verify"] ?? "0")!
let reference: BruteForceHammingIndex? = verifyCount > 0 ? BruteForceHammingIndex(packed: try packedList()) : nil

final class Counter: @unchecked Sendable { var hits = 0; var queries = 0; var cpu = 0.0 }

/// Reads and writes every cache line of `buffer` once (a decode's worth of traffic).
@inline(never)
func pollute(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
    var i = 0
    while i < buffer.count { buffer[i] &+= 1; i += 64 }
}

/// CPU time of the calling thread: the machine is shared, so queries per CPU-second is the
/// figure that does not depend on what else runs.
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

for spec in layouts {
    // Build time includes packing the values (what a scan does after reading its list).
    let b0 = now()
    let list = try packedList()
    let index: any MatchIndex
    let name: String
    /// Input position of each entry when the index reorders (hits are then in its order).
    var order: [Int32]? = nil
    if spec == "brute" || spec == "0" {
        index = BruteForceHammingIndex(packed: list); name = "brute force"
    } else if spec == "pipeline" {
        // What a scan builds: IndexBuilder's choice under the memory cap, order handed over.
        let description = IndexDescription(comparison: .hamming, bitCount: bits, tunedThreshold: threshold)
        index = try IndexBuilder.makeIndex(description, packed: list,
                                           maxBytesPerEntry: args["max-bytes"].flatMap { Int($0) } ?? IndexBuilder.defaultMaxBytesPerEntry) {
            order = Array($0)
        }
        if let c = index as? CompactHammingIndex { name = "pipeline: compact, \(c.segmentCount) segments, 2^\(c.blockShift)-bucket blocks" }
        else if let mih = index as? MultiIndexHammingIndex { name = "pipeline: \(mih.layout)" }
        else { name = "pipeline: \(type(of: index))" }
    } else if spec.hasPrefix("t") {
        // Transposed-pair layout with a given segment count ("t11"), order handed over.
        let c = try CompactHammingIndex(packed: list, segmentCount: Int(spec.dropFirst())!, transpose: PDQBitLayout.transpose) { order = Array($0) }
        index = c; name = "compact, \(c.segmentCount) segments, transposed pairs"
    } else if spec.hasPrefix("c") {
        // Compact layout with a given segment count ("c11"), order handed over.
        let c = try CompactHammingIndex(packed: list, segmentCount: Int(spec.dropFirst())!,
                                        blockShift: args["block-shift"].flatMap { Int($0) } ?? CompactHammingIndex.defaultBlockShift) { order = Array($0) }
        index = c; name = "compact, \(c.segmentCount) segments"
    } else if spec == "auto" {
        let mih = try MultiIndexHammingIndex(packed: list, expectedThreshold: threshold,
                                             maxBytesPerEntry: args["max-bytes"].flatMap { Int($0) })
        index = mih; name = "auto: \(mih.layout)"
    } else {
        let mih = try MultiIndexHammingIndex(packed: list,
                                             layout: .init(segmentCount: Int(spec)!, directoryBits: dirBits))
        index = mih; name = "MIH \(mih.layout)"
    }
    let buildTime = now() - b0
    print(String(format: "%@: build %.2fs, memory %.1f B/entry (%.0f MB)", name, buildTime,
                 Double(index.memoryBytes) / Double(count), Double(index.memoryBytes) / 1e6))
    if let reference {
        var mismatches = 0
        for q in queries.prefix(verifyCount) {
            var got = index.search(q, threshold: threshold)
            if let order { got = got.map { IndexHit(entry: order[Int($0.entry)], distance: $0.distance) }.sorted() }
            if got != reference.search(q, threshold: threshold) { mismatches += 1 }
        }
        print("  verify: \(mismatches) of \(min(verifyCount, queryCount)) queries differ from the exhaustive scan")
    }
    for threads in threadCounts { for batch in batches { for polluteKB in polluteKBs {
        let counters = (0..<threads).map { _ in Counter() }
        let start = now()
        let deadline = start + seconds
        DispatchQueue.concurrentPerform(iterations: threads) { th in
            var hits: [IndexHit] = []
            var batchHits: [IndexBatchHit] = []
            var q = th
            let c = counters[th]
            var cpu0 = threadCPU()
            var polluted = 0.0
            defer { c.cpu = threadCPU() - cpu0 - polluted }
            // Capped at twice the level-3 cache (32 MB here): more evicts nothing more.
            let junk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: min(polluteKB * 1024 * batch / 8, maxPolluteBytes))
            junk.initialize(repeating: 0)
            defer { junk.deallocate() }
            if polluteKB > 0 { cpu0 = threadCPU() }
            while true {
                if polluteKB > 0 {
                    let p0 = threadCPU()
                    pollute(junk)
                    polluted += threadCPU() - p0
                }
                if batch > 1 {
                    batchHits.removeAll(keepingCapacity: true)
                    // --pairs: the batch is half queries, half their transposes (as --dihedral's 8).
                    let qs = pairs
                        ? (0..<(batch / 2)).flatMap { i -> [HashValue] in
                            let x = queries[(q + i * threads) % distinctQueries]
                            return [x, PDQBitLayout.transpose.apply(x)]
                          }
                        : (0..<batch).map { queries[(q + $0 * threads) % distinctQueries] }
                    index.search(batch: qs, threshold: threshold, into: &batchHits)
                    c.hits += batchHits.count; c.queries += batch
                    q += threads * batch
                    if now() > deadline { break }
                    continue
                }
                hits.removeAll(keepingCapacity: true)
                index.search(queries[q % distinctQueries], threshold: threshold, into: &hits)
                c.hits += hits.count; c.queries += 1
                q += threads
                if c.queries % 16 == 0 && now() > deadline { break }
            }
        }
        let elapsed = now() - start
        let total = counters.reduce(0) { $0 + $1.queries }
        let hits = counters.reduce(0) { $0 + $1.hits }
        let cpu = counters.reduce(0.0) { $0 + $1.cpu }
        if batches.count > 1 || polluteKBs != [0] { print("  batch \(batch), \(polluteKB) KB streamed per 8 queries:") }
        print(String(format: "  %d thread(s): %.0f queries/s wall, %.0f queries per CPU-second, %.1f us CPU/query (%d queries, %.3f hits/query)",
                     threads, Double(total) / elapsed, Double(total) / cpu, cpu / Double(total) * 1e6,
                     total, Double(hits) / Double(total)))
    } } }
}
var usage = rusage()
getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
print("peak RSS \(usage.ru_maxrss / 1024) MB")
