import Foundation
import HashscreenCore

/// A DSSE envelope: a payload, its type, and signatures over their PAE.
///
/// JSON form (DSSE envelope.md): `{"payloadType": ..., "payload": <base64>, "signatures":
/// [{"keyid": ..., "sig": <base64>}]}`. Base64 is standard with padding (RFC 4648 §4); a
/// reader also takes the URL-safe alphabet, as the specification allows.
package struct Envelope: Sendable, Equatable {
    package struct Signature: Sendable, Equatable {
        package var keyID: String
        package var sig: [UInt8]
    }

    package var payloadType: String
    package var payload: [UInt8]
    package var signatures: [Signature]

    /// DSSE's pre-authentication encoding of `payload` under `payloadType`: what is signed.
    package static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8) + payload
    }

    /// `payload` signed by `key`: one signature, under the key's keyid.
    package static func signing(_ payload: [UInt8], payloadType: String, with key: Ed25519Key) throws(AttestError) -> Envelope {
        let sig = try key.sign(pae(payloadType: payloadType, payload: payload))
        return Envelope(payloadType: payloadType, payload: payload, signatures: [Signature(keyID: try key.keyID(), sig: sig)])
    }

    /// The envelope as JSON, keys in the specification's order.
    package var json: JSONValue {
        .object([
            ("payloadType", .string(payloadType)),
            ("payload", .string(Data(payload).base64EncodedString())),
            ("signatures", .array(signatures.map {
                .object([("keyid", .string($0.keyID)), ("sig", .string(Data($0.sig).base64EncodedString()))])
            })),
        ])
    }

    /// Reads an envelope's JSON; anything that is not one is `notVerified`.
    package init(json bytes: [UInt8]) throws(AttestError) {
        guard let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let type = top["payloadType"] as? String,
              let payloadText = top["payload"] as? String,
              let payload = Self.base64(payloadText),
              let sigs = top["signatures"] as? [[String: Any]]
        else { throw AttestError(.notVerified, "not a DSSE envelope (a JSON object with payloadType, payload and signatures)") }
        var signatures: [Signature] = []
        for s in sigs {
            guard let text = s["sig"] as? String, let sig = Self.base64(text) else {
                throw AttestError(.notVerified, "a signature of the envelope is not base64")
            }
            signatures.append(Signature(keyID: s["keyid"] as? String ?? "", sig: sig))
        }
        self.init(payloadType: type, payload: payload, signatures: signatures)
    }

    package init(payloadType: String, payload: [UInt8], signatures: [Signature]) {
        self.payloadType = payloadType; self.payload = payload; self.signatures = signatures
    }

    /// The first signature that `key` verifies over the PAE, or nil. A signature's keyid is
    /// not trusted to choose the key (DSSE: keyid is only a hint); it is reported.
    package func signature(verifiedBy key: Ed25519Key) -> Signature? {
        let pae = Self.pae(payloadType: payloadType, payload: payload)
        return signatures.first { key.verify($0.sig, of: pae) }
    }

    /// Standard or URL-safe base64, padded or not.
    static func base64(_ text: String) -> [UInt8]? {
        var t = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map { [UInt8]($0) }
    }
}
