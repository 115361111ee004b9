/// HashscreenAttest: DSSE's PAE, Ed25519 against RFC 8032's vectors, envelopes and statements.
/// (The independent check by securesystemslib runs end to end: EndToEndTests/AttestationEndToEndTests.)
import Foundation
@testable import HashscreenAttest
import HashscreenCore
import XCTest

final class AttestTests: XCTestCase {
    /// RFC 8032 §7.1, TEST 1 and TEST 2 (secret key, public key, message, signature).
    static let vectors: [(secret: String, public: String, message: String, signature: String)] = [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ]

    /// The PEM PKCS#8 of a raw Ed25519 secret key (RFC 8410 §7: a fixed 16-byte DER prefix).
    func pkcs8PEM(secret: String) -> [UInt8] {
        let der = Hex.decode(Array("302e020100300506032b657004220420".utf8))! + Hex.decode(Array(secret.utf8))!
        return Array("-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString())\n-----END PRIVATE KEY-----\n".utf8)
    }

    func testPAEIsTheSpecificationsExample() {
        // DSSE protocol.md's test vector.
        XCTAssertEqual(String(decoding: Envelope.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8)), as: UTF8.self),
                       "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
        XCTAssertEqual(Envelope.pae(payloadType: "", payload: []), Array("DSSEv1 0  0 ".utf8))
    }

    func testSignaturesAreRFC8032s() throws {
        for v in Self.vectors {
            let key = try Ed25519Key(pem: pkcs8PEM(secret: v.secret), source: "vector")
            XCTAssertTrue(key.canSign)
            // The SubjectPublicKeyInfo ends with the raw public key.
            XCTAssertEqual(Hex.encode(try key.publicKeyDER().suffix(32)), v.public)
            let message = Hex.decode(Array(v.message.utf8))!
            XCTAssertEqual(Hex.encode(try key.sign(message)), v.signature)
            XCTAssertTrue(key.verify(Hex.decode(Array(v.signature.utf8))!, of: message))
        }
    }

    func testKeysRoundTripThroughPEMAndTheKeyIDIsTheDERsDigest() throws {
        let key = try Ed25519Key.generate()
        let priv = try Ed25519Key(pem: try key.privateKeyPEM(), source: "private")
        let pub = try Ed25519Key(pem: try key.publicKeyPEM(), source: "public")
        XCTAssertTrue(String(decoding: try key.privateKeyPEM(), as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        XCTAssertTrue(String(decoding: try key.publicKeyPEM(), as: UTF8.self).hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        XCTAssertFalse(pub.canSign)
        XCTAssertThrowsError(try pub.sign([1]))
        XCTAssertEqual(try priv.keyID(), try pub.keyID())
        XCTAssertEqual(try key.publicKeyDER().count, 44)
        // sha256sum of the DER, by coreutils.
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("der-\(UUID().uuidString)")
        try Data(try key.publicKeyDER()).write(to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process(); p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum"); p.arguments = [tmp.path]
        let out = Pipe(); p.standardOutput = out; try p.run(); p.waitUntilExit()
        let digest = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        XCTAssertEqual(try key.keyID(), String(digest))
        let sig = try priv.sign(Array("m".utf8))
        XCTAssertTrue(pub.verify(sig, of: Array("m".utf8)))
        XCTAssertFalse(pub.verify(sig, of: Array("n".utf8)))
        XCTAssertFalse(try Ed25519Key.generate().verify(sig, of: Array("m".utf8)))
    }

    func testOtherKeysAreRefused() {
        // An RSA-free check: text that is no PEM, and an EC P-256 public key (not Ed25519).
        XCTAssertThrowsError(try Ed25519Key(pem: Array("hello".utf8), source: "x")) { e in
            XCTAssertEqual((e as? AttestError)?.kind, .key)
        }
        let p256 = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9
            q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==
            -----END PUBLIC KEY-----
            """
        XCTAssertThrowsError(try Ed25519Key(pem: Array(p256.utf8), source: "p256")) { e in
            XCTAssertTrue((e as? AttestError)?.message.contains("not an Ed25519 key") ?? false, "\(e)")
        }
    }

    func testASignedStatementVerifiesAndAnyChangedPayloadByteFails() throws {
        let key = try Ed25519Key.generate()
        let statement = Statement(subjects: [.init(name: "m.csv", sha256: String(repeating: "ab", count: 32))],
                                  predicateType: "https://example.invalid/p", predicate: .object([("result", .object([("exit_status", .int(1))]))]))
        let envelope = try statement.signed(with: key)
        XCTAssertEqual(envelope.payloadType, "application/vnd.in-toto+json")
        let read = try Envelope(json: Array(envelope.json.pretty().utf8))
        XCTAssertEqual(read, envelope)
        let verified = try VerifiedStatement(read, key: key)
        XCTAssertEqual(verified.subjects, statement.subjects)
        XCTAssertEqual(verified.exitStatus, 1)
        XCTAssertEqual(verified.keyID, try key.keyID())
        for i in [0, envelope.payload.count / 2, envelope.payload.count - 1] {
            var changed = envelope
            changed.payload[i] ^= 0x01
            XCTAssertThrowsError(try VerifiedStatement(changed, key: key)) { e in XCTAssertEqual((e as? AttestError)?.kind, .notVerified) }
        }
        var retyped = envelope
        retyped.payloadType = "application/json"
        XCTAssertThrowsError(try VerifiedStatement(retyped, key: key))
        XCTAssertThrowsError(try VerifiedStatement(envelope, key: try Ed25519Key.generate()))
        XCTAssertThrowsError(try Envelope(json: Array("{}".utf8)))
    }
}
