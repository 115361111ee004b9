import Foundation
import HashscreenCore
import HashscreenDecode
import HashscreenDigest
import HashscreenMatch
import HashscreenPerceptual
import HashscreenReport

/// What screening one sample found, and for each requested signal what became of it: looked
/// up (`screenedSignals`), not computed for a reason that is a failure (`notComputed`), below
/// its quality gate (`lowQualitySignals`), or else not applicable (no URL, a failed download).
struct SampleOutcome {
    var matches: [MatchRecord] = []
    var failures: [FailureRecord] = []
    /// Signals whose value was computed or recorded and looked up.
    var screenedSignals: [SignalKind] = []
    /// Requested signals that could not be computed, and why (one reason per sample).
    var notComputed: [SignalKind] = []
    var notComputedReason: NotComputedReason?
    /// Signals computed below their quality gate (PDQ): not looked up, not a failure.
    var lowQualitySignals: [SignalKind] = []
    var bytesRead = 0
    var decoded = false
    /// `FlagDigest.content` of the image bytes, when they were read and the digest is wanted (the
    /// sample matched, or `verify` compares every sample).
    var contentDigest: HashValue?
    /// With `--export-reporting`, for a flagged sample: MD5, SHA-1 and SHA-256 of the bytes read.
    var storedFile: [(SignalKind, HashValue)] = []
    /// What `flagged.jsonl` records of the sample, when it matched.
    var flagged: FlaggedRecord?
    /// With `verify`: the sample is a row the earlier scan flagged.
    var remaining: RemainingRow?

    /// Records that `signals` (less those already screened, e.g. by a recorded hash) were not
    /// computed, for `reason`.
    mutating func notComputed(_ signals: [SignalKind], _ reason: NotComputedReason) {
        let missed = signals.filter { !screenedSignals.contains($0) }
        guard !missed.isEmpty else { return }
        notComputed += missed
        notComputedReason = reason
    }
}

/// Screens samples: one per worker thread, holding that worker's reusable state (digest
/// contexts, file buffer, PDQ scratch buffers). Not thread-safe.
final class Screener {
    let config: ScanConfiguration
    let known: KnownHashes
    let digester: Digester
    let urlDigester: Digester
    let pdq = PDQHasher()
    let hasher64 = ImageHasher64()
    let decoder: ImageDecoder
    /// MD5, SHA-1 and SHA-256 of a flagged sample's bytes, with `--export-reporting` only.
    let reportingDigester: Digester?
    private var fileBuffer: [UInt8] = []
    private var hits: [KnownHashes.Hit] = []
    private var indexScratch: [IndexHit] = []
    private var batchHits: [[KnownHashes.Hit]] = []
    private var batchScratch: [IndexBatchHit] = []
    private var cropBuffer: [UInt8] = []
    let perceptual: [SignalKind]
    /// The requested signals `ImageHasher64` computes.
    let hash64Kinds: Set<SignalKind>
    let pdqMinimumQuality: Int
    let urlSignals: Set<SignalKind>
    /// The requested signals computed from image bytes (file digests and perceptual hashes).
    let imageSignals: [SignalKind]
    /// The URL conventions each URL is digested in: the loaded lists' (or the unrecorded one
    /// when no list holds URL hashes: URLs are screened, and unmatched, all the same).
    let urlConventions: [URLConvention]
    /// Per URL convention, the requested URL signals and the index each is looked up in (nil:
    /// no list of that convention holds the signal), resolved once for the hot loop.
    private let urlPlan: [(convention: URLConvention, signals: [(SignalKind, KnownHashes.Resolved?)])]

