/// End-to-end: `verify` and attestations (issue 14; docs/verify.md, docs/attestation.md).
/// `verify --attest` writes a verification statement that securesystemslib (PyPI) verifies and
/// a changed payload byte fails; `verify --against ATTESTATION --key PUB [--flagged FILE]`
/// checks the signature first (exit 6), then re-screens with the predicate's options and
/// compares with the flagged rows the attestation records by digest; verify's `report.html` /
/// `prevalence.json` take "before" from the earlier scan and "after" from the re-screening; a
/// folder subject's tree digest follows links when the scan did (`--follow-symlinks`).
import Foundation
import HashscreenTestSupport
import XCTest

final class VerifyAttestationEndToEndTests: XCTestCase {
    var tmp: TemporaryDirectory!
    let fixtures = TestPaths.fixtures
    var images: String { fixtures.appendingPathComponent("demo/images").path }
    var demoListCSV: String { fixtures.appendingPathComponent("demo/demo-list.csv").path }

    override func setUpWithError() throws {
        tmp = try TemporaryDirectory()
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: TestPaths.executable.path),
                      "hashscreen not built at \(TestPaths.executable.path)")
    }

    // MARK: - Helpers

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func sha256(_ path: String) throws -> String {
        String(try runProcess("/usr/bin/sha256sum", [path]).stdout.prefix(64))
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func generateKey(_ name: String) throws -> (key: String, pub: String) {
        let key = tmp.file(name)
        let r = try hashscreen(["key", "generate", "--out", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (key, key + ".pub")
    }

    /// The demo list (md5 of 0002, sha256 of 0005, ...).
    func demoList() throws -> String {
        let db = tmp.file("demo.sqlite")
        if !exists(db) {
            let r = try hashscreen(["list", "import", "--list", db, "--name", "demo-list", "--version", "1", demoListCSV])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return db
    }

    /// The statement inside an envelope, decoded by Foundation (independent of the writer).
    func statement(_ envelope: String) throws -> (text: String, json: [String: Any]) {
        let env = try json(envelope)
        let bytes = Data(base64Encoded: env["payload"] as! String)!
        return (String(decoding: bytes, as: UTF8.self), try JSONSerialization.jsonObject(with: bytes) as! [String: Any])
    }

    /// `envelope` with the payload byte `from` (its first occurrence after `after`) changed to `to`, re-encoded.
    func tampered(_ envelope: String, after: String, from: Character, to: Character) throws -> String {
        var env = try json(envelope)
        var bytes = [UInt8](Data(base64Encoded: env["payload"] as! String)!)
        let start = try XCTUnwrap(String(decoding: bytes, as: UTF8.self).utf8.indices(of: after))
        let at = try XCTUnwrap(bytes[start...].firstIndex(of: from.asciiValue!))
        bytes[at] = to.asciiValue!
        env["payload"] = Data(bytes).base64EncodedString()
        let path = tmp.file("tampered-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: env).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A manifest of four images (k2 and k5 flagged by the demo list), scanned with --attest
    /// and --write-cleaned into `earlier`.
    func earlierScan(_ key: String) throws -> (manifest: String, db: String, earlier: String) {
        let db = try demoList()
        let m = try tmp.write("m.csv", "key,path\nk1,\(images)/0001.jpg\nk2,\(images)/0002.jpg\nk3,\(images)/0003.png\nk5,\(images)/0005.png\n")
        let earlier = tmp.file("earlier")
        let r = try hashscreen(["scan", m, "--list", db, "--out", earlier, "--write-cleaned", "--attest", key, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        return (m, db, earlier)
    }

    func verify(_ release: [String], _ db: String, against: String, _ out: String, _ extra: [String] = []) throws -> ProcessOutput {
        try hashscreen(["verify"] + release + ["--list", db, "--against", against, "--out", out] + extra)
    }

    func check(_ v: [String: Any], _ name: String) -> [String: Any] {
        (v["checks"] as! [String: Any])[name] as! [String: Any]
    }

    // MARK: - verify --attest

    /// securesystemslib verifies verify's envelope with the public key and fails it with a
    /// payload byte changed (three places); the subject is the release by SHA-256 (Python's
    /// hashlib); the predicate records the verdict, the checks, the lists by source digest, the
    /// earlier scan by the digests of its summary.json and flagged.jsonl; no list value.
    func testVerifyAttestIsAVerificationStatementSecuresystemslibVerifies() throws {
        let (key, pub) = try generateKey("signer")
        let (_, db, earlier) = try earlierScan(key)
        let release = earlier + "/cleaned/m.csv"
        let out = tmp.file("v")
        let r = try verify([release], db, against: earlier, out, ["--attest", key])
        XCTAssertEqual(r.status, 0, r.stderr)
        let envelope = out + "/verification.intoto.json"
        var st = stat()
        XCTAssertEqual(lstat(envelope, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o600)
        let checked = try JSONSerialization.jsonObject(with: Data(try runPython(AttestationEndToEndTests.securesystemslibCheck,
                                                                                 [envelope, pub, release]).utf8)) as! [String: Any]
        XCTAssertEqual(checked["verified"] as? [String], [checked["keyid"] as! String])
        XCTAssertEqual(checked["tampered_failures"] as? Int, 3)

        let (text, s) = try statement(envelope)
        XCTAssertEqual(s["_type"] as? String, "https://in-toto.io/Statement/v1")
        XCTAssertEqual(s["predicateType"] as? String, "https://hashscreen.invalid/attestation/verification/v1")
        let subjects = s["subject"] as! [[String: Any]]
        XCTAssertEqual(subjects.map { $0["name"] as? String }, ["m.csv"])
        XCTAssertEqual((subjects[0]["digest"] as? [String: String])?["sha256"], (checked["digests"] as! [String])[0])
        XCTAssertEqual((subjects[0]["digest"] as? [String: String])?["sha256"], try sha256(release))
        let p = s["predicate"] as! [String: Any]
        XCTAssertEqual((p["verifier"] as? [String: Any])?["name"] as? String, "hashscreen")
        XCTAssertEqual((p["result"] as? [String: Any])?["verdict"] as? String, "verified")
        XCTAssertEqual((p["result"] as? [String: Any])?["exit_status"] as? Int, 0)
        let e = p["earlier"] as! [String: Any]
        XCTAssertEqual(e["kind"] as? String, "folder")
        XCTAssertEqual(e["sha256"] as? String, try sha256(earlier + "/summary.json"))
        XCTAssertEqual((e["flagged"] as? [String: Any])?["sha256"] as? String, try sha256(earlier + "/flagged.jsonl"))
        XCTAssertEqual((e["flagged"] as? [String: Any])?["rows"] as? Int, 2)
        XCTAssertEqual((e["counts"] as? [String: Int]), ["samples": 4, "matched": 2, "errors": 0])
        let checks = p["checks"] as! [String: Any]
        XCTAssertEqual((checks["earlier_flagged_gone"] as? [String: Any])?["passed"] as? Bool, true)
        XCTAssertEqual((checks["no_match_now"] as? [String: Any])?["matched"] as? Int, 0)
        let list = (p["lists"] as! [[String: Any]])[0]
        XCTAssertEqual(list["name"] as? String, "demo-list")
        XCTAssertEqual(list["status"] as? String, "same")
        XCTAssertEqual(list["source_sha256"] as? [String], [try sha256(demoListCSV)])
        XCTAssertEqual((p["options"] as? [String: Any])?["pdq_threshold"] as? Int, 31)
        XCTAssertNotNil((p["times"] as? [String: String])?["finished"])
        XCTAssertFalse(text.contains(tmp.path), "a local path in the attestation")
        // No list value (the demo list's hashes) in the payload or the envelope.
        let values = try read(demoListCSV).split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]).lowercased() }
        XCTAssertGreaterThan(values.count, 5)
        let envelopeText = try read(envelope).lowercased()
        for v in values {
            XCTAssertFalse(text.lowercased().contains(v), "list value \(v) in the attestation")
            XCTAssertFalse(envelopeText.contains(v), "list value \(v) in the envelope")
        }

        // hashscreen's own check accepts it (and names the release), rejects a changed byte.
        let ok = try hashscreen(["attestation", "verify", envelope, "--key", pub, "--inputs", release])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("verify result 0 (verified)"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("matches subject m.csv"), ok.stdout)
        let bad = try hashscreen(["attestation", "verify", try tampered(envelope, after: "\"verdict\"", from: "v", to: "w"), "--key", pub])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        // A failing verification is attested too, with its exit status.
        let leftIn = try tmp.write("left.csv", "key,path\nk1,\(images)/0001.jpg\nk5,\(images)/0005.png\n")
        XCTAssertEqual(try verify([leftIn], db, against: earlier, tmp.file("v2"), ["--attest", key]).status, 1)
        let p2 = try statement(tmp.file("v2") + "/verification.intoto.json").json["predicate"] as! [String: Any]
        XCTAssertEqual((p2["result"] as? [String: Any])?["verdict"] as? String, "not verified")
        XCTAssertEqual((p2["result"] as? [String: Any])?["exit_status"] as? Int, 1)
        XCTAssertEqual(((p2["checks"] as? [String: Any])?["earlier_flagged_gone"] as? [String: Any])?["remaining"] as? Int, 1)
        // Without --attest no verification.intoto.json; a public key for --attest: exit 2, nothing written.
        XCTAssertEqual(try verify([release], db, against: earlier, tmp.file("v3")).status, 0)
        XCTAssertFalse(exists(tmp.file("v3") + "/verification.intoto.json"))
        let refused = try verify([release], db, against: earlier, tmp.file("v4"), ["--attest", pub])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertFalse(exists(tmp.file("v4") + "/summary.json"))
    }

    // MARK: - verify --against ATTESTATION

    /// The earlier scan given by its attestation: a cleaned release passes (with --flagged the
    /// flagged-rows check runs; without it, it is "not checked"); a flagged row left in fails
    /// (exit 1), as does a flagged image under a renamed key; the screened dataset itself with
    /// --same-inputs reproduces the provenance from the predicate and subjects (0 differences).
    func testVerifyAgainstAnAttestationPassesACleanedReleaseAndFailsARowLeftIn() throws {
        let (key, pub) = try generateKey("signer")
        let (m, db, earlier) = try earlierScan(key)
        let attestation = earlier + "/attestation.intoto.json"
        let flagged = earlier + "/flagged.jsonl"
        // The scan's predicate records flagged.jsonl by digest and rows.
        let recorded = (try statement(attestation).json["predicate"] as! [String: Any])["flagged"] as? [String: Any]
        XCTAssertEqual(recorded?["sha256"] as? String, try sha256(flagged))
        XCTAssertEqual(recorded?["rows"] as? Int, 2)
        let release = earlier + "/cleaned/m.csv"
        var r = try verify([release], db, against: attestation, tmp.file("v1"), ["--key", pub, "--flagged", flagged])
        XCTAssertEqual(r.status, 0, r.stderr)
        var v = try json(tmp.file("v1") + "/verify.json")
        XCTAssertEqual(v["verdict"] as? String, "verified")
        let e = v["earlier"] as! [String: Any]
        XCTAssertEqual(e["attestation"] as? String, attestation)
        XCTAssertEqual(e["flagged"] as? Int, 2)
        XCTAssertEqual(e["with_content_digest"] as? Int, 2)
        XCTAssertEqual(check(v, "earlier_flagged_gone")["checked"] as? Bool, true)
        XCTAssertEqual(check(v, "earlier_flagged_gone")["passed"] as? Bool, true)
        // The inputs' digests come from the subjects: the cleaned release differs, listed only.
        XCTAssertEqual((v["differences"] as! [[String: Any]]).map { $0["field"] as? String }, ["inputs.1.sha256"])

        // Without --flagged: the check is not checked (null), the verdict still stands on the rest.
        r = try verify([release], db, against: attestation, tmp.file("v2"), ["--key", pub])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("earlier flagged rows gone: not checked"), r.stderr)
        v = try json(tmp.file("v2") + "/verify.json")
        XCTAssertEqual(check(v, "earlier_flagged_gone")["checked"] as? Bool, false)
        XCTAssertTrue(check(v, "earlier_flagged_gone")["passed"] is NSNull)
        XCTAssertTrue((v["earlier"] as! [String: Any])["with_content_digest"] is NSNull)

        // One flagged row left in: exit 1 with --flagged.
        let leftIn = try tmp.write("left.csv", "key,path\nk1,\(images)/0001.jpg\nk3,\(images)/0003.png\nk5,\(images)/0005.png\n")
        r = try verify([leftIn], db, against: attestation, tmp.file("v3"), ["--key", pub, "--flagged", flagged])
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v3") + "/verify.json")
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).map { $0["key"] as? String }, ["k5"])
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).first?["by"] as? [String], ["key", "content"])
        // The flagged image of k2 under a renamed key: by content.
        let renamed = try tmp.write("renamed.csv", "key,path\nk1,\(images)/0001.jpg\nrenamed,\(images)/0002.jpg\n")
        r = try verify([renamed], db, against: attestation, tmp.file("v4"), ["--key", pub, "--flagged", flagged])
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v4") + "/verify.json")
        XCTAssertEqual((v["remaining"] as! [[String: Any]]).first?["earlier_keys"] as? [String], ["k2"])
        XCTAssertEqual(check(v, "earlier_flagged_gone")["by_content"] as? Int, 1)
        // The screened dataset itself, --same-inputs: provenance reproduced from the attestation.
        r = try verify([m], db, against: attestation, tmp.file("v5"), ["--key", pub, "--flagged", flagged, "--same-inputs"])
        XCTAssertEqual(r.status, 1, r.stderr)
        v = try json(tmp.file("v5") + "/verify.json")
        XCTAssertEqual((v["differences"] as! [Any]).count, 0)
        XCTAssertEqual(check(v, "provenance_reproduced")["passed"] as? Bool, true)
    }

    /// The signature is checked before any work: another key, a changed payload byte and a
    /// --flagged file that is not the attested one give exit 6 with nothing written; misuse 64.
    func testVerifyAgainstAnAttestationThatDoesNotVerifyExits6BeforeAnyWork() throws {
        let (key, pub) = try generateKey("signer")
        let (_, otherPub) = try generateKey("other")
        let (m, db, earlier) = try earlierScan(key)
        let attestation = earlier + "/attestation.intoto.json"
        let flagged = earlier + "/flagged.jsonl"
        let release = earlier + "/cleaned/m.csv"
        XCTAssertEqual(try verify([release], db, against: attestation, tmp.file("ok"), ["--key", pub]).status, 0)

        var r = try verify([release], db, against: attestation, tmp.file("x1"), ["--key", otherPub])
        XCTAssertEqual(r.status, 6, r.stderr)
        XCTAssertTrue(r.stderr.contains("not verified"), r.stderr)
        XCTAssertFalse(exists(tmp.file("x1")))
        // A changed byte: the list's version in the predicate ("1" -> "2") would otherwise pass as a changed list.
        let bad = try tampered(attestation, after: "\"version\":\"1\"", from: "1", to: "2")
        r = try verify([release], db, against: bad, tmp.file("x2"), ["--key", pub])
        XCTAssertEqual(r.status, 6, r.stderr)
        XCTAssertFalse(exists(tmp.file("x2")))
        // --flagged another file (the earlier flagged.jsonl with its first row dropped).
        let lines = try read(flagged).split(separator: "\n")
        let fewer = try tmp.write("fewer.jsonl", lines.dropFirst().map { $0 + "\n" }.joined())
        r = try verify([m], db, against: attestation, tmp.file("x3"), ["--key", pub, "--flagged", fewer])
        XCTAssertEqual(r.status, 6, r.stderr)
        XCTAssertTrue(r.stderr.contains("is not the flagged.jsonl"), r.stderr)
        XCTAssertFalse(exists(tmp.file("x3")))
        // --out may not be the folder holding the attestation (or --flagged): it would be replaced.
        r = try verify([release], db, against: attestation, earlier, ["--key", pub, "--flagged", flagged])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(exists(attestation) && exists(flagged))
        // An attestation needs --key; --key / --flagged with a folder is misuse.
        XCTAssertEqual(try verify([release], db, against: attestation, tmp.file("x4")).status, 64)
        XCTAssertEqual(try verify([release], db, against: earlier, tmp.file("x5"), ["--key", pub]).status, 64)
        // A verification attestation is not a screening one: fatal (2).
        XCTAssertEqual(try verify([release], db, against: earlier, tmp.file("va"), ["--attest", key]).status, 0)
        r = try verify([release], db, against: tmp.file("va") + "/verification.intoto.json", tmp.file("x6"), ["--key", pub])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("not a screening"), r.stderr)
    }

    // MARK: - report.html / prevalence.json of verify

    /// "Before" is the earlier scan (4 samples, 2 flagged), "after" the re-screened release:
    /// 0 flagged and verified for the cleaned release; 1 flagged and not verified with a row left.
    /// The page renders in headless Chromium at a phone's width with the before and after bars.
    func testVerifysPrevalenceIsBeforeTheEarlierScanAfterTheRescreenedRelease() throws {
        let (key, pub) = try generateKey("signer")
        let (_, db, earlier) = try earlierScan(key)
        XCTAssertEqual(try verify([earlier + "/cleaned/m.csv"], db, against: earlier, tmp.file("v1")).status, 0)
        var p = try json(tmp.file("v1") + "/prevalence.json")
        let earlierSummary = try json(earlier + "/summary.json")["counts"] as! [String: Any]
        var before = p["before_removal"] as! [String: Any], after = p["after_removal"] as! [String: Any]
        XCTAssertEqual(before["samples"] as? Int, earlierSummary["samples"] as? Int)
        XCTAssertEqual(before["flagged"] as? Int, earlierSummary["matched"] as? Int)
        XCTAssertEqual(before["flagged"] as? Int, 2)
        XCTAssertEqual(after["samples"] as? Int, 2)
        XCTAssertEqual(after["flagged"] as? Int, 0)
        XCTAssertEqual(after["basis"] as? String, "rescreened")
        XCTAssertEqual(after["verified"] as? Bool, true)
        // The same from the attestation's counts.
        XCTAssertEqual(try verify([earlier + "/cleaned/m.csv"], db, against: earlier + "/attestation.intoto.json", tmp.file("va"),
                                  ["--key", pub]).status, 0)
        XCTAssertEqual((try json(tmp.file("va") + "/prevalence.json")["before_removal"] as! [String: Any])["flagged"] as? Int, 2)
        // A row left in: after = what the re-screening found, not verified.
        let leftIn = try tmp.write("left.csv", "key,path\nk1,\(images)/0001.jpg\nk5,\(images)/0005.png\n")
        XCTAssertEqual(try verify([leftIn], db, against: earlier, tmp.file("v2")).status, 1)
        p = try json(tmp.file("v2") + "/prevalence.json")
        after = p["after_removal"] as! [String: Any]
        before = p["before_removal"] as! [String: Any]
        XCTAssertEqual(before["flagged"] as? Int, 2)
        XCTAssertEqual(after["flagged"] as? Int, 1)
        XCTAssertEqual(after["flagged_per_million"] as? Double, 500_000)
        XCTAssertEqual(after["verified"] as? Bool, false)
        // A scan's own report is unchanged: computed, unverified.
        let scanAfter = try json(earlier + "/prevalence.json")["after_removal"] as! [String: Any]
        XCTAssertEqual(scanAfter["basis"] as? String, "computed")
        XCTAssertEqual(scanAfter["verified"] as? Bool, false)
        XCTAssertTrue(try read(tmp.file("v1") + "/report.html").contains("(re-screened, verified)"))
        XCTAssertTrue(try read(tmp.file("v2") + "/report.html").contains("(re-screened, not verified)"))
        // Per list: before is the earlier scan's (its summary.json per_list, over its samples),
        // after the re-screened release's (over the release's samples), verified as the verdict.
        let earlierPerList = (earlierSummary["per_list"] as! [[String: Any]])[0]
        func listStages(_ out: String) throws -> (before: [String: Any], after: [String: Any], figuresOf: String?) {
            let p = try json(out + "/prevalence.json")
            let l = (p["per_list"] as! [[String: Any]])[0]
            return (l["before"] as! [String: Any], l["after"] as! [String: Any], p["figures_of"] as? String)
        }
        var stages = try listStages(tmp.file("v1"))
        XCTAssertEqual(stages.before["flagged"] as? Int, earlierPerList["matched"] as? Int)
        XCTAssertEqual(stages.before["flagged"] as? Int, 2)
        XCTAssertEqual(stages.before["in_earlier_scan"] as? Bool, true)
        XCTAssertEqual(stages.before["flagged_per_million"] as? Double, 2.0 * 1e6 / 4)
        XCTAssertEqual(stages.after["flagged"] as? Int, 0)
        XCTAssertEqual(stages.after["verified"] as? Bool, true)
        XCTAssertEqual(stages.figuresOf, "rescreened_release")
        stages = try listStages(tmp.file("v2"))
        XCTAssertEqual(stages.before["flagged"] as? Int, 2)
        XCTAssertEqual(stages.after["flagged"] as? Int, 1)
        XCTAssertEqual(stages.after["flagged_per_million"] as? Double, 1.0 * 1e6 / 2)
        XCTAssertEqual(stages.after["verified"] as? Bool, false)
        // A scan's own prevalence.json has none of verify's fields.
        let scanP = try json(earlier + "/prevalence.json")
        XCTAssertNil(scanP["figures_of"])
        XCTAssertNil((scanP["per_list"] as! [[String: Any]])[0]["before"])
        // A list the earlier scan did not have is a new list: no before figure.
        let db2 = tmp.file("demo2.sqlite")
        try FileManager.default.copyItem(atPath: db, toPath: db2)
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db2, "--name", "extra", "--version", "1", demoListCSV]).status, 0)
        _ = try verify([earlier + "/cleaned/m.csv"], db2, against: earlier, tmp.file("v3"))
        let v3 = (try json(tmp.file("v3") + "/prevalence.json")["per_list"] as! [[String: Any]]).first { $0["name"] as? String == "extra" }
        let v3before = try XCTUnwrap(v3?["before"] as? [String: Any])
        XCTAssertEqual(v3before["in_earlier_scan"] as? Bool, false)
        XCTAssertTrue(v3before["flagged"] is NSNull)
        XCTAssertTrue(try read(tmp.file("v3") + "/report.html").contains(">new list</td>"))
        XCTAssertEqual((try json(tmp.file("v3") + "/prevalence.json")["missing_lists"] as? [Any])?.count, 0)
        // An earlier list no longer in the database: its before figure, not screened now.
        let db3 = tmp.file("demo3.sqlite")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db3, "--name", "extra", "--version", "1", demoListCSV]).status, 0)
        _ = try verify([earlier + "/cleaned/m.csv"], db3, against: earlier, tmp.file("v4"))
        let missing = try XCTUnwrap(try json(tmp.file("v4") + "/prevalence.json")["missing_lists"] as? [[String: Any]])
        XCTAssertEqual(missing.map { "\($0["name"] ?? "")@\($0["version"] ?? "")" }, ["demo-list@1"])
        XCTAssertEqual((missing.first?["before"] as? [String: Any])?["flagged"] as? Int, 2)
        XCTAssertTrue(try read(tmp.file("v4") + "/report.html").contains(">not screened now</td>"))
        XCTAssertNil(scanP["missing_lists"])

        // Headless Chromium: the page renders; the DOM says verified; the bars are drawn at 390 px.
        guard let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            XCTFail("chromium is not installed: run make chromium-deps (apt-get install chromium)")
            return
        }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                     "--user-data-dir=\(tmp.file("chromium-profile"))"]
        let report = URL(fileURLWithPath: tmp.file("v2") + "/report.html").absoluteString
        let dom = try runProcess(browser, flags + ["--dump-dom", report])
        XCTAssertTrue(dom.stdout.contains("re-screened, not verified"), dom.stderr.suffix(2000).description)
        // Every figure says whose it is: the cards, the per-list columns (before 2 from the earlier
        // scan, after 1 from the release, not verified; no bare "0" After column), the sections.
        for text in ["Samples before (earlier scan)", "Flagged before (earlier scan)", "Not fully screened before (earlier scan)",
                     "Samples after (re-screened release)", "Not fully screened after (re-screened release)",
                     "Re-screened release (after): 1 of 2 samples flagged", "Verify's verdict: not verified",
                     ">Flagged, before (earlier scan)<", ">Flagged, after (re-screened release)<",
                     "<td data-label=\"Flagged before (earlier scan)\" class=\"n\">2</td>",
                     "<td data-label=\"Per million before\" class=\"n\">500,000</td>",
                     "<td data-label=\"Flagged after (re-screened)\" class=\"n\">1</td>",
                     "<td data-label=\"Per million after\" class=\"n\">500,000</td>",
                     "<td data-label=\"After (verify)\" class=\"name\">not verified</td>",
                     "By signal (after: re-screened release)", "By match kind (after: re-screened release)",
                     "By input and shard (after: re-screened release)", "Errors by stage (after: re-screened release)"] {
            XCTAssertTrue(dom.stdout.contains(text), "not in the DOM: \(text)")
        }
        XCTAssertFalse(dom.stdout.contains("data-label=\"After\""), "the old After column")
        XCTAssertFalse(dom.stdout.contains("computed, unverified"))
        let png = tmp.file("phone.png")
        let r = try runProcess(browser, flags + ["--screenshot=\(png)", "--window-size=390,5000", report])
        XCTAssertTrue(exists(png), "no screenshot: \(r.stderr.suffix(2000))")
        let counts = try runPython("""
            import sys
            import numpy as np
            from PIL import Image
            a = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(np.int16)
            print(*[int((np.abs(a - np.array(c)) <= 6).all(axis=2).sum()) for c in [(0xc6, 0x28, 0x28), (0x2e, 0x7d, 0x32)]])
            """, [png]).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(counts.count, 2)
        XCTAssertGreaterThan(counts.first ?? 0, 200, "flagged bars drawn")
        XCTAssertGreaterThan(counts.last ?? 0, 200, "after-removal bar drawn")
        // Readable at a phone's width with its wider per-list table: measured from outside the
        // page (a harness frames an unchanged copy), no horizontal overflow at 390 and 320 px.
        try FileManager.default.copyItem(atPath: tmp.file("v2") + "/report.html", toPath: tmp.file("framed.html"))
        for width in [390, 320] {
            let harness = try tmp.write("harness-\(width).html", """
            <!DOCTYPE html><html><body><pre id="probe">PENDING</pre>
            <iframe id="f" src="framed.html" style="width:\(width)px;height:900px;border:0"></iframe>
            <script>
            document.getElementById("f").addEventListener("load", function () {
              var d = this.contentDocument;
              document.getElementById("probe").textContent = ["MEASURED", d.documentElement.scrollWidth, d.documentElement.clientWidth].join(" ");
            });
            </script></body></html>
            """)
            let m = try runProcess(browser, flags + ["--allow-file-access-from-files", "--window-size=1400,1000", "--virtual-time-budget=5000",
                                                     "--dump-dom", URL(fileURLWithPath: harness).absoluteString])
            let line = try XCTUnwrap(m.stdout.components(separatedBy: "MEASURED ").dropFirst().first { $0.first?.isNumber == true },
                                     "\(width): no measurement: \(m.stderr.suffix(2000))")
            let v = line.prefix { $0 != "<" }.split(separator: " ").compactMap { Int($0) }
            XCTAssertEqual(v.count, 2, line)
            if v.count == 2 { XCTAssertLessThanOrEqual(v[0], v[1], "\(width) px: verify's report scrolls sideways (scrollWidth \(v[0]) > \(v[1]))") }
        }
    }

    // MARK: - Folder subjects and --follow-symlinks

    /// A folder holding a symlinked image and a symlinked folder: with --follow-symlinks the
    /// subject is the tree digest following the links (as Python's os.walk(followlinks=True)
    /// with stat computes it), without it the digest that leaves links out; `attestation verify
    /// --inputs` matches either; `verify --follow-symlinks --attest` follows them too.
    func testAFolderSubjectFollowsSymlinksWhenTheScanDid() throws {
        let (key, pub) = try generateKey("signer")
        let outside = tmp.file("outside")
        try FileManager.default.createDirectory(atPath: outside + "/more", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: images + "/0005.png", toPath: outside + "/linked.png")
        try FileManager.default.copyItem(atPath: images + "/0003.png", toPath: outside + "/more/c.png")
        let folder = tmp.file("ds")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: images + "/0001.jpg", toPath: folder + "/a.jpg")
        try FileManager.default.createSymbolicLink(atPath: folder + "/b.png", withDestinationPath: outside + "/linked.png")
        try FileManager.default.createSymbolicLink(atPath: folder + "/sub", withDestinationPath: outside + "/more")
        try FileManager.default.createSymbolicLink(atPath: folder + "/loop", withDestinationPath: folder)
        let digests = try runPython("""
            import hashlib, os, stat, sys
            def tree(root, follow):
                # Every regular file (through links when following), a folder already on the
                # walk's path left out (a loop), dangling links left out.
                lines = []
                def walk(rel, ancestors):
                    for name in os.listdir(os.path.join(root, rel) if rel else root):
                        r = os.path.join(rel, name) if rel else name
                        p = os.path.join(root, r)
                        try:
                            st = os.stat(p) if follow else os.lstat(p)
                        except FileNotFoundError:
                            continue
                        if stat.S_ISDIR(st.st_mode):
                            if (st.st_dev, st.st_ino) not in ancestors:
                                walk(r, ancestors | {(st.st_dev, st.st_ino)})
                        elif stat.S_ISREG(st.st_mode):
                            lines.append((r, hashlib.sha256(open(p, 'rb').read()).hexdigest()))
                top = os.stat(root)
                walk(b"", {(top.st_dev, top.st_ino)})
                return hashlib.sha256(b"".join(h.encode() + b"  " + r + b"\\n" for r, h in sorted(lines))).hexdigest()
            print(tree(sys.argv[1].encode(), True), tree(sys.argv[1].encode(), False))
            """, [folder]).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(digests.count, 2)
        XCTAssertNotEqual(digests[0], digests[1])
        let db = try demoList()
        func subject(_ out: String, _ file: String) throws -> (String?, String?) {
            let s = try statement(out + "/" + file).json
            let digest = ((s["subject"] as! [[String: Any]])[0]["digest"] as? [String: String])?["sha256"]
            let kind = ((s["predicate"] as! [String: Any])["inputs"] as? [[String: String]])?[0]["digest"]
            return (digest, kind)
        }
        var r = try hashscreen(["scan", folder, "--list", db, "--out", tmp.file("followed"), "--follow-symlinks", "--attest", key, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)  // the linked 0005.png is listed
        var (digest, kind) = try subject(tmp.file("followed"), "attestation.intoto.json")
        XCTAssertEqual(digest, digests[0])
        XCTAssertEqual(kind, "tree_following_links")
        r = try hashscreen(["scan", folder, "--list", db, "--out", tmp.file("plain"), "--attest", key, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)  // links not followed: the listed image is not screened
        (digest, kind) = try subject(tmp.file("plain"), "attestation.intoto.json")
        XCTAssertEqual(digest, digests[1])
        XCTAssertEqual(kind, "tree")
        for out in ["followed", "plain"] {
            let ok = try hashscreen(["attestation", "verify", tmp.file(out) + "/attestation.intoto.json", "--key", pub, "--inputs", folder])
            XCTAssertEqual(ok.status, 0, "\(out): \(ok.stdout) \(ok.stderr)")
        }
        // verify follows them as its scan does.
        r = try verify([folder], db, against: tmp.file("followed"), tmp.file("v"), ["--follow-symlinks", "--attest", key])
        XCTAssertEqual(r.status, 1, r.stderr)  // the linked image is still there
        (digest, kind) = try subject(tmp.file("v"), "verification.intoto.json")
        XCTAssertEqual(digest, digests[0])
        XCTAssertEqual(kind, "tree_following_links")
    }
}

private extension String.UTF8View {
    /// The start of the first occurrence of `needle`, as an offset.
    func indices(of needle: String) -> Int? {
        let hay = Array(self), n = Array(needle.utf8)
        guard n.count <= hay.count else { return nil }
        for i in 0...(hay.count - n.count) where Array(hay[i..<(i + n.count)]) == n { return i }
        return nil
    }
}
