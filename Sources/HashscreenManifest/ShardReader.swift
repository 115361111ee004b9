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
    }

    static let imageExtensions: Set<String> = FolderReader.imageExtensions

    let path: String
    let layout: ManifestLayout
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    /// In sorted order: a shard's position here is its samples' `SampleID.shard`.
    let shards: [Shard]
    private(set) var rowsNotSuccess = 0
    private(set) var ignoredFiles = 0

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
        switch layout {
        case .webdataset:
            for n in names where n.hasSuffix(".tar") {
                let stem = String(n.dropLast(4))
                found.append(Shard(stem: stem, tar: (path as NSString).appendingPathComponent(n), directory: nil,
                                   parquet: sibling(path, stem + ".parquet")))
            }
        default:
            for n in names where !n.hasPrefix(".") {
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
    }

    var counters: [(String, Int)] { [("rows_not_success", rowsNotSuccess), ("non_image_files_ignored", ignoredFiles)] }

    /// The parquet rows of a shard by key (one shard's rows: bounded by the shard size).
    struct Row {
        var index: Int
        var fields: [String?]
        var used = false
    }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        for (si, shard) in shards.enumerated() {
            let shardNumber = UInt32(si)   // fits: checked at init
            func id(_ place: SampleID.Place) -> SampleID { SampleID(input: input, shard: shardNumber, place) }
            var columns = ColumnMap(names: [])
            var rows: [String: Row] = [:]
            var order: [String] = []
            if let pq = shard.parquet {
                do {
                    let reader = try ParquetFileReader(path: pq)
                    columns = ColumnMap(names: reader.columns.map(\.name))
                    guard let keyColumn = columns.key else {
                        throw HashscreenError(.manifest, "shard parquet \(pq) has no key column")
                    }
                    var groupStart = 0   // index of the row group's first row in the shard
                    for g in 0..<reader.rowGroupCount {
                        let group = try reader.readRowGroup(g)
                        for r in 0..<group.rowCount {
                            // A row without a key joins no image: it keeps its place, nothing else.
                            guard let k = group.columns[keyColumn][r].manifestText else { continue }
                            if rows[k] == nil { order.append(k) }
                            rows[k] = Row(index: groupStart + r, fields: group.columns.map { $0[r].manifestText })
                        }
                        groupStart += group.rowCount
                    }
                } catch let e as HashscreenError {
                    throw e
                } catch {
                    throw HashscreenError(.manifest, "cannot read shard parquet: \(error)")
                }
            }
            var extra: UInt64 = 0   // images without a row so far: the next one's `.member` place
            /// Emits an image: joined with its parquet row, else with its own `KEY.json` (the
            /// same row as JSON, written by img2dataset beside every image), else bare.
            func emit(key: String, imagePath: String, display: String, member: ByteRange?, json: () -> [String: String?]?) throws {
                if var row = rows[key] {
                    row.used = true
                    rows[key] = row
                    try body(item(key: key, fields: { $0 < row.fields.count ? row.fields[$0] : nil }, columns: columns,
                                  imagePath: imagePath, display: display, member: member, id: id(.row(UInt64(row.index)))))
                    return
                }
                let memberID = id(.member(extra))
                extra += 1
                if let j = json() {
                    let names = j.keys.sorted()
                    try body(item(key: key, fields: { j[names[$0]] ?? nil }, columns: ColumnMap(names: names),
                                  imagePath: imagePath, display: display, member: member, id: memberID))
                } else {
                    try body(.sample(Sample(key: key, path: imagePath, displayPath: display, id: memberID,
                                            member: member, padding: .detectUniformBorder), problems: []))
                }
            }
            if let tar = shard.tar {
                let shardName = (tar as NSString).lastPathComponent
                // webdataset writes a sample's members together (KEY.jpg, KEY.json, KEY.txt):
                // gather one key's members, then emit its image with its JSON at hand.
                var groupKey: String? = nil
                var images: [TarMember] = []
                var json: TarMember? = nil
                var reader: TarReader? = nil
                func flush() throws {
                    guard let k = groupKey, let r = reader else { return }
                    let j = json
                    for m in images {
                        try emit(key: k, imagePath: tar, display: "\(shardName):\(m.name)",
                                 member: ByteRange(offset: m.offset, length: m.size),
                                 json: { j.flatMap { Self.jsonFields(try? r.read(offset: $0.offset, count: min($0.size, Self.maxSidecarBytes))) } })
                    }
                    groupKey = nil; images = []; json = nil
                }
                do {
                    let r = try TarReader(path: tar)
                    reader = r
                    while let m = try r.next() {
                        guard m.kind == .file else { continue }
                        let name = (m.name as NSString).lastPathComponent
                        let ext = (name as NSString).pathExtension.lowercased()
                        let key = String(name.prefix(while: { $0 != "." }))
                        if key != groupKey { try flush(); groupKey = key }
                        if Self.imageExtensions.contains(ext) { images.append(m) }
                        else if ext == "json" { json = m }
                        else if !["txt", "cls", "npy"].contains(ext) { ignoredFiles += 1 }
                    }
                    try flush()
                } catch let e as TarError {
                    // What was read whole before the damage is still screened.
                    try flush()
                    let failureID = id(.member(extra))   // after the members read
                    extra += 1
                    try body(.failure(key: shardName, path: shardName,
                                      message: "shard \(tar) could not be read to the end, the rest of it is not screened: \(e)",
                                      id: failureID))
                }
            } else if let dir = shard.directory {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                for name in names where !name.hasPrefix(".") {
                    let ext = (name as NSString).pathExtension.lowercased()
                    let full = (dir as NSString).appendingPathComponent(name)
                    guard Self.imageExtensions.contains(ext) || (!["json", "txt"].contains(ext) && FolderReader.looksLikeImage(full)) else {
                        if !["json", "txt"].contains(ext) { ignoredFiles += 1 }
                        continue
                    }
                    let key = String(name.prefix(while: { $0 != "." }))
                    let sidecar = (dir as NSString).appendingPathComponent(key + ".json")
                    try emit(key: key, imagePath: full, display: shard.stem + "/" + name, member: nil,
                             json: { Self.jsonFields(Self.readSmallFile(sidecar)) })
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
                    guard case .sample(var s, let problems) = item(
                        key: k, fields: { $0 < row.fields.count ? row.fields[$0] : nil }, columns: columns,
                        imagePath: nil, display: nil, member: nil, id: id(.row(UInt64(row.index)))) else { continue }
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

    static func readSmallFile(_ path: String) -> [UInt8]? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        return (try? h.read(upToCount: maxSidecarBytes)).map { [UInt8]($0) }
    }

    /// A sample of this shard from a row (of the parquet or a `KEY.json`); its key is the
    /// shard's join key, never a row number.
    private func item(key: String, fields: (Int) -> String?, columns: ColumnMap, imagePath: String?, display: String?,
                      member: ByteRange?, id: SampleID) -> ManifestItem {
        guard case .sample(var s, let problems) = columns.sample(
            fields: fields, rowNumber: 0, id: id, baseDirectory: "") else {
            return .failure(key: key, path: display, message: "unreadable row", id: id)
        }
        s.key = key
        s.path = imagePath
        s.displayPath = display
        s.member = member
        if imagePath != nil,
           let ow = columns.originalWidth.flatMap(fields).flatMap({ Int($0) }),
           let oh = columns.originalHeight.flatMap(fields).flatMap({ Int($0) }) {
            s.padding = .img2datasetBorder(originalWidth: ow, originalHeight: oh)
        } else if imagePath != nil {
            s.padding = .detectUniformBorder
        }
        return .sample(s, problems: problems)
    }
}

extension ManifestReader {
    /// Counts a reader keeps for the summary (files passed over, rows not downloaded).
    package var counters: [(String, Int)] {
        if let f = self as? FolderReader { return [("non_image_files_ignored", f.ignoredFiles)] }
        if let s = self as? ShardReader { return s.counters }
        return []
    }
}
