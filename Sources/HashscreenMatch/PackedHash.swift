import HashscreenCore
#if canImport(Glibc)
import Glibc
#endif

/// A hash value of at most 32 bytes as four big-endian 64-bit words, so that comparing and
/// XOR-ing take a few machine instructions instead of a loop over bytes.
///
/// Bit 0 of the value (the most significant bit of byte 0, see `HashValue`) is the most
/// significant bit of word 0; a length that is not a multiple of 8 is padded with zero bits.
struct PackedHash: Equatable {
    /// Longest value packed: SHA-256 and PDQ (32 bytes).
    static let maxBytes = 32
    static let maxWords = maxBytes / 8

    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    init() {}

    /// Packs `bytes` (at most `maxBytes`).
    init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { PackedHash($0) }
    }

    /// Packs the `bytes.count` bytes (at most `maxBytes`) of a value in place (a flat buffer's).
    init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count == 16 {
            w0 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            w1 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            return
        }
        pack(bytes)
    }

    /// ORs `bytes` (at most `maxBytes`, checked) into the words, byte 0 the most significant.
    private mutating func pack(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= Self.maxBytes, "hash of \(bytes.count) bytes is longer than \(Self.maxBytes)")
        for (i, b) in bytes.enumerated() {
            let v = UInt64(b) << (56 - 8 * UInt64(i & 7))
            switch i >> 3 {
            case 0: w0 |= v
            case 1: w1 |= v
            case 2: w2 |= v
            default: w3 |= v
            }
        }
    }

    @inline(__always) subscript(i: Int) -> UInt64 {
        switch i {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// The value as a `HashValue` of `byteCount` bytes.
    func hashValue(byteCount: Int = maxBytes) -> HashValue {
        HashValue(bytes: (0..<byteCount).map { UInt8(truncatingIfNeeded: self[$0 >> 3] >> (56 - 8 * UInt64($0 & 7))) })
    }

    /// Number of 64-bit words a value of `byteCount` bytes takes.
    static func wordCount(forBytes byteCount: Int) -> Int { (byteCount + 7) / 8 }
}

/// A fixed array allocated once and freed with its owner: the indexes read it through a raw
/// pointer so that hot loops carry no bounds checks or reference counting.
///
/// Large arrays are asked to sit on 2 MiB pages (Linux transparent huge pages in madvise
/// mode): index searches read them at random, and with 4 KiB pages nearly every such read
/// also misses the TLB (the gain measured here was small, docs/index.md).
final class FlatBuffer<Element>: @unchecked Sendable {
    /// Arrays at least this large are aligned to, and advised onto, huge pages.
    static var hugePageBytes: Int { 2 << 20 }

    let base: UnsafeMutablePointer<Element>
    let count: Int
    /// The mapped index file the elements live in (`IndexFile`), or nil when this buffer
    /// allocated them: kept alive while the buffer is, never written through, never freed here.
    private let mapping: AnyObject?

    /// `count` elements inside a read-only mapping that `owner` keeps (an `IndexFile`). The
    /// memory is the page cache's: the indexes only read it after they are built.
    init(mapped base: UnsafeRawPointer, count: Int, owner: AnyObject) {
        self.base = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Element.self))
        self.count = count
        self.mapping = owner
    }

    /// Copies `array`.
    convenience init(_ array: [Element]) {
        self.init(uninitializedCount: array.count)
        array.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.initialize(from: s, count: count) }
        }
    }

    /// `count` copies of `value`, to be filled in place before the owner is shared.
    convenience init(repeating value: Element, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    private init(uninitializedCount count: Int) {
        self.count = count
        self.mapping = nil
        let bytes = Swift.max(count, 1) * MemoryLayout<Element>.stride
        #if canImport(Glibc)
        if bytes >= Self.hugePageBytes {
            var raw: UnsafeMutableRawPointer?
            let rounded = (bytes + Self.hugePageBytes - 1) / Self.hugePageBytes * Self.hugePageBytes
            if posix_memalign(&raw, Self.hugePageBytes, rounded) == 0, let raw {
                _ = madvise(raw, rounded, MADV_HUGEPAGE)
                base = raw.bindMemory(to: Element.self, capacity: Swift.max(count, 1))
                return
            }
        }
        #endif
        base = .allocate(capacity: Swift.max(count, 1))
    }

    deinit {
        guard mapping == nil else { return }
        base.deinitialize(count: count)
        // Both allocations above are released by free().
        #if canImport(Glibc)
        free(base)
        #else
        base.deallocate()
        #endif
    }

    var memoryBytes: Int { count * MemoryLayout<Element>.stride }
    /// Whether the elements are in a mapped index file.
    var isMapped: Bool { mapping != nil }
    /// The elements' bytes (for writing an index file).
    var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: memoryBytes) }
}

