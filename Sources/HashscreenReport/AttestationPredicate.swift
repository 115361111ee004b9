import Foundation
import HashscreenCore

/// The predicate of a screening attestation (docs/attestation.md, field by field): what
/// `summary.json` says about the scan less what is local to the machine (paths, the list
/// database's location, throughput). Lists appear by name, version, counts and source-file
/// digests (`ListProvenance.json`), never by a value.
extension ScanSummary {
    /// The predicate type: a hashscreen-owned URI under the reserved `.invalid` domain
    /// (RFC 2606), since hashscreen owns no domain; its schema is docs/attestation.md.
    package static let attestationPredicateType = "https://hashscreen.invalid/attestation/screening/v1"

    /// What each exit status of a scan means, as the predicate's `result.meaning` says it:
    /// 0 is `clean`, or `unscreened_within_limit` when `--max-unscreened` let failures pass.
    /// An input's `digest` kind: a folder's tree digest made following its symbolic links.
    package static let treeFollowingLinks = "tree_following_links"

    package static func resultMeaning(_ exitStatus: Int, failures: Int = 0) -> String {
        switch exitStatus {
        case 0: return failures > 0 ? "unscreened_within_limit" : "clean"
        case 1: return "matched"
        case 3: return "incomplete"
        default: return "failed"
        }
    }

    /// The name an input's subject goes by: its last path component (a local folder is not
    /// the recipient's to see).
    package static func subjectName(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return name.isEmpty ? path : name
    }

    /// `flagged`: `flagged.jsonl`'s SHA-256 and rows (what `verify --against` the attestation
    /// checks `--flagged` against); `followSymlinks`: the scan followed links in folders (their
    /// tree digests did too).
    package func attestationPredicate(flagged: (sha256: String, lines: Int), followSymlinks: Bool = false) -> JSONValue {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var counts = Self.countFields(self.counts)
        counts.append(("per_list", .array(self.counts.perList.map { l in
            .object([("name", .string(l.list.name)), ("version", .string(l.list.version)), ("matched", .int(l.matched))])
        })))
        counts.append(("per_input", .array(self.counts.perInput.enumerated().map { i, c in
            .object([("name", .optional(i < inputs.count ? Self.subjectName(inputs[i].path) : nil))] + Self.countFields(c))
        })))
        return .object([
            ("screener", .object([
                ("name", .string("hashscreen")), ("version", .string(version)), ("openssl", .string(opensslVersion)),
            ])),
            ("inputs", .array(inputs.map { input in
                .object([
                    ("name", .string(Self.subjectName(input.path))), ("layout", .string(input.layout)),
                    ("digest", .string(input.sha256 != nil ? "file" : followSymlinks ? Self.treeFollowingLinks : "tree")),
                ])
            })),
            ("lists", .array(lists.map(\.json))),
            ("options", .object(options.map { ($0.name, $0.value.json) })),
            ("counts", .object(counts)),
            ("result", .object([("exit_status", .int(exitStatus)), ("meaning", .string(Self.resultMeaning(exitStatus, failures: self.counts.errors)))])),
            ("flagged", .object([("sha256", .string(flagged.sha256)), ("rows", .int(flagged.lines))])),
            ("times", .object([
                ("started", .string(iso.string(from: times.started))), ("finished", .string(iso.string(from: times.finished))),
            ])),
        ])
    }
}

/// What `key generate` wrote.
package struct KeyPairWritten: Sendable, TextRecord {
    package var privateKeyPath: String
    package var publicKeyPath: String
    package var keyID: String
    package init(privateKeyPath: String, publicKeyPath: String, keyID: String) {
        self.privateKeyPath = privateKeyPath; self.publicKeyPath = publicKeyPath; self.keyID = keyID
    }
    package var text: String { "wrote \(privateKeyPath) (private) and \(publicKeyPath) (public); keyid \(keyID)\n" }
}

