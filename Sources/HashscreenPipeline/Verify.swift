// `hashscreen verify`: an auditor's re-check of a published release against an earlier scan's
// output folder (docs/verify.md). The release is re-screened by the scan pipeline itself
// (`Scanner.scan`, with the earlier scan's options and every list of the database now), with
// each sample also compared with the earlier scan's flagged rows (`flagged.jsonl`: by key,
// content digest and URL digest); then the two provenances are compared.
//
// Words:
// - *earlier scan*: the output folder `--against` names; it must be complete (`summary.json`)
//   and hold `flagged.jsonl`.
// - *remaining row*: a release sample that is one of the earlier flagged rows.
// - *new list*: a list (name@version) of the database now that the earlier scan did not have.
import Foundation
import HashscreenAttest
import HashscreenCore
import HashscreenDigest
import HashscreenReport

/// What `verify` is asked to do, resolved from the command line.
public struct VerifyConfiguration: Sendable {
    package var inputs: [ScanConfiguration.Input]
    package var listPath: String
    package var earlierDirectory: String
    package var outputDirectory: String
    package var jobs: Int
    /// Input digests that differ from the earlier scan's make provenance not reproduced (the
    /// release should be exactly what was screened); without it they are listed only.
    package var sameInputs: Bool
    package var includeHidden: Bool
    package var followSymlinks: Bool
    /// `--attest`: the Ed25519 private key that signs `verification.intoto.json`.
    public var attestationKey: String? = nil
    /// `--key`: the public key that must verify `earlierDirectory` when it is an attestation.
    public var earlierKey: String? = nil
    /// `--flagged`: the earlier scan's `flagged.jsonl`, whose SHA-256 the attestation records.
    public var earlierFlagged: String? = nil

    public init(inputs: [ScanConfiguration.Input], listPath: String, earlierDirectory: String, outputDirectory: String,
                jobs: Int = 0, sameInputs: Bool = false, includeHidden: Bool = false, followSymlinks: Bool = false) {
        self.inputs = inputs; self.listPath = listPath; self.earlierDirectory = earlierDirectory
        self.outputDirectory = outputDirectory; self.jobs = jobs; self.sameInputs = sameInputs
        self.includeHidden = includeHidden; self.followSymlinks = followSymlinks
    }
}

/// The result of `verify`, for the CLI's exit status.
public struct VerifyResult: Sendable {
    /// 0 verified; 1 an earlier-flagged row is still in the release; 4 a sample matches now;
    /// 3 incomplete; 5 the earlier screening not reproduced; 6 the earlier attestation does
    /// not verify (README, docs/verify.md).
    public var exitCode: Int32
    /// The exit status when `--against`'s attestation is not verified by `--key` (or
    /// `--flagged` is not the file it records): checked before any work, nothing written.
    public static let attestationNotVerified: Int32 = 6
}

/// `--against`'s attestation is not verified: exit 6 (`VerifyResult.attestationNotVerified`).
struct EarlierNotVerified: Error {
    var message: String
}

/// What `verify` reads of the earlier scan: its output folder (`summary.json`,
/// `flagged.jsonl`), or its signed attestation (the predicate; the flagged rows from
/// `--flagged`, checked against the digest the predicate records).
struct EarlierScan {
    /// Its `flagged.jsonl` (nil: not given with an attestation), opened once: digested here,
    /// then indexed by `EarlierFlags` from the same descriptor into files in `--out`, never
    /// into memory.
    var flagged: FlaggedFile?
    var flaggedPath: String? { flagged?.path }
    var version: JSONValue
    var openssl: JSONValue
    /// `provenance.options`, in their order.
    var options: [(String, JSONValue)]
    var lists: [(ref: ListRef, entries: Int?, sources: [String])]
    var inputs: [(layout: JSONValue, sha256: JSONValue)]
    /// Where it was read from, by digest; the earlier counts.
    var source: VerifyReport.EarlierSource
    /// Rows of `flagged.jsonl` (read, or as the attestation records them).
    var flaggedRows: Int
    /// The earlier scan's flagged samples per list (`counts.per_list` of its summary or predicate).
    var perList: [ListRef: Int] = [:]

