// Reading list source files: layout detection, CSV/TSV/plain-line splitting, and validation of
// each line into entries.
//
// Accepted layouts (detected per file from its first data line, see docs/lists.md):
// - a table with a header: CSV (RFC 4180 quoting: https://www.rfc-editor.org/rfc/rfc4180),
//   TSV, or whitespace-separated columns. Columns `hash_type`/`type`, `hash_value`/`hash`/
//   `value`, optional `label` and `quality`; other columns are ignored.
// - plain lines `<type> <hash> [label]`, whitespace separated: the convention of
//   facebook/ThreatExchange python-threatexchange (`tx hash` prints `pdq <hex>`).
// - bare values, one per line (maybe followed by a label), when a default type is given.
// Everywhere: `#` comment lines, blank lines, CRLF, a UTF-8 byte-order mark, hex of either case.
import Foundation
import HashscreenCore

// MARK: - Types of lines

/// The type a list line names: one signal, or `url` (a URL stored as its URL digests).
///
/// Signal names and their aliases, ThreatExchange's `photo_md5` among them, are the signals'
/// own (`SignalKind(listName:)`); only `url` is list syntax.
enum ListLineType: Equatable {
    case signal(SignalKind)
    case url

    /// Parses a type as written in lists: a signal's name or alias, or `url`.
    init?(name: some StringProtocol) {
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        if n == "url" { self = .url; return }
        guard let k = SignalKind(listName: n) else { return nil }
        self = .signal(k)
    }

    /// Every accepted type name, for messages.
    static let knownNames = (SignalKind.allCases.map(\.name) + ["url"]).joined(separator: ", ")
}

/// A validated entry of one line.
struct ParsedEntry {
    var signal: SignalKind
    var value: HashValue
    var quality: Int?
    var label: String?
}

/// How a source file is laid out.
enum ListFileLayout: Equatable {
    case lines
    case table(Delimiter, ListColumns)

    enum Delimiter: Equatable {
        case comma, tab, whitespace
        var byte: UInt8? {
            switch self {
            case .comma: return UInt8(ascii: ",")
            case .tab: return UInt8(ascii: "\t")
            case .whitespace: return nil
            }
        }
    }

    /// The name stored in a list's provenance.
    var formatName: String {
        switch self {
        case .lines: return "lines"
        case .table(.comma, _): return "csv"
        case .table(.tab, _): return "tsv"
        case .table(.whitespace, _): return "table"
        }
    }
}

/// Where the known columns are in a table's header (0-based field indices).
struct ListColumns: Equatable {
    var type: Int?
    var value: Int?
    var label: Int?
    var quality: Int?
    var count: Int

    /// Header names by role, in order of preference when a header has several.
    static let typeNames = ["hash_type", "type"]
    static let valueNames = ["hash_value", "hash", "value"]
    static let labelNames = ["label"]
    static let qualityNames = ["quality"]
    static let allNames = Set(typeNames + valueNames + labelNames + qualityNames)

    init(header: [String]) {
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ candidates: [String]) -> Int? {
            for c in candidates { if let i = names.firstIndex(of: c) { return i } }
            return nil
        }
        type = find(Self.typeNames); value = find(Self.valueNames)
        label = find(Self.labelNames); quality = find(Self.qualityNames)
        count = header.count
    }
}

// MARK: - Parser

/// The outcome of one data line: its entries (one, or a URL's digests) or why it is invalid.
enum LineResult {
    case entry(ParsedEntry)
    case entries([ParsedEntry])
    case problem(String)
}

/// Reads one source file and turns each data line into entries or a reason it is invalid.
///
/// Works on bytes: fields are ranges in one reused buffer, hex is decoded from bytes, and a
/// String is made only for labels, URLs and messages (a 1M-line import spends its time in
/// sqlite, not here).
struct ListFileParser {
    let path: String
    let defaultType: ListLineType?
    var urlHasher: ((String) throws -> [(SignalKind, HashValue)])?
    /// When set, a valid hex entry without a label is handed here as its signal, its decoded
    /// bytes (valid during the call) and its quality, with no `ParsedEntry` made (the bulk of
    /// a big list: no allocation per line), and `onLine` gets `.entries([])` for its line.
    var onPlainValue: ((SignalKind, UnsafeBufferPointer<UInt8>, Int?) -> Void)? = nil

