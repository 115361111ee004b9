import HashscreenCore

/// A JSON document a person may read too: each record indented by two spaces, followed by a
/// newline (`summary.json`, `list info --json`, `list import --json`, `manifest inspect`).
/// Keys keep the order of the record's rendering.
package struct JSONPrinter<Record: JSONRecord>: ReportSink {
    private let output: any ReportOutput

    package init(to output: any ReportOutput) { self.output = output }

    package func write(_ record: Record) throws(HashscreenError) {
        try output.write(record.json.pretty() + "\n")
    }

    package func finish() throws(HashscreenError) { try output.finish() }

    /// The document of one record, as a string.
    package static func render(_ record: Record) -> String { record.json.pretty() + "\n" }
}
