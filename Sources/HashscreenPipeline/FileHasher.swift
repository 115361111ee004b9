import Foundation
import HashscreenCore
import HashscreenDecode
import HashscreenDigest
import HashscreenPerceptual
import HashscreenReport

/// `hashscreen hash`: every requested signal of single files, as `FileHashes` records; or, when
/// only URL signals are requested, the URL hashes of URLs under a convention (for a list maker
/// to check the digests a list holds).
public final class FileHasher {
    package let signals: [SignalKind]
    /// The URL signals asked for; when set, the arguments are URLs and `signals` is empty.
    package let urlSignals: [SignalKind]
    package let urlConvention: URLConvention
    package let pdqMode: PDQMode
    package let dihedral: Bool
    package let maxPixels: UInt64
    /// Files larger than this are not read (a `read` error, as in a scan).
    package let maxFileBytes: Int
    private let digester: Digester
    private let pdq = PDQHasher()
    private let hasher64 = ImageHasher64()

    public init(signals: [SignalKind], pdqMode: PDQMode = .full, dihedral: Bool = false,
                maxPixels: UInt64 = ScanConfiguration.defaultMaxPixels,
                maxFileBytes: Int = ScanConfiguration.defaultMaxFileBytes,
                urlConvention: URLConvention = .importDefault) throws {
        self.signals = SignalKind.allCases.filter { signals.contains($0) && !$0.isURL }
        urlSignals = SignalKind.allCases.filter { signals.contains($0) && $0.isURL }
        guard urlSignals.isEmpty || self.signals.isEmpty else {
            throw HashscreenError(.usage, "URL signals (\(urlSignals.map(\.name).joined(separator: ", "))) hash URLs and the others hash files: ask for one kind at a time")
        }
        self.urlConvention = urlConvention
        self.pdqMode = pdqMode
        self.dihedral = dihedral
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        digester = try Digester(signals: urlSignals.isEmpty ? self.signals : Digester.urlDigests)
    }

    /// True when the arguments are URLs (only URL signals were asked for).
    package var hashesURLs: Bool { !urlSignals.isEmpty }

    /// Output column names, in order.
    package var columns: [String] {
        if hashesURLs { return ["url"] + urlSignals.map(\.name) + ["error"] }
        var c = ["path"]
        for s in signals {
            c.append(s.name)
            if s == .pdq {
                c.append("pdq_quality")
                if dihedral { c += DihedralVariant.allCases.dropFirst().map { "pdq_\($0.rawValue)" } }
            }
        }
        c.append("error")
        return c
    }

    /// The URL hashes of one URL under `urlConvention`.
    package func hash(url: String) -> FileHashes {
        let values = Dictionary(uniqueKeysWithValues: digester.urlHashes(url, convention: urlConvention,
                                                                        signals: Set(urlSignals)).map { ($0.0.name, $0.1.hex) })
        var r = FileHashes(path: url, values: urlSignals.map { ($0.name, values[$0.name]) }, error: nil)
        r.subject = "url"
        return r
    }

    /// The hashes of one file, a value per column between `path` and `error`; `error` is set
    /// when it could not be read or decoded (digests of a readable file are still given when
    /// decoding fails).
    package func hash(path: String) -> FileHashes {
        let data: Data
        // A FIFO or a device would block or never end: only a regular file is read.
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            return FileHashes(path: path, values: columns.dropFirst().dropLast().map { ($0, nil) },
                              error: "read: \(path) is not a regular file: it is \(InputFile.kindName(st.st_mode))")
        }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            return FileHashes(path: path, values: columns.dropFirst().dropLast().map { ($0, nil) },
                              error: "read: cannot read \(path)")
        }
        guard data.count <= maxFileBytes else {
            return FileHashes(path: path, values: columns.dropFirst().dropLast().map { ($0, nil) },
                              error: "read: file is \(data.count) bytes, over the limit of \(maxFileBytes) (--max-file-bytes)")
        }
        var values: [String: String] = [:]
        var failure: String? = nil
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Void in
            for (s, v) in digester.digest(raw) { values[s.name] = v.hex }
            guard signals.contains(where: \.isPerceptual) else { return }
            do {
                let image = try ImageDecoder.decode(raw, options: DecodeOptions(maxPixels: maxPixels))
                image.pixels.withUnsafeBufferPointer { px in
                    // Only the requested 64-bit hashes (each is a full-resolution reduction).
                    let kinds = Set(signals).intersection(ImageHasher64.signals)
                    var h64: [SignalKind: HashValue] = [:]
                    if signals.contains(.pdq) {
                        let r: PDQResult
                        if kinds.isEmpty {
                            r = pdq.hash(rgb: px, width: image.width, height: image.height, mode: pdqMode, dihedral: dihedral)
                        } else {
                            // Both from one walk over the pixels.
                            (r, h64) = pdq.hash(rgb: px, width: image.width, height: image.height, mode: pdqMode,
                                                dihedral: dihedral, alongside: hasher64, kinds: kinds)
                        }
                        values["pdq"] = r.hash.hex
                        values["pdq_quality"] = String(r.quality)
                        if dihedral, let vs = r.variants {
                            for v in DihedralVariant.allCases.dropFirst() { values["pdq_\(v.rawValue)"] = vs[v]?.hex }
                        }
                    } else if !kinds.isEmpty {
                        h64 = hasher64.hashes(rgb: px, width: image.width, height: image.height, kinds: kinds)
                    }
                    for (k, v) in h64 { values[k.name] = v.hex }
                }
            } catch let e {
                failure = "decode: \((e as? DecodeError)?.message ?? "\(e)")"
            }
        }
        return FileHashes(path: path, values: columns.dropFirst().dropLast().map { ($0, values[$0]) }, error: failure)
    }
}