    /// Calls `onLine` for every data line (1-based number, entries or problem) and returns the
    /// detected layout. Throws `ListError` `.invalidLine` when the whole file is unusable (no value
    /// column, overlong line) and `.io` when it cannot be read.
    func parse(_ onLine: (Int, LineResult) throws -> Void) throws -> ListFileLayout {
        var layout: ListFileLayout?
        var pending: [UInt8] = []      // a CSV record whose quoted field continues on the next line
        var pendingStart = 0
        var pendingLines = 0
        var fields = FieldBuffer()
        var types = TypeCache()
        let sink = onPlainValue

        func tableRecord(_ b: UnsafeBufferPointer<UInt8>, line: Int, _ d: ListFileLayout.Delimiter,
                         _ cols: ListColumns) throws -> Bool {
            if let byte = d.byte {
                switch splitDelimited(b, delimiter: byte, into: &fields) {
                case .complete: break
                case .openQuote: return false
                case .bad(let reason): try onLine(line, .problem(reason)); return true
                }
            } else {
                splitWhitespace(b, maxFields: cols.count, into: &fields)
            }
            try onLine(line, interpretRow(fields, cols, &types))
            return true
        }

        try forEachLine { lineNo, bytes in
            if !pending.isEmpty {
                pending.append(UInt8(ascii: "\n")); pending.append(contentsOf: bytes); pendingLines += 1
                guard case .table(let d, let cols) = layout else { return }
                let done = try pending.withUnsafeBufferPointer { try tableRecord($0, line: pendingStart, d, cols) }
                if done {
                    pending.removeAll(keepingCapacity: true)
                } else if pendingLines >= ListImportLimits.maxRecordLines || pending.count > ListImportLimits.maxLineBytes {
                    pending.removeAll(keepingCapacity: true)
                    try onLine(pendingStart, .problem("unterminated quoted field (still open after \(pendingLines) lines)"))
                }
                return
            }
            guard let first = bytes.firstIndex(where: { !isPad($0) }), bytes[first] != UInt8(ascii: "#") else { return }
            guard let known = layout else {
                let detected = detectLayout(bytes)
                layout = detected
                if case .table(_, let cols) = detected {
                    guard cols.value != nil else {
                        throw ListError(file: path, line: lineNo, reason: "header has no hash_value, hash or value column")
                    }
                    guard cols.type != nil || defaultType != nil else {
                        throw ListError(file: path, line: lineNo,
                                              reason: "header has no hash_type or type column and no default type was given")
                    }
                    return  // the header is not data
                }
                try onLine(lineNo, interpretPlain(bytes, &fields, &types))
                return
            }
            switch known {
            case .lines:
                if let sink, Self.plainFast(bytes, defaultType: defaultType, &types, sink) { try onLine(lineNo, .entries([])); return }
                try onLine(lineNo, interpretPlain(bytes, &fields, &types))
            case .table(let d, let cols):
                if try !tableRecord(bytes, line: lineNo, d, cols) {
                    pending = Array(bytes); pendingStart = lineNo; pendingLines = 1
                }
            }
        }
        if !pending.isEmpty {
            try onLine(pendingStart, .problem("unterminated quoted field at end of file"))
        }
        return layout ?? .lines
    }

    // MARK: Layout

    /// A first data line containing a known column name is a header: CSV if it has a comma, TSV
    /// if it has a tab, whitespace-separated if every word is a column name; otherwise the file
    /// is plain lines.
    func detectLayout(_ b: UnsafeBufferPointer<UInt8>) -> ListFileLayout {
        let delimiter: ListFileLayout.Delimiter = b.contains(UInt8(ascii: "\t")) ? .tab
            : b.contains(UInt8(ascii: ",")) ? .comma : .whitespace
        var f = FieldBuffer()
        if let byte = delimiter.byte {
            guard case .complete = splitDelimited(b, delimiter: byte, into: &f) else { return .lines }
        } else {
            splitWhitespace(b, maxFields: Int.max, into: &f)
        }
        let names = (0..<f.count).map { f.string($0).lowercased() }
        let known = names.map { ListColumns.allNames.contains($0) }
        let isHeader = delimiter == .whitespace ? !known.contains(false) : known.contains(true)
        return isHeader ? .table(delimiter, ListColumns(header: names)) : .lines
    }

    // MARK: Lines to entries