    mutating func readPerList(_ counts: JSONValue) {
        for l in counts["per_list"].elements {
            perList[ListRef(name: l["name"].string ?? "", version: l["version"].string ?? ""), default: 0] += l["matched"].int ?? 0
        }
    }

    static func read(_ directory: String) throws(HashscreenError) -> EarlierScan {
        let summaryPath = (directory as NSString).appendingPathComponent(OutputFolder.File.summary)
        let flaggedPath = (directory as NSString).appendingPathComponent(OutputFolder.File.flagged)
        guard FileManager.default.fileExists(atPath: summaryPath) else {
            throw HashscreenError(.input, "\(directory) holds no complete scan (no \(OutputFolder.File.summary))",
                                  remedy: "name the output folder of a finished `hashscreen scan` with --against")
        }
        guard FileManager.default.fileExists(atPath: flaggedPath) else {
            throw HashscreenError(.input, "\(directory) holds no \(OutputFolder.File.flagged): it was written by a hashscreen before verify existed",
                                  remedy: "scan the screened dataset again with this hashscreen, then verify against that scan")
        }
        let flagged = try FlaggedFile(path: flaggedPath)
        let summaryBytes = try contents(summaryPath)
        let summary = try parse(summaryBytes, path: summaryPath)
        guard case .object = summary["provenance"] else {
            throw HashscreenError(.input, "\(summaryPath) has no provenance: not a hashscreen summary")
        }
        let provenance = summary["provenance"]
        let counts = summary["counts"]
        var scan = EarlierScan(flagged: flagged, version: provenance["version"], openssl: provenance["openssl"],
                               options: [], lists: [], inputs: [],
                               source: .init(kind: VerifyReport.EarlierSource.folder, sha256: try sha256(summaryBytes),
                                             flaggedSHA256: flagged.sha256, samples: counts["samples"].int ?? 0,
                                             matched: counts["matched"].int ?? 0, errors: counts["errors"].int ?? 0),
                               flaggedRows: 0)
        if case .object(let o) = provenance["options"] { scan.options = o }
        scan.readPerList(counts)
        scan.readLists(provenance["lists"])
        for i in provenance["inputs"].elements { scan.inputs.append((i["layout"], i["sha256"])) }
        return scan
    }

    /// The earlier scan from its attestation: the signature is checked first with `keyPath`
    /// (`EarlierNotVerified` when it does not verify, or `flaggedPath`'s digest is not the one
    /// the predicate records); the predicate supplies the provenance and counts.
    static func read(attestation path: String, keyPath: String, flaggedPath: String?) throws -> EarlierScan {
        let key = try Attestation.readKey(keyPath)
        let bytes = try contents(path)
        let envelope: Envelope
        let statement: VerifiedStatement
        do {
            envelope = try Envelope(json: [UInt8](bytes))
            statement = try VerifiedStatement(envelope, key: key)
        } catch {
            if error.kind == .notVerified { throw EarlierNotVerified(message: "\(path): not verified: \(error.message)") }
            throw HashscreenError(stopping: error)
        }
        guard statement.predicateType == ScanSummary.attestationPredicateType else {
            throw HashscreenError(.input, "\(path) is a \(statement.predicateType) attestation, not a screening (\(ScanSummary.attestationPredicateType))",
                                  remedy: "give --against the attestation.intoto.json of `hashscreen scan --attest`")
        }
        let predicate = try parse(Data(envelope.payload), path: path)["predicate"]
        let counts = predicate["counts"]
        let recorded = predicate["flagged"]
        var scan = EarlierScan(flagged: nil, version: predicate["screener"]["version"], openssl: predicate["screener"]["openssl"],
                               options: [], lists: [], inputs: [],
                               source: .init(kind: VerifyReport.EarlierSource.attestation, sha256: try sha256(bytes),
                                             keyID: statement.keyID, flaggedChecked: flaggedPath != nil,
                                             flaggedSHA256: recorded["sha256"].string, flaggedFile: flaggedPath,
                                             samples: counts["samples"].int ?? 0, matched: counts["matched"].int ?? 0,
                                             errors: counts["errors"].int ?? 0),
                               flaggedRows: recorded["rows"].int ?? 0)
        if case .object(let o) = predicate["options"] { scan.options = o }
        scan.readPerList(counts)
        scan.readLists(predicate["lists"])
        // A subject's digest is the input's file SHA-256 when its kind is `file`; a folder's
        // tree digest is not recorded in summary.json, so it compares as null, as from a folder.
        for (i, input) in predicate["inputs"].elements.enumerated() {
            let file = input["digest"].string == "file" && i < statement.subjects.count
            scan.inputs.append((input["layout"], file ? .string(statement.subjects[i].sha256) : .null))
        }
        if let flaggedPath {
            guard let attested = recorded["sha256"].string else {
                throw HashscreenError(.input, "\(path) records no flagged.jsonl digest (made by a hashscreen before verify --against an attestation)",
                                      remedy: "verify without --flagged (the flagged-rows check is then not checked), or against the scan's output folder")
            }
            let file = try FlaggedFile(path: flaggedPath)
            guard file.sha256 == attested else {
                throw EarlierNotVerified(message: "\(flaggedPath) is not the flagged.jsonl \(path) records (its SHA-256 differs)")
            }
            scan.flagged = file
        }
        return scan
    }

