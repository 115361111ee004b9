import Foundation
import HashscreenCore

/// JSON lines manifests: one object per line; columns are the objects' keys.
struct JSONLinesManifestReader: ManifestReader {
    let path: String
    /// The input's position in the scan (its samples' `SampleID.input`).
    let input: UInt32
    var layout: ManifestLayout { .jsonl }

    func forEachItem(_ body: (ManifestItem) throws -> Void) throws {
        let reader = try ByteReader(path: path)
        let base = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var lineNo = 0
        var row = 0
        while let line = try reader.nextLine() {
            lineNo += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let id = SampleID(input: input, row: row)
            row += 1
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? [String: Any] else {
                    try body(.failure(key: "\(name):\(lineNo)", path: nil, message: "\(path):\(lineNo): not a JSON object", id: id))
                    continue
                }
                object = o
            } catch {
                try body(.failure(key: "\(name):\(lineNo)", path: nil, message: "\(path):\(lineNo): invalid JSON", id: id))
                continue
            }
            let names = object.keys.sorted()
            let columns = ColumnMap(names: names)
            if !columns.isUsable {
                try body(.failure(key: "\(name):\(lineNo)", path: nil,
                                  message: "\(path):\(lineNo): no path, hash or url field", id: id))
                continue
            }
            let item = columns.sample(fields: { i in
                switch object[names[i]] {
                case let s as String: return s
                case let n as NSNumber: return n.stringValue
                default: return nil
                }
            }, rowNumber: row, id: id, baseDirectory: base)
            try body(item)
        }
    }
}