    /// `<type> <hash> [label]`, or with a default type `<value> [label]`.
    func interpretPlain(_ b: UnsafeBufferPointer<UInt8>, _ f: inout FieldBuffer, _ types: inout TypeCache) -> LineResult {
        splitWhitespace(b, maxFields: 3, into: &f)
        if f.count >= 2, let t = types.type(f.field(0)) {
            return entries(type: t, value: f.field(1), quality: nil, label: f.count > 2 ? f.string(2) : nil)
        }
        if let d = defaultType {
            splitWhitespace(b, maxFields: 2, into: &f)
            if f.count == 2, d != .url, looksLikeTypeName(f.field(0)) {
                return .problem(unknownTypeReason(f.field(0)))
            }
            return entries(type: d, value: f.field(0), quality: nil, label: f.count > 1 ? f.string(1) : nil)
        }
        if f.count == 1 {
            if types.type(f.field(0)) != nil { return .problem("type but no hash value") }
            return .problem("no hash type: write `<type> <hash>` or give a default type")
        }
        return .problem(unknownTypeReason(f.field(0)))
    }

    /// With `onPlainValue` (as `sink`, read once per file): a line that is exactly `<type> <hex>` (or `<hex>` with a default
    /// signal type) of the right length, decoded straight from the line, no field copied; false
    /// (nothing done) for any other line, which then takes `interpretPlain`'s path.
    /// Static, so that a line's call copies (and reference-counts) no part of the parser.
    static func plainFast(_ b: UnsafeBufferPointer<UInt8>, defaultType: ListLineType?, _ types: inout TypeCache,
                          _ sink: (SignalKind, UnsafeBufferPointer<UInt8>, Int?) -> Void) -> Bool {
        let n = b.count
        var i = 0
        while i < n, isPad(b[i]) { i += 1 }
        let a0 = i
        while i < n, !isPad(b[i]) { i += 1 }
        let a1 = i
        while i < n, isPad(b[i]) { i += 1 }
        let b0 = i
        while i < n, !isPad(b[i]) { i += 1 }
        let b1 = i
        while i < n, isPad(b[i]) { i += 1 }
        guard i == n, a1 > a0 else { return false }
        let kind: SignalKind
        let digits: UnsafeBufferPointer<UInt8>
        if b1 > b0 {
            guard case .signal(let k)? = types.type(UnsafeBufferPointer(rebasing: b[a0..<a1])) else { return false }
            kind = k; digits = UnsafeBufferPointer(rebasing: b[b0..<b1])
        } else {
            guard case .signal(let k)? = defaultType else { return false }
            kind = k; digits = UnsafeBufferPointer(rebasing: b[a0..<a1])
        }
        let byteCount = types.byteCount(kind)
        guard digits.count == 2 * byteCount, byteCount <= TypeCache.maxValueBytes else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TypeCache.maxValueBytes) { room in
            let out = UnsafeMutableBufferPointer(rebasing: room[0..<byteCount])
            guard Hex.decode(digits, into: out) else { return false }
            sink(kind, UnsafeBufferPointer(out), nil)
            return true
        }
    }

    /// One table row, by the header's columns.
    func interpretRow(_ f: FieldBuffer, _ cols: ListColumns, _ types: inout TypeCache) -> LineResult {
        func present(_ i: Int?) -> Int? {
            guard let i, i < f.count, !f.ranges[i].isEmpty else { return nil }
            return i
        }
        guard let valueColumn = cols.value, valueColumn < f.count else {
            return .problem("missing hash value field (row has \(f.count) fields, header has \(cols.count))")
        }
        let type: ListLineType
        if let i = present(cols.type) {
            guard let t = types.type(f.field(i)) else { return .problem(unknownTypeReason(f.field(i))) }
            type = t
        } else if let d = defaultType {
            type = d
        } else {
            return .problem("empty hash type field and no default type")
        }
        return entries(type: type, value: f.field(valueColumn), quality: present(cols.quality).map { f.field($0) },
                       label: present(cols.label).map { f.string($0) })
    }

    /// Validates a value of a type (and its quality) into entries; a URL becomes its digests.
    func entries(type: ListLineType, value rawValue: ArraySlice<UInt8>, quality qualityText: ArraySlice<UInt8>?,
                 label: String?) -> LineResult {
        var quality: Int?
        if let q = qualityText.map(trimmed), !q.isEmpty {
            // The only quality scale is PDQ's; a quality column is read on it whatever the row's type.
            let range = QualityGate.pdq.range
            guard let n = Int(String(decoding: q, as: UTF8.self)), range.contains(n) else {
                return .problem("quality must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            quality = n
        }
        let label = label.flatMap { $0.isEmpty ? nil : $0 }
        let value = trimmed(rawValue)
        switch type {
        case .signal(let kind):
            if label == nil, let sink = onPlainValue, value.count == kind.hexLength {
                let done = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: kind.byteCount) { out in
                    value.withUnsafeBufferPointer { digits in
                        guard Hex.decode(digits, into: out) else { return false }
                        sink(kind, UnsafeBufferPointer(out), quality)
                        return true
                    }
                }
                if done { return .entries([]) }
            }
            switch decodeHex(value, kind) {
            case .success(let v): return .entry(ParsedEntry(signal: kind, value: v, quality: quality, label: label))
            case .failure(let p): return .problem(p.message)
            }
        case .url:
            guard !value.isEmpty else { return .problem("empty URL") }
            guard let urlHasher else { return .problem("url entries cannot be imported: no URL hasher was provided") }
            let digests: [(SignalKind, HashValue)]
            do { digests = try urlHasher(String(decoding: value, as: UTF8.self)) } catch let e as HashscreenError {
                return .problem("URL rejected: \(e.message)")
            } catch {
                return .problem("URL rejected")
            }
            guard !digests.isEmpty else { return .problem("URL gave no digests") }
            for (k, v) in digests where v.bytes.count != k.byteCount {
                return .problem("URL hasher gave a \(v.bytes.count)-byte \(k.name) digest")
            }
            return .entries(digests.map { ParsedEntry(signal: $0.0, value: $0.1, quality: quality, label: label) })
        }
    }

    /// Decodes a value's hex from bytes; a malformed value gets the reason worded by the signal's
    /// own parser (`SignalKind.parse`), so messages match everywhere hashscreen reads hashes.
    func decodeHex(_ t: ArraySlice<UInt8>, _ kind: SignalKind) -> Result<HashValue, HashscreenError> {
        if t.isEmpty { return .failure(HashscreenError(.input, "empty \(kind.name) hash value")) }
        if t.count == kind.hexLength, let bytes = Hex.decode(t) { return .success(HashValue(bytes: bytes)) }
        do { return .success(try kind.parse(String(decoding: t, as: UTF8.self))) } catch { return .failure(error) }
    }

    /// Names an unknown type without echoing anything that could be a hash value: short words
    /// are quoted, longer or hex-only fields are described by their length.
    func unknownTypeReason(_ field: ArraySlice<UInt8>) -> String {
        if looksLikeTypeName(field) {
            return "unknown hash type '\(String(decoding: field, as: UTF8.self))' (known: \(ListLineType.knownNames))"
        }
        return "unknown hash type (a \(field.count)-character field; known: \(ListLineType.knownNames))"
    }

    /// A short word with a letter beyond a–f: a type name, not a (partial) hash value.
    func looksLikeTypeName(_ u: ArraySlice<UInt8>) -> Bool {
        guard u.count <= 20, u.allSatisfy({ isWordByte($0) }) else { return false }
        return u.contains { b in (b >= UInt8(ascii: "g") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "G") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_") }
    }

    // MARK: Reading lines

    /// Calls `body` with each line (without LF, a CR before it, or a leading UTF-8 BOM) and its
    /// 1-based number, reading the file in chunks; returns the number of lines. With `range`,
    /// only the lines of those bytes (from a line start), numbered from 1 at its start.
    @discardableResult
    func forEachLine(range: Range<Int>? = nil, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ListError(.io, "cannot read list file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = 1 << 20
        var buf = [UInt8](unsafeUninitializedCapacity: chunk + ListImportLimits.maxLineBytes) { _, c in c = chunk + ListImportLimits.maxLineBytes }
        var filled = 0
        var lineNo = 0
        var eof = false
        var offset = range?.lowerBound ?? 0
        let fileStart = offset == 0
        while true {
            if !eof {
                var want = buf.count - filled
                if let range { want = min(want, range.upperBound - offset) }
                let n = want == 0 ? 0 : buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + filled, want, off_t(offset)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ListError(.io, "cannot read list file \(path): \(String(cString: strerror(errno)))")
                }
                if n == 0 { eof = true } else { filled += n; offset += n }
            }
            let consumed = try buf.withUnsafeBufferPointer { p -> Int in
                let base = p.baseAddress!
                var start = 0
                func emit(_ s: Int, _ e: Int) throws {
                    lineNo += 1
                    var s = s, e = e
                    if e > s, base[e - 1] == 13 { e -= 1 }
                    if lineNo == 1, fileStart, e - s >= 3, base[s] == 0xEF, base[s + 1] == 0xBB, base[s + 2] == 0xBF { s += 3 }
                    guard e - s <= ListImportLimits.maxLineBytes else {
                        throw ListError(file: path, line: lineNo, reason: "line longer than \(ListImportLimits.maxLineBytes) bytes: not a list file?")
                    }
                    // Lines end at LF (a CR before it dropped). A CR alone would end a record in
                    // the shared tokenizer and cut the line short: CR-only files are refused.
                    if e > s, memchr(base + s, 13, e - s) != nil {
                        throw ListError(file: path, line: lineNo, reason: "a carriage return (CR) not followed by LF: list files need LF or CRLF line ends")
                    }
                    try body(lineNo, UnsafeBufferPointer(start: base + s, count: e - s))
                }
                while start < filled, let nl = memchr(base + start, 10, filled - start) {
                    let end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    try emit(start, end)
                    start = end + 1
                }
                if eof, start < filled { try emit(start, filled); start = filled }
                return start
            }
            if eof { return lineNo }
            if consumed > 0 {
                buf.withUnsafeMutableBufferPointer { p in
                    _ = memmove(p.baseAddress!, p.baseAddress! + consumed, filled - consumed)
                }
                filled -= consumed
            }
            if filled > ListImportLimits.maxLineBytes {
                throw ListError(file: path, line: lineNo + 1, reason: "line longer than \(ListImportLimits.maxLineBytes) bytes: not a list file?")
            }
        }
    }
}

/// Remembers the last few type fields' bytes and meanings: a list uses few type names, so most
/// lines skip the name lookup.
struct TypeCache {
    /// Distinct type spellings remembered (more than the signals a list normally mixes).
    static let capacity = 8
    /// Bytes of the longest signal value (SHA-256, PDQ).
    static let maxValueBytes = 32
    private var known: [([UInt8], ListLineType?)] = []
    /// The last signal asked about and its value's bytes (a descriptor lookup per line was a
    /// tenth of a big import's time).
    private var lastKind: SignalKind?
    private var lastByteCount = 0

    mutating func byteCount(_ kind: SignalKind) -> Int {
        if kind == lastKind { return lastByteCount }
        lastKind = kind; lastByteCount = kind.byteCount
        return lastByteCount
    }

    mutating func type(_ field: some Collection<UInt8>) -> ListLineType? {
        for (bytes, type) in known where field.elementsEqual(bytes) { return type }
        let type = ListLineType(name: String(decoding: field, as: UTF8.self))
        if known.count == Self.capacity { known.removeFirst() }
        known.append((Array(field), type))
        return type
    }
}

// MARK: - Splitting

@inline(__always) func isPad(_ b: UInt8) -> Bool { b == 32 || b == 9 }

@inline(__always) func isWordByte(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
}

/// Without leading and trailing spaces and tabs.
func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var lo = s.startIndex, hi = s.endIndex
    while lo < hi, isPad(s[lo]) { lo += 1 }
    while hi > lo, isPad(s[hi - 1]) { hi -= 1 }
    return s[lo..<hi]
}