    /// A `lists` array of `summary.json`'s provenance or of a screening predicate.
    mutating func readLists(_ lists: JSONValue) {
        for l in lists.elements {
            let sources = l["sources"].elements.compactMap { $0["sha256"].string }.sorted()
            self.lists.append((ListRef(name: l["name"].string ?? "", version: l["version"].string ?? ""), l["entries"].int, sources))
        }
    }

    static func sha256(ofFile path: String) throws(HashscreenError) -> String {
        try HashscreenError.converting { try Digester.sha256(ofFile: path) }
    }

    static func sha256(_ data: Data) throws(HashscreenError) -> String {
        let digester = try HashscreenError.converting { try Digester(signals: [.sha256]) }
        return digester.digest([UInt8](data))[0].1.hex
    }

    private static func contents(_ path: String) throws(HashscreenError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HashscreenError(.input, "cannot read \(path)", underlying: String(describing: error))
        }
    }

    private static func parse(_ data: Data, path: String) throws(HashscreenError) -> JSONValue {
        do { return try JSONDecoder().decode(DecodedJSON.self, from: data).value } catch {
            throw HashscreenError(.input, "\(path) is not hashscreen's JSON", underlying: String(describing: error))
        }
    }
}

/// A JSON document read back as a `JSONValue`; objects keep the file's key order (hashscreen's
/// outputs have it fixed).
struct DecodedJSON: Decodable {
    let value: JSONValue

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    init(from decoder: Decoder) throws {
        if let o = try? decoder.container(keyedBy: Key.self) {
            // allKeys is in document order in swift-foundation's decoder.
            value = .object(try o.allKeys.map { ($0.stringValue, try o.decode(DecodedJSON.self, forKey: $0).value) })
        } else if var a = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !a.isAtEnd { items.append(try a.decode(DecodedJSON.self).value) }
            value = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = .null }
            else if let b = try? c.decode(Bool.self) { value = .bool(b) }
            else if let i = try? c.decode(Int.self) { value = .int(i) }
            else if let d = try? c.decode(Double.self) { value = .double(d) }
            else { value = .string(try c.decode(String.self)) }
        }
    }
}

extension JSONValue {
    /// An object's member (null when absent or not an object).
    subscript(_ key: String) -> JSONValue {
        if case .object(let o) = self { return o.first { $0.0 == key }?.1 ?? .null }
        return .null
    }
    var elements: [JSONValue] { if case .array(let a) = self { return a }; return [] }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var int: Int? { if case .int(let i) = self { return i }; return nil }
}

public enum Verifier {
    /// Re-screens the release and writes the scan's outputs, `verify.json`, then `summary.json`
    /// into the output folder; `log` gets the summary a person reads (the CLI prints it unless
    /// `--quiet`).
    public static func run(_ v: VerifyConfiguration, log: (String) -> Void = { _ in },
                           warn: @escaping @Sendable (String) -> Void = Scanner.standardErrorLine) throws(HashscreenError) -> VerifyResult {
        try HashscreenError.converting { try verify(v, log: log, warn: warn) }
    }

