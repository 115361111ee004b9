import Foundation
import HashscreenCore
import HashscreenParquet
import HashscreenTar

/// img2dataset output read in place: `webdataset` shards (`NNNNN.tar` with `KEY.jpg`,
/// `KEY.json`, `KEY.txt` members) or `files` shards (`NNNNN/KEY.jpg` ...), each joined with
/// the shard's `NNNNN.parquet` by key. Tar members are never extracted: a sample names the
/// byte range of its image inside the tar, and workers read exactly those bytes.
///
/// Rows whose `status` is not `success` (failed downloads) are counted and still screened by
/// URL and recorded hashes; a `success` row whose image is absent is a `manifest` failure.
/// Perceptual hashes of img2dataset images are taken on the content box (see `PaddingHint`).
final class ShardReader: ManifestReader {
    struct Shard {
        var stem: String
        var tar: String?
        var directory: String?
        var parquet: String?
        /// A tar read as a stream (standard input) instead of `tar`: shown as `tarName`.
        var stream: TarStreamReader? = nil
        var tarName: String? = nil
    }

    static let imageExtensions: Set<String> = FolderReader.imageExtensions

    let path: String
    let layout: ManifestLayout
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    /// In sorted order: a shard's position here is its samples' `SampleID.shard`.
    let shards: [Shard]
    var shardNames: [String] { shards.map(\.stem) }
    private(set) var rowsNotSuccess = 0
    private(set) var ignoredFiles = 0
    /// Row groups of shard parquets that could not be decoded (their rows are failures).
    private(set) var damagedRowGroups = 0
    /// Directory members of tar shards (nothing to screen in them).
    private(set) var tarDirectories = 0
    /// Hidden entries of `files` shard folders passed over.
    private(set) var hiddenSkipped = 0
    /// Hidden entries at the folder's root: counted with shard 0 (a unit of its own in a
    /// sharded or checkpointed scan, `Manifest+Units.swift`).
    private var rootHidden = 0
    /// The shards read (positions in `shards`); nil: all (`select(units:)`, a sharded scan).
    var selected: Set<Int>? = nil
    /// Streamed members are kept in memory up to this size (`--max-file-bytes`).
    var maxMemberBytes = Int.max

    init(path: String, layout: ManifestLayout, input: UInt32) throws {
        self.path = path
        self.layout = layout
        self.input = input
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw HashscreenError(.input, "input \(path) does not exist")
        }
        func sibling(_ dir: String, _ name: String) -> String? {
            let p = (dir as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        if !isDir.boolValue {
            guard layout == .webdataset else { throw HashscreenError(.input, "\(path): the files layout needs a folder") }
            let dir = (path as NSString).deletingLastPathComponent
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            shards = [Shard(stem: stem, tar: path, directory: nil, parquet: sibling(dir, stem + ".parquet"))]
            return
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path).sorted() } catch {
            throw HashscreenError(.input, "cannot list folder \(path)")
        }
        var found: [Shard] = []
        var hiddenAtRoot = 0
        switch layout {
        case .webdataset:
            for n in names where n.hasSuffix(".tar") {
                let stem = String(n.dropLast(4))
                found.append(Shard(stem: stem, tar: (path as NSString).appendingPathComponent(n), directory: nil,
                                   parquet: sibling(path, stem + ".parquet")))
            }
        default:
            for n in names {
                if n.hasPrefix(".") { hiddenAtRoot += 1; continue }
                let p = (path as NSString).appendingPathComponent(n)
                var d: ObjCBool = false
                guard FileManager.default.fileExists(atPath: p, isDirectory: &d), d.boolValue else { continue }
                found.append(Shard(stem: n, tar: nil, directory: p, parquet: sibling(path, n + ".parquet")))
            }
        }
        guard !found.isEmpty else {
            throw HashscreenError(.input, "\(path) holds no \(layout == .webdataset ? "*.tar shards" : "shard folders") for the \(layout.rawValue) layout")
        }
        _ = try SampleID.checked(found.count - 1, .shard, in: path)
        shards = found
        rootHidden = hiddenAtRoot
    }