    init(config: ScanConfiguration, known: KnownHashes) throws {
        self.config = config
        self.known = known
        digester = try Digester(signals: config.signals.filter(\.isCryptographic))
        perceptual = config.signals.filter(\.isPerceptual)
        hash64Kinds = Set(perceptual).intersection(ImageHasher64.signals)
        pdqMinimumQuality = config.minimumQuality(for: .pdq)
        urlSignals = Set(config.signals.filter(\.isURL))
        imageSignals = config.signals.filter { $0.isCryptographic || $0.isPerceptual }
        urlConventions = known.urlConventions.isEmpty ? [.unrecorded] : known.urlConventions
        // Only the digests the requested URL signals need (url_md5 alone: no SHA-256 per URL).
        let requestedURL = Set(config.signals.filter(\.isURL))
        let urlDigests = Digester.urlDigests.filter { d in requestedURL.contains { $0.urlDigest == d } }
        urlDigester = try Digester(signals: urlDigests.isEmpty ? Digester.urlDigests : urlDigests)
        let conventions = urlConventions
        urlPlan = conventions.map { c in
            (c, Digester.urlSignals.filter(requestedURL.contains).map { ($0, known.resolved($0, convention: c)) })
        }
        var options = DecodeOptions(maxPixels: config.maxPixels)
        if config.pdqMode == .fast {
            options.jpegMinimumSide = Screener.fastDecodeMinimumSide
        }
        decoder = ImageDecoder(options: options)
        reportingDigester = config.exportReporting ? try Digester(signals: [.md5, .sha1, .sha256]) : nil
    }

    /// Screens one sample; a flagged one gets its `flagged.jsonl` record and, with `verify`, every
    /// sample is compared with the earlier scan's flagged rows.
    func screen(_ sample: Sample, problems: [String]) -> SampleOutcome {
        var out = screenSignals(sample, problems: problems)
        guard config.earlier != nil || !out.matches.isEmpty else { return out }
        if reportingDigester != nil, !out.matches.isEmpty, !readsImages { storedFileForReport(sample, into: &out) }
        var content = Set(out.contentDigest.map { [$0] } ?? [])
        for r in sample.recorded where r.signal == .sha256 { content.insert(FlagDigest.content(sha256: r.value)) }
        let digests = content.sorted()
        let url = sample.url.map(FlagDigest.url)
        if !out.matches.isEmpty {
            out.flagged = FlaggedRecord(key: sample.key, keyIsRowNumber: sample.keyIsRowNumber, content: digests, url: url,
                                        sampleID: sample.id, reporting: config.exportReporting ? reporting(sample, out) : nil)
        }
        out.remaining = config.earlier?.remaining(sample, content: digests, url: url)
        return out
    }

    /// Whether screening reads image bytes at all (an image signal or decoding requested).
    private var readsImages: Bool { !digester.signals.isEmpty || config.needsDecode }

