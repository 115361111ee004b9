// References: RFC 4180 (quoting); OWASP, "CSV Injection"
// (https://owasp.org/www-community/attacks/CSV_Injection: no cell may begin with `=`, `+`,
// `-`, `@`, tab or carriage return; prefix a single quote and quote the cell); OWASP ASVS 5.0
// V1.2.10 (adds NUL to the characters).
import HashscreenCore

/// CSV (RFC 4180) for people, who open it in a spreadsheet: a header line, then one line per
/// record; a field is quoted when it holds a comma, a quote or a line break, and a quote inside
/// is doubled. A field a spreadsheet would run as a formula is neutralised (`CSV.field`).
/// Lines end in `\n`.
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

/// RFC 4180 quoting, and OWASP's neutralisation of formulas.
enum CSV {
    /// First characters that make a spreadsheet read a cell as a formula (OWASP: `=`, `+`, `-`,
    /// `@`, tab, carriage return; ASVS: NUL).
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "\0"]
    /// Written before a neutralised field: a spreadsheet shows the rest as text.
    static let neutraliser: Unicode.Scalar = "'"

    /// `s` as a field. A field that begins with a formula character, or with the quote itself
    /// (so that the rule is reversible: drop one leading `'` from a field that has one), gets a
    /// `'` in front and is quoted; otherwise it is quoted only when it holds `,`, `"`, CR or LF.
    static func field(_ s: String) -> String {
        if let first = s.unicodeScalars.first, first == neutraliser || formulaStarts.contains(first) {
            return "\"'" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        // By scalar: CR LF is one `Character`, equal to neither "\r" nor "\n".
        if s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
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
