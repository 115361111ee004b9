import HashscreenCore

/// A JSON document a person may read too: each record indented by two spaces, followed by a
/// newline (`summary.json`, `list info --json`, `list import --json`, `manifest inspect`).
/// Keys keep the order of the record's rendering.
public struct JSONPrinter<Record: JSONRecord>: ReportSink {
    private let output: any ReportOutput

    public init(to output: any ReportOutput) { self.output = output }

    public func write(_ record: Record) throws(HashscreenError) {
        try output.write(record.json.pretty() + "\n")
    }

    public func finish() throws(HashscreenError) { try output.finish() }

    /// The document of one record, as a string.
    public static func render(_ record: Record) -> String { record.json.pretty() + "\n" }
}
