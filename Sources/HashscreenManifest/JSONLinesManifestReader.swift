import Foundation
import HashscreenCore

/// JSON lines manifests: one object per line; columns are the objects' keys.
///
/// Strict where a loose reading would screen less than asked, silently: a line that is not a
/// JSON object, an object with a key twice (JSONSerialization would keep one of them), a mapped
/// field that is an array or object, a path with a NUL byte, or damaged base64 in the image
/// field is a per-row failure (stage `manifest`), and the scan goes on.
final class JSONLinesManifestReader: ManifestReader {
    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    let options: ManifestOptions
    var layout: ManifestLayout { .jsonl }
    /// Rows whose image is inside the line (base64 or a data: URL).
    private(set) var embeddedImages = 0

    init(path: String, input: UInt32, options: ManifestOptions = ManifestOptions()) {
        self.path = path; self.input = input; self.options = options
    }

    var counters: [(String, Int)] { [("embedded_images", embeddedImages)] }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        let reader = try ByteReader(path: path)
        var lines = JSONLinesLineReader(path: path, input: input, options: options)
        defer { embeddedImages += lines.embeddedImages }
        var lineNo = 0
        var row = 0
        while let next = try reader.nextLine() {
            lineNo += 1
            let line: [UInt8]
            switch next {
            case .text(let l): line = l
            case .tooLong: line = []
            }
            if case .text = next, JSONLinesLineReader.isBlank(line) { continue }
            row += 1
            let tooLong: Int?
            if case .tooLong(let bytes) = next { tooLong = bytes } else { tooLong = nil }
            let item = try line.withUnsafeBufferPointer { b in
                try lines.item(b, tooLong: tooLong, lineNo: lineNo, row: row)
            }
            try body(item)
        }
    }

    /// A JSON value as a manifest cell: strings and numbers as text, null as missing, arrays
    /// and objects as invalid.
    static func cell(_ value: Any?) -> ManifestCell? {
        switch value {
        case nil, is NSNull: return nil
        case let s as String: return .text(s)
        case let n as NSNumber: return .text(n.stringValue)
        case is [Any]: return .invalid("an array")
        case is [String: Any]: return .invalid("an object")
        default: return .invalid("a value of an unknown JSON type")
        }
    }
}

/// Finds a key that appears twice in one JSON object (at any depth) of a document
/// JSONSerialization has already accepted, which keeps only one of the two silently.
/// Keys are compared after unescaping (`"a"` and `"\u0061"` are the same key).
enum JSONDuplicateKeys {
    static func first(in bytes: [UInt8]) -> String? {
        // One set of keys per open object; nil entries for open arrays.
        var stack: [Set<[UInt8]>?] = []
        var expectKey = false
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"):
                stack.append([]); expectKey = true; i += 1
            case UInt8(ascii: "["):
                stack.append(nil); expectKey = false; i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast(); expectKey = false; i += 1
            case UInt8(ascii: ","):
                expectKey = stack.last.map { $0 != nil } ?? false; i += 1
            case UInt8(ascii: "\""):
                let start = i + 1
                var j = start
                var escaped = false
                while j < n && bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                    j += 1
                }
                if expectKey, let top = stack.indices.last, stack[top] != nil {
                    var key = Array(bytes[start..<min(j, n)])
                    if escaped, let s = try? JSONSerialization.jsonObject(with: Data([UInt8(ascii: "\"")] + key + [UInt8(ascii: "\"")]),
                                                                          options: [.fragmentsAllowed]) as? String {
                        key = Array(s.utf8)
                    }
                    // Mutated in place (no copy of the set per key).
                    if stack[top]?.insert(key).inserted == false { return String(decoding: key, as: UTF8.self) }
                    expectKey = false
                }
                i = j + 1
            default:
                i += 1
            }
        }
        return nil
    }
}

/// One JSON line read as `JSONLinesManifestReader` reads it: the reader's loop and the
/// workers of a metadata-only scan (`JSONLinesBlockInput`) build each line's item here, so a
/// line's sample or failure is the same whichever reads it.
struct JSONLinesLineReader {
    let path: String, input: UInt32, options: ManifestOptions
    let base: String, name: String
    /// Rows whose image is inside the line (base64 or a data: URL).
    private(set) var embeddedImages = 0
    /// The fast path's column map, kept while lines have the same keys in the same order.
    private(set) var cachedKeys: [String] = []
    private(set) var cached: (columns: ColumnMap, position: [Int], mapped: [Int])? = nil
    /// Bumped each time `cached` is rebuilt (another set or order of keys).
    private(set) var generation = 0

