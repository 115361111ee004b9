import Foundation
import HashscreenAttest
import HashscreenCore
import HashscreenDigest
import HashscreenReport

/// The scan's signed attestation and the `key` / `attestation` commands (docs/attestation.md):
/// the pipeline digests the inputs and hands HashscreenAttest the statement to sign, whose
/// predicate HashscreenReport renders from the scan's summary.
enum Attestation {
    /// Reads `--attest`'s private key; a key that cannot sign stops the run (exit 2).
    static func signingKey(at path: String) throws(HashscreenError) -> Ed25519Key {
        let key = try readKey(path)
        guard key.canSign else {
            throw HashscreenError(.input, "\(path) is a public key: --attest needs the private key", remedy: "pass the file `hashscreen key generate --out` wrote, not its .pub")
        }
        return key
    }

    static func readKey(_ path: String) throws(HashscreenError) -> Ed25519Key {
        let bytes: [UInt8]
        do { bytes = try readSmallFile(path) } catch {
            throw HashscreenError(.input, "cannot read the key \(path)", underlying: error.message)
        }
        return try HashscreenError.converting { try Ed25519Key(pem: bytes, source: path) }
    }

    /// Writes `attestation.intoto.json` for a finished scan: one subject per input (a file's
    /// SHA-256, already computed for the summary; a folder's tree digest, computed here), the
    /// predicate recording `flagged.jsonl`'s SHA-256 and rows (for `verify --against` it).
    static func write(summary: ScanSummary, inputs: [(path: String, sha256: String)], followSymlinks: Bool, key: Ed25519Key,
                      into outputs: OutputFolder) throws(HashscreenError) {
        let flagged = try fileDigestAndLines(outputs.path(OutputFolder.File.flagged))
        try write(predicateType: ScanSummary.attestationPredicateType,
                  predicate: summary.attestationPredicate(flagged: flagged, followSymlinks: followSymlinks),
                  inputs: inputs, followSymlinks: followSymlinks, key: key, into: outputs, named: OutputFolder.File.attestation)
    }

    /// Signs a statement of `inputs` (subjects: a file's SHA-256 given, or a folder's tree
    /// digest computed here) with `predicate`, into `named` in the output folder (scan's and
    /// verify's attestations share this).
    static func write(predicateType: String, predicate: JSONValue, inputs: [(path: String, sha256: String)], followSymlinks: Bool,
                      key: Ed25519Key, into outputs: OutputFolder, named: String) throws(HashscreenError) {
        var subjects: [Statement.Subject] = []
        for input in inputs {
            let digest = input.sha256.isEmpty ? try treeDigest(input.path, followSymlinks: followSymlinks) : input.sha256
            subjects.append(Statement.Subject(name: ScanSummary.subjectName(input.path), sha256: digest))
        }
        let statement = Statement(subjects: subjects, predicateType: predicateType, predicate: predicate)
        let envelope = try HashscreenError.converting { try statement.signed(with: key) }
        try outputs.write(attestation: envelope.json, named: named)
    }

    /// A file's SHA-256 and its count of lines (`flagged.jsonl`'s rows).
    static func fileDigestAndLines(_ path: String) throws(HashscreenError) -> (sha256: String, lines: Int) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HashscreenError(.input, "cannot read \(path)", underlying: String(describing: error))
        }
        let digester = try HashscreenError.converting { try Digester(signals: [.sha256]) }
        return (digester.digest([UInt8](data))[0].1.hex, data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
    }

    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// The SHA-256 of an input as a subject: a file's bytes, or a folder's tree digest.
    static func subjectDigest(_ path: String, followSymlinks: Bool = false) throws(HashscreenError) -> String {
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        if isDir.boolValue { return try treeDigest(path, followSymlinks: followSymlinks) }
        return try HashscreenError.converting { try Digester.sha256(ofFile: path) }
    }

    // MARK: - Tree digest

    /// A folder's digest: SHA-256 of the lines `<sha256 hex>  <relative path>\n` (as
    /// `sha256sum` prints them, two spaces), one per regular file at any depth (hidden ones
    /// included), paths relative to the folder with `/` between names, sorted by their bytes.
    /// Devices, FIFOs and sockets are not listed. Symbolic links are not listed and not
    /// followed, unless `followSymlinks` (the scan's `--follow-symlinks`): then a link to a
    /// file is listed under the link's path with the target's digest, a link to a folder is
    /// walked under the link's path, and a folder already on the walk's path (a loop) and a
    /// dangling link are left out, as the folder reader does.
    static func treeDigest(_ folder: String, followSymlinks: Bool = false) throws(HashscreenError) -> String {
        var files: [(path: [UInt8], sha256: String)] = []
        var root = stat()
        _ = stat(folder, &root)
        try HashscreenError.converting {
            try walk(root: Array(folder.utf8), relative: [], follow: followSymlinks, ancestors: [[UInt64(root.st_dev), UInt64(root.st_ino)]], into: &files)
        }
        files.sort { $0.path.lexicographicallyPrecedes($1.path) }
        var lines: [UInt8] = []
        for f in files { lines += Array(f.sha256.utf8) + Array("  ".utf8) + f.path + [0x0A] }
        let digester = try HashscreenError.converting { try Digester(signals: [.sha256]) }
        return digester.digest(lines)[0].1.hex
    }

    private static func walk(root: [UInt8], relative: [UInt8], follow: Bool, ancestors: Set<[UInt64]>,
                             into files: inout [(path: [UInt8], sha256: String)]) throws {
        let folder = relative.isEmpty ? root : root + [0x2F] + relative
        guard let dir = (folder + [0]).withUnsafeBufferPointer({ b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { opendir($0) }
        }) else {
            throw HashscreenError(.input, "cannot read the folder \(EscapedName.escape(folder))", underlying: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            let rel = relative.isEmpty ? name : relative + [0x2F] + name
            let full = root + [0x2F] + rel
            var st = stat()
            let ok = (full + [0]).withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { lstat($0, &st) }
            } == 0
            guard ok else {
                throw HashscreenError(.input, "cannot stat \(EscapedName.escape(full))", underlying: String(cString: strerror(errno)))
            }
            if follow && st.st_mode & S_IFMT == S_IFLNK {
                let target = (full + [0]).withUnsafeBufferPointer { b in
                    b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { stat($0, &st) }
                }
                if target != 0 { continue }  // dangling
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let id = [UInt64(st.st_dev), UInt64(st.st_ino)]
                if ancestors.contains(id) { continue }  // a loop through a link
                try walk(root: root, relative: rel, follow: follow, ancestors: ancestors.union([id]), into: &files)
            case S_IFREG: files.append((rel, try Digester.sha256(ofFileBytes: full)))
            default: continue
            }
        }
    }

    /// A key file's bytes (keys are a few hundred bytes; anything over 64 KiB is not one).
    private static func readSmallFile(_ path: String) throws(HashscreenError) -> [UInt8] {
        let opened = try InputFile.openRegular(path)
        defer { close(opened.fd) }
        guard opened.size <= 1 << 16 else { throw HashscreenError(.input, "\(path) is too large for a key") }
        var bytes = [UInt8](repeating: 0, count: opened.size)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(opened.fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HashscreenError(.io, "cannot read \(path)", underlying: String(cString: strerror(errno))) }
            done += n
        }
        return bytes
    }
}

