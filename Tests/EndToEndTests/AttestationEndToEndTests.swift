/// End-to-end: signed screening attestations (issue 14; docs/attestation.md). `key generate`,
/// `scan --attest`, `attestation verify`, and the independent check: securesystemslib (PyPI)
/// verifies the DSSE envelope with the public key, and Python recomputes every subject digest.
import Foundation
import HashscreenTestSupport
import XCTest

final class AttestationEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let images = TestPaths.fixtures.appendingPathComponent("demo/images").path

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    // MARK: - Helpers

    func sha256(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    func generateKey(_ name: String = "signer") throws -> (key: String, pub: String) {
        try generateKeyPrinting(name).0
    }

    func generateKeyPrinting(_ name: String) throws -> ((key: String, pub: String), String) {
        let key = tmp.file(name)
        let r = try hashscreen(["key", "generate", "--out", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        return ((key, key + ".pub"), r.stdout)
    }

    func importList(_ lines: String) throws -> String {
        let db = tmp.file("list-\(UUID().uuidString).sqlite")
        let src = try tmp.write("list-\(UUID().uuidString).txt", lines)
        let r = try hashscreen(["list", "import", "--list", db, "--name", "L", "--version", "7", src])
        XCTAssertEqual(r.status, 0, r.stderr)
        return db
    }

    /// A manifest (one listed image, one clean) and a folder of two more images; the list.
    func dataset() throws -> (manifest: String, folder: String, db: String) {
        try FileManager.default.createDirectory(atPath: tmp.file("ds/sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: images + "/0002.jpg", toPath: tmp.file("ds/b.jpg"))
        try FileManager.default.copyItem(atPath: images + "/0003.png", toPath: tmp.file("ds/sub/c.png"))
        let m = try tmp.write("in/m.csv", "key,path\nhit,\(images)/0001.jpg\nclean,\(images)/0004.jpg\n")
        return (m, tmp.file("ds"), try importList("sha256 \(try sha256(images + "/0001.jpg"))\n"))
    }

    func scan(_ inputs: [String], _ db: String, _ out: String, _ extra: [String] = []) throws -> ProcessOutput {
        try hashscreen(["scan"] + inputs + ["--list", db, "--out", out, "--signals", "sha256,md5", "--quiet"] + extra)
    }

    /// The envelope's payload, decoded (by Foundation: independent of the writer's encoder).
    func payload(_ envelope: String) throws -> (text: String, statement: [String: Any]) {
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: envelope))) as! [String: Any]
        let bytes = Data(base64Encoded: env["payload"] as! String)!
        return (String(decoding: bytes, as: UTF8.self), try JSONSerialization.jsonObject(with: bytes) as! [String: Any])
    }

    /// securesystemslib verifies the envelope with the public key (keyid: SHA-256 of the key's
    /// DER, computed by `cryptography`), then the same with one payload byte changed at each
    /// of three places; Python digests each input (a folder: sorted `sha256  path` lines).
    static let securesystemslibCheck = """
        import base64, hashlib, json, os, stat, sys
        from cryptography.hazmat.primitives.serialization import load_pem_public_key, Encoding, PublicFormat
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey
        from securesystemslib.exceptions import VerificationError
        env_path, pub_path, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
        pub = load_pem_public_key(open(pub_path, 'rb').read())
        keyid = hashlib.sha256(pub.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()
        key = SSlibKey.from_crypto(pub, keyid=keyid)
        doc = json.load(open(env_path))
        env = Envelope.from_dict(json.loads(json.dumps(doc)))
        out = {"keyid": keyid, "verified": sorted(env.verify([key], 1).keys()), "payload_type": env.payload_type}
        failures = 0
        for i in (0, len(env.payload) // 2, len(env.payload) - 1):
            bad = bytearray(env.payload); bad[i] ^= 1
            d = json.loads(json.dumps(doc)); d["payload"] = base64.b64encode(bytes(bad)).decode()
            try:
                Envelope.from_dict(d).verify([key], 1)
            except VerificationError:
                failures += 1
        out["tampered_failures"] = failures
        def tree(root):
            lines = []
            for d, dirs, files in os.walk(root.encode()):
                for f in files:
                    p = os.path.join(d, f)
                    if stat.S_ISREG(os.lstat(p).st_mode):
                        lines.append((os.path.relpath(p, root.encode()), hashlib.sha256(open(p, 'rb').read()).hexdigest()))
            return hashlib.sha256(b"".join(h.encode() + b"  " + r + b"\\n" for r, h in sorted(lines))).hexdigest()
        out["digests"] = [tree(p) if os.path.isdir(p) else hashlib.sha256(open(p, 'rb').read()).hexdigest() for p in inputs]
        print(json.dumps(out))
        """

    // MARK: - key generate

    func testKeyGenerateWritesPKCS8AndSPKIFilesThatCryptographyReadsAndNeverOverwrites() throws {
        let ((key, pub), printed) = try generateKeyPrinting("signer")
        XCTAssertEqual(mode(key), 0o600)
        XCTAssertEqual(mode(pub), 0o600)
        XCTAssertTrue(try read(key).hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        XCTAssertTrue(try read(pub).hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let out = try runPython("""
            import hashlib, sys
            from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key, Encoding, PublicFormat
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
            k = load_pem_private_key(open(sys.argv[1], 'rb').read(), password=None)
            p = load_pem_public_key(open(sys.argv[2], 'rb').read())
            assert isinstance(k, Ed25519PrivateKey) and isinstance(p, Ed25519PublicKey)
            same = k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == p.public_bytes(Encoding.Raw, PublicFormat.Raw)
            keyid = hashlib.sha256(p.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()
            print(("ed25519 pair" if same else "mismatch") + " " + keyid)
            """, [key, pub])
        let keyid = String(out.dropFirst("ed25519 pair ".count).prefix(64))
        XCTAssertEqual(out, "ed25519 pair \(keyid)\n")
        XCTAssertEqual(printed, "wrote \(key) (private) and \(pub) (public); keyid \(keyid)\n")
        let before = try read(key)
        for existing in [key, tmp.file("other")] {
            if existing != key { try tmp.write("other.pub", "mine\n") }
            let again = try hashscreen(["key", "generate", "--out", existing])
            XCTAssertEqual(again.status, 2, again.stderr)
            XCTAssertTrue(again.stderr.contains("exists"), again.stderr)
        }
        XCTAssertEqual(try read(key), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("other")))
        XCTAssertEqual(try read(tmp.file("other.pub")), "mine\n")
    }

    // MARK: - scan --attest

    func testSecuresystemslibVerifiesTheEnvelopeAndAChangedPayloadByteFails() throws {
        let (m, folder, db) = try dataset()
        let (key, pub) = try generateKey()
        let out = tmp.file("out")
        let r = try scan([m, folder], db, out, ["--attest", key])
        XCTAssertEqual(r.status, 1, r.stderr)
        let envelope = out + "/attestation.intoto.json"
        XCTAssertEqual(mode(envelope), 0o600)
        let check = try JSONSerialization.jsonObject(with: Data(try runPython(Self.securesystemslibCheck, [envelope, pub, m, folder]).utf8)) as! [String: Any]
        let keyid = check["keyid"] as! String
        XCTAssertEqual(check["verified"] as? [String], [keyid])
        XCTAssertEqual(check["payload_type"] as? String, "application/vnd.in-toto+json")
        XCTAssertEqual(check["tampered_failures"] as? Int, 3)
        // The keyid in the envelope is the key's DER digest, as cryptography computes it.
        let env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: envelope))) as! [String: Any]
        XCTAssertEqual((env["signatures"] as? [[String: Any]])?.map { $0["keyid"] as? String }, [keyid])
        // Subjects: the inputs by name and SHA-256, as Python digests them.
        let (_, statement) = try payload(envelope)
        XCTAssertEqual(statement["_type"] as? String, "https://in-toto.io/Statement/v1")
        XCTAssertEqual(statement["predicateType"] as? String, "https://hashscreen.invalid/attestation/screening/v1")
        let subjects = statement["subject"] as! [[String: Any]]
        XCTAssertEqual(subjects.map { $0["name"] as? String }, ["m.csv", "ds"])
        XCTAssertEqual(subjects.map { ($0["digest"] as? [String: String])?["sha256"] }, (check["digests"] as! [String]).map { $0 })
        XCTAssertEqual((subjects[0]["digest"] as? [String: String])?["sha256"], try sha256(m))
        // The predicate: tool, lists (name, version, source digest), options, counts, result.
        let p = statement["predicate"] as! [String: Any]
        XCTAssertEqual((p["screener"] as? [String: Any])?["name"] as? String, "hashscreen")
        let list = (p["lists"] as! [[String: Any]])[0]
        XCTAssertEqual(list["name"] as? String, "L")
        XCTAssertEqual(list["version"] as? String, "7")
        XCTAssertEqual(((list["sources"] as? [[String: Any]])?[0]["sha256"] as? String)?.count, 64)
        XCTAssertEqual((p["options"] as? [String: Any])?["signals"] as? [String], ["md5", "sha256"])
        let counts = p["counts"] as! [String: Any]
        XCTAssertEqual(counts["samples"] as? Int, 4)
        XCTAssertEqual(counts["matched"] as? Int, 1)
        XCTAssertEqual(((counts["per_signal"] as? [String: Any])?["sha256"] as? [String: Any])?["matched"] as? Int, 1)
        XCTAssertEqual(((counts["per_list"] as? [[String: Any]])?[0])?["matched"] as? Int, 1)
        XCTAssertEqual((counts["per_input"] as? [[String: Any]])?.map { $0["name"] as? String }, ["m.csv", "ds"])
        XCTAssertEqual((p["result"] as? [String: Any])?["exit_status"] as? Int, 1)
        XCTAssertEqual((p["result"] as? [String: Any])?["meaning"] as? String, "matched")
        XCTAssertNotNil((p["times"] as? [String: String])?["finished"])
        XCTAssertEqual((p["inputs"] as? [[String: String]])?.map { $0["digest"] }, ["file", "tree"])
        // Nothing local: no path of this machine in the statement.
        XCTAssertFalse(try payload(envelope).text.contains(tmp.path), "a local path in the attestation")
    }

    func testAttestationVerifyExitStatuses() throws {
        let (m, folder, db) = try dataset()
        let (key, pub) = try generateKey()
        let out = tmp.file("out")
        XCTAssertEqual(try scan([m, folder], db, out, ["--attest", key]).status, 1)
        let envelope = out + "/attestation.intoto.json"

        let ok = try hashscreen(["attestation", "verify", envelope, "--key", pub, "--inputs", m, folder])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("signature verified"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("scan result 1 (matched)"), ok.stdout)
        // The private key verifies too; a renamed copy of an input still matches its subject.
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", key]).status, 0)
        try FileManager.default.copyItem(atPath: m, toPath: tmp.file("renamed.csv"))
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", pub, "--inputs", tmp.file("renamed.csv")]).status, 0)

        // An input changed: a byte of the manifest, then a file added to the folder.
        try tmp.write("changed.csv", try read(m) + "x,\(images)/0005.png\n")
        let changed = try hashscreen(["attestation", "verify", envelope, "--key", pub, "--inputs", tmp.file("changed.csv")])
        XCTAssertEqual(changed.status, 3, changed.stderr)
        XCTAssertTrue(changed.stdout.contains("matches no subject"), changed.stdout)
        try FileManager.default.copyItem(atPath: images + "/0005.png", toPath: folder + "/sub/new.png")
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", pub, "--inputs", m, folder]).status, 3)

        // A byte of the payload changed (re-encoded, so the envelope stays well-formed): 1.
        var env = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: envelope))) as! [String: Any]
        var bytes = [UInt8](Data(base64Encoded: env["payload"] as! String)!)
        let at = bytes.firstIndex(of: UInt8(ascii: "7"))!  // the list's version
        bytes[at] = UInt8(ascii: "8")
        env["payload"] = Data(bytes).base64EncodedString()
        let tampered = tmp.file("tampered.json")
        try JSONSerialization.data(withJSONObject: env).write(to: URL(fileURLWithPath: tampered))
        let bad = try hashscreen(["attestation", "verify", tampered, "--key", pub])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("not verified"), bad.stderr)
        // Another key: 1. Not an envelope: 1. No key file: 2. A key that is no PEM: 2.
        let (_, otherPub) = try generateKey("other")
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", otherPub]).status, 1)
        XCTAssertEqual(try hashscreen(["attestation", "verify", out + "/summary.json", "--key", pub]).status, 1)
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", tmp.file("missing.pub")]).status, 2)
        XCTAssertEqual(try hashscreen(["attestation", "verify", envelope, "--key", m]).status, 2)
    }

    func testTheAttestationHoldsNoListValue() throws {
        // Every kind of value a list holds, some matching (md5 and PDQ of 0001.jpg, a URL).
        let hashes = try hashscreen(["hash", "--signals", "md5,pdq", images + "/0001.jpg"])
        let row = try JSONSerialization.jsonObject(with: Data(hashes.stdout.utf8)) as! [String: Any]
        let md5 = row["md5"] as! String, pdq = row["pdq"] as! String
        let url = "http://example.invalid/listed/secret-name.jpg"
        let urlMD5 = try hashscreen(["hash", "--signals", "url_md5,url_sha256", "--url-convention", "threatexchange", url])
        let urlRow = try JSONSerialization.jsonObject(with: Data(urlMD5.stdout.utf8)) as! [String: Any]
        var values = [md5, pdq, String(repeating: "5a", count: 20), String(repeating: "c3", count: 32), "f0e1d2c3b4a59687"]
        values += [urlRow["url_md5"] as! String, urlRow["url_sha256"] as! String]
        let db = try importList("""
            md5 \(md5)
            pdq \(pdq)
            sha1 \(values[2])
            sha256 \(values[3])
            phash \(values[4])
            url \(url)
            """)
        let m = try tmp.write("in/m.csv", "key,url,path\nhit,\(url),\(images)/0001.jpg\nclean,http://example.invalid/ok,\(images)/0002.jpg\n")
        let (key, _) = try generateKey()
        let out = tmp.file("out")
        let r = try hashscreen(["scan", m, "--list", db, "--out", out, "--attest", key, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        // The finding is in the report (so the values were there to leak) ...
        XCTAssertTrue(try read(out + "/report.jsonl").contains(md5))
        // ... but neither the decoded payload nor the envelope holds a value, in any case.
        let text = try payload(out + "/attestation.intoto.json").text.lowercased()
        let envelope = try read(out + "/attestation.intoto.json").lowercased()
        for v in values + [url, "secret-name"] {
            XCTAssertFalse(text.contains(v.lowercased()), "list value \(v) in the attestation")
            XCTAssertFalse(envelope.contains(v.lowercased()), "list value \(v) in the envelope")
        }
        XCTAssertTrue(text.contains("\"per_list\""), text)
    }

    func testAttestLeavesTheOtherOutputsAsTheyWereAndALaterScanWithoutItRemovesIt() throws {
        let (m, folder, db) = try dataset()
        let (key, pub) = try generateKey()
        let plain = tmp.file("plain"), signed = tmp.file("signed")
        XCTAssertEqual(try scan([m, folder], db, plain, ["--jobs", "1"]).status, 1)
        XCTAssertEqual(try scan([m, folder], db, signed, ["--jobs", "1", "--attest", key]).status, 1)
        let files = ["removals.csv", "report.jsonl", "errors.jsonl"]
        for f in files { XCTAssertEqual(try read(plain + "/" + f), try read(signed + "/" + f), f) }
        // summary.json: the same but for its times.
        func untimed(_ dir: String) throws -> String {
            try read(dir + "/summary.json").split(separator: "\n")
                .filter { !["seconds", "started", "finished", "per_second", "\"setup\"", "\"scan\""].contains(where: $0.contains) }
                .joined(separator: "\n")
        }
        XCTAssertEqual(try untimed(plain), try untimed(signed))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: signed).sorted(),
                       (try FileManager.default.contentsOfDirectory(atPath: plain) + ["attestation.intoto.json"]).sorted())
        // The same folder scanned again without --attest: the earlier attestation goes with its run.
        XCTAssertEqual(try scan([m], db, signed).status, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: signed + "/attestation.intoto.json"))
        // A public key (or no key) for --attest stops the scan before any output (exit 2).
        let refused = try scan([m], db, tmp.file("refused"), ["--attest", pub])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("public key"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("refused/summary.json")))
        XCTAssertEqual(try scan([m], db, tmp.file("nokey"), ["--attest", tmp.file("missing")]).status, 2)
    }
}