    static func verify(_ v: VerifyConfiguration, log: (String) -> Void, warn: @escaping @Sendable (String) -> Void) throws -> VerifyResult {
        let againstAttestation = !isFolder(v.earlierDirectory) && FileManager.default.fileExists(atPath: v.earlierDirectory)
        if againstAttestation && v.earlierKey == nil {
            throw HashscreenError(.usage, "--against \(v.earlierDirectory) is a file: an attestation needs --key, the public key that signed it",
                                  remedy: "pass --key PUB.pem, or name the earlier scan's output folder")
        }
        if !againstAttestation && (v.earlierKey != nil || v.earlierFlagged != nil) {
            throw HashscreenError(.usage, "--key and --flagged go with --against ATTESTATION.intoto.json, not an output folder",
                                  remedy: "leave them out: the folder holds flagged.jsonl")
        }
        if !againstAttestation && sameFolder(v.earlierDirectory, v.outputDirectory) {
            throw HashscreenError(.usage, "--out \(v.outputDirectory) is the earlier scan's folder: verify would replace what it checks against",
                                  remedy: "choose another --out")
        }
        // Nor the folder holding the attestation or --flagged (a scan's folder: replaced too).
        for file in [v.earlierDirectory] + (v.earlierFlagged.map { [$0] } ?? []) where againstAttestation {
            let parent = OutputFolder.parentFolder(file)
            if sameFolder(parent.isEmpty ? "." : parent, v.outputDirectory) {
                throw HashscreenError(.usage, "--out \(v.outputDirectory) holds \(file): verify would replace what it checks against",
                                      remedy: "choose another --out")
            }
        }
        // The earlier attestation's signature first, then --attest's key: both before any work.
        let earlier: EarlierScan
        do {
            earlier = againstAttestation
                ? try EarlierScan.read(attestation: v.earlierDirectory, keyPath: v.earlierKey!, flaggedPath: v.earlierFlagged)
                : try EarlierScan.read(v.earlierDirectory)
        } catch let e as EarlierNotVerified {
            warn("hashscreen verify: \(e.message); nothing written (exit \(VerifyResult.attestationNotVerified))")
            return VerifyResult(exitCode: VerifyResult.attestationNotVerified)
        }
        let signingKey = try v.attestationKey.map { path throws(HashscreenError) in try Attestation.signingKey(at: path) }
        var unadopted: [VerifyReport.Difference] = []
        var config = try configuration(v, adopting: earlier.options, unadopted: &unadopted)
        let flags = EarlierFlags(file: earlier.flagged)
        config.earlier = flags
        let contentChecked = config.signals.contains { $0.isCryptographic || $0.isPerceptual } || config.verifyDecode
        var report: VerifyReport?
        // A flagged.jsonl changed in place after it was digested: not verified (no outputs written).
        do {
        _ = try Scanner.scan(config, log: { _ in }, warn: warn) { summary, remaining, outputs in
            var r = VerifyReport(
                earlierDirectory: v.earlierDirectory, earlierFlagged: earlier.flaggedPath == nil ? earlier.flaggedRows : flags.rows,
                earlierWithContent: flags.withContent, earlierWithURL: flags.withURL,
                earlierRowNumberKeys: flags.rowNumberKeys, samples: summary.counts.samples,
                matched: summary.counts.matched, errors: summary.counts.errors, remaining: remaining,
                contentChecked: contentChecked, lists: try listChecks(earlier, summary, listPath: v.listPath),
                differences: unadopted + differences(earlier, summary, sameInputs: v.sameInputs),
                outputDirectory: v.outputDirectory)
            r.earlier = earlier.source
            try outputs.write(r)
            report = r
            let verification = PrevalenceReport.Verification(
                earlierSamples: earlier.source.samples, earlierFlagged: earlier.source.matched,
                earlierUnscreened: earlier.source.errors, earlierPerList: earlier.perList, verified: r.exitStatus == 0)
            guard let signingKey else { return .init(verification: verification) }
            return .init(verification: verification) { summary, outputs throws(HashscreenError) in
                try Attestation.write(predicateType: VerifyReport.attestationPredicateType,
                                      predicate: r.attestationPredicate(summary: summary, followSymlinks: v.followSymlinks),
                                      inputs: summary.inputs.map { ($0.path, $0.sha256 ?? "") }, followSymlinks: v.followSymlinks,
                                      key: signingKey, into: outputs, named: OutputFolder.File.verificationAttestation)
            }
        }
        } catch {
            guard flags.changedWhileRead else { throw error }
            warn("hashscreen verify: \((error as? HashscreenError)?.message ?? String(describing: error)); not verified (exit \(VerifyResult.attestationNotVerified))")
            return VerifyResult(exitCode: VerifyResult.attestationNotVerified)
        }
        guard let report else { return VerifyResult(exitCode: 2) }
        log(String(report.text.dropLast()))
        return VerifyResult(exitCode: Int32(report.exitStatus))
    }

    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Whether two paths name the same existing folder.
    static func sameFolder(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Options `verify` never adopts: they do not change what is screened (`jobs`) or are not
    /// verify's to do (`write_cleaned`).
    static let notAdopted: Set<String> = ["jobs", "write_cleaned"]

    /// The scan configuration of the re-screening: the earlier scan's options; an option this
    /// hashscreen does not know or cannot take goes to `unadopted` (it affects the screening).
    static func configuration(_ v: VerifyConfiguration, adopting options: [(String, JSONValue)],
                              unadopted: inout [VerifyReport.Difference]) throws(HashscreenError) -> ScanConfiguration {
        var signals = ScanConfiguration.defaultSignals
        var maxPixels = ScanConfiguration.defaultMaxPixels, maxFileBytes = ScanConfiguration.defaultMaxFileBytes
        var verifyDecode = false, dihedral = false, unletterbox = false
        var pdqMode = PDQScanMode.fast
        var thresholds: [SignalKind: Int] = [:], qualities: [SignalKind: Int] = [:]
        let hamming = Dictionary(uniqueKeysWithValues: SignalKind.hammingSignals.map { ("\($0.name)_threshold", $0) })
        let gated = Dictionary(uniqueKeysWithValues: SignalKind.allCases.filter { $0.quality != nil }.map { ("\($0.name)_min_quality", $0) })
        for (name, value) in options where !notAdopted.contains(name) {
            var taken = true
            switch (name, value) {
            case ("signals", .array(let a)):
                let parsed = a.compactMap { v -> SignalKind? in if case .string(let s) = v { return SignalKind(name: s) } else { return nil } }
                if parsed.count == a.count, !parsed.isEmpty { signals = parsed } else { taken = false }
            case ("max_pixels", .int(let i)) where i > 0: maxPixels = UInt64(i)
            case ("max_file_bytes", .int(let i)): maxFileBytes = i
            case ("verify_decode", .bool(let b)): verifyDecode = b
            case ("dihedral", .bool(let b)): dihedral = b
            case ("unletterbox", .bool(let b)): unletterbox = b
            case ("pdq_mode", .string(let s)):
                if let m = PDQScanMode(rawValue: s) { pdqMode = m } else { taken = false }
            case (_, .int(let i)) where hamming[name] != nil:
                let s = hamming[name]!
                if s.thresholdRange.map({ $0.contains(i) }) ?? true { thresholds[s] = i } else { taken = false }
            case (_, .int(let i)) where gated[name] != nil:
                let s = gated[name]!
                if s.quality!.range.contains(i) { qualities[s] = i } else { taken = false }
            default:
                taken = false
            }
            if !taken { unadopted.append(.init(field: "options.\(name)", earlier: value, now: .null, affectsScreening: true)) }
        }
        // Options this hashscreen does not have, by name (the summary's own are compared after the scan).
        let known = Set(ScanConfiguration(inputs: [], listPath: "", outputDirectory: "").summaryOptions.map(\.name))
        unadopted = unadopted.filter { !known.contains(String($0.field.dropFirst("options.".count))) }.sorted { $0.field < $1.field }
        var c = ScanConfiguration(inputs: v.inputs, listPath: v.listPath, outputDirectory: v.outputDirectory,
                                  signals: signals, jobs: v.jobs, maxPixels: maxPixels, maxFileBytes: maxFileBytes,
                                  verifyDecode: verifyDecode, pdqMode: pdqMode, thresholds: thresholds,
                                  minimumQualities: qualities, dihedral: dihedral, unletterbox: unletterbox)
        c.includeHidden = v.includeHidden
        c.followSymlinks = v.followSymlinks
        return c
    }

    /// The lists of the earlier scan and of the database now, in the database's order, then the
    /// earlier ones no longer there.
    static func listChecks(_ earlier: EarlierScan, _ summary: ScanSummary) -> [VerifyReport.ListCheck] {
        let matched = Dictionary(summary.counts.perList.map { ($0.list, $0.matched) }, uniquingKeysWith: +)
        var out: [VerifyReport.ListCheck] = []
        for l in summary.lists {
            let status: VerifyReport.ListCheck.Status
            if let e = earlier.lists.first(where: { $0.ref == l.ref }) {
                status = e.entries == l.entryCount && e.sources == l.sources.map(\.sha256).sorted() ? .same : .changed
            } else {
                status = .new
            }
            out.append(.init(list: l.ref, status: status, entries: l.entryCount, matched: matched[l.ref] ?? 0,
                             sources: l.sources.map(\.sha256).sorted()))
        }
        for e in earlier.lists where !summary.lists.contains(where: { $0.ref == e.ref }) {
            out.append(.init(list: e.ref, status: .missing, entries: nil, matched: 0, sources: e.sources))
        }
        return out
    }

    /// Every provenance field that differs: tool and OpenSSL versions and the inputs (listed),
    /// options and lists missing or changed (affecting the screening), inputs too with `sameInputs`.
    static func differences(_ earlier: EarlierScan, _ summary: ScanSummary, sameInputs: Bool) -> [VerifyReport.Difference] {
        var out: [VerifyReport.Difference] = []
        if earlier.version != .string(summary.version) {
            out.append(.init(field: "version", earlier: earlier.version, now: .string(summary.version), affectsScreening: false))
        }
        if earlier.openssl != .string(summary.opensslVersion) {
            out.append(.init(field: "openssl", earlier: earlier.openssl, now: .string(summary.opensslVersion), affectsScreening: false))
        }
        // In the summary's option order (the earlier file's order is not kept by the decoder).
        let earlierOptions = Dictionary(earlier.options, uniquingKeysWith: { a, _ in a })
        for (name, value) in summary.options where !notAdopted.contains(name) {
            let e = earlierOptions[name] ?? .null
            if e != value.json { out.append(.init(field: "options.\(name)", earlier: e, now: value.json, affectsScreening: true)) }
        }
        for e in earlier.lists {
            guard let l = summary.lists.first(where: { $0.ref == e.ref }) else {
                out.append(.init(field: "lists.\(e.ref.label)", earlier: .string("present"), now: .string("missing"), affectsScreening: true))
                continue
            }
            if e.entries != l.entryCount {
                out.append(.init(field: "lists.\(e.ref.label).entries", earlier: e.entries.map { .int($0) } ?? .null,
                                 now: .int(l.entryCount), affectsScreening: true))
            }
            let sources = l.sources.map(\.sha256).sorted()
            if e.sources != sources {
                out.append(.init(field: "lists.\(e.ref.label).sources", earlier: .array(e.sources.map { .string($0) }),
                                 now: .array(sources.map { .string($0) }), affectsScreening: true))
            }
        }
        if earlier.inputs.count != summary.inputs.count {
            out.append(.init(field: "inputs", earlier: .int(earlier.inputs.count), now: .int(summary.inputs.count),
                             affectsScreening: sameInputs))
        }
        for (i, (e, n)) in zip(earlier.inputs, summary.inputs).enumerated() {
            if e.layout != .string(n.layout) {
                out.append(.init(field: "inputs.\(i + 1).layout", earlier: e.layout, now: .string(n.layout), affectsScreening: sameInputs))
            }
            let digest: JSONValue = .optional(n.sha256)
            if e.sha256 != digest {
                out.append(.init(field: "inputs.\(i + 1).sha256", earlier: e.sha256, now: digest, affectsScreening: sameInputs))
            }
        }
        return out
    }
}
