import Foundation
import HashscreenCore

/// An in-toto Statement v1: the subjects (artifacts by name and SHA-256) and a typed predicate.
/// Rendered compact (Core's `JSONValue.rendered()`): those bytes are the DSSE payload.
package struct Statement: Sendable {
    /// `_type` of every Statement v1.
    package static let type = "https://in-toto.io/Statement/v1"
    /// The DSSE `payloadType` of an in-toto statement.
    package static let payloadType = "application/vnd.in-toto+json"

    package struct Subject: Sendable, Equatable {
        package var name: String
        /// Lower-case hex SHA-256.
        package var sha256: String
        package init(name: String, sha256: String) { self.name = name; self.sha256 = sha256 }
    }

    package var subjects: [Subject]
    package var predicateType: String
    package var predicate: JSONValue

    package init(subjects: [Subject], predicateType: String, predicate: JSONValue) {
        self.subjects = subjects; self.predicateType = predicateType; self.predicate = predicate
    }

    package var json: JSONValue {
        .object([
            ("_type", .string(Self.type)),
            ("subject", .array(subjects.map {
                .object([("name", .string($0.name)), ("digest", .object([("sha256", .string($0.sha256))]))])
            })),
            ("predicateType", .string(predicateType)),
            ("predicate", predicate),
        ])
    }

    /// This statement in a DSSE envelope signed by `key`.
    package func signed(with key: Ed25519Key) throws(AttestError) -> Envelope {
        try Envelope.signing(Array(json.rendered().utf8), payloadType: Self.payloadType, with: key)
    }
}

/// What a verified attestation says, read back from its payload.
package struct VerifiedStatement: Sendable {
    package var keyID: String
    package var predicateType: String
    package var subjects: [Statement.Subject]
    /// The predicate's `result.exit_status`, when it has one (a hashscreen screening).
    package var exitStatus: Int?
    /// The predicate's `screener.version` (`verifier.version` of a verification).
    package var toolVersion: String?

    /// Checks `envelope` with `key` — a signature that verifies over the PAE, payload type
    /// in-toto, `_type` Statement v1, subjects with SHA-256 digests — and reads it.
    package init(_ envelope: Envelope, key: Ed25519Key) throws(AttestError) {
        guard let sig = envelope.signature(verifiedBy: key) else {
            throw AttestError(.notVerified, "no signature of the envelope verifies with this key (keyid \((try? key.keyID()) ?? "?"))")
        }
        guard envelope.payloadType == Statement.payloadType else {
            throw AttestError(.notVerified, "payloadType is \(envelope.payloadType), not \(Statement.payloadType)")
        }
        guard let top = try? JSONSerialization.jsonObject(with: Data(envelope.payload)) as? [String: Any],
              top["_type"] as? String == Statement.type,
              let type = top["predicateType"] as? String,
              let subjects = top["subject"] as? [[String: Any]]
        else { throw AttestError(.notVerified, "the payload is not an in-toto Statement v1") }
        self.subjects = []
        for s in subjects {
            guard let name = s["name"] as? String, let digest = s["digest"] as? [String: Any], let sha = digest["sha256"] as? String else {
                throw AttestError(.notVerified, "a subject has no name or no sha256 digest")
            }
            self.subjects.append(Statement.Subject(name: name, sha256: sha.lowercased()))
        }
        keyID = sig.keyID
        predicateType = type
        let predicate = top["predicate"] as? [String: Any]
        exitStatus = (predicate?["result"] as? [String: Any])?["exit_status"] as? Int
        toolVersion = ((predicate?["screener"] ?? predicate?["verifier"]) as? [String: Any])?["version"] as? String
    }
}
