/// HashscreenAttest: signed screening attestations (docs/attestation.md).
///
/// - *statement*: an in-toto Statement v1 — what was screened (`subject`: a name and a SHA-256
///   per input) and how (`predicate`: the screening's provenance and counts, rendered by
///   HashscreenReport; never a list value).
/// - *envelope*: the DSSE envelope carrying the statement: `payloadType`, the payload in
///   base64 and the signatures, each `{keyid, sig}` (sig in base64).
/// - *PAE*: DSSE's pre-authentication encoding, the bytes actually signed:
///   `"DSSEv1" SP len(type) SP type SP len(body) SP body` (lengths in ASCII decimal).
/// - *keyid*: lower-case hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
///
/// References: in-toto Attestation Framework, Statement v1
/// (github.com/in-toto/attestation, spec/v1/statement.md); DSSE v1 (github.com/secure-systems-lab/dsse,
/// protocol.md and envelope.md); RFC 8032 (Ed25519) through OpenSSL's EVP_DigestSign(3);
/// RFC 8410 (Ed25519 keys in PKCS#8 and SubjectPublicKeyInfo).

/// Why an attestation could not be made or checked. `notVerified` is the answer "this is not a
/// valid attestation by this key"; the other kinds mean the question could not be asked.
package struct AttestError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable {
        /// A key file that is missing, unreadable, not PEM or not Ed25519.
        case key
        /// The signature, the envelope's shape or the statement's type does not hold.
        case notVerified
        /// OpenSSL refused an operation (should not happen).
        case library
    }
    package var kind: Kind
    package var message: String
    package var description: String { message }
    init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
}