/// Hash values of one length packed end to end, the form every index is built from: one flat
/// array of 64-bit words instead of one heap array per value.
///
/// Why: a list of 10M PDQ hashes as `[HashValue]` is 10M small arrays (~80 bytes of overhead
/// each, ~1.1 GB) that exist only to be packed again; appending each value's bytes here as it
/// is read from the list database keeps 32 bytes per value. Reserve the final count up front
/// (the database knows it) and the index adopts the buffer without copying it.
package final class PackedHashList: @unchecked Sendable {
    /// Length of every value in bytes (1...32).
    package let byteCount: Int
    /// Number of values appended.
    package private(set) var count = 0
    let wordCount: Int
    private(set) var storage: FlatBuffer<UInt64>
    private var capacity: Int
    /// Whether an index built from this list may free the values once it has read them (the
    /// list then keeps its `count` but no values: no more `append` or subscript). For a scan's
    /// one-shot load: the 320 MB of 10M PDQ values are gone before the index's tables are built.
    package var releaseAfterBuild = false

    /// An empty list of `byteCount`-byte values with room for `capacity` of them.
    package init(byteCount: Int, capacity: Int = 0) throws(IndexBuildError) {
        guard byteCount > 0, byteCount <= PackedHash.maxBytes else {
            throw IndexBuildError("hash length \(byteCount) bytes is not in 1...\(PackedHash.maxBytes)")
        }
        self.byteCount = byteCount
        wordCount = PackedHash.wordCount(forBytes: byteCount)
        self.capacity = max(capacity, 0)
        storage = FlatBuffer(repeating: 0, count: self.capacity * wordCount)
    }

    /// The values of `values`, which must all have `byteCount` bytes.
    package convenience init(_ values: [HashValue], byteCount: Int) throws(IndexBuildError) {
        try self.init(byteCount: byteCount, capacity: values.count)
        for v in values { try append(v.bytes) }
    }

    /// Appends one value; its length must be `byteCount`.
    package func append(_ bytes: [UInt8]) throws(IndexBuildError) {
        guard bytes.count == byteCount else {
            throw IndexBuildError("entry \(count) has \(bytes.count) bytes, expected \(byteCount)")
        }
        guard count < Int(Int32.max) else { throw IndexBuildError("more than \(Int32.max) entries") }
        guard !released else { throw IndexBuildError("the list's values were released after an index build") }
        if count == capacity { grow() }
        let row = storage.base + count * wordCount
        var word: UInt64 = 0
        for i in 0..<byteCount {
            word |= UInt64(bytes[i]) << (56 - 8 * UInt64(i & 7))
            if i & 7 == 7 || i == byteCount - 1 { row[i >> 3] = word; word = 0 }
        }
        count += 1
    }

    /// The value at `i`, unpacked (for tests and error messages).
    package subscript(i: Int) -> HashValue {
        precondition(i >= 0 && i < count && !released)
        let row = storage.base + i * wordCount
        return HashValue(bytes: (0..<byteCount).map { UInt8(truncatingIfNeeded: row[$0 >> 3] >> (56 - 8 * UInt64($0 & 7))) })
    }

    private func grow() {
        let newCapacity = max(16, capacity * 2)
        let bigger = FlatBuffer<UInt64>(repeating: 0, count: newCapacity * wordCount)
        bigger.base.update(from: storage.base, count: count * wordCount)
        storage = bigger
        capacity = newCapacity
    }

    /// Frees the values (see `releaseAfterBuild`).
    func releaseStorage() {
        storage = FlatBuffer(repeating: 0, count: 0)
        capacity = 0
        released = true
    }
    private var released = false

    /// The words of exactly `count` values: the storage itself when it is full (no copy),
    /// else a copy of the used part.
    func exactWords() -> FlatBuffer<UInt64> {
        precondition(!released, "the list's values were released after an index build")
        if capacity == count { return storage }
        let out = FlatBuffer<UInt64>(repeating: 0, count: count * wordCount)
        out.base.update(from: storage.base, count: count * wordCount)
        return out
    }
}

/// Why an index could not be built.
package struct IndexBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    package var description: String { "cannot build match index: \(message)" }
}