    init(path: String, input: UInt32, options: ManifestOptions) {
        self.path = path; self.input = input; self.options = options
        base = (path as NSString).deletingLastPathComponent
        name = (path as NSString).lastPathComponent
    }

    /// A line of white space only (after its LF or CRLF was dropped): not a row.
    static func isBlank<C: Collection<UInt8>>(_ line: C) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// The column map of a flat line's fields (cached while the keys repeat).
    mutating func columns(for fields: [FlatJSONLine.Field]) throws -> (columns: ColumnMap, position: [Int], mapped: [Int]) {
        if cached == nil || fields.count != cachedKeys.count || !zip(fields, cachedKeys).allSatisfy({ $0.0.key == $0.1 }) {
            // The keys are cached with their map only (a map that cannot be made throws again).
            let keys = fields.map(\.key)
            let names = keys.sorted()
            var columns = try ColumnMap(names: names, imageColumn: options.imageColumn, imageColumnOptional: true)
            columns.readsCaption = options.readsCaptions
            let position = names.map { n in keys.firstIndex(of: n)! }
            cachedKeys = keys
            cached = (columns, position, columns.mappedIndices)
            generation += 1
        }
        return cached!
    }

    /// The item of line `lineNo` (1-based, blank lines counted), row `row` (1-based, blank
    /// lines not counted): `tooLong` is the length of a line over `ByteReader.maxLineBytes`.
    mutating func item(_ line: UnsafeBufferPointer<UInt8>, tooLong: Int?, lineNo: Int, row: Int) throws -> ManifestItem {
        let id = SampleID(input: input, row: row - 1)
        let place = { [path] in "\(path):\(lineNo)" }
        func fail(_ message: String) -> ManifestItem {
            .failure(key: "\(name):\(lineNo)", path: nil, message: "\(place()): \(message)", id: id)
        }
        if let tooLong { return fail("line of \(tooLong) \(ByteReader.overLimitMessage)") }
        // The common line (a flat object of strings, numbers and nulls) read on its bytes.
        if let fields = FlatJSONLine.parse(line) {
            let (columns, position, mapped) = try self.columns(for: fields)
            // A mapped number Foundation might write otherwise: the Foundation path decides.
            if !mapped.contains(where: { fields[position[$0]].value == .unsure }) {
                if let d = columns.duplicateMessage("keys (in sorted order)") { return fail(d) }
                if !columns.isUsable { return fail("no image, path, hash or url field") }
                let item = columns.sample(cells: { i in
                                              if case .text(let s) = fields[position[i]].value { return .text(s) }
                                              return nil
                                          }, rowNumber: row, id: id,
                                          baseDirectory: base, place: place(), failureKey: "\(name):\(lineNo)",
                                          maxEmbeddedBytes: options.maxEmbeddedBytes)
                if columns.image != nil || columns.path != nil, case .sample(let s, _) = item, s.embedded != nil { embeddedImages += 1 }
                return item
            }
        }
        let bytes = Array(line)
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? [String: Any] else {
                return fail("not a JSON object")
            }
            object = o
        } catch {
            return fail("invalid JSON")
        }
        if let d = JSONDuplicateKeys.first(in: bytes) {
            return fail("key \"\(d)\" appears twice in one object (which value is meant is unclear)")
        }
        let names = object.keys.sorted()
        // --image-column naming a key this line lacks: the line has no image reference.
        var columns = try ColumnMap(names: names, imageColumn: options.imageColumn, imageColumnOptional: true)
        columns.readsCaption = options.readsCaptions
        if let d = columns.duplicateMessage("keys (in sorted order)") { return fail(d) }
        if !columns.isUsable { return fail("no image, path, hash or url field") }
        let item = columns.sample(cells: { i in JSONLinesManifestReader.cell(object[names[i]]) }, rowNumber: row, id: id,
                                  baseDirectory: base, place: place(), failureKey: "\(name):\(lineNo)",
                                  maxEmbeddedBytes: options.maxEmbeddedBytes)
        if case .sample(let s, _) = item, s.embedded != nil { embeddedImages += 1 }
        return item
    }
}
