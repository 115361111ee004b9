/// HashscreenCore: the words every stage shares.
///
/// - *signal*: one kind of hash computed from a sample (md5, sha1, sha256, pdq, phash, dhash,
///   ahash, url_md5, url_sha256). Its name is the word used in lists, reports and flags.
/// - *hash value*: the binary value of one signal, compared exactly (cryptographic and URL
///   hashes) or by Hamming distance (perceptual hashes).
/// - *sample*: one row of a manifest (or one file of a folder): a key, maybe a URL and a path,
///   and maybe hash values recorded in the manifest itself.

/// How two values of a signal are compared.
public enum Comparison: Sendable, Equatable {
    /// Equal bytes or no match (cryptographic and URL digests).
    case exact
    /// Hamming distance at most a threshold (perceptual hashes).
    case hamming
}

/// One kind of hash. Every hash kind in hashscreen is one case here: adding a kind means
/// adding a case, never a schema change (lists store the name as text).
public enum SignalKind: String, CaseIterable, Sendable, Hashable, Comparable, CustomStringConvertible {
    case md5
    case sha1
    case sha256
    case pdq
    case phash
    case dhash
    case ahash
    case urlMD5 = "url_md5"
    case urlSHA256 = "url_sha256"

    /// The word used in lists, reports and flags.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// Length of the binary value in bytes.
    public var byteCount: Int {
        switch self {
        case .md5, .urlMD5: return 16
        case .sha1: return 20
        case .sha256, .urlSHA256: return 32
        case .pdq: return 32
        case .phash, .dhash, .ahash: return 8
        }
    }

    /// Length of the hexadecimal text form.
    public var hexLength: Int { byteCount * 2 }

    public var comparison: Comparison {
        switch self {
        case .md5, .sha1, .sha256, .urlMD5, .urlSHA256: return .exact
        case .pdq, .phash, .dhash, .ahash: return .hamming
        }
    }

    /// Cryptographic digests of the image bytes as stored.
    public var isCryptographic: Bool { self == .md5 || self == .sha1 || self == .sha256 }
    /// Perceptual hashes of the decoded pixels.
    public var isPerceptual: Bool { comparison == .hamming }
    /// Digests of the sample's normalised URL.
    public var isURL: Bool { self == .urlMD5 || self == .urlSHA256 }

    /// Parses a signal name as written in lists and flags (case-insensitive; `sha-256` style
    /// dashes and the ThreatExchange names `pdq`/`md5` are accepted).
    public init?(name: String) {
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        switch n {
        case "md5": self = .md5
        case "sha1", "sha-1": self = .sha1
        case "sha256", "sha-256": self = .sha256
        case "pdq": self = .pdq
        case "phash": self = .phash
        case "dhash": self = .dhash
        case "ahash", "average_hash": self = .ahash
        case "url_md5": self = .urlMD5
        case "url_sha256": self = .urlSHA256
        default: return nil
        }
    }

    /// Parses and validates the text form of a value of this signal.
    public func parse(_ text: some StringProtocol) throws(HashParseError) -> HashValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.utf8.count == hexLength else {
            throw HashParseError(reason: "\(name) hash must be \(hexLength) hex digits, got \(t.utf8.count)")
        }
        guard let v = HashValue(hex: t) else {
            throw HashParseError(reason: "\(name) hash is not hexadecimal")
        }
        return v
    }

    public static func < (a: SignalKind, b: SignalKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Why a hash's text could not be parsed.
public struct HashParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

import Foundation
