// Renderings of list descriptions and import reports: JSON (keys in a fixed order, for
// scripts) and text (for people). Neither contains list contents: only provenance and counts.

// MARK: - JSON

/// A minimal JSON tree whose objects keep their keys in the order written.
enum JSONNode {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([JSONNode])
    case object([(String, JSONNode)])

    /// Pretty-printed with two-space indents.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), close = String(repeating: "  ", count: indent)
        switch self {
        case .string(let s): return Self.quote(s)
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { pad + Self.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + close + "}"
        }
    }

    /// A JSON string literal (RFC 8259 section 7: escape quote, backslash and controls).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

extension ListSource {
    var json: JSONNode {
        .object([("path", .string(path)), ("sha256", .string(sha256)), ("format", .string(format)),
                 ("records", .int(records)), ("entries", .int(entries)), ("duplicates", .int(duplicates)),
                 ("skipped", .int(skipped))])
    }
}

extension ListInfo {
    var json: JSONNode {
        let counts = countsByType.sorted { $0.key < $1.key }.map { ($0.key.name, JSONNode.int($0.value)) }
        let others = otherTypeCounts.sorted { $0.key < $1.key }.map { ($0.key, JSONNode.int($0.value)) }
        return .object([
            ("name", .string(name)), ("version", .string(version)), ("id", .int(Int(id))),
            ("imported_at", .string(importedAt)), ("tool_version", .string(toolVersion)),
            ("entry_count", .int(entryCount)), ("counts_by_type", .object(counts)),
            ("other_type_counts", .object(others)),
            ("duplicate_count", .int(duplicateCount)), ("skipped_count", .int(skippedCount)),
            ("sources", .array(sources.map(\.json))),
        ])
    }

    /// `{"database": ..., "schema_version": 1, "lists": [...]}`, keys in a fixed order.
    public static func renderJSON(_ lists: [ListInfo], database: String) -> String {
        JSONNode.object([
            ("database", .string(database)),
            ("schema_version", .int(Int(ListDatabaseFormat.schemaVersion))),
            ("lists", .array(lists.map(\.json))),
        ]).rendered() + "\n"
    }

    /// One block per list: name@version, import time and tool, counts, and each source file.
    public static func renderText(_ lists: [ListInfo], database: String) -> String {
        guard !lists.isEmpty else { return "\(database): no lists\n" }
        var out = "\(database): \(lists.count) list\(lists.count == 1 ? "" : "s")\n"
        for l in lists {
            out += "\n\(l.ref)\n"
            out += "  imported  \(l.importedAt) by \(l.toolVersion)\n"
            out += "  entries   \(l.entryCount) (\(l.countsSummary))\n"
            out += "  dropped   \(l.duplicateCount) duplicate\(l.duplicateCount == 1 ? "" : "s"), \(l.skippedCount) invalid line\(l.skippedCount == 1 ? "" : "s") skipped\n"
            for s in l.sources {
                out += "  source    \(s.path) (\(s.format), \(s.records) line\(s.records == 1 ? "" : "s")) sha256 \(s.sha256)\n"
            }
        }
        return out
    }

    /// `md5 500, pdq 500` in signal order, then types unknown to this build.
    var countsSummary: String {
        let known = countsByType.sorted { $0.key < $1.key }.map { "\($0.key.name) \($0.value)" }
        let other = otherTypeCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) (unknown type)" }
        return (known + other).joined(separator: ", ")
    }
}

extension ListImportError {
    var json: JSONNode { .object([("file", .string(file)), ("line", .int(line)), ("reason", .string(reason))]) }
}

extension ListImportReport {
    /// `{"list": {...}, "replaced": ..., "records": ..., "duplicates": ..., "skipped": ..., "skipped_examples": [...]}`.
    public func renderJSON() -> String {
        JSONNode.object([
            ("list", list.json), ("replaced", .bool(replaced)), ("records", .int(records)),
            ("duplicates", .int(duplicates)), ("skipped", .int(skipped)),
            ("skipped_examples", .array(skippedExamples.map(\.json))),
        ]).rendered() + "\n"
    }

    /// A summary line, then the first invalid lines skipped (FILE:LINE: reason).
    public func renderText() -> String {
        let files = list.sources.count
        var out = "\(replaced ? "replaced" : "imported") \(list.ref): \(list.entryCount) entr\(list.entryCount == 1 ? "y" : "ies") (\(list.countsSummary)) from \(files) file\(files == 1 ? "" : "s")"
        out += "; \(duplicates) duplicate\(duplicates == 1 ? "" : "s") stored once"
        out += "; \(skipped) invalid line\(skipped == 1 ? "" : "s") skipped\n"
        for e in skippedExamples { out += "  \(e)\n" }
        if skipped > skippedExamples.count { out += "  (and \(skipped - skippedExamples.count) more)\n" }
        return out
    }
}
