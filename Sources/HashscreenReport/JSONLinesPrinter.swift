import HashscreenCore

/// JSON lines: one compact JSON value per record, each on its own line (`report.jsonl`,
/// `errors.jsonl`, `hash`, `manifest rows`). Keys keep the order of the record's rendering.
package struct JSONLinesPrinter<Record: JSONRecord>: ReportSink {
    private let output: any ReportOutput

    package init(to output: any ReportOutput) { self.output = output }

    package func write(_ record: Record) throws(HashscreenError) {
        try output.write(record.json.rendered() + "\n")
    }

    package func finish() throws(HashscreenError) { try output.finish() }
}
