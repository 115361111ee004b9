import Foundation
import HashscreenCore

/// Where a printer's bytes go.
package protocol ReportOutput: AnyObject {
    /// Appends `text` (buffered; it may reach its destination only at `finish()`).
    func write(_ text: String) throws(HashscreenError)
    /// Everything is written: flush it, or commit the file.
    func finish() throws(HashscreenError)
}

/// Standard output, buffered: full 64 KiB chunks go out as they fill, the rest at `finish()`
/// only (a command that fails midway prints its error, not its last partial chunk).
package final class StandardOutput: ReportOutput {
    /// Bytes kept before a write to the file descriptor: few system calls for many short lines.
    static let bufferBytes = 1 << 16
    private var buffer: [UInt8] = []

    package init() {}

    package func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > Self.bufferBytes { flush() }
    }

    package func finish() { flush() }

    private func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A string in memory: for commands that return their output, and for tests.
final class StringOutput: ReportOutput {
    private(set) var text = ""
    init() {}
    func write(_ text: String) { self.text += text }
    func finish() {}
}

/// A file that appears whole at `finish()` (HashscreenCore's `AtomicFile`: temporary name,
/// mode 0600, synced, renamed).
extension AtomicFile: ReportOutput {
    package func finish() throws(HashscreenError) { try commit() }
}
