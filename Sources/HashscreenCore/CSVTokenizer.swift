#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of one record: their bytes (unquoted) in one buffer reused for every record, and
/// each field's range in it, so splitting a record allocates nothing once the buffer has grown.
package struct FieldBuffer {
    package var bytes: [UInt8] = []
    package var ranges: [Range<Int>] = []

    package init() {}

    @inlinable package var count: Int { ranges.count }
    @inlinable package func field(_ i: Int) -> ArraySlice<UInt8> { bytes[ranges[i]] }
    @inlinable package func string(_ i: Int) -> String { String(decoding: bytes[ranges[i]], as: UTF8.self) }

    @inlinable package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
    }

    @inlinable package mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: b)
        ranges.append(start..<bytes.count)
    }
}

/// Where each field of one record stands in its bytes (`CSVTokenizer.verbatimFields`), and
/// whether those bytes are the field's (`verbatim`) or must be unquoted by `nextRecord`: the
/// first `capacity` fields' (a reader needs no more: its header's count), all of them counted.
/// Storage of its own, made once, so that splitting a record checks no array's uniqueness.
package final class FieldSpans {
    struct Span { var start: Int, end: Int, verbatim: Bool }
    package let capacity: Int
    /// The record's fields (all, also beyond `capacity`).
    package fileprivate(set) var count = 0
    fileprivate let spans: UnsafeMutablePointer<Span>

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
        spans = .allocate(capacity: self.capacity)
    }

    deinit { spans.deallocate() }

    /// Field `k`'s range (`k` below `count` and `capacity`).
    package func range(_ k: Int) -> Range<Int> { spans[k].start..<spans[k].end }
    /// Whether field `k`'s range holds its bytes as they are.
    package func isVerbatim(_ k: Int) -> Bool { spans[k].verbatim }

    @inline(__always) fileprivate func append(_ start: Int, _ end: Int, verbatim: Bool) {
        if count < capacity { spans[count] = Span(start: start, end: end, verbatim: verbatim) }
        count += 1
    }
}

