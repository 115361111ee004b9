import Foundation
import HashscreenCore
@testable import HashscreenDigest
import HashscreenTestSupport
import XCTest

/// The multi-buffer MD5 kernels (CMD5x) against independent implementations: OpenSSL's EVP
/// MD5 (through `Digester`), Python's hashlib, and RFC 1321's test suite. Every kernel this
/// CPU runs is checked (`make test-portable` runs these without AVX2: the 4-lane kernel as
/// `best`, the 8-lane one absent).
final class MultiMD5Tests: XCTestCase {
    /// The kernels this CPU and build run (the scalar and 4-lane ones everywhere).
    static var kernels: [MultiMD5.Kernel] {
        MultiMD5.Kernel.allCases.filter { k in
            var out = [UInt8](repeating: 0, count: 16)
            let p: [UnsafePointer<UInt8>?] = [nil], l = [0]
            return out.withUnsafeMutableBytes { MultiMD5.digest(p, lengths: l, count: 1, into: $0.baseAddress!, kernel: k) }
        }
    }

    /// Digests of `messages` by `kernel`, as hex; the messages at `offset` bytes into their
    /// buffers (unaligned when odd).
    static func digests(_ messages: [[UInt8]], kernel: MultiMD5.Kernel?, offset: Int = 0) -> [String] {
        let buffers = messages.map { m -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: m.count + offset + 1, alignment: 64)
            b.copyBytes(from: [UInt8](repeating: 0xA5, count: offset) + m)
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        var batch = MultiMD5.Batch()
        for (b, m) in zip(buffers, messages) { batch.add(UnsafeRawBufferPointer(rebasing: b[offset..<(offset + m.count)])) }
        XCTAssertTrue(batch.run(kernel: kernel))
        return (0..<messages.count).map { Hex.encode(Array(batch.digests[16 * $0..<16 * $0 + 16])) }
    }

    static func openSSL(_ messages: [[UInt8]]) throws -> [String] {
        let d = try Digester(signals: [.md5])
        return messages.map { m in m.withUnsafeBytes { d.digestOne($0).hex } }
    }

    func testKernelsHere() {
        let kernels = Self.kernels
        XCTAssertTrue(kernels.contains(.scalar) && kernels.contains(.lanes4), "\(kernels)")
        XCTAssertTrue(kernels.contains(MultiMD5.Kernel.best))
        #if arch(x86_64)
        // `best` is AVX2 exactly when the CPU has it (under qemu -cpu Nehalem: 4 lanes).
        XCTAssertEqual(MultiMD5.Kernel.best == .avx2, kernels.contains(.avx2))
        #else
        XCTAssertFalse(kernels.contains(.avx2))
        #endif
    }

    /// RFC 1321 appendix A.5, the test suite.
    func testRFC1321Suite() {
        let suite: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for kernel in Self.kernels {
            // The suite as one batch (7 messages: a partial lane group), and each alone.
            XCTAssertEqual(Self.digests(suite.map { Array($0.0.utf8) }, kernel: kernel), suite.map(\.1), kernel.name)
            for (m, e) in suite { XCTAssertEqual(Self.digests([Array(m.utf8)], kernel: kernel), [e], "\(kernel.name): \(m)") }
        }
    }

    /// Every length 0...300 (every padding case: the marker and the length in the last block
    /// or one block further), batched in order and shuffled, and alone.
    func testEveryLengthTo300AgainstOpenSSL() throws {
        var rng = SplitMix64(seed: 12)
        let messages = (0...300).map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let expected = try Self.openSSL(messages)
        for kernel in Self.kernels {
            XCTAssertEqual(Self.digests(messages, kernel: kernel), expected, kernel.name)
            XCTAssertEqual(Self.digests(messages, kernel: kernel, offset: 3), expected, "\(kernel.name), unaligned")
            // Shuffled: lanes of a group end at different blocks (in order, the lengths where
            // the block count changes, 56 + 64k, fall on group boundaries).
            var order = Array(messages.indices)
            order.shuffle(using: &rng)
            XCTAssertEqual(Self.digests(order.map { messages[$0] }, kernel: kernel, offset: 5), order.map { expected[$0] }, "\(kernel.name), shuffled")
            // Each length alone (one lane used of the group).
            for (m, e) in zip(messages, expected) where m.count % 7 == 0 {
                XCTAssertEqual(Self.digests([m], kernel: kernel, offset: 1), [e], "\(kernel.name), \(m.count) bytes")
            }
        }
    }

    /// Random batches of 1...40 messages (partial lane groups) of mixed lengths up to 10,000
    /// bytes, at random offsets; all-zero and all-0xFF messages.
    func testRandomBatchesAgainstOpenSSL() throws {
        var rng = SplitMix64(seed: 1321)
        for round in 0..<60 {
            let count = Int.random(in: 1...40, using: &rng)
            let messages: [[UInt8]] = (0..<count).map { _ in
                let n = Int.random(in: 0...3, using: &rng) == 0 ? Int.random(in: 0...10_000, using: &rng) : Int.random(in: 0...200, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: return [UInt8](repeating: 0, count: n)
                case 1: return [UInt8](repeating: 0xFF, count: n)
                default: return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
            }
            let expected = try Self.openSSL(messages)
            let offset = Int.random(in: 0..<16, using: &rng)
            for kernel in Self.kernels {
                XCTAssertEqual(Self.digests(messages, kernel: kernel, offset: offset), expected,
                               "\(kernel.name), round \(round), lengths \(messages.map(\.count))")
            }
            XCTAssertEqual(Self.digests(messages, kernel: nil, offset: offset), expected, "best, round \(round)")
        }
    }

    /// Python's hashlib (an implementation independent of OpenSSL's EVP calls made here, and
    /// of ours) on a file of URLs: LAION-like, of the lengths of a real scan, one a line.
    func testURLFileAgainstPythonHashlib() throws {
        var rng = SplitMix64(seed: 115)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./%?=&".utf8)
        let urls: [[UInt8]] = (0..<500).map { i in
            let n = i < 10 ? i : Int.random(in: 20...400, using: &rng)
            return Array("https://".utf8.prefix(n)) + (0..<max(0, n - 8)).map { _ in alphabet.randomElement(using: &rng)! }
        }
        let dir = try TemporaryDirectory()
        let path = try dir.write("urls.txt", bytes: Array(urls.joined(separator: [0x0A])))
        let out = try runPython("""
            import hashlib, sys
            for line in open(sys.argv[1], 'rb').read().split(b'\\n'):
                print(hashlib.md5(line).hexdigest())
            """, [path])
        let expected = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, urls.count)
        for kernel in Self.kernels {
            XCTAssertEqual(Self.digests(urls, kernel: kernel, offset: 1), expected, kernel.name)
        }
    }

    func testEmptyBatch() {
        var batch = MultiMD5.Batch()
        XCTAssertTrue(batch.run())
        XCTAssertEqual(batch.count, 0)
    }
}