/// What `attestation verify` found: the signature's verdict and, per input given, the subject
/// its digest matched.
package struct AttestationCheck: Sendable {
    package struct Input: Sendable {
        package var path: String
        package var sha256: String
        /// The name of the subject with this digest; nil when none has it.
        package var subject: String?
        package init(path: String, sha256: String, subject: String?) { self.path = path; self.sha256 = sha256; self.subject = subject }
    }
    package var file: String
    package var keyID: String
    package var predicateType: String
    package var subjects: [(name: String, sha256: String)]
    package var exitStatus: Int?
    package var toolVersion: String?
    package var inputs: [Input]
    package init(file: String, keyID: String, predicateType: String, subjects: [(name: String, sha256: String)],
                 exitStatus: Int?, toolVersion: String?, inputs: [Input]) {
        self.file = file; self.keyID = keyID; self.predicateType = predicateType; self.subjects = subjects
        self.exitStatus = exitStatus; self.toolVersion = toolVersion; self.inputs = inputs
    }
    /// Whether every input given matched a subject.
    package var inputsMatch: Bool { inputs.allSatisfy { $0.subject != nil } }
}

extension AttestationCheck: TextRecord {
    /// `attestation verify`: the verdict, the statement's subjects, then each input checked.
    package var text: String {
        var out = "\(file): signature verified (keyid \(keyID))\n"
        out += "  predicate  \(predicateType)"
        if let toolVersion { out += " by hashscreen \(toolVersion)" }
        if let exitStatus {
            out += predicateType == VerifyReport.attestationPredicateType
                ? "; verify result \(exitStatus) (\(exitStatus == 0 ? "verified" : "not verified"))"
                : "; scan result \(exitStatus) (\(ScanSummary.resultMeaning(exitStatus)))"
        }
        out += "\n"
        for s in subjects { out += "  subject    \(s.name) sha256 \(s.sha256)\n" }
        for i in inputs {
            if let s = i.subject {
                out += "  input      \(i.path): matches subject \(s)\n"
            } else {
                out += "  input      \(i.path): sha256 \(i.sha256) matches no subject\n"
            }
        }
        return out
    }
}

// MARK: - Verification attestation

extension VerifyReport {
    /// The predicate type of `verify --attest`'s statement (docs/attestation.md).
    package static let attestationPredicateType = "https://hashscreen.invalid/attestation/verification/v1"

    /// The predicate of `verification.intoto.json`: the verdict, each check with its counts, the
    /// lists (by name, version and source digests, never a value), the differences, the earlier
    /// scan by digest, the re-screening's options and times. `summary` is the re-screening's.
    package func attestationPredicate(summary: ScanSummary, followSymlinks: Bool) -> JSONValue {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var earlierFields: [(String, JSONValue)] = [("kind", .string(earlier.kind)), ("sha256", .string(earlier.sha256))]
        if let k = earlier.keyID { earlierFields.append(("keyid", .string(k))) }
        earlierFields.append(("flagged", .object([
            ("checked", .bool(earlier.flaggedChecked)), ("rows", .int(earlierFlagged)), ("sha256", .optional(earlier.flaggedSHA256)),
        ])))
        earlierFields.append(("counts", .object([
            ("samples", .int(earlier.samples)), ("matched", .int(earlier.matched)), ("errors", .int(earlier.errors)),
        ])))
        return .object([
            ("verifier", .object([
                ("name", .string("hashscreen")), ("version", .string(summary.version)), ("openssl", .string(summary.opensslVersion)),
            ])),
            ("inputs", .array(summary.inputs.map { input in
                .object([
                    ("name", .string(ScanSummary.subjectName(input.path))), ("layout", .string(input.layout)),
                    ("digest", .string(input.sha256 != nil ? "file" : followSymlinks ? ScanSummary.treeFollowingLinks : "tree")),
                ])
            })),
            ("result", .object([("verdict", .string(verdict)), ("exit_status", .int(exitStatus))])),
            ("earlier", .object(earlierFields)),
            ("release", .object([("samples", .int(samples)), ("matched", .int(matched)), ("errors", .int(errors))])),
            ("checks", checksJSON),
            ("lists", .array(lists.map { listJSON($0, sources: true) })),
            ("differences", differencesJSON),
            ("options", .object(summary.options.map { ($0.name, $0.value.json) })),
            ("times", .object([
                ("started", .string(iso.string(from: summary.times.started))), ("finished", .string(iso.string(from: summary.times.finished))),
            ])),
        ])
    }
}
