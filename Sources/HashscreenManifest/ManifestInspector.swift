import Foundation
import HashscreenCore
import HashscreenParquet

/// `hashscreen manifest inspect|rows`: what hashscreen sees in an input, without screening it.
package enum ManifestInspector {
    /// The detected layout, the columns (and which role each plays) and the row count.
    package static func inspect(path: String, layout: ManifestLayout? = nil, options: ManifestOptions = ManifestOptions()) throws -> JSONValue {
        let l = try layout ?? ManifestLayout.detect(path: path)
        _ = try Manifest.open(path: path, layout: l, options: options)   // refuses --image-column where it does not apply
        var fields: [(String, JSONValue)] = [("path", .string(path)), ("layout", .string(l.rawValue))]
        switch l {
        case .parquet:
            let r = try parquet(path)
            fields += try parquetFields(r, options: options)
        case .webdataset, .files:
            let shards = try ShardReader(path: path, layout: l, input: 0).shards
            var shardInfo: [JSONValue] = []
            for s in shards {
                var o: [(String, JSONValue)] = [("shard", .string(s.stem))]
                if let t = s.tar { o.append(("tar", .string(t))) }
                if let d = s.directory { o.append(("folder", .string(d))) }
                if let p = s.parquet { o.append(("parquet", .string(p))); o += try parquetFields(try parquet(p)) }
                shardInfo.append(.object(o))
            }
            fields.append(("shards", .array(shardInfo)))
            var samples = 0
            try Manifest.open(path: path, layout: l).forEachItem { if case .sample = $0 { samples += 1 } }
            fields.append(("samples", .int(samples)))
        case .csv, .tsv, .jsonl, .folder:
            var names: [String] = []
            var rows = 0, bad = 0
            if l == .csv || l == .tsv {
                let reader = try ByteReader(path: path)
                names = try reader.nextRecord(delimiter: UInt8(ascii: l == .csv ? "," : "\t"))?.fields ?? []
            }
            var jsonKeys = Set<String>()
            try Manifest.open(path: path, layout: l, options: options).forEachItem {
                switch $0 {
                case .sample: rows += 1
                case .failure: bad += 1
                }
            }
            if l == .jsonl {
                let reader = try ByteReader(path: path)
                var seen = 0
                while seen < 1000, let next = try reader.nextLine() {
                    seen += 1
                    if case .text(let line) = next, let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { jsonKeys.formUnion(o.keys) }
                }
                names = jsonKeys.sorted()
            }
            if l != .folder {
                let map = try ColumnMap(names: names, imageColumn: options.imageColumn, imageColumnOptional: l == .jsonl)
                fields.append(("columns", columnsJSON(names, map: map)))
            }
            fields.append((l == .folder ? "images" : "rows", .int(rows)))
            if bad > 0 { fields.append(("unreadable_rows", .int(bad))) }
        }
        return .object(fields)
    }

    /// Calls `body` with one JSON object per row, every column under its original name.
    /// Image bytes are never printed: an embedded image (a binary value that starts like an image
    /// or sits in the image column, a `data:` URL, base64 that decodes to an image) is printed
    /// as `"<image: N bytes, not shown>"`.
    package static func rows(path: String, layout: ManifestLayout? = nil, limit: Int? = nil,
                             options: ManifestOptions = ManifestOptions(), _ body: (JSONValue) throws -> Void) throws {
        let l = try layout ?? ManifestLayout.detect(path: path)
        _ = try Manifest.open(path: path, layout: l, options: options)
        var count = 0
        func emit(_ v: JSONValue) throws -> Bool {
            if let limit, count >= limit { return false }
            try body(v)
            count += 1
            return true
        }
        switch l {
        case .parquet:
            try parquetRows(try parquet(path), options: options, emit)
        case .webdataset, .files:
            for s in try ShardReader(path: path, layout: l, input: 0).shards {
                if let p = s.parquet { if try !parquetRows(try parquet(p), emit) { return } }
            }
        case .csv, .tsv:
            let reader = try ByteReader(path: path)
            let d = UInt8(ascii: l == .csv ? "," : "\t")
            guard let header = try reader.nextRecord(delimiter: d)?.fields else { return }
            while let rec = try reader.nextRecord(delimiter: d) {
                if rec.fields.count == 1 && rec.fields[0].isEmpty { continue }
                let o = JSONValue.object(header.enumerated().map { (i, n) in (n, i < rec.fields.count ? textJSON(rec.fields[i]) : .null) })
                if try !emit(o) { return }
            }
        case .jsonl:
            let reader = try ByteReader(path: path)
            while let next = try reader.nextLine() {
                guard case .text(let line) = next, let any = try? JSONSerialization.jsonObject(with: Data(line)) else { continue }
                if try !emit(hidingImages(jsonValue(any))) { return }
            }
        case .folder:
            try Manifest.open(path: path, layout: l).forEachItem { item in
                if case .sample(let s, _) = item { _ = try emit(.object([("key", .string(s.key)), ("path", .optional(s.displayPath))])) }
            }
        }
    }

    static func parquet(_ path: String) throws -> ParquetFileReader {
        do { return try ParquetFileReader(path: path) } catch {
            throw HashscreenError(.manifest, "cannot read Parquet file: \(error)")
        }
    }

    static func parquetFields(_ r: ParquetFileReader, options: ManifestOptions = ManifestOptions()) throws -> [(String, JSONValue)] {
        let map = try ParquetManifestReader.columnMap(r, options: options)
        var f: [(String, JSONValue)] = [("columns", columnsJSON(r.columns.map(\.name), map: map, types: r.columns.map { "\($0.physicalType)" })),
                                        ("rows", .int(r.rowCount)), ("row_groups", .int(r.rowGroupCount))]
        if !r.skippedColumns.isEmpty {
            f.append(("skipped_columns", .array(r.skippedColumns.map { .object([("name", .string($0.name)), ("reason", .string($0.reason))]) })))
        }
        if let c = r.createdBy { f.append(("created_by", .string(c))) }
        return f
    }

    static func columnsJSON(_ names: [String], map: ColumnMap, types: [String]? = nil) -> JSONValue {
        .array(names.enumerated().map { (i, n) in
            let role = map.role(of: i)
            var o: [(String, JSONValue)] = [("name", .string(n))]
            if let types { o.append(("type", .string(types[i]))) }
            if let role { o.append(("role", .string(role))) }
            return .object(o)
        })
    }

    @discardableResult
    static func parquetRows(_ r: ParquetFileReader, options: ManifestOptions = ManifestOptions(),
                            _ emit: (JSONValue) throws -> Bool) throws -> Bool {
        let names = r.columns.map(\.name)
        let image = try ParquetManifestReader.columnMap(r, options: options).image
        for g in 0..<r.rowGroupCount {
            let group: ParquetRowGroup
            do { group = try r.readRowGroup(g) } catch { throw HashscreenError(.manifest, "cannot read Parquet file: \(error)") }
            for i in 0..<group.rowCount {
                let o = JSONValue.object(names.enumerated().map { (c, n) in
                    let v = group.columns[c][i]
                    if case .bytes(let b) = v, c == image || ImageMagic.matches(b) { return (n, hiddenImage(b.count)) }
                    return (n, hidingImages(json(v)))
                })
                if try !emit(o) { return false }
            }
        }
        return true
    }

    static func json(_ v: ParquetValue) -> JSONValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int32(let i): return .int(Int(i))
        case .int64(let i): return .int(Int(i))
        case .float(let f): return f.isFinite ? .double(Double(f)) : .string("\(f)")
        case .double(let d): return d.isFinite ? .double(d) : .string("\(d)")
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(Data(b).base64EncodedString())
        case .int96:
            guard let ns = v.int96EpochNanoseconds else { return .null }
            return .string(isoTimestamp(nanoseconds: ns))
        }
    }

    /// What `manifest rows` prints in place of an embedded image.
    static func hiddenImage(_ length: Int) -> JSONValue { .string("<image: \(length) bytes, not shown>") }

    /// A text field, or the placeholder when it is an embedded image (a `data:` URL, even a
    /// damaged one, or base64 of an image).
    static func textJSON(_ s: String) -> JSONValue {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.utf8.count > 5, t.prefix(5).lowercased() == "data:" { return hiddenImage(t.utf8.count) }
        if case .embedded(let b)? = try? ImageReference.classify(text: t) { return hiddenImage(b.count) }
        return .string(s)
    }

    /// `value` with every string that holds an embedded image replaced by the placeholder.
    static func hidingImages(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return textJSON(s)
        case .array(let a): return .array(a.map(hidingImages))
        case .object(let o): return .object(o.map { ($0.0, hidingImages($0.1)) })
        default: return value
        }
    }

    /// ISO 8601 without a zone, fractional digits only as needed (6 or 9), as pyarrow prints.
    static func isoTimestamp(nanoseconds ns: Int64) -> String {
        let perDay: Int64 = 86_400_000_000_000
        var days = ns / perDay
        var rem = ns % perDay
        if rem < 0 { rem += perDay; days -= 1 }
        // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let secs = rem / 1_000_000_000, frac = rem % 1_000_000_000
        func p(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        var out = "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs / 60 % 60, 2)):\(p(secs % 60, 2))"
        if frac != 0 { out += frac % 1000 == 0 ? "." + p(frac / 1000, 6) : "." + p(frac, 9) }
        return out
    }

    static func jsonValue(_ any: Any) -> JSONValue {
        switch any {
        case let d as [String: Any]: return .object(d.keys.sorted().map { ($0, jsonValue(d[$0]!)) })
        case let a as [Any]: return .array(a.map(jsonValue))
        case let s as String: return .string(s)
        case let n as NSNumber:
            if String(describing: type(of: n)).contains("Boolean") { return .bool(n.boolValue) }
            let t = String(cString: n.objCType)
            if t == "d" || t == "f" { return .double(n.doubleValue) }
            return .int(n.intValue)
        default: return .null
        }
    }
}
