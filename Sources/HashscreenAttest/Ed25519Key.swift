import CCrypto
import HashscreenCore

/// An Ed25519 key pair (or a public key alone), owning its OpenSSL `EVP_PKEY`. Private keys are
/// read and written as unencrypted PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`, RFC 8410), public
/// keys as PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`): the forms `openssl pkey`,
/// Python's `cryptography` and securesystemslib read.
package final class Ed25519Key {
    private let pkey: OpaquePointer
    /// Whether the private half is here (a key read from a public-key file has none).
    package let canSign: Bool

    private init(pkey: OpaquePointer, canSign: Bool) { self.pkey = pkey; self.canSign = canSign }

    deinit { EVP_PKEY_free(pkey) }

    /// A new key pair from OpenSSL's random generator.
    package static func generate() throws(AttestError) -> Ed25519Key {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw AttestError(.library, "OpenSSL cannot make Ed25519 keys") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
            throw AttestError(.library, "OpenSSL could not generate an Ed25519 key")
        }
        return Ed25519Key(pkey: key, canSign: true)
    }

    /// Reads a PEM key: a private key (PKCS#8) or a public key (SubjectPublicKeyInfo). An
    /// encrypted private key is refused (never a password prompt); so is any other algorithm.
    package init(pem: [UInt8], source: String) throws(AttestError) {
        let text = String(decoding: pem, as: UTF8.self)
        let isPrivate = text.contains("PRIVATE KEY-----")
        let parsed: OpaquePointer? = pem.withUnsafeBytes { b in
            guard let bio = BIO_new_mem_buf(b.baseAddress, Int32(b.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that gives no password: an encrypted key fails instead of prompting.
            return isPrivate ? PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
                : PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let parsed else {
            throw AttestError(.key, "\(source) is not a PEM \(isPrivate ? "private key (unencrypted PKCS#8)" : "public key"): make one with `hashscreen key generate`")
        }
        guard EVP_PKEY_get_id(parsed) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(parsed)
            throw AttestError(.key, "\(source) is not an Ed25519 key: make one with `hashscreen key generate`")
        }
        pkey = parsed
        canSign = isPrivate
    }

    // MARK: - Encodings

    /// PEM PKCS#8, unencrypted.
    package func privateKeyPEM() throws(AttestError) -> [UInt8] {
        guard canSign else { throw AttestError(.key, "a public key has no private half") }
        return try Self.memoryBIO { PEM_write_bio_PKCS8PrivateKey($0, pkey, nil, nil, 0, nil, nil) == 1 }
    }

    /// PEM SubjectPublicKeyInfo.
    package func publicKeyPEM() throws(AttestError) -> [UInt8] {
        try Self.memoryBIO { PEM_write_bio_PUBKEY($0, pkey) == 1 }
    }

    /// DER SubjectPublicKeyInfo (44 bytes for Ed25519).
    package func publicKeyDER() throws(AttestError) -> [UInt8] {
        let n = i2d_PUBKEY(pkey, nil)
        guard n > 0 else { throw AttestError(.library, "OpenSSL cannot encode the public key") }
        var der = [UInt8](repeating: 0, count: Int(n))
        let written = der.withUnsafeMutableBufferPointer { b -> Int32 in
            var p: UnsafeMutablePointer<UInt8>? = b.baseAddress
            return i2d_PUBKEY(pkey, &p)
        }
        guard written == n else { throw AttestError(.library, "OpenSSL cannot encode the public key") }
        return der
    }

    /// The key's identity in envelopes: lower-case hex SHA-256 of `publicKeyDER()`.
    package func keyID() throws(AttestError) -> String {
        let der = try publicKeyDER()
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        guard der.withUnsafeBytes({ EVP_Digest($0.baseAddress, $0.count, &md, &len, EVP_sha256(), nil) }) == 1 else {
            throw AttestError(.library, "OpenSSL cannot digest the public key")
        }
        return Hex.encode(md[0..<Int(len)])
    }

    // MARK: - Signatures

    /// The 64-byte Ed25519 signature of `message` (pure Ed25519: the message itself, no prehash).
    package func sign(_ message: [UInt8]) throws(AttestError) -> [UInt8] {
        guard canSign else { throw AttestError(.key, "a public key cannot sign: pass the private key") }
        guard let ctx = EVP_MD_CTX_new() else { throw AttestError(.library, "OpenSSL: no signing context") }
        defer { EVP_MD_CTX_free(ctx) }
        var sig = [UInt8](repeating: 0, count: 64)
        var len = sig.count
        let ok = EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1
            && message.withUnsafeBufferPointer { m in EVP_DigestSign(ctx, &sig, &len, m.baseAddress, m.count) } == 1
        guard ok, len == 64 else { throw AttestError(.library, "OpenSSL could not sign") }
        return sig
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    package func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64, let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else { return false }
        return signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in EVP_DigestVerify(ctx, s.baseAddress, s.count, m.baseAddress, m.count) }
        } == 1
    }

    // MARK: - Helpers

    /// What `write` puts into a fresh memory BIO.
    private static func memoryBIO(_ write: (OpaquePointer) -> Bool) throws(AttestError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw AttestError(.library, "OpenSSL: no memory BIO") }
        defer { BIO_free(bio) }
        guard write(bio) else { throw AttestError(.library, "OpenSSL cannot encode the key") }
        var out = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
        let n = out.withUnsafeMutableBytes { BIO_read(bio, $0.baseAddress, Int32($0.count)) }
        guard n == out.count else { throw AttestError(.library, "OpenSSL cannot encode the key") }
        return out
    }
}
