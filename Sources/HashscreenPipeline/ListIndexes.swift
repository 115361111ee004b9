import HashscreenCore
import HashscreenDigest
import HashscreenList
import HashscreenMatch

/// The index files of a list database (docs/index.md, "Index files"): written at import (and
/// by `hashscreen list index`) from each list's sorted values, mapped read-only by scans.
///
/// What a file holds per signal: exact signals their `ExactIndex` (sorted values and a prefix
/// directory); PDQ its `CompactHammingIndex` in the standard layout (and, when asked, also in
/// transposed pairs for `--dihedral` scans). Other signals (the 64-bit image hashes) and lists
/// too small for the compact layout have no section: a scan builds those in memory, as before.
enum ListIndexes {
    /// The writer the list store calls inside an import's (or a rebuild's) transaction.
    static func writer(dihedral: Bool) -> ListIndexWriter {
        { input in
            var sections: [IndexFile.SectionContent] = []
            var keep: [AnyObject] = []   // the built indexes, alive until the file is written
            for v in input.values where v.count > 0 {
                let d = v.signal.indexDescription
                switch d.comparison {
                case .exact:
                    // Made from the sorted values as the file is written (no index in memory).
                    sections.append(ExactIndex.fileSection(sortedValues: v.base, count: v.count, stride: v.stride,
                                                           byteCount: v.signal.byteCount, signal: v.signal.name))
                case .hamming:
                    guard d.bitCount == CompactHammingIndex.valueBytes * 8 else { continue }
                    let packed = try PackedHashList(byteCount: v.signal.byteCount, capacity: v.count)
                    for i in 0..<v.count {
                        let p = (v.base + i * v.stride).assumingMemoryBound(to: UInt8.self)
                        try packed.append(Array(UnsafeBufferPointer(start: p, count: v.signal.byteCount)))
                    }
                    for pairs in dihedral ? [false, true] : [false] {
                        let index = try IndexBuilder.makeIndex(d, packed: packed, transposedPairs: pairs) { _ in }
                        guard let compact = index as? CompactHammingIndex, compact.transposedPairs == pairs else { continue }
                        keep.append(compact)
                        sections.append(IndexFile.SectionContent(compact.fileSection(signal: v.signal.name)))
                    }
                }
            }
            var rng = SystemRandomNumberGenerator()
            let identity = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let fingerprint = fingerprintDigest(input.fingerprint)
            let path = input.folder.hasSuffix("/") ? input.folder + input.file : input.folder + "/" + input.file
            let (bytes, checksum) = try IndexFile.write(path: path, identity: identity, fingerprint: fingerprint, contents: sections)
            withExtendedLifetime(keep) {}
            return ListIndexRecord(file: input.file, identity: identity, fingerprint: fingerprint, bytes: bytes, checksum: checksum)
        }
    }

    /// SHA-256 of a list's fingerprint text.
    static func fingerprintDigest(_ text: String) -> [UInt8] {
        (try? Digester(signals: [.sha256]))?.digest(Array(text.utf8)).first?.1.bytes ?? []
    }

    /// A list's mapped index file, checked against the database's record of it: nil when the
    /// list has no record (imported without one); throws, saying why, when the file is
    /// missing, damaged, or not this list's (the list changed since it was written).
    static func open(_ store: HashListStore, listID: Int64) throws -> IndexFile? {
        guard let record = try store.indexRecord(listID: listID) else { return nil }
        // The database names a file beside itself, nothing else.
        guard !record.file.isEmpty, !record.file.contains("/"), record.file != ".", record.file != ".." else {
            throw IndexFileProblem("the database names an index file outside its folder")
        }
        let fingerprint = fingerprintDigest(try store.indexFingerprint(listID: listID))
        guard record.fingerprint == fingerprint else { throw IndexFileProblem("it is stale (the list changed after it was built)") }
        let path = store.indexFilePath(record.file)
        let file: IndexFile
        do { file = try IndexFile(mapping: path) } catch {
            throw IndexFileProblem(error.description.replacingOccurrences(of: "cannot build match index: ", with: ""))
        }
        guard file.byteCount == record.bytes, file.checksum == record.checksum, file.identity == record.identity,
              file.fingerprint == record.fingerprint else {
            throw IndexFileProblem("index file \(path) is not the one the database names (size, checksum or identity differ)")
        }
        return file
    }

    struct IndexFileProblem: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