    /// With `--export-reporting` and no image signal requested (`--signals url_md5`): a flagged
    /// sample's bytes are read for `reporting.jsonl`'s stored-file hashes only; a read that
    /// fails leaves them out (the sample was not screened by its bytes, so it is no failure).
    private func storedFileForReport(_ sample: Sample, into out: inout SampleOutcome) {
        guard let reportingDigester else { return }
        if case .bytes(let b)? = sample.embedded, !b.isEmpty, b.count <= config.maxFileBytes {
            out.storedFile = b.withUnsafeBytes { reportingDigester.digest($0) }
            return
        }
        guard sample.embedded == nil, let path = sample.path,
              let count = try? (sample.member.map { try readMember(path, $0) } ?? readFile(path, raw: sample.rawPath))
        else { return }
        out.storedFile = fileBuffer.withUnsafeBytes { reportingDigester.digest(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// `reporting.jsonl`'s facts of a flagged sample: its file name (a tar member's name, with
    /// its shard), URL, own hashes (of the bytes read; recorded in its row), the file's
    /// modification time (a file on disk only: one `stat`), its matches without values.
    private func reporting(_ sample: Sample, _ out: SampleOutcome) -> ReportingFacts {
        var fileName = sample.displayPath
        var container: String? = nil
        if sample.member != nil, let tar = sample.path {
            // A member is shown as `SHARD.tar:NAME`: the name, and the shard file it is in.
            container = tar
            let prefix = (tar as NSString).lastPathComponent + ":"
            if let d = sample.displayPath, d.hasPrefix(prefix) { fileName = String(d.dropFirst(prefix.count)) }
        }
        var modified: Int64? = nil
        if let path = sample.path, sample.member == nil, sample.embedded == nil {
            var st = stat()
            let ok: Bool
            if let raw = sample.rawPath {
                ok = (raw + [0]).withUnsafeBytes { stat($0.baseAddress!.assumingMemoryBound(to: CChar.self), &st) == 0 }
            } else {
                ok = stat(path, &st) == 0
            }
            if ok { modified = Int64(st.st_mtim.tv_sec) }
        }
        let recorded = sample.recorded.filter(\.signal.isCryptographic)
            .map { ($0.signal, $0.value) }
            .sorted { ($0.0.name, $0.1.hex) < ($1.0.name, $1.1.hex) }
        let matches = out.matches.sorted(by: RecordOrder.precedes).map {
            ReportingMatch(signal: $0.signal, source: $0.source, list: $0.list.name, listVersion: $0.list.version,
                           distance: $0.distance, variant: $0.variant)
        }
        return ReportingFacts(fileName: fileName, container: container, url: sample.url, storedFile: out.storedFile,
                              recorded: recorded, modified: modified, matches: matches)
    }

    private func screenSignals(_ sample: Sample, problems: [String]) -> SampleOutcome {
        var out = SampleOutcome()
        let display = sample.displayPath
        for p in problems {
            out.failures.append(FailureRecord(key: sample.key, path: display, stage: .manifest, message: p, sampleID: sample.id))
        }
        // 1. Hashes recorded in the manifest: matched without reading the file.
        for r in sample.recorded {
            lookup(sample, r.signal, r.value, source: .manifest, into: &out)
        }
        // 2. URL hashes: one digest per URL convention of the loaded lists (each list is
        // matched with its own); without URL lists, screened (and unmatched) all the same.
        if !urlSignals.isEmpty, let url = sample.url {
            for (convention, signals) in urlPlan {
                let values = urlDigester.urlHashes(url, convention: convention, signals: urlSignals)
                for (signal, index) in signals {
                    guard let value = values.first(where: { $0.0 == signal })?.1 else { continue }
                    if !out.screenedSignals.contains(signal) { out.screenedSignals.append(signal) }
                    guard let index else { continue }
                    hits.removeAll(keepingCapacity: true)
                    known.lookupExact(index, value, into: &hits, scratch: &indexScratch)
                    if !hits.isEmpty { record(sample, signal, value, source: .computed, variant: nil, hits: hits, into: &out) }
                }
            }
        }
        // 3. The image bytes, read once (not at all when no signal needs them).
        guard readsImages else { return out }
        guard sample.hasImageReference else {
            noImageReference(sample, into: &out)
            return out
        }
        if let embedded = sample.embedded {
            screenEmbedded(sample, embedded, into: &out)
            return out
        }
        guard let path = sample.path else { return out }
        let count: Int
        do {
            if let member = sample.member { count = try readMember(path, member) } else { count = try readFile(path, raw: sample.rawPath) }
        } catch {
            out.failures.append(FailureRecord(key: sample.key, path: display, stage: .read, message: error.message, sampleID: sample.id))
            out.notComputed(imageSignals, Self.exists(path, raw: sample.rawPath) ? .unreadable : .imageMissing)
            return out
        }
        out.bytesRead = count
        fileBuffer.withUnsafeBytes { raw in
            screenBytes(sample, UnsafeRawBufferPointer(rebasing: raw[0..<count]), into: &out)
        }
        return out
    }

    /// The lookups of plain metadata rows (`ParquetColumnarRows.sortRun`), gathered so that
    /// each index searches them together (`rowsMatching`): per index (a slot), the values and
    /// the row of each.
    struct PlainLookups {
        fileprivate var values: [[HashValue]] = []
        fileprivate var rows: [[Int]] = []
        /// The raw URL slot's lookups when digested as a batch (`gatherURLs`): the digests
        /// (16 bytes per row, one flat buffer) and their rows.
        fileprivate var urls = MultiMD5.Batch()
        fileprivate var urlRows: [Int] = []
        fileprivate var urlSlot: Int?
        mutating func removeAll() {
            for i in values.indices { values[i].removeAll(keepingCapacity: true); rows[i].removeAll(keepingCapacity: true) }
            urls.removeAll(); urlRows.removeAll(keepingCapacity: true); urlSlot = nil
        }
        fileprivate mutating func add(_ v: HashValue, row: Int, slot: Int) {
            while values.count <= slot { values.append([]); rows.append([]) }
            values[slot].append(v); rows[slot].append(row)
        }
    }
    /// The indexes of `PlainLookups`' slots: a recorded signal's (by signal), then each URL
    /// convention's signals' (`urlSlots`, parallel to `urlPlan`).
    private var plainIndexes: [KnownHashes.Resolved] = []
    /// Per recorded signal met so far, its slot (nil: no loaded list holds it); a few entries.
    private var recordedSlots: [(SignalKind, Int?)] = []
    private lazy var urlSlots: [[Int?]] = urlPlan.map { plan in
        plan.signals.map { _, index in index.map { plainIndexes.append($0); return plainIndexes.count - 1 } }
    }
    private var plainScratch: [IndexBatchHit] = []
    /// The one URL slot when a plain row's URL lookups are one digest of its raw bytes (one
    /// convention, `raw`; one digest computed): `gather` then digests it without the arrays
    /// of `urlHashes`.
    private lazy var rawURLSlot: Int? = {
        guard urlPlan.count == 1, urlPlan[0].convention == .raw, urlDigester.signals.count == 1 else { return nil }
        let indexed = urlSlots[0].enumerated().compactMap { k, slot in slot.map { (urlPlan[0].signals[k].0, $0) } }
        guard indexed.count == 1, let digest = indexed[0].0.urlDigest, urlDigester.signals == [digest] else { return nil }
        return indexed[0].1
    }()

    /// `HASHSCREEN_URL_MD5X=0` digests plain rows' URLs one at a time (OpenSSL, `digestOne`)
    /// instead of in batches (`MultiMD5`): for the equivalence test and the measurements.
    static var urlBatchesOff: Bool { ProcessInfo.processInfo.environment["HASHSCREEN_URL_MD5X"] == "0" }

    /// Whether a run's plain rows' URLs are digested together (`gatherURLs`) instead of by
    /// `gather`: the raw-URL slot's case (`rawURLSlot`) when its digest is MD5.
    private(set) lazy var digestsURLsInBatches: Bool =
        rawURLSlot != nil && urlDigester.signals == [.md5] && !Self.urlBatchesOff

    /// Adds the raw URL lookups of plain rows `rows` to `lookups`: their URLs (`range(r)` of
    /// `bytes`) digested together by `MultiMD5` into one flat buffer (no `HashValue` per row),
    /// searched by `rowsMatching`. Only when `digestsURLsInBatches`; `gather` (with no URL)
    /// adds the rows' recorded hashes.
    func gatherURLs(_ rows: [Int], bytes: UnsafeRawBufferPointer, range: (Int) -> Range<Int>, into lookups: inout PlainLookups) {
        guard digestsURLsInBatches, let slot = rawURLSlot else { return }
        for r in rows { lookups.urls.add(UnsafeRawBufferPointer(rebasing: bytes[range(r)])) }
        lookups.urls.run()
        lookups.urlRows += rows
        lookups.urlSlot = slot
    }

    /// The slot of recorded signal `signal` (nil: no loaded list holds it), resolved once.
    private func recordedSlot(_ signal: SignalKind) -> Int? {
        if let met = recordedSlots.first(where: { $0.0 == signal }) { return met.1 }
        // Recorded hash columns are file digests: exact signals (`ColumnMap.hashColumns`).
        precondition(signal.comparison == .exact)
        let slot = known.resolved(signal).map { plainIndexes.append($0); return plainIndexes.count - 1 }
        recordedSlots.append((signal, slot))
        return slot
    }

    /// Calls `body` with the row of each plain row whose recorded hash matches a list entry
    /// (a row may come more than once): `values[j]` holds recorded signal `signals[j]`'s values
    /// of rows `rows`, laid one after another (`ParquetColumnarRows.sortRun`),
    /// searched in place as one batch per index: what `gather` and `rowsMatching` look up for
    /// these rows' recorded hashes, without a `HashValue` per row.
    func rowsMatching(recorded signals: [SignalKind], flat values: [[UInt8]], rows: [Int], _ body: (Int) -> Void) {
        guard !rows.isEmpty else { return }
        for (j, signal) in signals.enumerated() {
            guard let slot = recordedSlot(signal) else { continue }
            let size = signal.byteCount
            precondition(values[j].count == rows.count * size)
            values[j].withUnsafeBytes { d in
                known.lookupExact(plainIndexes[slot], flat: d, byteCount: size, scratch: &plainScratch) { body(rows[$0]) }
            }
        }
    }

    /// Adds what `screenSignals` looks up for a plain row with these recorded hashes and this
    /// URL (its UTF-8 bytes) to `lookups`: each recorded hash, then each URL digest per
    /// convention, where a loaded list can hold it (elsewhere a lookup finds nothing).
    func gather(url: UnsafeRawBufferPointer?, recorded: [(SignalKind, HashValue)], row: Int, into lookups: inout PlainLookups) {
        for (signal, value) in recorded {
            if let slot = recordedSlot(signal) { lookups.add(value, row: row, slot: slot) }
        }
        guard !urlSignals.isEmpty, let url else { return }
        if let slot = rawURLSlot {
            lookups.add(urlDigester.digestOne(url), row: row, slot: slot)
            return
        }
        let slots = urlSlots
        for (p, (convention, signals)) in urlPlan.enumerated() where slots[p].contains(where: { $0 != nil }) {
            let values = urlDigester.urlHashes(utf8: url, convention: convention, signals: urlSignals)
            for (k, (signal, _)) in signals.enumerated() {
                guard let slot = slots[p][k], let value = values.first(where: { $0.0 == signal })?.1 else { continue }
                lookups.add(value, row: row, slot: slot)
            }
        }
    }

    /// Calls `body` with the row of each gathered lookup that matches a list entry (a row
    /// may come more than once): each index searches its values as one batch.
    func rowsMatching(_ lookups: PlainLookups, _ body: (Int) -> Void) {
        for slot in lookups.values.indices where !lookups.values[slot].isEmpty {
            known.lookupExact(plainIndexes[slot], batch: lookups.values[slot], scratch: &plainScratch) { body(lookups.rows[slot][$0]) }
        }
        if let slot = lookups.urlSlot, !lookups.urlRows.isEmpty {
            let size = MultiMD5.digestSize
            lookups.urls.digests.withUnsafeBytes { d in
                known.lookupExact(plainIndexes[slot], flat: UnsafeRawBufferPointer(rebasing: d[0..<(lookups.urlRows.count * size)]),
                                  byteCount: size, scratch: &plainScratch) { body(lookups.urlRows[$0]) }
            }
        }
    }

    /// Whether a sample that names no image is screened by its recorded hashes and URL alone
    /// (nothing decoded, no earlier scan to compare with): the columnar metadata scan of a
    /// Parquet input without image or path column. (A requested file digest that no recorded
    /// column stands in for makes each such row a failure: screened as a sample.)
    var screensMetadataOnly: Bool { !config.needsDecode && config.earlier == nil }

    /// A sample naming no image while image signals are requested: one `manifest` failure
    /// saying which signals were not computed (none when recorded hashes stood in for all of
    /// them); for an image its reader knows is missing, the reader's message (always a
    /// failure); for a failed download, nothing (not applicable).
    private func noImageReference(_ sample: Sample, into out: inout SampleOutcome) {
        switch sample.imageAbsence {
        case .notStored?:
            return
        case .missing(let why)?:
            out.notComputed(imageSignals, .imageMissing)
            out.failures.append(FailureRecord(key: sample.key, path: sample.displayPath, stage: .manifest,
                                              message: why, sampleID: sample.id))
            return
        case nil:
            break
        }
        out.notComputed(imageSignals, .noImageReference)
        guard out.notComputedReason == .noImageReference else { return }
        out.failures.append(FailureRecord(
            key: sample.key, path: sample.displayPath, stage: .manifest,
            message: "\(Self.noImageReferenceMessage): \(out.notComputed.map(\.name).joined(separator: ", ")) not computed",
            sampleID: sample.id))
    }

    /// The failure of a sample that names no image.
    static let noImageReferenceMessage = "no image reference (the row names no image file or image column value)"

    /// Whether `path` names an existing file system entry: tells a missing image from an
    /// unreadable one after a read failed (lstat: a dangling symlink exists but is unreadable).
    static func exists(_ path: String, raw: [UInt8]?) -> Bool {
        var st = stat()
        guard let raw else { return lstat(path, &st) == 0 }
        return (raw + [0]).withUnsafeBytes { lstat($0.baseAddress!.assumingMemoryBound(to: CChar.self), &st) == 0 }
    }

    /// An image the manifest carries: the same size limit and failures as a file, then the
    /// same digests and decode, in memory.
    private func screenEmbedded(_ sample: Sample, _ embedded: EmbeddedImage, into out: inout SampleOutcome) {
        let failure: String?
        switch embedded {
        case .overLimit(let length):
            failure = "embedded image is \(length) bytes, over the limit of \(config.maxFileBytes) (--max-file-bytes)"
        case .bytes(let b) where b.count > config.maxFileBytes:   // a Sample made without the reader's limit
            failure = "embedded image is \(b.count) bytes, over the limit of \(config.maxFileBytes) (--max-file-bytes)"
        case .bytes(let b) where b.isEmpty:
            failure = "embedded image is empty (0 bytes)"
        case .bytes(let b):
            out.bytesRead = b.count
            b.withUnsafeBytes { screenBytes(sample, $0, into: &out) }
            failure = nil
        }
        if let failure {
            out.failures.append(FailureRecord(key: sample.key, path: sample.displayPath, stage: .read, message: failure, sampleID: sample.id))
            out.notComputed(imageSignals, .unreadable)
        }
    }

    /// Digests and (when pixels are needed) decodes and hashes one image's bytes.
    private func screenBytes(_ sample: Sample, _ bytes: UnsafeRawBufferPointer, into out: inout SampleOutcome) {
        var sha256: HashValue? = nil
        for (signal, value) in digester.digest(bytes) {
            if signal == .sha256 { sha256 = value }
            lookup(sample, signal, value, source: .computed, into: &out)
        }
        if config.needsDecode { screenPixels(sample, bytes, into: &out) }
        // The content digest of flagged.jsonl (and verify's comparison): from the SHA-256 just
        // computed, else (sha256 not requested) computed now, for flagged samples only unless verifying.
        if config.earlier != nil || !out.matches.isEmpty {
            out.contentDigest = sha256.map { FlagDigest.content(sha256: $0) } ?? FlagDigest.content(of: bytes)
        }
        if let reportingDigester, !out.matches.isEmpty { out.storedFile = reportingDigester.digest(bytes) }
    }

    private func screenPixels(_ sample: Sample, _ bytes: UnsafeRawBufferPointer, into out: inout SampleOutcome) {
        do {
            try decoder.withDecoded(bytes) { image in
                out.decoded = true
                hashPixels(sample, image, into: &out)
            }
        } catch let error as DecodeError {
            out.failures.append(FailureRecord(key: sample.key, path: sample.displayPath, stage: .decode,
                                              message: error.message, sampleID: sample.id))
            out.notComputed(perceptual, .undecodable)
        } catch {
            out.failures.append(FailureRecord(key: sample.key, path: sample.displayPath, stage: .decode,
                                              message: "\(error)", sampleID: sample.id))
            out.notComputed(perceptual, .undecodable)
        }
    }

    private func hashPixels(_ sample: Sample, _ image: RGBPixels, into out: inout SampleOutcome) {
        guard let box = contentBox(sample, image), box.width < image.width || box.height < image.height else {
            hashPixels(sample, image.pixels, width: image.width, height: image.height, note: nil, into: &out)
            return
        }
        ContentBox.crop(rgb: image.pixels, width: image.width, box: box, into: &cropBuffer)
        cropBuffer.withUnsafeBufferPointer { px in
            hashPixels(sample, px, width: box.width, height: box.height,
                       note: "perceptual hashes of the content box \(box) of the \(image.width)x\(image.height) image (padding removed)",
                       into: &out)
        }
    }

    /// The content box to hash, when the sample's layout padded it (img2dataset) or
    /// --unletterbox asks for border detection; nil for the whole image.
    private func contentBox(_ sample: Sample, _ image: RGBPixels) -> PixelBox? {
        // A JPEG decoded at a DCT-scaled size keeps its proportions; boxes are in decoded pixels.
        switch sample.padding {
        case .img2datasetBorder(let ow, let oh):
            return ContentBox.img2datasetBorder(rgb: image.pixels, width: image.width, height: image.height,
                                                originalWidth: ow, originalHeight: oh)
                ?? ContentBox.detectUniformBorder(rgb: image.pixels, width: image.width, height: image.height)
        case .detectUniformBorder:
            return ContentBox.detectUniformBorder(rgb: image.pixels, width: image.width, height: image.height)
        case nil:
            return config.unletterbox
                ? ContentBox.detectUniformBorder(rgb: image.pixels, width: image.width, height: image.height) : nil
        }
    }

    private func hashPixels(_ sample: Sample, _ px: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                            note: String?, into out: inout SampleOutcome) {
        let matchesBefore = out.matches.count
        defer {
            if let note { for i in matchesBefore..<out.matches.count { out.matches[i].notes.append(note) } }
        }
        let image = (width: width, height: height)
        // Only the requested 64-bit hashes: each is a full-resolution Lanczos reduction.
        let hash64Kinds = self.hash64Kinds
        var pdqResult: PDQResult? = nil
        var h64: [SignalKind: HashValue] = [:]
        if perceptual.contains(.pdq) {
            let mode: PDQMode = config.pdqMode == .cimg512 ? .cimg512 : .full
            if hash64Kinds.isEmpty {
                pdqResult = pdq.hash(rgb: px, width: image.width, height: image.height, mode: mode, dihedral: config.dihedral)
            } else {
                // Both from one walk over the pixels.
                (pdqResult, h64) = pdq.hash(rgb: px, width: image.width, height: image.height, mode: mode,
                                            dihedral: config.dihedral, alongside: hasher64, kinds: hash64Kinds)
            }
        } else if !hash64Kinds.isEmpty {
            h64 = hasher64.hashes(rgb: px, width: image.width, height: image.height, kinds: hash64Kinds)
        }
        if let r = pdqResult {
            if r.quality < pdqMinimumQuality {
                // Too flat to match perceptually: not applicable, not a failure (counted per
                // signal in the summary); the other signals still screen the image.
                out.lowQualitySignals.append(.pdq)
            } else {
                if config.dihedral {
                    // All variants in one batch search, recorded in canonical order.
                    let variants = DihedralVariant.allCases.compactMap { v in r.variants?[v].map { (v.rawValue, $0) } }
                    lookup(sample, .pdq, variants: variants, into: &out)
                } else {
                    lookup(sample, .pdq, r.hash, source: .computed, variant: DihedralVariant.orig.rawValue, into: &out)
                }
            }
        }
        for signal in ImageHasher64.signals {
            if let v = h64[signal] { lookup(sample, signal, v, source: .computed, into: &out) }
        }
    }

    /// Side (both sides) a fast-mode JPEG decode keeps at least. Measured on the 2000-image
    /// bench set against the full decode (docs/perceptual.md, "Fast mode"): 512 keeps PDQ
    /// within p99 8 / max 20 bits and pHash within 2 bits; 256 gave p99 18 / max 36 (over
    /// the match threshold of 31) for 13% less CPU.
    static let fastDecodeMinimumSide = 512

    private func lookup(_ sample: Sample, _ signal: SignalKind, _ value: HashValue, source: ValueSource,
                        convention: URLConvention? = nil, variant: String? = nil, into out: inout SampleOutcome) {
        if !out.screenedSignals.contains(signal) { out.screenedSignals.append(signal) }
        hits.removeAll(keepingCapacity: true)
        known.lookup(signal, value, convention: convention, threshold: config.threshold(for: signal), into: &hits, scratch: &indexScratch)
        record(sample, signal, value, source: source, variant: variant, hits: hits, into: &out)
    }

    /// Looks up computed values of one signal (the PDQ dihedral variants) with one batch
    /// search; the hits are recorded variant by variant in the order given, exactly as
    /// separate lookups would record them.
    private func lookup(_ sample: Sample, _ signal: SignalKind, variants: [(String, HashValue)],
                        into out: inout SampleOutcome) {
        if !out.screenedSignals.contains(signal) { out.screenedSignals.append(signal) }
        for i in batchHits.indices { batchHits[i].removeAll(keepingCapacity: true) }
        known.lookup(signal, batch: variants.map(\.1), threshold: config.threshold(for: signal),
                     into: &batchHits, scratch: &batchScratch)
        for (i, (name, value)) in variants.enumerated() {
            record(sample, signal, value, source: .computed, variant: name, hits: batchHits[i], into: &out)
        }
    }

    private func record(_ sample: Sample, _ signal: SignalKind, _ value: HashValue, source: ValueSource,
                        variant: String?, hits: [KnownHashes.Hit], into out: inout SampleOutcome) {
        for h in hits {
            // One record per (signal, source, list): the closest entry, and for PDQ the
            // closest dihedral variant (variants are looked up in canonical order).
            if let i = out.matches.firstIndex(where: { $0.signal == signal && $0.source == source && $0.list == h.list }) {
                if h.distance < out.matches[i].distance {
                    out.matches[i].distance = h.distance
                    out.matches[i].value = value
                    out.matches[i].variant = signal.isPerceptual ? (variant ?? "orig") : nil
                }
                continue
            }
            out.matches.append(MatchRecord(
                key: sample.key, url: sample.url, path: sample.displayPath, signal: signal, value: value,
                source: source, list: h.list, distance: h.distance,
                variant: signal.isPerceptual ? (variant ?? "orig") : nil, sampleID: sample.id))
        }
    }

    /// Reads a tar member's bytes in place into the reusable buffer; returns its length. Throws a
    /// `.input` error whose message (no path: the failure record has it) is the sample's failure.
    /// The shard is opened as any input is (`InputFile`): never a FIFO or a device.
    private func readMember(_ path: String, _ range: ByteRange) throws(HashscreenError) -> Int {
        guard range.length <= config.maxFileBytes else {
            throw HashscreenError(.input, "member is \(range.length) bytes, over the limit of \(config.maxFileBytes) (--max-file-bytes)")
        }
        guard range.length > 0 else { throw HashscreenError(.input, "member is empty (0 bytes)") }
        let fd: Int32
        do { fd = try InputFile.openRegular(path).fd } catch {
            throw HashscreenError(.input, "shard: \(error.message)")
        }
        defer { close(fd) }
        if fileBuffer.count < range.length { fileBuffer = [UInt8](repeating: 0, count: max(range.length, 1 << 20)) }
        var done = 0
        let err: Int32 = fileBuffer.withUnsafeMutableBytes { raw in
            while done < range.length {
                let n = pread(fd, raw.baseAddress! + done, range.length - done, off_t(range.offset + done))
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { return -1 }
                done += n
            }
            return 0
        }
        if err == -1 { throw HashscreenError(.input, "shard ends inside this member (truncated)") }
        if err != 0 { throw HashscreenError(.input, "read failed: \(String(cString: strerror(err)))") }
        return done
    }

    /// Reads a whole file into the reusable buffer; returns its length. `raw` is the path's real
    /// bytes when `path` is their escaped text. Only a regular file is opened (`InputFile`): a
    /// FIFO, device, socket or directory is a `read` failure at once, never a wait.
    private func readFile(_ path: String, raw: [UInt8]?) throws(HashscreenError) -> Int {
        let opened: InputFile.Opened
        if let raw { opened = try InputFile.openRegular(bytes: raw) } else { opened = try InputFile.openRegular(path) }
        let fd = opened.fd
        defer { close(fd) }
        let size = opened.size
        guard size <= config.maxFileBytes else {
            throw HashscreenError(.input, "file is \(size) bytes, over the limit of \(config.maxFileBytes) (--max-file-bytes)")
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
        if result != 0 { throw HashscreenError(.input, "read failed: \(String(cString: strerror(result)))") }
        if off > size { throw HashscreenError(.input, "file changed while being read") }
        if off == 0 { throw HashscreenError(.input, "file is empty (0 bytes)") }
        return off
    }
}