    /// A tar read from a stream (standard input) as the input's one shard, joined with the
    /// shard's `parquet` when one is named, else with its members' `KEY.json` sidecars. It is
    /// shown as the tar its parquet names (`00001.parquet`: `00001.tar`), or as `stdin`
    /// (members `stdin:KEY.jpg`; not `-`, which CSV outputs would neutralise as a formula).
    init(stream: TarStreamReader, parquet: String?, input: UInt32, maxMemberBytes: Int) {
        path = stream.path
        layout = .webdataset
        self.input = input
        let stem = parquet.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
        shards = [Shard(stem: stem ?? "stdin", tar: nil, directory: nil, parquet: parquet, stream: stream,
                        tarName: stem.map { $0 + ".tar" } ?? "stdin")]
        self.maxMemberBytes = maxMemberBytes
    }

    var counters: [(String, Int)] {
        [("rows_not_success", rowsNotSuccess), ("non_image_files_ignored", ignoredFiles), ("damaged_row_groups", damagedRowGroups),
         ("tar_directories_skipped", tarDirectories), ("hidden_entries_skipped", hiddenSkipped)]
    }

    /// The parquet rows of a shard by key (one shard's rows: bounded by the shard size).
    struct Row {
        var index: Int
        var fields: [String?]
        var used = false
    }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        // The selected shards only (a sharded or checkpointed scan reads one at a time: never
        // a pass over all of them per shard).
        let order = selected.map { $0.sorted() } ?? Array(shards.indices)
        for si in order where si < shards.count {
            let shard = shards[si]
            if si == 0 { hiddenSkipped += rootHidden }
            let shardNumber = UInt32(si)   // fits: checked at init
            func id(_ place: SampleID.Place) -> SampleID { SampleID(input: input, shard: shardNumber, place) }
            var columns = ColumnMap.empty
            var rows: [String: Row] = [:]
            var order: [String] = []
            if let pq = shard.parquet {
                let reader: ParquetFileReader
                do { reader = try ParquetFileReader(path: pq) } catch {
                    throw HashscreenError(.manifest, "cannot read shard parquet: \(error)")
                }
                columns = try ColumnMap(names: reader.columns.map(\.name))
                if let d = columns.duplicateMessage("columns") { throw HashscreenError(.manifest, "shard parquet \(pq): \(d)") }
                guard let keyColumn = columns.key else {
                    throw HashscreenError(.manifest, "shard parquet \(pq) has no key column")
                }
                // Only the mapped columns are decoded; the others stay nil in a row's fields.
                let wanted = columns.mappedIndices
                let width = reader.columns.count
                var groupStart = 0   // index of the row group's first row in the shard
                for g in 0..<reader.rowGroupCount {
                    let n = reader.rowCount(ofRowGroup: g)
                    defer { groupStart += n }
                    let group: ParquetRowGroup
                    do { group = try reader.readRowGroup(g, columns: wanted) } catch {
                        // Damage stays local: this group's rows are failures (their images,
                        // unjoined, are still screened as images without a row).
                        damagedRowGroups += 1
                        let message = "shard parquet \(pq): row group \(g) (rows \(groupStart + 1)-\(groupStart + n)) cannot be read, its rows are not screened: \(error)"
                        for r in 0..<n {
                            try body(.failure(key: "\(shard.stem):row-\(groupStart + r + 1)", path: nil, message: message,
                                              id: id(.row(UInt64(groupStart + r)))))
                        }
                        continue
                    }
                    let keyPosition = wanted.firstIndex(of: keyColumn)!
                    for r in 0..<group.rowCount {
                        // A row without a key joins no image: it keeps its place, nothing else.
                        guard let k = group.columns[keyPosition][r].manifestText else { continue }
                        if rows[k] == nil { order.append(k) }
                        var fields = [String?](repeating: nil, count: width)
                        for (p, c) in wanted.enumerated() { fields[c] = group.columns[p][r].manifestText }
                        rows[k] = Row(index: groupStart + r, fields: fields)
                    }
                }
            }
            var extra: UInt64 = 0   // images without a row so far: the next one's `.member` place
            /// Emits an image: joined with its parquet row, else with its own `KEY.json` (the
            /// same row as JSON, written by img2dataset beside every image), else bare.
            func emit(key: String, imagePath: String?, display: String, member: ByteRange?, rawPath: [UInt8]? = nil,
                      embedded: EmbeddedImage? = nil, json: () -> [String: String?]?) throws {
                /// The item, opened by `rawPath` when its path is an escaped name, carrying
                /// `embedded` when its bytes were streamed.
                func withRaw(_ it: ManifestItem) -> ManifestItem {
                    guard rawPath != nil || embedded != nil, case .sample(var s, let problems) = it else { return it }
                    s.rawPath = rawPath
                    if let embedded { s.embedded = embedded }
                    return .sample(s, problems: problems)
                }
                if var row = rows[key] {
                    row.used = true
                    rows[key] = row
                    try body(withRaw(item(key: key, fields: { $0 < row.fields.count ? row.fields[$0] : nil }, columns: columns,
                                          imagePath: imagePath, display: display, member: member, id: id(.row(UInt64(row.index))))))
                    return
                }
                let memberID = id(.member(extra))
                extra += 1
                if let j = json() {
                    let names = j.keys.sorted()
                    try body(withRaw(item(key: key, fields: { j[names[$0]] ?? nil }, columns: (try? ColumnMap(names: names)) ?? .empty,
                                          imagePath: imagePath, display: display, member: member, id: memberID)))
                } else {
                    try body(withRaw(.sample(Sample(key: key, path: imagePath, displayPath: display, id: memberID,
                                                    member: member, padding: .detectUniformBorder), problems: [])))
                }
            }
            if shard.tar != nil || shard.stream != nil {
                let tar = shard.tar ?? "- (standard input)"
                let shardName = shard.tarName ?? (tar as NSString).lastPathComponent
                // webdataset writes a sample's members together (KEY.jpg, KEY.json, KEY.txt):
                // gather one key's members, then emit its image with its JSON at hand.
                var groupKey: String? = nil
                var images: [TarMember] = []
                var json: TarMember? = nil
                var reader: TarReader? = nil
                // A stream's members come with their bytes (images and sidecars, by member offset).
                var streamed: [Int: [UInt8]] = [:]
                func flush() throws {
                    guard let k = groupKey else { return }
                    let j = json
                    for m in images {
                        let display = "\(shardName):\(EscapedName.escape(m.rawName))"
                        if let r = reader {
                            try emit(key: k, imagePath: tar, display: display, member: ByteRange(offset: m.offset, length: m.size),
                                     json: { j.flatMap { Self.jsonFields(try? r.read(offset: $0.offset, count: min($0.size, Self.maxSidecarBytes))) } })
                        } else {
                            let bytes = streamed[m.offset].map(EmbeddedImage.bytes) ?? .overLimit(length: m.size)
                            try emit(key: k, imagePath: nil, display: display, member: nil, embedded: bytes,
                                     json: { j.flatMap { Self.jsonFields(streamed[$0.offset]) } })
                        }
                    }
                    // Bytes of the next group's first member (already read) stay.
                    if let cut = (images.map(\.offset) + [json?.offset ?? -1]).max() { streamed = streamed.filter { $0.key > cut } }
                    groupKey = nil; images = []; json = nil
                }
                do {
                    let next: () throws -> TarMember?
                    if let stream = shard.stream {
                        let limit = maxMemberBytes
                        next = {
                            // Images and sidecars are kept (within their limits); other members passed over.
                            guard let s = try stream.next(keep: { m in
                                let ext = (EscapedName.escape(m.rawName) as NSString).pathExtension.lowercased()
                                if Self.imageExtensions.contains(ext) { return m.size <= limit }
                                return ext == "json" && m.size <= Self.maxSidecarBytes
                            }) else { return nil }
                            if let b = s.bytes { streamed[s.member.offset] = b }
                            return s.member
                        }
                    } else {
                        let r = try TarReader(path: tar)
                        reader = r
                        next = { try r.next() }
                    }
                    while let m = try next() {
                        // Folders hold nothing to screen: counted. A link or a special member
                        // has no bytes of its own, and a name with a NUL cannot be trusted:
                        // each is a failure of its own, the shard goes on.
                        if m.kind == .directory { tarDirectories += 1; continue }
                        let shown = EscapedName.escape(m.rawName)
                        if m.kind != .file || m.nameProblem != nil {
                            let why = m.nameProblem ?? "it is \(m.kind.description): only regular members are read"
                            let failureID = id(.member(extra))
                            extra += 1
                            try body(.failure(key: "\(shardName):\(shown)", path: "\(shardName):\(shown)",
                                              message: "shard \(tar): member \(shown) is not screened: \(why)", id: failureID))
                            continue
                        }
                        let name = (shown as NSString).lastPathComponent
                        let ext = (name as NSString).pathExtension.lowercased()
                        let key = String(name.prefix(while: { $0 != "." }))
                        if key != groupKey { try flush(); groupKey = key }
                        if Self.imageExtensions.contains(ext) { images.append(m) }
                        else if ext == "json" { json = m }
                        else if !["txt", "cls", "npy"].contains(ext) { ignoredFiles += 1 }
                    }
                    try flush()
                    _ = try? shard.stream?.drain()
                } catch let e as TarError {
                    // What was read whole before the damage is still screened.
                    try flush()
                    _ = try? shard.stream?.drain()
                    let failureID = id(.member(extra))   // after the members read
                    extra += 1
                    try body(.failure(key: shardName, path: shardName,
                                      message: "shard \(tar) could not be read to the end, the rest of it is not screened: \(e)",
                                      id: failureID))
                }
            } else if let dir = shard.directory {
                let dirBytes = Array(dir.utf8)
                guard let names = FolderReader.listFolder(dirBytes) else {
                    let failureID = id(.member(extra))
                    extra += 1
                    try body(.failure(key: shard.stem, path: shard.stem,
                                      message: "cannot list shard folder \(dir): \(String(cString: strerror(errno)))", id: failureID))
                    continue
                }
                for nameBytes in names {
                    if nameBytes.first == UInt8(ascii: ".") { hiddenSkipped += 1; continue }
                    let name = EscapedName.escape(nameBytes)
                    let ext = FolderReader.extensionOf(nameBytes)
                    let fullBytes = dirBytes + [UInt8(ascii: "/")] + nameBytes
                    let full = (dir as NSString).appendingPathComponent(name)
                    guard Self.imageExtensions.contains(ext) || (!["json", "txt"].contains(ext) && FolderReader.looksLikeImage(bytes: fullBytes)) else {
                        if !["json", "txt"].contains(ext) { ignoredFiles += 1 }
                        continue
                    }
                    let key = String(name.prefix(while: { $0 != "." }))
                    let keyBytes = Array(nameBytes.prefix(while: { $0 != UInt8(ascii: ".") }))
                    let sidecar = dirBytes + [UInt8(ascii: "/")] + keyBytes + Array(".json".utf8)
                    try emit(key: key, imagePath: full, display: shard.stem + "/" + name, member: nil,
                             rawPath: EscapedName.isPlain(nameBytes) ? nil : fullBytes,
                             json: { Self.jsonFields(Self.readSmallFile(bytes: sidecar)) })
                }
            }
            // Rows without an image: failed downloads are counted and screened by URL and
            // recorded hashes; a successful row whose image is missing is a failure.
            for k in order {
                guard let row = rows[k], !row.used else { continue }
                let status = columns.status.flatMap { row.fields[$0] }
                if let status, status != "success" {
                    rowsNotSuccess += 1
                    var failed = item(key: k, fields: { $0 < row.fields.count ? row.fields[$0] : nil }, columns: columns,
                                      imagePath: nil, display: nil, member: nil, id: id(.row(UInt64(row.index))))
                    // No image was stored: its image signals are not applicable, not a failure.
                    if case .sample(var s, let problems) = failed { s.imageAbsence = .notStored; failed = .sample(s, problems: problems) }
                    try body(failed)
                } else {
                    // Screened by its URL and recorded hashes all the same; the missing image is
                    // reported (a truncated shard, or a file deleted from the shard folder).
                    let built = item(key: k, fields: { $0 < row.fields.count ? row.fields[$0] : nil }, columns: columns,
                                     imagePath: nil, display: nil, member: nil, id: id(.row(UInt64(row.index))))
                    guard case .sample(var s, let problems) = built else { try body(built); continue }   // a row defect
                    s.imageAbsence = .missing("shard \(shard.stem): the row has status success but its image is not in the shard (truncated or deleted?): only its URL and recorded hashes were screened")
                    try body(.sample(s, problems: problems))
                }
            }
        }
    }

    /// Largest `KEY.json` sidecar read (img2dataset's are a few hundred bytes).
    static let maxSidecarBytes = 1 << 20

    /// A sidecar JSON object's fields as manifest text (numbers in decimal, null as nil).
    static func jsonFields(_ bytes: [UInt8]?) -> [String: String?]? {
        guard let bytes, let o = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        var out: [String: String?] = [:]
        for (k, v) in o {
            switch v {
            case let s as String: out[k] = s
            case let n as NSNumber: out[k] = String(cString: n.objCType) == "d" ? String(n.doubleValue) : n.stringValue
            default: out[k] = .some(nil)
            }
        }
        return out
    }

    /// At most `maxSidecarBytes` of a sidecar file; nil when it is missing or not a regular
    /// file (`InputFile`: a FIFO named like a sidecar is never waited on).
    static func readSmallFile(bytes path: [UInt8]) -> [UInt8]? {
        guard let opened = try? InputFile.openRegular(bytes: path) else { return nil }
        defer { close(opened.fd) }
        var buf = [UInt8](repeating: 0, count: min(opened.size, maxSidecarBytes))
        var done = 0
        while done < buf.count {
            let n = buf.withUnsafeMutableBytes { read(opened.fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return Array(buf[0..<done])
    }

    /// A sample of this shard from a row (of the parquet or a `KEY.json`); its key is the
    /// shard's join key, never a row number.
    private func item(key: String, fields: (Int) -> String?, columns: ColumnMap, imagePath: String?, display: String?,
                      member: ByteRange?, id: SampleID) -> ManifestItem {
        let built = columns.sample(fields: fields, rowNumber: 0, id: id, baseDirectory: "", place: "shard row of \(key)", failureKey: key)
        guard case .sample(var s, let problems) = built else { return built }
        s.key = key
        s.path = imagePath
        s.displayPath = display
        s.member = member
        s.embedded = nil   // a shard's image is its member or file, never a row's field
        // An image emitted has a display name (a file, a member in place or streamed).
        let hasImage = imagePath != nil || display != nil
        if hasImage,
           let ow = columns.originalWidth.flatMap(fields).flatMap({ Int($0) }),
           let oh = columns.originalHeight.flatMap(fields).flatMap({ Int($0) }) {
            s.padding = .img2datasetBorder(originalWidth: ow, originalHeight: oh)
        } else if hasImage {
            s.padding = .detectUniformBorder
        }
        return .sample(s, problems: problems)
    }
}

extension ManifestReader {
    /// Counts a reader keeps for the summary (files passed over, rows not downloaded).
    package var counters: [(String, Int)] {
        if let f = self as? FolderReader { return f.counters }
        if let s = self as? ShardReader { return s.counters }
        if let p = self as? ParquetManifestReader { return p.counters }
        if let j = self as? JSONLinesManifestReader { return j.counters }
        return []
    }
}
