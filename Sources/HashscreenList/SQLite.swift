// A thin owning wrapper over the SQLite C API (https://sqlite.org/c3ref/intro.html).
//
// One `SQLiteConnection` owns each `sqlite3*` and closes it in `deinit`; one `SQLiteStatement`
// owns each `sqlite3_stmt*` and finalizes it in `deinit` (it holds its connection strongly, so a
// connection always outlives its statements). Every return code that is not success becomes a
// `SQLiteError` carrying `sqlite3_errmsg`. List contents never enter SQL text: values are bound.
import CSQLite
import Foundation

/// `SQLITE_TRANSIENT` (a C macro Swift cannot import): sqlite copies bound bytes before the bind
/// call returns, so Swift buffers need not outlive it.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A failed SQLite call: the (extended) result code, sqlite's message, and what we were doing.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var context: String

    /// The primary result code (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, ...) without the extended bits.
    var primaryCode: Int32 { code & 0xff }
    var description: String { "\(context): \(message)" }
}

/// Owns one `sqlite3*` connection.
final class SQLiteConnection {
    let handle: OpaquePointer

    /// Opens `path` with `sqlite3_open_v2` flags (never with `SQLITE_OPEN_URI`, so a path is
    /// always a file name).
    init(path: String, flags: Int32) throws {
        var db: OpaquePointer?
        // A name starting "file:" would be read as a URI if sqlite was built with URI names on.
        let name = path.hasPrefix("file:") ? "./" + path : path
        let rc = sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            let code = db.map { sqlite3_extended_errcode($0) } ?? rc
            sqlite3_close_v2(db)
            throw SQLiteError(code: code, message: message, context: "open")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Turns a return code into a thrown `SQLiteError` unless it is `SQLITE_OK`.
    func check(_ rc: Int32, _ context: @autoclosure () -> String) throws {
        guard rc != SQLITE_OK else { return }
        throw error(rc, context())
    }

    func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)),
                    context: context)
    }

    /// Runs one or more statements that bind nothing and return no rows the caller needs.
    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql)
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "prepare: \(sql)") }
        return SQLiteStatement(handle: stmt, connection: self, sql: sql)
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE (0 after an ignored `INSERT OR IGNORE`).
    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `sql` and returns the first column of its first row as an integer (for pragmas).
    func scalarInt(_ sql: String) throws -> Int64? {
        let s = try prepare(sql)
        return try s.step() ? s.int64(0) : nil
    }
}

/// Owns one prepared `sqlite3_stmt*`; reuse it with `reset()`.
final class SQLiteStatement {
    let handle: OpaquePointer
    let connection: SQLiteConnection
    let sql: String

    init(handle: OpaquePointer, connection: SQLiteConnection, sql: String) {
        self.handle = handle; self.connection = connection; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: - Binding (indices start at 1, as in sqlite)

    func bind(_ index: Int32, _ value: Int64) throws {
        try connection.check(sqlite3_bind_int64(handle, index, value), "bind: \(sql)")
    }

    func bind(_ index: Int32, _ value: Int?) throws {
        if let value { try bind(index, Int64(value)) } else { try bindNull(index) }
    }

    func bind(_ index: Int32, _ text: String?) throws {
        guard let text else { return try bindNull(index) }
        try connection.check(sqlite3_bind_text(handle, index, text, -1, sqliteTransient), "bind: \(sql)")
    }

    func bind(_ index: Int32, blob: [UInt8]) throws {
        let rc = blob.withUnsafeBytes { p in
            // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
            sqlite3_bind_blob(handle, index, p.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(p.count), sqliteTransient)
        }
        try connection.check(rc, "bind: \(sql)")
    }

    /// Binds `bytes` without sqlite copying them (`SQLITE_STATIC`): they must stay valid and
    /// unchanged until the statement is stepped and reset (the import's blocks, 16 KB each).
    func bind(_ index: Int32, staticBlob bytes: UnsafeRawBufferPointer) throws {
        precondition(bytes.baseAddress != nil, "a static blob needs memory")
        try connection.check(sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), nil), "bind: \(sql)")
    }

    func bindNull(_ index: Int32) throws {
        try connection.check(sqlite3_bind_null(handle, index), "bind: \(sql)")
    }

    // MARK: - Stepping

    /// Advances; true when a row is ready, false when the statement is done.
    @discardableResult
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, sql)
        }
    }

    /// Makes the statement ready to run again with new bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Makes the statement ready to run again, keeping its bindings (for bulk inserts that rebind
    /// only some parameters).
    func rewind() { sqlite3_reset(handle) }

    /// Resets and unbinds every parameter (before memory bound as a static blob goes away).
    func clearBindings() { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }

    // MARK: - Columns (indices start at 0, as in sqlite)

    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(handle, col) == SQLITE_NULL }
    func int64(_ col: Int32) -> Int64 { sqlite3_column_int64(handle, col) }
    func int(_ col: Int32) -> Int { Int(sqlite3_column_int64(handle, col)) }
    func optionalInt(_ col: Int32) -> Int? { isNull(col) ? nil : int(col) }

    func text(_ col: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, col) else { return nil }
        let n = Int(sqlite3_column_bytes(handle, col))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The column's bytes as a buffer valid until the next step/reset (no copy).
    func rawBytes(_ col: Int32) -> UnsafeRawBufferPointer {
        // Ask for the pointer first, then the length (the order sqlite documents).
        let p = sqlite3_column_blob(handle, col)
        let n = Int(sqlite3_column_bytes(handle, col))
        return UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n)
    }
}