/// Splits on runs of spaces and tabs into at most `maxFields` fields; the last keeps the rest of
/// the line (trimmed), so a label may contain spaces.
func splitWhitespace(_ b: UnsafeBufferPointer<UInt8>, maxFields: Int, into f: inout FieldBuffer) {
    f.removeAll()
    var i = 0
    let n = b.count
    while i < n {
        while i < n, isPad(b[i]) { i += 1 }
        guard i < n else { break }
        var j = i
        if f.count == maxFields - 1 {
            j = n
            while j > i, isPad(b[j - 1]) { j -= 1 }
        } else {
            while j < n, !isPad(b[j]) { j += 1 }
        }
        f.append(UnsafeBufferPointer(rebasing: b[i..<j]))
        i = j
    }
}

enum SplitStatus: Equatable {
    case complete
    /// A quoted field is still open at the end: the record continues on the next line.
    case openQuote
    case bad(String)
}

/// Splits one CSV/TSV line (or lines joined while a quoted field is open) with the shared
/// tokenizer: spaces around fields are trimmed and text after a closing quote is an error.
func splitDelimited(_ b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, into f: inout FieldBuffer) -> SplitStatus {
    let record = CSVTokenizer(delimiter: delimiter, trimsSpaces: true).nextRecord(b, atEnd: true, into: &f)!
    if let field = record.textAfterQuote { return .bad("text after the closing quote of field \(field)") }
    return record.unterminated ? .openQuote : .complete
}
