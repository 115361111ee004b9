// A computation run on its own thread while the caller goes on (the import's file digests).
import Foundation

/// Runs `body` once on a new thread; `wait()` returns its result or rethrows its error. The
/// caller must `wait()` before the values `body` uses go away (the import does, also on errors).
final class BackgroundJob<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?
    /// Touched only by the waiting thread.
    private var waited = false

    init(_ body: @escaping () throws -> T) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.start()
    }

    /// The result, once the thread has finished (every call returns the same).
    func wait() throws -> T {
        if !waited { done.wait(); waited = true }
        return try result!.get()
    }
}
