import HashscreenCore

/// CSV (RFC 4180): a header line, then one line per record; a field is quoted only when it
/// holds a comma, a quote or a line break, and a quote inside is doubled. Lines end in `\n`.
package struct CSVPrinter<Record: CSVRecord>: ReportSink {
    private let output: any ReportOutput

    /// Writes the header line at once, so a file without records still names its columns.
    package init(header: [String], to output: any ReportOutput) throws(HashscreenError) {
        self.output = output
        try output.write(CSV.line(header))
    }

    package func write(_ record: Record) throws(HashscreenError) {
        try output.write(CSV.line(record.csvFields))
    }

    package func finish() throws(HashscreenError) { try output.finish() }
}

/// RFC 4180 quoting.
enum CSV {
    /// `s`, or `s` in quotes with its quotes doubled when it holds `,`, `"`, CR or LF.
    static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}

// MARK: - Records

extension Removal: CSVRecord {
    /// `removals.csv`'s columns.
    static let csvHeader = ["key", "url", "path", "reasons"]
    /// Key, URL and path (empty when absent), then the reasons joined by `;`.
    var csvFields: [String] { [key, url ?? "", path ?? "", reasons.joined(separator: ";")] }
}

extension FileHashes: CSVRecord {
    /// The path, every value (empty when it could not be computed), then the error (empty when none).
    package var csvFields: [String] { [path] + values.map { $0.value ?? "" } + [error ?? ""] }
}
