/// Hexadecimal text of bytes, the one codec of hashscreen: hash values in lists, manifests,
/// flags and outputs. Decoding accepts either case and works on bytes (a list line's field, a
/// manifest cell), so no `String` is made for a value on the way in; encoding is lower case.
package enum Hex {
    /// Digit values by byte; 0xFF for a byte that is not a hex digit.
    static let nibbles: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 48...57: return UInt8(b - 48)
        case 65...70: return UInt8(b - 55)
        case 97...102: return UInt8(b - 87)
        default: return 0xFF
        }
    }
    private static let digits = Array("0123456789abcdef".utf8)

    /// The bytes `digits` spell, two digits a byte, most significant first; nil when the length
    /// is odd or a byte is not a hex digit.
    package static func decode(_ digits: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        let n = digits.count / 2
        var ok = true
        let out = nibbles.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: n) { buf, count in
                for j in 0..<n {
                    let hi = table[Int(digits[2 * j])], lo = table[Int(digits[2 * j + 1])]
                    if hi | lo > 15 { ok = false; break }
                    buf[j] = hi << 4 | lo
                }
                count = ok ? n : 0
            }
        }
        return ok ? out : nil
    }

    /// Decodes `digits` (twice `out.count` of them) into `out` without allocating; false when
    /// the length is not twice `out.count` or a byte is not a hex digit.
    package static func decode(_ digits: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard digits.count == 2 * out.count else { return false }
        return nibbles.withUnsafeBufferPointer { table in
            var bad: UInt8 = 0
            for j in 0..<out.count {
                let hi = table[Int(digits[2 * j])], lo = table[Int(digits[2 * j + 1])]
                bad |= hi | lo
                out[j] = hi << 4 | lo
            }
            return bad <= 15
        }
    }

    /// `decode` of any byte collection (a slice, a `String`'s UTF-8 view).
    package static func decode(_ digits: some Collection<UInt8>) -> [UInt8]? {
        if let r = digits.withContiguousStorageIfAvailable({ decode($0) }) { return r }
        return Array(digits).withUnsafeBufferPointer { decode($0) }
    }

    /// Lower-case hex digits of `bytes`.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