/// The one RFC 4180 tokenizer of hashscreen, for CSV and TSV manifests and list files: fields
/// separated by `delimiter`; a field that starts with `"` is quoted and may hold delimiters,
/// newlines (LF, CRLF or CR, kept as they are) and quotes written `""`; a quote inside an
/// unquoted field is literal.
///
/// Records end at a line end outside quotes: LF, CRLF, or a CR alone (classic Mac OS files,
/// and some spreadsheet exports), each line by its own, so a file that mixes them reads as
/// lines wherever any of the three stands. A CR is therefore never data outside quotes.
///
/// Text after a closing quote (`"a"b`) is kept in the field, and the first field holding some
/// is reported, so a strict caller can refuse the record. With `trimsSpaces` spaces
/// (and tabs, unless tab is the delimiter) around a field are dropped, a quote after them still
/// opens a quoted field, and a quoted field's content is trimmed of spaces and tabs.
package struct CSVTokenizer {
    package let delimiter: UInt8
    package let trimsSpaces: Bool

    package init(delimiter: UInt8, trimsSpaces: Bool = false) {
        self.delimiter = delimiter
        self.trimsSpaces = trimsSpaces
    }

    /// Where and how a record ended.
    package struct Record: Equatable {
        /// Bytes the record took, its line end (LF, CRLF or CR) included.
        package var end: Int
        /// Physical lines it spanned: 1 plus the line ends (LF, CRLF, CR) inside quoted fields.
        package var lines: Int
        /// The last field's quote was still open at the end of the input.
        package var unterminated: Bool
        /// 1-based number of the first field with text after its closing quote (spaces and tabs
        /// too unless `trimsSpaces`).
        package var textAfterQuote: Int?
    }

    @inline(__always) func isPad(_ b: UInt8) -> Bool { b == 32 || (b == 9 && delimiter != 9) }
    @inline(__always) static func isSpaceOrTab(_ b: UInt8) -> Bool { b == 32 || b == 9 }

    /// Splits the record at the start of `b` into `fields`. A record ends at a line end outside
    /// quotes or, when `atEnd`, at the end of `b`; without `atEnd`, nil means the record may
    /// continue past the end of `b` (read more and call again with the longer input; a CR as
    /// the last byte waits too, since an LF may follow it).
    package func nextRecord(_ b: UnsafeBufferPointer<UInt8>, atEnd: Bool, into f: inout FieldBuffer) -> Record? {
        f.removeAll()
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = b.count
        var i = 0
        var lines = 1
        var textAfterQuote: Int? = nil
        while true {
            var j = i
            if trimsSpaces { while j < n, isPad(b[j]) { j += 1 } }
            if j < n, b[j] == quote {
                let start = f.bytes.count
                var k = j + 1
                var closed = false
                while k < n {
                    // The run of bytes up to the next quote, counting its line ends, appended
                    // at once (a byte at a time was most of a scan's tokenizing).
                    var r = n
                    if let base = b.baseAddress, let p = memchr(base + k, Int32(quote), n - k) {
                        r = k + (UnsafeRawPointer(p) - UnsafeRawPointer(base + k))
                    }
                    // Whether the run holds an LF or CR: a branch-free reduction, then the
                    // count only for a run that does.
                    var m: UInt8 = 0xFF
                    for c in UnsafeBufferPointer(rebasing: b[k..<r]) { m = min(m, min(c ^ lf, c ^ cr)) }
                    if m == 0 {
                        for j in k..<r where b[j] == lf || (b[j] == cr && (j + 1 >= n || b[j + 1] != lf)) { lines += 1 }
                    }
                    if r > k { f.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[k..<r])) }
                    k = r
                    guard k < n else { break }
                    if k + 1 < n {
                        if b[k + 1] == quote { f.bytes.append(quote); k += 2; continue }
                    } else if !atEnd {
                        return nil  // `"` or `""`: the next byte decides
                    }
                    closed = true; k += 1; break
                }
                guard closed else {
                    guard atEnd else { return nil }
                    f.ranges.append(start..<f.bytes.count)
                    return Record(end: n, lines: lines, unterminated: true, textAfterQuote: textAfterQuote)
                }
                var after = false
                while k < n {
                    let c = b[k]
                    if c == delimiter || c == lf || c == cr { break }
                    if !(trimsSpaces && isPad(c)) { after = true }
                    f.bytes.append(c)
                    k += 1
                }
                var lo = start, hi = f.bytes.count
                if trimsSpaces {
                    while lo < hi, Self.isSpaceOrTab(f.bytes[lo]) { lo += 1 }
                    while hi > lo, Self.isSpaceOrTab(f.bytes[hi - 1]) { hi -= 1 }
                }
                f.ranges.append(lo..<hi)
                if after, textAfterQuote == nil { textAfterQuote = f.count }
                i = k
            } else {
                var k = j
                while k < n, b[k] != delimiter, b[k] != lf, b[k] != cr { k += 1 }
                var e = k
                if trimsSpaces { while e > j, isPad(b[e - 1]) { e -= 1 } }
                f.append(UnsafeBufferPointer(rebasing: b[j..<e]))
                i = k
            }
            if i == n {
                guard atEnd else { return nil }
                return Record(end: n, lines: lines, unterminated: false, textAfterQuote: textAfterQuote)
            }
            if b[i] == lf { return Record(end: i + 1, lines: lines, unterminated: false, textAfterQuote: textAfterQuote) }
            if b[i] == cr {
                if i + 1 < n {
                    return Record(end: b[i + 1] == lf ? i + 2 : i + 1, lines: lines, unterminated: false, textAfterQuote: textAfterQuote)
                }
                guard atEnd else { return nil }  // an LF may follow
                return Record(end: n, lines: lines, unterminated: false, textAfterQuote: textAfterQuote)
            }
            i += 1
        }
    }

    /// Where the record at the start of `b` ends, exactly as `nextRecord` would say (`end`,
    /// `lines`, `unterminated`, and nil when it may continue past `b`), without splitting it
    /// into fields: only quotes, LFs and CRs are looked for, a word at a time, and a quote opens
    /// a quoted field only at a field's start (the record's start or after a delimiter), as
    /// `nextRecord` reads it. `textAfterQuote` is not looked for (always nil). Only without
    /// `trimsSpaces` (a quote after padding would open a field).
    package func recordEnd(_ b: UnsafeBufferPointer<UInt8>, atEnd: Bool) -> Record? {
        precondition(!trimsSpaces, "recordEnd reads records without trimmed spaces only")
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = b.count
        guard n > 0, let base = b.baseAddress else { return atEnd ? Record(end: 0, lines: 1, unterminated: false, textAfterQuote: nil) : nil }
        var i = 0
        var lines = 1
        while true {
            // Outside quotes: the next quote, LF or CR.
            let p = Self.nextQuoteOrLineEnd(base, from: i, n)
            if p == n { return atEnd ? Record(end: n, lines: lines, unterminated: false, textAfterQuote: nil) : nil }
            if b[p] == lf { return Record(end: p + 1, lines: lines, unterminated: false, textAfterQuote: nil) }
            if b[p] == cr {
                if p + 1 < n { return Record(end: b[p + 1] == lf ? p + 2 : p + 1, lines: lines, unterminated: false, textAfterQuote: nil) }
                return atEnd ? Record(end: n, lines: lines, unterminated: false, textAfterQuote: nil) : nil
            }
            // A quote: literal inside an unquoted field or after a closing quote.
            guard p == 0 || b[p - 1] == delimiter else { i = p + 1; continue }
            // Inside quotes: up to the closing quote, the same search counting the line ends
            // (a CR before an LF is not one of its own).
            var k = p + 1
            while true {
                let r = Self.nextQuoteOrLineEnd(base, from: k, n)
                if r == n { return atEnd ? Record(end: n, lines: lines, unterminated: true, textAfterQuote: nil) : nil }
                if b[r] != quote {
                    if b[r] == lf || r + 1 >= n || b[r + 1] != lf { lines += 1 }
                    k = r + 1
                    continue
                }
                if r + 1 < n {
                    if b[r + 1] == quote { k = r + 2; continue }
                } else if !atEnd {
                    return nil
                }
                i = r + 1
                break
            }
        }
    }

    /// The first quote, LF or CR in `base[from..<n]` (eight bytes at a time), or `n`.
    @inline(__always) static func nextQuoteOrLineEnd(_ base: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let q = ones &* 0x22, l = ones &* 0x0A, c = ones &* 0x0D
        var p = from
        while p + 8 <= n {
            let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self).littleEndian
            let x = w ^ q, y = w ^ l, z = w ^ c
            let t = ((x &- ones) & ~x | (y &- ones) & ~y | (z &- ones) & ~z) & highs
            if t != 0 { return p + t.trailingZeroBitCount >> 3 }
            p += 8
        }
        while p < n, base[p] != 0x22, base[p] != 0x0A, base[p] != 0x0D { p += 1 }
        return p
    }

    /// The fields of a whole record (`b`: one record as `recordEnd` cut it, its line end
    /// included, or the end of the file) as `nextRecord(b, atEnd: true)` splits them, found
    /// without copying a byte: `f` gets each field's range of `b`. A field whose bytes stand in
    /// `b` as `nextRecord` gives them (unquoted, or quoted without `""` inside and without text
    /// after its closing quote) is `verbatim`, its range the bytes; any other field's range is
    /// where it stands, quotes included, and only `nextRecord` gives its bytes. Lines and
    /// errors are not looked for (`recordEnd` gave them). Only without `trimsSpaces`.
    package func verbatimFields(_ b: UnsafeBufferPointer<UInt8>, into f: FieldSpans) {
        precondition(!trimsSpaces, "verbatimFields reads records without trimmed spaces only")
        f.count = 0
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), delimiter = delimiter
        let n = b.count
        guard let base = b.baseAddress else { f.append(0, 0, verbatim: true); return }
        /// The first quote at or after `k`, or `n`.
        @inline(__always) func nextQuote(_ k: Int) -> Int {
            guard k < n, let p = memchr(base + k, Int32(quote), n - k) else { return n }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(p))
        }
        @inline(__always) func endsField(_ c: UInt8) -> Bool { c == delimiter || c == lf || c == cr }
        var i = 0
        while true {
            if i < n, b[i] == quote {
                let r = nextQuote(i + 1)
                if r == n { f.append(i + 1, n, verbatim: true); return }   // unterminated: the rest
                if r + 1 == n || endsField(b[r + 1]) {
                    f.append(i + 1, r, verbatim: true)
                    i = r + 1
                } else {
                    // `""` inside, or text after the closing quote: passed over as `nextRecord` reads it.
                    var k = r
                    while k + 1 < n, b[k + 1] == quote {
                        k = nextQuote(k + 2)
                        if k == n { f.append(i, n, verbatim: false); return }   // unterminated
                    }
                    k += 1
                    while k < n, !endsField(b[k]) { k += 1 }
                    f.append(i, k, verbatim: false)
                    i = k
                }
            } else {
                var k = i
                while k < n, !endsField(b[k]) { k += 1 }
                f.append(i, k, verbatim: true)
                i = k
            }
            if i == n || b[i] == lf || b[i] == cr { return }
            i += 1
        }
    }
}
