// One entry function per parser hashscreen owns or wraps, each taking the bytes of one input:
// what the libFuzzer harnesses of the separate `Fuzzing/` package call (DEVELOPERS.md, "Fuzzing").
//
// `package` access does not cross packages, so this target is the one door: it imports the
// stage modules with `package` access and makes public only these functions. The CLI does not
// depend on it. Each function runs the parser as a scan would, and throws nothing: a parser
// error is the expected outcome for most inputs; a crash, a trap, a hang or unbounded memory
// is a finding. Readers that open paths read the bytes from an in-memory file (`ScratchFile`),
// so no input byte is ever written to a file system.

import Foundation
import HashscreenCore
import HashscreenDecode
import HashscreenDigest
import HashscreenList
import HashscreenManifest
import HashscreenParquet
import HashscreenPerceptual
import HashscreenTar

/// The parsers the fuzz harnesses drive, one function each.
public enum FuzzEntryPoints {
    /// Bounds of the harnesses (not of the parsers): each keeps one input's cost to what a fuzzer
    /// can run thousands of times a second, and is stated in DEVELOPERS.md.
    public enum Limits {
        /// Row groups with more rows are listed but not decoded: a few bytes can claim up to the
        /// reader's `maxRowsPerRowGroup` (64 Mi) all-null rows, a legitimate (bounded) allocation.
        public static let parquetRowsDecoded = 1 << 16
        /// Pixel limit of the image decoder (the scan's default is 100 MP): 4 MP.
        public static let imagePixels: UInt64 = 1 << 22
        /// Decoded images up to this many pixels are also PDQ-hashed.
        public static let pdqPixels = 1 << 18
        /// Tar members whose data is read back (each at most `tarMemberBytes`).
        public static let tarMembersRead = 64
        public static let tarMemberBytes = 1 << 20
    }


    // MARK: - Parquet

    /// A whole Parquet file: magic, footer length, the Thrift compact footer (schema, row groups,
    /// column metadata), then every row group's column chunks (pages, codecs, encodings), as
    /// values and as the columnar scan reads them (`readByteColumns`, `readInt64Columns`:
    /// where a column reads so, it must give what `readRowGroup` gives it, or the harness traps);
    /// then, when no row group is over the limit, the file as a scan's Parquet manifest reader
    /// takes it (column recognition, embedded images).
    public static func parquetFile(_ bytes: UnsafeRawBufferPointer) {
        var small = false
        ScratchFile.shared.with(bytes) { path in
            guard let reader = try? ParquetFileReader(path: path) else { return }
            _ = reader.skippedColumns.count
            small = true
            for g in 0..<reader.rowGroupCount {
                guard reader.rowCount(ofRowGroup: g) <= Limits.parquetRowsDecoded else { small = false; continue }
                _ = try? reader.readRowGroup(g)
                checkColumnar(reader, group: g)
            }
        }
        if small { readManifest(bytes, layout: .parquet) }
    }

    /// Each BYTE_ARRAY and INT64 column of row group `g` read as the columnar scan reads it; a
    /// column that reads so must read as values too, to the same values, and its byte classes
    /// (`allASCII`, `allPrintable`) must hold of them.
    private static func checkColumnar(_ reader: ParquetFileReader, group g: Int) {
        for (c, column) in reader.columns.enumerated() {
            switch column.physicalType {
            case .byteArray:
                guard let bytes = (try? reader.readByteColumns(g, columns: [c], classifying: [c]))?.first else { continue }
                guard let values = try? reader.readRowGroup(g, columns: [c]).columns[0] else {
                    preconditionFailure("row group \(g), column \(c): read as bytes, not as values")
                }
                precondition(bytes.rowCount == values.count, "row group \(g), column \(c): \(bytes.rowCount) rows as bytes, \(values.count) as values")
                for r in 0..<bytes.rowCount {
                    precondition(bytes.parquetValue(r, text: column.holdsText) == values[r], "row group \(g), column \(c), row \(r): bytes differ from the value")
                    guard bytes.present[r] else { continue }
                    let v = bytes.value(r)
                    if bytes.allASCII { precondition(v.allSatisfy { $0 < 0x80 }, "row group \(g), column \(c), row \(r): not ASCII") }
                    if bytes.allPrintable { precondition(!v.isEmpty && v.allSatisfy { (0x21...0x7E).contains($0) }, "row group \(g), column \(c), row \(r): not printable") }
                }
            case .int64:
                guard let ints = (try? reader.readInt64Columns(g, columns: [c]))?.first else { continue }
                guard let values = try? reader.readRowGroup(g, columns: [c]).columns[0] else {
                    preconditionFailure("row group \(g), column \(c): read as integers, not as values")
                }
                precondition(ints.rowCount == values.count, "row group \(g), column \(c): \(ints.rowCount) rows as integers, \(values.count) as values")
                for r in 0..<ints.rowCount {
                    precondition(ints.parquetValue(r) == values[r], "row group \(g), column \(c), row \(r): integer differs from the value")
                }
            default:
                continue
            }
        }
    }

