/// End-to-end: each list's URL hashes are matched under the convention it was imported with.
import Foundation
import HashscreenTestSupport
import XCTest

final class URLConventionEndToEndTests: XCTestCase {
    /// LAION-style rows: mixed-case hosts and paths, default ports, queries, fragments.
    static let urls = [
        "https://www.Example.com/Images/Cat.JPG",
        "http://cdn.example.net:80/img/a/b/c.png?size=Large&v=2",
        "https://i.example.org/originals/ab/cd/0123.jpg#top",
        "https://Static.Example.com/plain.png",
    ]

    /// Digests made by the reference implementations, not by hashscreen: python-threatexchange's
    /// `UrlMD5Signal.hash_from_str`, and `hashlib.md5` of the URL bytes (`raw`).
    func referenceDigests() throws -> (threatexchange: [String], raw: [String]) {
        let input = String(decoding: try JSONSerialization.data(withJSONObject: Self.urls), as: UTF8.self)
        let out = try runPython("""
            import hashlib, json, sys
            from threatexchange.signal_type.url_md5 import UrlMD5Signal
            urls = json.loads(sys.argv[1])
            print(json.dumps([[UrlMD5Signal.hash_from_str(u) for u in urls], [hashlib.md5(u.encode()).hexdigest() for u in urls]]))
            """, [input])
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String]])
        return (j[0], j[1])
    }

    func testEachListMatchesOnlyURLsDigestedItsWay() throws {
        let tmp = try TemporaryDirectory()
        let (te, raw) = try referenceDigests()
        let rows = Self.urls.enumerated().map { "{\"key\": \"row\($0.offset)\", \"url\": \"\($0.element)\"}" }
        let manifest = try tmp.write("laion.jsonl", rows.joined(separator: "\n") + "\n")
        let db = tmp.file("lists.sqlite")
        func importList(_ name: String, _ lines: [String], _ extra: [String]) throws {
            let f = try tmp.write("\(name).txt", lines.joined(separator: "\n") + "\n")
            let r = try hashscreen(["list", "import", "--list", db, "--name", name, "--version", "1"] + extra + [f])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // ThreatExchange digests of rows 0 and 1, declared as such and (wrongly) as hashscreen's.
        try importList("tx", ["url_md5 \(te[0])", "url_md5 \(te[1])"], ["--url-convention", "threatexchange"])
        try importList("tx-as-hashscreen", ["url_md5 \(te[0])", "url_md5 \(te[1])"], ["--url-convention", "hashscreen"])
        // Raw digests of rows 2 and 3, declared as raw and (wrongly) as threatexchange.
        try importList("raw", ["url_md5 \(raw[2])", "url_md5 \(raw[3])"], ["--url-convention", "raw"])
        try importList("raw-as-tx", ["url_md5 \(raw[2])", "url_md5 \(raw[3])"], [])
        // Plain URLs under hashscreen's normalisation: row 0 written differently still matches.
        try importList("plain", ["HTTPS://WWW.EXAMPLE.COM:443/Images/Cat.JPG#x"], ["--type", "url", "--url-convention", "hashscreen"])

        let out = tmp.file("out")
        let r = try hashscreen(["scan", manifest, "--list", db, "--out", out, "--signals", "url_md5", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try String(contentsOfFile: out + "/report.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let got = report.map { "\($0["key"]!) \($0["list"]!) \($0["value"]!)" }.sorted()
        XCTAssertEqual(got, [
            "row0 plain \(try hashscreenDigest(Self.urls[0]))",
            "row0 tx \(te[0])", "row1 tx \(te[1])",
            "row2 raw \(raw[2])", "row3 raw \(raw[3])",
        ].sorted())

        // The conventions are in every rendering of the provenance.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let lists = (summary["provenance"] as! [String: Any])["lists"] as! [[String: Any]]
        XCTAssertEqual(lists.map { "\($0["name"]!) \($0["url_convention"]!) \($0["url_convention_recorded"]!)" }, [
            "plain hashscreen 1", "raw raw 1", "raw-as-tx threatexchange 1", "tx threatexchange 1", "tx-as-hashscreen hashscreen 1",
        ])
        let info = try hashscreen(["list", "info", "--list", db])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertEqual(info.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("  URLs") },
                       ["  URLs      hashed as hashscreen", "  URLs      hashed as raw", "  URLs      hashed as threatexchange",
                        "  URLs      hashed as threatexchange", "  URLs      hashed as hashscreen"])
    }

    /// A database written before conventions (schema 1, made here with Python's sqlite3 as
    /// hashscreen 0.1 laid it out) keeps matching as `hashscreen`, says so, and is migrated by the
    /// next import without losing that.
    func testListsOfASchema1DatabaseKeepHashscreensNormalisation() throws {
        let tmp = try TemporaryDirectory()
        let db = tmp.file("old.sqlite")
        let digest = try hashscreenDigest(Self.urls[0])
        _ = try runPython("""
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.executescript('''
            PRAGMA application_id = 1213418564; PRAGMA user_version = 1;
            CREATE TABLE lists(id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, imported_at TEXT NOT NULL,
              tool_version TEXT NOT NULL, entry_count INTEGER NOT NULL, duplicate_count INTEGER NOT NULL,
              skipped_count INTEGER NOT NULL, UNIQUE(name, version));
            CREATE TABLE list_sources(list_id INTEGER NOT NULL, position INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
              format TEXT NOT NULL, records INTEGER NOT NULL, entries INTEGER NOT NULL, duplicates INTEGER NOT NULL,
              skipped INTEGER NOT NULL, PRIMARY KEY(list_id, position));
            CREATE TABLE list_type_counts(list_id INTEGER NOT NULL, type TEXT NOT NULL, entries INTEGER NOT NULL, PRIMARY KEY(list_id, type));
            CREATE TABLE entries(list_id INTEGER NOT NULL, type TEXT NOT NULL, value BLOB NOT NULL, quality INTEGER, label TEXT,
              PRIMARY KEY(list_id, type, value)) WITHOUT ROWID;
            INSERT INTO lists VALUES (1, 'old', '1', '2024-05-01T10:00:00Z', 'hashscreen 0.1.0', 1, 0, 0);
            INSERT INTO list_type_counts VALUES (1, 'url_md5', 1);
            ''')
            c.execute("INSERT INTO entries VALUES (1, 'url_md5', ?, NULL, NULL)", (bytes.fromhex(sys.argv[2]),))
            c.commit()
            """, [db, digest])
        var info = try hashscreen(["list", "info", "--list", db])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("  URLs      hashed as hashscreen (not recorded: imported before hashscreen recorded URL conventions)\n"), info.stdout)
        let manifest = try tmp.write("m.jsonl", "{\"key\": \"row0\", \"url\": \"\(Self.urls[0])\"}\n")
        func matchedLists() throws -> [String] {
            let out = tmp.file("out-\(UUID().uuidString)")
            let r = try hashscreen(["scan", manifest, "--list", db, "--out", out, "--signals", "url_md5", "--quiet"])
            XCTAssertEqual(r.status, 1, r.stderr)
            return try String(contentsOfFile: out + "/report.jsonl", encoding: .utf8).split(separator: "\n")
                .map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["list"] as! String }
        }
        XCTAssertEqual(try matchedLists(), ["old"])
        // An import migrates the file; the old list stays unrecorded and keeps matching.
        let f = try tmp.write("new.txt", "md5 \(String(repeating: "a", count: 32))\n")
        XCTAssertEqual(try hashscreen(["list", "import", "--list", db, "--name", "new", "--version", "1", f]).status, 0)
        info = try hashscreen(["list", "info", "--list", db, "--json"])
        let lists = (try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any])["lists"] as! [[String: Any]]
        XCTAssertEqual(lists.map { "\($0["name"]!) \($0["url_convention"]!) \($0["url_convention_recorded"]!)" },
                       ["new threatexchange 1", "old hashscreen 0"])
        XCTAssertEqual(try matchedLists(), ["old"])
    }

    /// md5 of hashscreen's normalised form of `url`, computed by coreutils from the form
    /// docs/url-hashing.md gives (scheme and host lower-cased, default port and fragment dropped).
    func hashscreenDigest(_ url: String) throws -> String {
        XCTAssertEqual(url, "https://www.Example.com/Images/Cat.JPG")
        let tmp = try TemporaryDirectory()
        let f = try tmp.write("u", "https://www.example.com/Images/Cat.JPG")
        return String(try runProcess("/usr/bin/md5sum", [f]).stdout.split(separator: " ")[0])
    }

    func testHashPrintsTheDigestsAListMakerWouldHaveMade() throws {
        let (te, raw) = try referenceDigests()
        var r = try hashscreen(["hash", "--signals", "url_md5", "--url-convention", "threatexchange"] + Self.urls)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String] }
        XCTAssertEqual(lines.map { $0["url"]! }, Self.urls)
        XCTAssertEqual(lines.map { $0["url_md5"]! }, te)
        r = try hashscreen(["hash", "--signals", "url_md5", "--url-convention", "raw", "--format", "csv", Self.urls[3]])
        XCTAssertEqual(r.stdout, "url,url_md5,error\n\(Self.urls[3]),\(raw[3]),\n")
        r = try hashscreen(["hash", "--signals", "url_md5,md5", "x"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("URL signals (url_md5) hash URLs"), r.stderr)
        r = try hashscreen(["hash", "--signals", "md5", "--url-convention", "raw", "x"])
        XCTAssertEqual(r.status, 64)
    }
}
