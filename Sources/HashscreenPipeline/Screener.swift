import Foundation
import HashscreenCore
import HashscreenDecode
import HashscreenDigest
import HashscreenPerceptual

/// What screening one sample found.
struct SampleOutcome {
    var matches: [MatchRecord] = []
    var failures: [FailureRecord] = []
    /// Signals whose value was computed or recorded and looked up.
    var screenedSignals: [SignalKind] = []
    var bytesRead = 0
    var decoded = false
}

/// Screens samples: one per worker thread, holding that worker's reusable state (digest
/// contexts, file buffer, PDQ scratch buffers). Not thread-safe.
final class Screener {
    let config: ScanConfiguration
    let known: KnownHashes
    let digester: Digester
    let pdq = PDQHasher()
    let hasher64 = ImageHasher64()
    private var fileBuffer: [UInt8] = []
    private var hits: [KnownHashes.Hit] = []
    let perceptual: [SignalKind]
    let urlSignals: Set<SignalKind>

    init(config: ScanConfiguration, known: KnownHashes) throws {
        self.config = config
        self.known = known
        digester = try Digester(signals: config.signals.filter(\.isCryptographic))
        perceptual = config.signals.filter(\.isPerceptual)
        urlSignals = Set(config.signals.filter(\.isURL))
    }

    func screen(_ sample: Sample, problems: [String]) -> SampleOutcome {
        var out = SampleOutcome()
        let display = sample.displayPath
        for p in problems {
            out.failures.append(FailureRecord(key: sample.key, path: display, stage: .manifest, message: p, ordinal: sample.ordinal))
        }
        // 1. Hashes recorded in the manifest: matched without reading the file.
        for r in sample.recorded {
            lookup(sample, r.signal, r.value, source: .manifest, into: &out)
        }
        // 2. URL hashes.
        if !urlSignals.isEmpty, let url = sample.url {
            for (signal, value) in Digester.urlHashes(url, signals: urlSignals) {
                lookup(sample, signal, value, source: .computed, into: &out)
            }
        }
        // 3. The image bytes, read once.
        guard let path = sample.path else { return out }
        let count: Int
        do {
            count = try readFile(path)
        } catch {
            out.failures.append(FailureRecord(key: sample.key, path: display, stage: .read, message: error.message, ordinal: sample.ordinal))
            return out
        }
        out.bytesRead = count
        fileBuffer.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
            for (signal, value) in digester.digest(bytes) {
                lookup(sample, signal, value, source: .computed, into: &out)
            }
            guard config.needsDecode else { return }
            screenPixels(sample, bytes, into: &out)
        }
        return out
    }

    private func screenPixels(_ sample: Sample, _ bytes: UnsafeRawBufferPointer, into out: inout SampleOutcome) {
        let display = sample.displayPath
        let image: RGBImage
        do {
            var options = DecodeOptions(maxPixels: config.maxPixels)
            if config.pdqMode == .fast && !config.verifyDecode {
                options.jpegMinimumSide = Screener.fastDecodeMinimumSide
            }
            image = try ImageDecoder.decode(bytes, options: options)
        } catch {
            out.failures.append(FailureRecord(key: sample.key, path: display, stage: .decode, message: error.message, ordinal: sample.ordinal))
            return
        }
        out.decoded = true
        image.pixels.withUnsafeBufferPointer { px in
            if perceptual.contains(.pdq) {
                let mode: PDQMode = config.pdqMode == .cimg512 ? .cimg512 : .full
                let r = pdq.hash(rgb: px, width: image.width, height: image.height, mode: mode, dihedral: config.dihedral)
                if r.quality < config.pdqMinQuality {
                    out.failures.append(FailureRecord(
                        key: sample.key, path: display, stage: .unscreenablePerceptual,
                        message: "PDQ quality \(r.quality) is below the minimum \(config.pdqMinQuality): the image is too flat to screen perceptually",
                        quality: r.quality, ordinal: sample.ordinal))
                } else {
                    let variants: [(String, HashValue)] = config.dihedral
                        ? DihedralVariant.allCases.compactMap { v in r.variants?[v].map { (v.rawValue, $0) } }
                        : [("orig", r.hash)]
                    for (name, value) in variants {
                        lookup(sample, .pdq, value, source: .computed, variant: name, into: &out)
                    }
                }
            }
            let need64 = perceptual.contains(.phash) || perceptual.contains(.dhash) || perceptual.contains(.ahash)
            if need64 {
                let h = hasher64.hashes(rgb: px, width: image.width, height: image.height)
                if perceptual.contains(.phash) { lookup(sample, .phash, h.phash, source: .computed, into: &out) }
                if perceptual.contains(.dhash) { lookup(sample, .dhash, h.dhash, source: .computed, into: &out) }
                if perceptual.contains(.ahash) { lookup(sample, .ahash, h.ahash, source: .computed, into: &out) }
            }
        }
    }

    /// Long side a fast-mode JPEG decode keeps at least: PDQ filters to 64x64 and pHash to
    /// 32x32; 256 px keeps PDQ within a few bits of the full decode (docs/decoding.md).
    static let fastDecodeMinimumSide = 256

    private func lookup(_ sample: Sample, _ signal: SignalKind, _ value: HashValue, source: ValueSource,
                        variant: String? = nil, into out: inout SampleOutcome) {
        if !out.screenedSignals.contains(signal) { out.screenedSignals.append(signal) }
        hits.removeAll(keepingCapacity: true)
        known.lookup(signal, value, threshold: config.threshold(for: signal), into: &hits)
        for h in hits {
            out.matches.append(MatchRecord(
                key: sample.key, url: sample.url, path: sample.displayPath, signal: signal, value: value,
                source: source, list: h.list, distance: h.distance,
                variant: signal.isPerceptual ? (variant ?? "orig") : nil, ordinal: sample.ordinal))
        }
    }

    struct ReadError: Error { var message: String }

    /// Reads a whole file into the reusable buffer; returns its length.
    private func readFile(_ path: String) throws(ReadError) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ReadError(message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReadError(message: "cannot stat: \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ReadError(message: "not a regular file") }
        let size = Int(st.st_size)
        guard size <= config.maxFileBytes else {
            throw ReadError(message: "file is \(size) bytes, over the limit of \(config.maxFileBytes) (--max-file-bytes)")
        }
        if fileBuffer.count < size + 1 { fileBuffer = [UInt8](repeating: 0, count: max(size + 1, 1 << 20)) }
        var off = 0
        let result: Int32 = fileBuffer.withUnsafeMutableBytes { raw in
            // Read up to one byte past the stat size to notice a file that grew.
            while off < raw.count {
                let n = read(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { break }
                off += n
                if off > size { break }
            }
            return 0
        }
        if result != 0 { throw ReadError(message: "read failed: \(String(cString: strerror(result)))") }
        if off > size { throw ReadError(message: "file changed while being read") }
        if off == 0 { throw ReadError(message: "file is empty (0 bytes)") }
        return off
    }
}