    /// One column chunk (its pages: dictionary, data v1/v2; codec and encodings) under a fixed,
    /// valid footer, so that mutations land in the pages rather than the footer. Layout of the
    /// input: `ParquetPageInput` (a 4-byte header choosing the column, then the chunk).
    public static func parquetPages(_ bytes: UnsafeRawBufferPointer) {
        guard let file = parquetPagesFile(bytes) else { return }
        file.withUnsafeBytes { raw in parquetFile(raw) }
    }

    /// The Parquet file a `parquet-pages` input stands for (nil when shorter than its header):
    /// what its regression tests open with the reader.
    public static func parquetPagesFile(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        ParquetPageInput.file(bytes)
    }

    // MARK: - Tar

    /// A tar archive: the member listing (ustar, GNU long names, pax headers) and a read of the
    /// first members' data. Header checksums are set right before the read (`TarChecksums`), or
    /// nearly every mutation would stop at the first checksum; the first byte's low bit clear
    /// keeps the input as it is, so that damaged checksums are fuzzed too.
    public static func tar(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        var archive = Array(bytes)
        if first & 1 == 1 { TarChecksums.fix(&archive) }
        archive.withUnsafeBytes { tarArchive($0) }
    }

    /// Then the same bytes as a stream (`TarStreamReader`, standard input's reader: no seeking)
    /// to its end, and the two readers compared: they walk the same headers, so the members
    /// both list (before either stops at an error) are the same, in the same order; a
    /// difference traps.
    private static func tarArchive(_ bytes: UnsafeRawBufferPointer) {
        ScratchFile.shared.with(bytes) { path in
            var inPlace: [TarMember] = []
            if let reader = try? TarReader(path: path) {
                var read = 0
                while let member = try? reader.next() {
                    inPlace.append(member)
                    if read < Limits.tarMembersRead, member.kind == .file {
                        _ = try? reader.read(offset: member.offset, count: min(member.size, Limits.tarMemberBytes))
                        read += 1
                    }
                }
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var observed = 0
            let stream = TarStreamReader(fd: fd, path: "-", observe: { observed += $0.count })
            var streamed: [TarMember] = []
            var kept = 0
            while let s = try? stream.next(keep: { m in
                defer { kept += 1 }
                return kept < Limits.tarMembersRead && m.size <= Limits.tarMemberBytes
            }) {
                if let b = s.bytes { precondition(b.count == s.member.size, "tar stream: a kept member's bytes are not its size") }
                streamed.append(s.member)
            }
            _ = try? stream.drain()
            precondition(observed <= bytes.count, "tar stream: observed more bytes than the input holds")
            for (a, b) in zip(inPlace, streamed) {
                precondition(a.name == b.name && a.size == b.size && a.kind == b.kind,
                             "tar stream and in-place readers disagree on a member")
            }
        }
    }

    // MARK: - CSV and TSV

    /// Core's `CSVTokenizer`, checked against its streaming contract. The first byte chooses the
    /// options (bit 0: tab instead of comma; bit 1: `trimsSpaces`) and, with the second, a split
    /// point; the rest is the text. Every record read from the whole text must equal the one read
    /// from any prefix that already holds it (what `ByteReader` relies on when it reads in blocks),
    /// and every record must consume at least one byte.
    public static func csvTokenizer(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 2 else { return }
        let options = bytes[0]
        let tokenizer = CSVTokenizer(delimiter: options & 1 == 0 ? UInt8(ascii: ",") : UInt8(ascii: "\t"),
                                     trimsSpaces: options & 2 != 0)
        let text = UnsafeBufferPointer(rebasing: bytes.bindMemory(to: UInt8.self)[2...])
        let splitSeed = Int(bytes[1])
        var whole = FieldBuffer(), part = FieldBuffer()
        var start = 0
        while start < text.count {
            let rest = UnsafeBufferPointer(rebasing: text[start...])
            guard let record = tokenizer.nextRecord(rest, atEnd: true, into: &whole) else {
                preconditionFailure("CSVTokenizer: no record at the end of the input")
            }
            precondition(record.end > 0 && record.end <= rest.count, "CSVTokenizer: record end \(record.end) outside 1...\(rest.count)")
            let split = rest.count == 0 ? 0 : (splitSeed * 7919 + start) % (rest.count + 1)
            if let early = tokenizer.nextRecord(UnsafeBufferPointer(rebasing: rest[..<split]), atEnd: false, into: &part) {
                precondition(early == record, "CSVTokenizer: record from a \(split)-byte prefix \(early) differs from the whole input's \(record)")
                precondition(part.count == whole.count && (0..<part.count).allSatisfy { part.field($0) == whole.field($0) },
                             "CSVTokenizer: fields from a \(split)-byte prefix differ from the whole input's")
            }
            start += record.end
        }
    }

    /// A CSV or TSV manifest as a scan reads it (header, column map, every row); TSV when the
    /// first line has a tab before any comma. Then, when a metadata-only scan would read it in
    /// blocks (`DelimitedBlockInput`: no image or path column), the same file as that scan's
    /// producer and workers read it (`delimitedBlockItems`): its items must be the row
    /// reader's, and a record the workers count in bulk must be the sample the count stands
    /// for; a difference traps.
    public static func delimitedManifest(_ bytes: UnsafeRawBufferPointer) {
        var layout = ManifestLayout.csv
        for b in bytes {
            if b == UInt8(ascii: "\t") { layout = .tsv; break }
            if b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") { break }
        }
        ScratchFile.shared.with(bytes) { path in
            guard let reader = try? Manifest.open(path: path, layout: layout) else { return }
            var items: [ManifestItem] = []
            let read: Void? = try? reader.forEachItem { items.append($0) }
            guard let input = DelimitedBlockInput.open(reader) else { return }
            let blockItems = try? delimitedBlockItems(input)
            precondition((read == nil) == (blockItems == nil), "CSV blocks: one path stopped with an error and the other did not")
            guard let blockItems else { return }
            precondition(blockItems.count == items.count, "CSV blocks: \(blockItems.count) items, the row reader \(items.count)")
            if let i = items.indices.first(where: { blockItems[$0] != items[$0] }) {
                preconditionFailure("CSV blocks: item \(i) differs from the row reader's")
            }
        }
    }

    /// Every record of `input` as the block path yields it: the producer's splitter, then on
    /// each block the workers' field split and item. A record the workers would count in bulk
    /// (`plainRecord`) is checked to be the sample that stands for: its URL and recorded hashes
    /// as the plain check read them, no problem.
    private static func delimitedBlockItems(_ input: DelimitedBlockInput) throws -> [ManifestItem] {
        var items: [ManifestItem] = []
        var recorded: [(SignalKind, HashValue)] = []
        let splitter = try input.splitter()
        var rows = input.recordReader()
        while let block = try splitter.next() {
            for r in 0..<block.count {
                let item = rows.item(block, r)
                if rows.plainRecord(block, r, recorded: &recorded) {
                    let url = rows.urlRange.map { u in block.withUnsafeBytes { String(decoding: $0[u], as: UTF8.self) } }
                    guard case .sample(let sample, let problems) = item, problems.isEmpty,
                          sample.recorded.elementsEqual(recorded, by: { $0.signal == $1.0 && $0.value == $1.1 }),
                          sample.url == url else {
                        preconditionFailure("CSV blocks: record \(items.count) is plain but not the sample its bulk count stands for")
                    }
                }
                items.append(item)
            }
        }
        return items
    }

    // MARK: - JSON lines

    /// A JSON lines manifest as a scan reads it.
    public static func jsonlManifest(_ bytes: UnsafeRawBufferPointer) {
        readManifest(bytes, layout: .jsonl)
    }

    // MARK: - List files

    /// A list source file as `list import` reads it (layout detection, CSV/TSV/whitespace
    /// splitting, hash validation, URL lines through the real URL hasher), without and with a
    /// default type.
    public static func listFile(_ bytes: UnsafeRawBufferPointer) {
        ScratchFile.shared.with(bytes) { path in
            for type in [nil, "md5"] as [String?] {
                _ = try? ListFileCheck.check(path: path, defaultTypeName: type, urlHasher: { url in
                    urlDigester?.urlHashes(url, convention: .importDefault) ?? []
                })
            }
        }
    }

    /// The URL digests `list import` hashes `url` lines with, made once.
    private static let urlDigester = try? Digester(signals: Digester.urlDigests)

    // MARK: - Images

    /// An image file through the decoder shim (sniffing, then libjpeg-turbo, libpng, libwebp or
    /// giflib): the header probe, a full decode, a DCT-scaled decode for JPEG, and PDQ on the
    /// decoded pixels of small images (full mode; cimg512 with the dihedral variants after the
    /// scaled decode, as `--pdq-mode fast` and `--dihedral` run it).
    public static func image(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = try? ImageDecoder.probe(bytes)
        let decoder = ImageDecoders.shared
        let pdq = decoder.pdq
        _ = try? decoder.full.withDecoded(bytes) { image in
            if image.width * image.height <= Limits.pdqPixels {
                _ = pdq.hash(rgb: image.pixels, width: image.width, height: image.height)
            }
        }
        if ImageFormat.sniff(bytes) == .jpeg {
            _ = try? decoder.scaled.withDecoded(bytes) { image in
                if image.width * image.height <= Limits.pdqPixels {
                    _ = pdq.hash(rgb: image.pixels, width: image.width, height: image.height, mode: .cimg512, dihedral: true)
                }
            }
        }
    }

    // MARK: - Shared

    private static func readManifest(_ bytes: UnsafeRawBufferPointer, layout: ManifestLayout) {
        ScratchFile.shared.with(bytes) { path in
            guard let reader = try? Manifest.open(path: path, layout: layout) else { return }
            try? reader.forEachItem { _ in }
        }
    }
}

/// Rewrites the checksum of every header a sequential tar reader would visit.
enum TarChecksums {
    static func fix(_ a: inout [UInt8]) {
        var pos = 0
        while pos + 512 <= a.count {
            let header = pos..<(pos + 512)
            if a[header].allSatisfy({ $0 == 0 }) { return }
            var sum = 0
            for i in header { sum += (pos + 148..<pos + 156).contains(i) ? 32 : Int(a[i]) }
            let octal = Array(String(sum, radix: 8).utf8)
            let field = Array(repeating: UInt8(ascii: "0"), count: max(0, 6 - octal.count)) + octal.suffix(6) + [0, 32]
            a.replaceSubrange(pos + 148..<pos + 156, with: field)
            guard let size = octalSize(a[pos + 124..<pos + 136]) else { return }
            pos += 512 + (size + 511) / 512 * 512
        }
    }

    /// The size field as octal digits (other forms end the walk: the reader sees them anyway).
    private static func octalSize(_ b: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in b {
            if c == 0 || c == 32 { if v > 0 { break } else { continue } }
            guard c >= 48, c <= 55, v < 1 << 40 else { return nil }
            v = v * 8 + Int(c - 48)
        }
        return v
    }
}

/// The decoders and hasher the image target reuses from one input to the next, as a scan's
/// worker does (libFuzzer calls the target on one thread).
final class ImageDecoders: @unchecked Sendable {
    static let shared = ImageDecoders()
    let full = ImageDecoder(options: DecodeOptions(maxPixels: FuzzEntryPoints.Limits.imagePixels))
    let scaled = ImageDecoder(options: DecodeOptions(maxPixels: FuzzEntryPoints.Limits.imagePixels, jpegMinimumSide: 64))
    let pdq = PDQHasher()
}
