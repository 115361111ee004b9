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
        let base = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var lineNo = 0
        var row = 0
        // The fast path's column map, kept while lines have the same keys in the same order.
        var cachedKeys: [String] = []
        var cached: (columns: ColumnMap, position: [Int], mapped: [Int])? = nil
        while let next = try reader.nextLine() {
            lineNo += 1
            let line: [UInt8]
            switch next {
            case .text(let l): line = l
            case .tooLong: line = []
            }
            if case .text = next, line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let id = SampleID(input: input, row: row)
            row += 1
            let place = { [path] in "\(path):\(lineNo)" }
            func fail(_ message: String) throws {
                try body(.failure(key: "\(name):\(lineNo)", path: nil, message: "\(place()): \(message)", id: id))
            }
            if case .tooLong(let bytes) = next {
                try fail("line of \(bytes) \(ByteReader.overLimitMessage)")
                continue
            }
            // The common line (a flat object of strings, numbers and nulls) read on its bytes.
            if let fields = FlatJSONLine.parse(line) {
                if cached == nil || fields.count != cachedKeys.count || !zip(fields, cachedKeys).allSatisfy({ $0.0.key == $0.1 }) {
                    cachedKeys = fields.map(\.key)
                    let names = cachedKeys.sorted()
                    var columns = try ColumnMap(names: names, imageColumn: options.imageColumn, imageColumnOptional: true)
                    columns.readsCaption = options.readsCaptions
                    let position = names.map { n in cachedKeys.firstIndex(of: n)! }
                    cached = (columns, position, columns.mappedIndices)
                }
                let (columns, position, mapped) = cached!
                // A mapped number Foundation might write otherwise: the Foundation path decides.
                if !mapped.contains(where: { fields[position[$0]].value == .unsure }) {
                    if let d = columns.duplicateMessage("keys (in sorted order)") {
                        try fail(d)
                        continue
                    }
                    if !columns.isUsable {
                        try fail("no image, path, hash or url field")
                        continue
                    }
                    let item = columns.sample(cells: { i in
                                                  if case .text(let s) = fields[position[i]].value { return .text(s) }
                                                  return nil
                                              }, rowNumber: row, id: id,
                                              baseDirectory: base, place: place(), failureKey: "\(name):\(lineNo)",
                                              maxEmbeddedBytes: options.maxEmbeddedBytes)
                    if columns.image != nil || columns.path != nil, case .sample(let s, _) = item, s.embedded != nil { embeddedImages += 1 }
                    try body(item)
                    continue
                }
            }
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? [String: Any] else {
                    try fail("not a JSON object")
                    continue
                }
                object = o
            } catch {
                try fail("invalid JSON")
                continue
            }
            if let d = JSONDuplicateKeys.first(in: line) {
                try fail("key \"\(d)\" appears twice in one object (which value is meant is unclear)")
                continue
            }
            let names = object.keys.sorted()
            // --image-column naming a key this line lacks: the line has no image reference.
            var columns = try ColumnMap(names: names, imageColumn: options.imageColumn, imageColumnOptional: true)
            columns.readsCaption = options.readsCaptions
            if let d = columns.duplicateMessage("keys (in sorted order)") {
                try fail(d)
                continue
            }
            if !columns.isUsable {
                try fail("no image, path, hash or url field")
                continue
            }
            let item = columns.sample(cells: { i in Self.cell(object[names[i]]) }, rowNumber: row, id: id,
                                      baseDirectory: base, place: place(), failureKey: "\(name):\(lineNo)",
                                      maxEmbeddedBytes: options.maxEmbeddedBytes)
            if case .sample(let s, _) = item, s.embedded != nil { embeddedImages += 1 }
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
