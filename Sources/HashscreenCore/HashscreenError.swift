/// A setup failure that stops the run (unreadable list, unwritable output, malformed manifest
/// header): a code, a message that says what failed, what to do about it (`remedy`), and the
/// underlying cause if any (the system's or a library's words), printed in that order.
public struct HashscreenError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case list, output, manifest, input, usage, io

        /// The command's exit status when an error of this code stops it: 64 (`EX_USAGE`, as
        /// ArgumentParser's own usage errors) for bad usage, 2 for every other fatal error.
        package var exitStatus: Int32 {
            switch self {
            case .usage: return 64
            case .list, .output, .manifest, .input, .io: return 2
            }
        }
    }
    package var code: Code
    package var message: String
    /// What the user can do, when the message alone does not say it.
    package var remedy: String?
    package var underlying: String?

    package init(_ code: Code, _ message: String, remedy: String? = nil, underlying: String? = nil) {
        self.code = code; self.message = message; self.remedy = remedy; self.underlying = underlying
    }

    /// `message; remedy (underlying)`.
    public var description: String {
        var s = message
        if let r = remedy { s += "; \(r)" }
        if let u = underlying { s += " (\(u))" }
        return s
    }
}
