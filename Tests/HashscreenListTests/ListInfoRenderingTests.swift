import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// `list info` renderings: JSON any parser reads, keys in a fixed order; text with provenance.
final class ListInfoRenderingTests: ListStoreTestCase {
    func testJSONParsesAndKeepsKeyOrder() throws {
        let f = try write("we\"ird\tname.txt", "md5 d41d8cd98f00b204e9800998ecf8427e\npdq \(Self.randomValue(.pdq).hex)\n")
        let report = try importList([f], name: "ncmec", version: "2024-05-01")
        let json = ListInfo.renderJSON([report.list], database: dbPath)

        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(root["database"] as? String, dbPath)
        XCTAssertEqual(root["schema_version"] as? Int, 1)
        let list = try XCTUnwrap((root["lists"] as? [[String: Any]])?.first)
        XCTAssertEqual(list["name"] as? String, "ncmec")
        XCTAssertEqual(list["version"] as? String, "2024-05-01")
        XCTAssertEqual(list["entry_count"] as? Int, 2)
        XCTAssertEqual(list["counts_by_type"] as? [String: Int], ["md5": 1, "pdq": 1])
        let source = try XCTUnwrap((list["sources"] as? [[String: Any]])?.first)
        XCTAssertEqual(source["path"] as? String, f, "quotes and tabs in paths survive escaping")
        XCTAssertEqual(source["sha256"] as? String, try Self.sha256sum(f))

        // Stable key order: the order the keys first appear in the text.
        let keys = ["\"name\"", "\"version\"", "\"id\"", "\"imported_at\"", "\"tool_version\"", "\"entry_count\"",
                    "\"counts_by_type\"", "\"other_type_counts\"", "\"duplicate_count\"", "\"skipped_count\"", "\"sources\""]
        let positions = keys.map { json.range(of: $0)!.lowerBound }
        XCTAssertEqual(positions, positions.sorted())
        XCTAssertLessThan(json.range(of: "\"md5\"")!.lowerBound, json.range(of: "\"pdq\"")!.lowerBound)
        // Rendering twice gives the same bytes.
        XCTAssertEqual(json, ListInfo.renderJSON(try HashListStore.openReadOnly(path: dbPath).lists(), database: dbPath))
    }

    func testTextRendering() throws {
        let f = try write("a.txt", "md5 d41d8cd98f00b204e9800998ecf8427e\nmd5 d41d8cd98f00b204e9800998ecf8427e\n")
        let report = try importList([f], name: "ncmec", version: "7")
        let text = ListInfo.renderText([report.list], database: "lists.db")
        XCTAssertEqual(text, """
            lists.db: 1 list

            ncmec@7
              imported  2024-05-01T10:00:00Z by hashscreen test
              entries   1 (md5 1)
              dropped   1 duplicate, 0 invalid lines skipped
              source    \(f) (lines, 2 lines) sha256 \(try Self.sha256sum(f))

            """)
        XCTAssertEqual(ListInfo.renderText([], database: "lists.db"), "lists.db: no lists\n")
        XCTAssertEqual(report.renderText(), "imported ncmec@7: 1 entry (md5 1) from 1 file; 1 duplicate stored once; 0 invalid lines skipped\n")
        let reportJSON = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.renderJSON().utf8)) as? [String: Any])
        XCTAssertEqual(reportJSON["duplicates"] as? Int, 1)
        XCTAssertEqual(reportJSON["replaced"] as? Bool, false)
    }
}
