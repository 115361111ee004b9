/// Domain-separated digests a scan records of each flagged sample (`flagged.jsonl`), so that a
/// later `verify` can recognise it in a release without any list value being written.
///
/// A flagged image's own SHA-256 (or MD5) may be the very value a list holds; writing it would
/// publish list contents to whoever reads the outputs. The recorded digest is instead
/// `SHA-256(tag || x)` with a fixed ASCII tag per kind, which no list holds (lists hold plain
/// digests of images and URLs), cannot be turned back into `x`, and is still recomputed by anyone
/// who holds the image or the URL: enough to recognise the same content under another key.
///
/// - content: `SHA-256("hashscreen flagged content v1" || SHA-256(image bytes))` (the 32 raw
///   bytes of the inner digest). The inner value being the SHA-256 of the bytes, a SHA-256
///   recorded in a manifest (img2dataset's `sha256` of the original download) gives the digest
///   of those bytes without reading them.
/// - url: `SHA-256("hashscreen flagged url v1" || URL)`, the URL in hashscreen's normalisation
///   (`URLNormalizer`: scheme and host lower-cased, default port and fragment dropped), UTF-8.
import CCrypto
import HashscreenCore

package enum FlagDigest {
    package static let contentTag = Array("hashscreen flagged content v1".utf8)
    package static let urlTag = Array("hashscreen flagged url v1".utf8)

    /// The content digest of an image whose SHA-256 is `sha256` (32 bytes).
    package static func content(sha256: HashValue) -> HashValue { HashValue(bytes: sha256Digest(contentTag + sha256.bytes)) }

    /// The content digest of an image's bytes.
    package static func content(of bytes: UnsafeRawBufferPointer) -> HashValue {
        content(sha256: HashValue(bytes: sha256Digest(bytes)))
    }

    /// The URL digest of `url` (as the manifest holds it; normalised here).
    package static func url(_ url: String) -> HashValue {
        HashValue(bytes: sha256Digest(urlTag + URLNormalizer.bytes(url, convention: .hashscreen)))
    }

    /// A plain SHA-256 (32 bytes), for lookups that never leave the process (verify's key index).
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] { sha256Digest(bytes) }

    static func sha256Digest(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { sha256Digest($0) } }

    /// One-shot SHA-256 (OpenSSL's EVP_Digest).
    static func sha256Digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var md = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        guard let base = bytes.baseAddress else {
            return withUnsafeBytes(of: UInt8(0)) { sha256Digest(UnsafeRawBufferPointer(rebasing: $0[0..<0])) }
        }
        _ = EVP_Digest(base, bytes.count, &md, &len, EVP_sha256(), nil)
        return md
    }
}
