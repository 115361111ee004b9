import Foundation

extension String {
    /// The string without leading and trailing white space and newlines (Foundation's
    /// `CharacterSet.whitespacesAndNewlines`), exactly as `trimmingCharacters(in:)` gives it,
    /// without its cost in the common case: a string whose first and last bytes are ASCII
    /// other than space, tab, LF, VT, FF and CR is returned as it is (no bridging to UTF-16);
    /// ASCII white space alone at the ends is dropped on the bytes; anything else (a non-ASCII
    /// byte at an end, which may be Unicode white space such as U+00A0) goes through Foundation.
    package var trimmedWhitespaceAndNewlines: String {
        let u = utf8
        guard let first = u.first, let last = u.last else { return self }
        @inline(__always) func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        if first < 0x80, last < 0x80, !isASCIISpace(first), !isASCIISpace(last) { return self }
        // ASCII white space at the ends: drop it on the bytes while the new ends stay ASCII.
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, isASCIISpace(u[lo]) { lo = u.index(after: lo) }
        while hi > lo, isASCIISpace(u[u.index(before: hi)]) { hi = u.index(before: hi) }
        if lo == hi { return "" }
        if u[lo] < 0x80, u[u.index(before: hi)] < 0x80 { return String(self[lo..<hi]) }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
