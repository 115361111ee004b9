import CMD5x

/// MD5 of many messages at once, one per SIMD lane (CMD5x: 8 lanes with AVX2, else 4):
/// the columnar scan's plain-row URL digests (docs/url-hashing.md, "Multi-buffer MD5").
/// The digests go to one flat buffer, 16 bytes per message: nothing is allocated per message.
package enum MultiMD5 {
    /// Bytes of one digest.
    package static let digestSize = 16

    /// A kernel of CMD5x.h; `best` is the one `digest` runs.
    package enum Kernel: Int32, CaseIterable, Sendable {
        case scalar = 1, lanes4 = 2, avx2 = 3

        /// The kernel `digest` runs on this CPU.
        package static var best: Kernel { Kernel(rawValue: hs_md5x_best()) ?? .lanes4 }

        package var name: String {
            switch self {
            case .scalar: "scalar"
            case .lanes4: "4 lanes"
            case .avx2: "8 lanes (AVX2)"
            }
        }
    }

    /// Digests message `i` (`lengths[i]` bytes at `messages[i]`) into `out[16 * i ..< 16 * i + 16]`,
    /// for `count` messages; `out` holds at least `16 * count` bytes. With `kernel`, that kernel
    /// (false when this CPU or build has not got it, nothing written), else the best.
    @discardableResult
    package static func digest(_ messages: UnsafePointer<UnsafePointer<UInt8>?>, lengths: UnsafePointer<Int>, count: Int,
                               into out: UnsafeMutableRawPointer, kernel: Kernel? = nil) -> Bool {
        guard count > 0 else { return true }
        let digests = out.assumingMemoryBound(to: UInt8.self)
        return messages.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: count) { m in
            lengths.withMemoryRebound(to: Int.self, capacity: count) { l in
                hs_md5x_with(kernel?.rawValue ?? 0, m, l, count, digests) == 1
            }
        }
    }

    /// A reusable batch: messages added by pointer (the caller keeps their bytes alive until
    /// `run`), digested together into `digests`.
    package struct Batch {
        package private(set) var pointers: [UnsafePointer<UInt8>?] = []
        package private(set) var lengths: [Int] = []
        /// 16 bytes per message, in the order added (after `run`).
        package private(set) var digests: [UInt8] = []

        package init() {}

        package var count: Int { pointers.count }

        package mutating func removeAll() {
            pointers.removeAll(keepingCapacity: true); lengths.removeAll(keepingCapacity: true)
        }

        package mutating func add(_ bytes: UnsafeRawBufferPointer) {
            pointers.append(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)); lengths.append(bytes.count)
        }

        /// Digests the messages added (with `kernel`, else the best; false as `digest`'s).
        @discardableResult
        package mutating func run(kernel: Kernel? = nil) -> Bool {
            let n = pointers.count
            if digests.count < n * MultiMD5.digestSize { digests = [UInt8](repeating: 0, count: n * MultiMD5.digestSize) }
            return pointers.withUnsafeBufferPointer { p in
                lengths.withUnsafeBufferPointer { l in
                    digests.withUnsafeMutableBytes { o in
                        n == 0 || MultiMD5.digest(p.baseAddress!, lengths: l.baseAddress!, count: n, into: o.baseAddress!, kernel: kernel)
                    }
                }
            }
        }
    }
}
