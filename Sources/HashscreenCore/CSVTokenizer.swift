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
            var p = i
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let q = ones &* UInt64(quote), l = ones &* UInt64(lf), c = ones &* UInt64(cr)
            while p + 8 <= n {
                let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self).littleEndian
                let x = w ^ q, y = w ^ l, z = w ^ c
                let t = ((x &- ones) & ~x | (y &- ones) & ~y | (z &- ones) & ~z) & highs
                if t != 0 { p += t.trailingZeroBitCount >> 3; break }
                p += 8
            }
            while p < n, b[p] != quote, b[p] != lf, b[p] != cr { p += 1 }
            if p == n { return atEnd ? Record(end: n, lines: lines, unterminated: false, textAfterQuote: nil) : nil }
            if b[p] == lf { return Record(end: p + 1, lines: lines, unterminated: false, textAfterQuote: nil) }
            if b[p] == cr {
                if p + 1 < n { return Record(end: b[p + 1] == lf ? p + 2 : p + 1, lines: lines, unterminated: false, textAfterQuote: nil) }
                return atEnd ? Record(end: n, lines: lines, unterminated: false, textAfterQuote: nil) : nil
            }
            // A quote: literal inside an unquoted field or after a closing quote.
            guard p == 0 || b[p - 1] == delimiter else { i = p + 1; continue }
            var k = p + 1
            while true {
                var r = n
                if k < n, let m = memchr(base + k, Int32(quote), n - k) { r = k + (UnsafeRawPointer(m) - UnsafeRawPointer(base + k)) }
                if Self.holdsLineEnd(base + k, r - k) {
                    for j in k..<r where b[j] == lf || (b[j] == cr && (j + 1 >= n || b[j + 1] != lf)) { lines += 1 }
                }
                if r == n { return atEnd ? Record(end: n, lines: lines, unterminated: true, textAfterQuote: nil) : nil }
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

    /// Whether the `count` bytes at `p` hold an LF or CR (eight at a time).
    @inline(__always) static func holdsLineEnd(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let l = ones &* 0x0A, c = ones &* 0x0D
        var i = 0, t: UInt64 = 0
        while i + 8 <= count {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let y = w ^ l, z = w ^ c
            t |= ((y &- ones) & ~y | (z &- ones) & ~z) & highs
            i += 8
        }
        if t != 0 { return true }
        while i < count { if p[i] == 0x0A || p[i] == 0x0D { return true }; i += 1 }
        return false
    }
}
