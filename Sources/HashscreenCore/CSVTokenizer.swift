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
}
