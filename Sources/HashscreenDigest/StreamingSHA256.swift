import CCrypto
import HashscreenCore

/// SHA-256 of bytes fed piece by piece (an input read as a stream: standard input's tar),
/// for provenance. Owns its OpenSSL context; one thread at a time.
package final class StreamingSHA256: @unchecked Sendable {
    private let ctx: OpaquePointer
    private var done: String?

    package init() throws(DigestError) {
        guard let ctx = EVP_MD_CTX_new() else { throw DigestError(message: "OpenSSL: no digest context") }
        self.ctx = ctx
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard done == nil, let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(ctx, base, bytes.count)
    }

    /// The hex digest of everything fed so far; further updates are ignored.
    package func finish() -> String {
        if let done { return done }
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &md, &len)
        let hex = HashValue(bytes: Array(md[0..<Int(len)])).hex
        done = hex
        return hex
    }
}
