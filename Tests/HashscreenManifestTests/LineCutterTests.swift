// `LineCutter`, the one cutter of a manifest's lines, through its two users: `ByteReader.nextLine`
// (the row readers) and the producer's block cutter (`JSONLinesBlockInput.Splitter`), each
// against a model of the lines, with reads of a few bytes and a small limit.

import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenManifest

final class LineCutterTests: XCTestCase {
    /// The two users of `LineCutter`, the producer's block cutter and `ByteReader.nextLine`,
    /// with reads of a few bytes and a small limit, against a model of the lines (line ends,
    /// CRs, blank lines, a last line without LF, the lengths of lines over the limit).
    func testTheBlockCutterAndByteReaderCutLinesAsTheModelDoes() throws {
        let tmp = try TemporaryDirectory()
        let files: [String] = [
            "", "\n", "\n\n", "a", "a\n", "a\r\n", "a\r", "a\r\r\n", "\r\n", " \t\r\n", "a\nb", "a\n\nb\r\n \n\tc\r",
            "{\"k\":1}\r\n\r\n{\"k\":2}\n   \n{\"k\":3}", "x\ry\nz", "0123456789\n0123456789012345\nab\n",
            "01234567890123456789\n", "0123456789012345678901234567890123456789", "short\n0123456789ABCDEFGHIJ0123456789\r\nend",
            // Lines of the limit (16) and one over it, a CR making the difference.
            "0123456789abcdef\n0123456789abcdef\r\n0123456789abcdefg\n0123456789abcdef\r",
        ]
        /// The lines of `text` (ByteReader's reading, its limit `limit`): line number, row, text or length.
        func model(_ text: String, limit: Int) -> [String] {
            var segments = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            let endsWithLF = segments.last == []
            if endsWithLF { segments.removeLast() }
            var out: [String] = [], row = 0
            for (k, seg) in segments.enumerated() {
                if seg.count > limit { row += 1; out.append("\(k + 1) \(row) long \(seg.count)"); continue }
                var t = seg
                if t.last == 0x0D, k < segments.count - 1 || endsWithLF { t.removeLast() }
                if JSONLinesLineReader.isBlank(t) { continue }
                row += 1
                out.append("\(k + 1) \(row) \(String(decoding: t, as: UTF8.self))")
            }
            return out
        }
        func cut(_ p: String, limit: Int, readBytes: Int) throws -> [String] {
            let s = try JSONLinesBlockInput.Splitter(path: p, limit: limit, readBytes: readBytes)
            var got: [String] = []
            while let block = try s.next() {
                XCTAssertFalse(block.lines.isEmpty)
                for l in block.lines {
                    got.append(l.tooLong >= 0 ? "\(l.lineNo) \(l.row) long \(l.tooLong)"
                                              : "\(l.lineNo) \(l.row) \(String(decoding: block.bytes[l.start..<l.end], as: UTF8.self))")
                }
            }
            XCTAssertNil(try s.next())
            return got
        }
        /// `ByteReader.nextLine`'s lines, numbered as the cutter numbers them.
        func read(_ p: String, limit: Int, chunkSize: Int) throws -> [String] {
            let reader = try ByteReader(path: p, chunkSize: chunkSize, lineLimit: limit)
            var got: [String] = [], lineNo = 0, row = 0
            while let l = try reader.nextLine() {
                lineNo += 1
                switch l {
                case .tooLong(let n): row += 1; got.append("\(lineNo) \(row) long \(n)")
                case .text(let bytes):
                    if JSONLinesLineReader.isBlank(bytes) { continue }
                    row += 1
                    got.append("\(lineNo) \(row) \(String(decoding: bytes, as: UTF8.self))")
                }
            }
            XCTAssertNil(try reader.nextLine())
            return got
        }
        for (n, text) in files.enumerated() {
            let p = try tmp.write("f\(n).jsonl", text)
            let expected = model(text, limit: .max)
            XCTAssertEqual(try read(p, limit: ByteReader.maxLineBytes, chunkSize: ByteReader.chunkSize), expected, "file \(n)")
            XCTAssertEqual(try cut(p, limit: ByteReader.maxLineBytes, readBytes: 1 << 20), expected, "file \(n)")
            for readBytes in [1, 2, 3, 7, 64, 1 << 20] {
                XCTAssertEqual(try cut(p, limit: 16, readBytes: readBytes), model(text, limit: 16), "file \(n), reads of \(readBytes)")
                XCTAssertEqual(try read(p, limit: 16, chunkSize: readBytes), model(text, limit: 16), "file \(n), ByteReader reads of \(readBytes)")
            }
        }
    }
}
