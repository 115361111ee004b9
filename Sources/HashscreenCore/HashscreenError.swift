/// A setup failure that stops the run (unreadable list, unwritable output, malformed manifest
/// header): a code, a message that says how to remedy, and the underlying cause if any.
public struct HashscreenError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case list, output, manifest, input, usage, io
    }
    package var code: Code
    package var message: String
    package var underlying: String?

    package init(_ code: Code, _ message: String, underlying: String? = nil) {
        self.code = code; self.message = message; self.underlying = underlying
    }

    public var description: String {
        if let u = underlying { return "\(message) (\(u))" }
        return message
    }
}