/// `hashscreen key generate` and `hashscreen attestation verify`.
public enum AttestationOperations {
    /// The public key's file name beside the private key `path`: `path.pub`.
    public static func publicKeyPath(for path: String) -> String { path + ".pub" }

    /// Makes an Ed25519 key pair: `out` (PEM PKCS#8) and `out.pub` (PEM SubjectPublicKeyInfo),
    /// both 0600; neither file may exist (never overwritten). Prints the files and the keyid.
    public static func generateKey(out: String) throws(HashscreenError) {
        let pub = publicKeyPath(for: out)
        for p in [out, pub] {
            var st = stat()
            if lstat(p, &st) == 0 {
                throw HashscreenError(.output, "\(p) exists", remedy: "remove it or choose another --out: a key is never overwritten")
            }
        }
        let (privatePEM, publicPEM, keyID) = try HashscreenError.converting {
            let key = try Ed25519Key.generate()
            return (try key.privateKeyPEM(), try key.publicKeyPEM(), try key.keyID())
        }
        let privateFile = try AtomicFile(path: out)
        try privateFile.write(privatePEM)
        try privateFile.commitNew()
        do {
            let publicFile = try AtomicFile(path: pub)
            try publicFile.write(publicPEM)
            try publicFile.commitNew()
        } catch {
            unlink(out)  // no private key without its public half
            throw error
        }
        try HashscreenError.converting {
            let printer = TextPrinter<KeyPairWritten>(to: StandardOutput())
            try printer.write(KeyPairWritten(privateKeyPath: out, publicKeyPath: pub, keyID: keyID))
            try printer.finish()
        }
    }

    /// Exit statuses of `attestation verify`.
    public enum VerifyStatus {
        /// The signature verifies, and every input given matches a subject.
        public static let verified: Int32 = 0
        /// No signature verifies with the key, or the file is no in-toto DSSE envelope.
        public static let notVerified: Int32 = 1
        /// The signature verifies, but an input given matches no subject.
        public static let inputMismatch: Int32 = 3
    }

    /// Checks the attestation `file` with the key at `keyPath` (public or private) and, for each
    /// of `inputs`, that its digest (file or tree) is a subject's. Prints the findings on
    /// standard output; returns the exit status (`VerifyStatus`) and, when not verified, why.
    public static func verify(file: String, keyPath: String, inputs: [String]) throws(HashscreenError) -> (status: Int32, problem: String?) {
        let key = try Attestation.readKey(keyPath)
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw HashscreenError(.input, "cannot read \(file)", underlying: error.localizedDescription)
        }
        let statement: VerifiedStatement
        do { statement = try VerifiedStatement(try Envelope(json: bytes), key: key) } catch {
            if error.kind == .notVerified { return (VerifyStatus.notVerified, "\(file): not verified: \(error.message)") }
            throw HashscreenError(stopping: error)
        }
        var checked: [AttestationCheck.Input] = []
        for path in inputs {
            var digest = try Attestation.subjectDigest(path)
            var subject = statement.subjects.first { $0.sha256 == digest }?.name
            if subject == nil && Attestation.isFolder(path) {
                // A scan with --follow-symlinks digested the folder following its links.
                let followed = try Attestation.subjectDigest(path, followSymlinks: true)
                if let s = statement.subjects.first(where: { $0.sha256 == followed }) { digest = followed; subject = s.name }
            }
            checked.append(.init(path: path, sha256: digest, subject: subject))
        }
        let check = AttestationCheck(file: file, keyID: statement.keyID, predicateType: statement.predicateType,
                                     subjects: statement.subjects.map { ($0.name, $0.sha256) },
                                     exitStatus: statement.exitStatus, toolVersion: statement.toolVersion, inputs: checked)
        try HashscreenError.converting {
            let printer = TextPrinter<AttestationCheck>(to: StandardOutput())
            try printer.write(check)
            try printer.finish()
        }
        return check.inputsMatch ? (VerifyStatus.verified, nil)
            : (VerifyStatus.inputMismatch, "\(file): an input matches no subject (changed since the scan, or not one of its inputs)")
    }
}
