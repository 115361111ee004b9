// hashscreen-index-bench: build time, memory and queries/s of the match indexes on synthetic
// lists (uniform hashes plus near-duplicate clusters). Figures go to docs/index.md.
//
//   swift build -c release --product hashscreen-index-bench -Xswiftc -target-cpu -Xswiftc haswell
//   (this Swift 6.3 toolchain rejects `x86-64-v3`; haswell has the same popcnt/AVX2/BMI2)
//   .build/release/hashscreen-index-bench --count 10000000 --bits 256 --layouts 0,11,16 --threads 1,2
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
/// Share of entries in near-duplicate clusters, and the flips around a centre.
let clusterShare = Double(args["cluster-share"] ?? "0.2")!
let clusterSize = 50, clusterSpread = bits == 256 ? 24 : 6

var rng = SplitMix64(state: 42)
let t0 = now()
var values: [HashValue] = []
values.reserveCapacity(count)
let clustered = Int(Double(count) * clusterShare)
while values.count < clustered {
    let c = rng.hash(bytes)
    for _ in 0..<clusterSize where values.count < clustered {
        values.append(HashValue(bytes: rng.flip(c, Int(rng.next() % UInt64(clusterSpread + 1)))))
    }
}
while values.count < count { values.append(HashValue(bytes: rng.hash(bytes))) }
values.shuffle(using: &rng)
// Queries: 90% uniform (the usual miss), 10% near an entry (0...threshold+4 flips).
let queryCount = 20_000
let queries: [HashValue] = (0..<queryCount).map { i in
    if i % 10 != 0 { return HashValue(bytes: rng.hash(bytes)) }
    let e = values[Int(rng.next() % UInt64(count))]
    return HashValue(bytes: rng.flip(e.bytes, Int(rng.next() % UInt64(threshold + 5))))
}
print(String(format: "data: %d entries of %d bits (%.0f%% clustered), %d queries, threshold %d, generated in %.1fs",
             count, bits, clusterShare * 100, queryCount, threshold, now() - t0))

/// Queries whose results are checked against the exhaustive scan (0: none).
let verifyCount = Int(args["verify"] ?? "0")!
let reference: BruteForceHammingIndex? = verifyCount > 0 ? try BruteForceHammingIndex(values: values, byteCount: bytes) : nil

final class Counter: @unchecked Sendable { var hits = 0; var queries = 0; var cpu = 0.0 }

/// CPU time of the calling thread: the machine is shared, so queries per CPU-second is the
/// figure that does not depend on what else runs.
func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

for spec in layouts {
    let b0 = now()
    let index: any MatchIndex
    let name: String
    if spec == "brute" || spec == "0" {
        index = try BruteForceHammingIndex(values: values, byteCount: bytes); name = "brute force"
    } else if spec == "auto" {
        let mih = try MultiIndexHammingIndex(values: values, byteCount: bytes, expectedThreshold: threshold,
                                             maxBytesPerEntry: args["max-bytes"].flatMap { Int($0) })
        index = mih; name = "auto: \(mih.layout)"
    } else {
        let mih = try MultiIndexHammingIndex(values: values, byteCount: bytes,
                                             layout: .init(segmentCount: Int(spec)!, directoryBits: dirBits))
        index = mih; name = "MIH \(mih.layout)"
    }
    let buildTime = now() - b0
    print(String(format: "%@: build %.2fs, memory %.1f B/entry (%.0f MB)", name, buildTime,
                 Double(index.memoryBytes) / Double(count), Double(index.memoryBytes) / 1e6))
    if let reference {
        var mismatches = 0
        for q in queries.prefix(verifyCount) where index.search(q, threshold: threshold) != reference.search(q, threshold: threshold) {
            mismatches += 1
        }
        print("  verify: \(mismatches) of \(min(verifyCount, queryCount)) queries differ from the exhaustive scan")
    }
    for threads in threadCounts {
        let counters = (0..<threads).map { _ in Counter() }
        let start = now()
        let deadline = start + seconds
        DispatchQueue.concurrentPerform(iterations: threads) { th in
            var hits: [IndexHit] = []
            var q = th
            let c = counters[th]
            let cpu0 = threadCPU()
            defer { c.cpu = threadCPU() - cpu0 }
            while true {
                hits.removeAll(keepingCapacity: true)
                index.search(queries[q % queryCount], threshold: threshold, into: &hits)
                c.hits += hits.count; c.queries += 1
                q += threads
                if c.queries % 16 == 0 && now() > deadline { break }
            }
        }
        let elapsed = now() - start
        let total = counters.reduce(0) { $0 + $1.queries }
        let hits = counters.reduce(0) { $0 + $1.hits }
        let cpu = counters.reduce(0.0) { $0 + $1.cpu }
        print(String(format: "  %d thread(s): %.0f queries/s wall, %.0f queries per CPU-second, %.1f us CPU/query (%d queries, %.3f hits/query)",
                     threads, Double(total) / elapsed, Double(total) / cpu, cpu / Double(total) * 1e6,
                     total, Double(hits) / Double(total)))
    }
}
