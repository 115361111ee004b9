import Foundation
import HashscreenCore
@testable import HashscreenList
import XCTest

/// Index files no list records (an import killed after writing one) are removed by
/// `removeStrayIndexFiles` (`hashscreen list index`); other files are left alone.
final class StrayIndexFileTests: ListStoreTestCase {
    func testStrayIndexFilesAreRemovedAndOthersKept() throws {
        let list = try write("l.txt", "md5 " + String(repeating: "ab", count: 16) + "\n")
        try importList([list])
        let stray = "lists.db.index-" + String(repeating: "0f", count: 16)
        let notOurs = ["lists.db.index-notahexname", "other.db.index-" + String(repeating: "0f", count: 16), "lists.db"]
        for name in [stray] + notOurs.dropLast() { try write(name, "x") }
        let store = try HashListStore.openForImport(path: dbPath)
        XCTAssertEqual(try store.removeStrayIndexFiles(), [stray])
        for name in notOurs {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(stray).path))
        XCTAssertEqual(try store.removeStrayIndexFiles(), [])
        XCTAssertThrowsError(try HashListStore.openReadOnly(path: dbPath).removeStrayIndexFiles())
    }
}
