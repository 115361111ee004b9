/// HashscreenList: the hash-list store, one SQLite file holding named, versioned lists.
///
/// - *list*: a named, versioned set of known hash values (e.g. `ncmec@2024-05-01`), imported
///   from one or more *source files* and kept with its provenance (import time, source file
///   names and SHA-256 digests, counts per signal, tool version). A name may hold many versions.
/// - *entry*: one hash value of one signal in one list, with an optional PDQ *quality* and an
///   optional *label*. A value is stored once per list and signal (duplicates are counted).
/// - *list database*: the SQLite file (`application_id` 'HSLD', schema version in
///   `user_version`); created 0600 because lists are confidential.
/// - *selector*: `name` (every version of that list) or `name@version` (one version).
///
/// Confidentiality: list contents (hash values, labels, URLs) never appear in errors or logs;
/// an invalid line is reported as `FILE:LINE: reason`, where the reason names the problem
/// (a length, "not hexadecimal") but never echoes the value. See docs/lists.md.
import HashscreenCore

/// The values written in the database header so a file can be recognised as ours.
package enum ListDatabaseFormat {
    /// `PRAGMA application_id`: the ASCII bytes "HSLD" (hashscreen list database).
    static let applicationID: Int64 = 0x4853_4C44
    /// `PRAGMA user_version`: bumped on every schema change (2: URL conventions, entry blocks).
    package static let schemaVersion: Int64 = 2
    /// The oldest schema this build reads (and migrates on import).
    static let oldestReadableSchemaVersion: Int64 = 1
}
