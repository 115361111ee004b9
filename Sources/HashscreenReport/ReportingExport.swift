import Foundation
import HashscreenCore

/// What every line of `reporting.jsonl` shares: the scan's start time and its inputs' and
/// shards' names (a sample's `SampleID` gives its input and shard by index).
package struct ReportingContext: Sendable {
    package var scannedAt: Date
    package var inputs: [String]
    /// Per input, its shard names (empty for an input without shards).
    package var shards: [[String]]

    package init(scannedAt: Date, inputs: [String], shards: [[String]]) {
        self.scannedAt = scannedAt; self.inputs = inputs; self.shards = shards
    }
}

/// One line of `reporting.jsonl` (docs/reporting.md): a flagged sample as a CyberTipline-style
/// report of an image file describes it. hashscreen only writes the file; it contacts no service.
package struct ReportingLine: JSONRecord {
    package var record: FlaggedRecord
    package var facts: ReportingFacts
    package var context: ReportingContext

    package init(record: FlaggedRecord, facts: ReportingFacts, context: ReportingContext) {
        self.record = record; self.facts = facts; self.context = context
    }

    /// The hash type as the report form names it.
    static func typeName(_ signal: SignalKind) -> String {
        switch signal {
        case .md5: "MD5"
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        default: signal.name.uppercased()
        }
    }

    static func timestamp(_ date: Date) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        return iso.string(from: date)
    }

    package var json: JSONValue {
        let id = record.sampleID
        let input = Int(id.input) < context.inputs.count ? context.inputs[Int(id.input)] : nil
        let shards = Int(id.input) < context.shards.count ? context.shards[Int(id.input)] : []
        let shard = Int(id.shard) < shards.count ? shards[Int(id.shard)] : nil
        func hash(_ h: (SignalKind, HashValue), of: String) -> JSONValue {
            .object([("type", .string(Self.typeName(h.0))), ("of", .string(of)), ("value", .string(h.1.hex))])
        }
        let hashes = facts.storedFile.map { hash($0, of: "stored_file") } + facts.recorded.map { hash($0, of: "original_download") }
        let matches: [JSONValue] = facts.matches.map { m in
            var o: [(String, JSONValue)] = [
                ("list", .string(m.list)), ("list_version", .string(m.listVersion)), ("signal", .string(m.signal.name)),
                ("source", .string(m.source.rawValue)), ("distance", .int(m.distance)),
            ]
            if let v = m.variant { o.append(("variant", .string(v))) }
            return .object(o)
        }
        return .object([
            ("key", .string(record.key)), ("key_is_row_number", .bool(record.keyIsRowNumber)),
            ("file_name", .optional(facts.fileName)), ("container", .optional(facts.container)),
            ("location_url", .optional(facts.url)),
            ("hashes", .array(hashes)),
            ("matches", .array(matches)),
            ("timestamps", .object([
                ("scanned_at", .string(Self.timestamp(context.scannedAt))),
                ("file_modified", .optional(facts.modified.map { Self.timestamp(Date(timeIntervalSince1970: TimeInterval($0))) })),
            ])),
            ("viewed", .bool(false)),
            ("input", .optional(input)), ("shard", .optional(shard)),
        ])
    }
}
