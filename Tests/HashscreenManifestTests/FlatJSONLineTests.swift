// The byte-level reading of flat JSON lines against Foundation's JSONSerialization (the
// oracle): every value it is sure of is the text the Foundation path gives; lines it cannot
// read exactly are left to Foundation (nil); and a whole manifest reads the same through both.

import Foundation
import HashscreenCore
import HashscreenTestSupport
import XCTest

@testable import HashscreenManifest

final class FlatJSONLineTests: XCTestCase {
    static let lines: [String] = [
        #"{"key":"a","url":"http://example.org/a.jpg","n":12,"f":0.5,"neg":-7,"z":0,"big":123456789012345678}"#,
        #"  {  "key" : "b" , "url" : null , "t" : true , "x" : false }  "#,
        #"{"url":"http:\/\/example.org\/\"q\"\\\b\f\n\r\t","key":"c"}"#,
        #"{"key":"\u00e9\u0041\ud83d\ude00","url":"caf\u00E9 😀"}"#,
        #"{"key":"d","e":1e5,"g":-0.0,"h":1E-3,"i":-0,"j":1234567890123456789012}"#,
        "{\"key\":\"e\",\"url\":\"x\"}\r",
        #"{}"#,
    ]
    /// Lines the fast reading leaves to Foundation (nested values, escaped or duplicate keys,
    /// lone surrogates, control characters, not JSON...).
    static let leftToFoundation: [String] = [
        #"{"key":"a","o":{"x":1}}"#, #"{"key":"a","l":[1,2]}"#, #"{"k\u0065y":"a"}"#, #"{"key":"a","key":"b"}"#,
        #"{"key":"\ud800"}"#, #"{"key":"\udc00x"}"#, "{\"key\":\"a\tb\"}", #"{"key":"a""#, #"{"key":"a"} x"#,
        #"["key"]"#, #"{"key":01}"#, #"{"key":1.}"#, #"{"key":-}"#, #"{"key":nul}"#, #"{"key":"\x"}"#,
        #"{"key":"a",}"#, #"{"key" "a"}"#, #"{"key":"\u0000"}"#, "\u{FEFF}{\"key\":\"a\"}", #"{"é":1,"é":2}"#,
    ]

    func testValuesItIsSureOfAreFoundationsText() throws {
        for line in Self.lines {
            guard let fields = FlatJSONLine.parse(Array(line.utf8)) else { XCTFail("not read: \(line)"); continue }
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) as! [String: Any]
            XCTAssertEqual(Set(fields.map(\.key)), Set(object.keys), line)
            for f in fields {
                let foundation = JSONLinesManifestReader.cell(object[f.key])
                switch f.value {
                case .null: XCTAssertNil(foundation, "\(line) \(f.key)")
                case .text(let s):
                    guard case .text(let t)? = foundation else { XCTFail("\(line) \(f.key): \(String(describing: foundation))"); continue }
                    XCTAssertEqual(Array(s.unicodeScalars), Array(t.unicodeScalars), "\(line) \(f.key)")
                case .unsure: break
                }
            }
        }
        XCTAssertEqual(FlatJSONLine.parse(Array(Self.lines[0].utf8))?.first { $0.key == "f" }?.value, .unsure)
        XCTAssertEqual(FlatJSONLine.parse(Array(Self.lines[0].utf8))?.first { $0.key == "big" }?.value, .text("123456789012345678"))
    }

    func testLinesItCannotReadExactlyAreLeftToFoundation() {
        for line in Self.leftToFoundation {
            XCTAssertNil(FlatJSONLine.parse(Array(line.utf8)), line)
        }
        XCTAssertNil(FlatJSONLine.parse([0x7B, 0x22, 0x6B, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D]), "bytes that are not UTF-8")
    }

    /// The same manifest read line by line through the fast path and through Foundation only
    /// (each line made unreadable to the fast path by a nested value in an unmapped key): the
    /// same items.
    func testAManifestReadsTheSameThroughBothPaths() throws {
        let tmp = try TemporaryDirectory()
        var fast = "", slow = ""
        var rng = SystemRandomNumberGenerator()
        for i in 0..<300 {
            let pieces = ["\"key\":\"k\(i)\"", "\"url\":\(i % 7 == 0 ? "null" : "\" http://example.org/\(i)/caf\\u00e9\\/x \"")",
                          "\"md5\":\"\(i % 5 == 0 ? "zz" : String(format: "%032x", i))\"", "\"n\":\(i)",
                          "\"sim\":0.\(i)", "\"text\":\"t\\n\(i)\""].shuffled(using: &rng)
            let line = "{" + pieces.joined(separator: ",") + "}"
            fast += line + "\n"
            slow += "{\"nested\":[1]," + line.dropFirst() + "\n"
        }
        fast += "{\"key\":\"z\",\"url\":\"u\",\"url\":\"v\"}\n{\"key\":\"w\",\"md5\":12}\n{\"key\":\"y\",\"md5\":1.5}\n"
        slow += "{\"nested\":[1],\"key\":\"z\",\"url\":\"u\",\"url\":\"v\"}\n{\"nested\":[1],\"key\":\"w\",\"md5\":12}\n{\"nested\":[1],\"key\":\"y\",\"md5\":1.5}\n"
        // Every line of fast.jsonl but the duplicate key's is read by the fast path; none of slow.jsonl.
        XCTAssertEqual(fast.split(separator: "\n").filter { FlatJSONLine.parse(Array($0.utf8)) != nil }.count, 302)
        XCTAssertEqual(slow.split(separator: "\n").filter { FlatJSONLine.parse(Array($0.utf8)) != nil }.count, 0)
        try tmp.write("fast.jsonl", fast)
        try tmp.write("slow.jsonl", slow)
        func read(_ f: String) throws -> [String] {
            var out: [String] = []
            try Manifest.open(path: tmp.file(f), options: ManifestOptions(readsCaptions: true)).forEachItem { item in
                switch item {
                case .sample(let s, let problems):
                    out.append("\(s.key) \(s.url.debugDescription) \(s.caption.debugDescription) \(s.recorded.map(\.value.hex)) \(problems) \(s.id)")
                case .failure(let key, _, let message, let id):
                    out.append("failure \(key) \(message) \(id)".replacingOccurrences(of: "slow.jsonl", with: "F")
                        .replacingOccurrences(of: "fast.jsonl", with: "F"))
                }
            }
            return out
        }
        let a = try read("fast.jsonl"), b = try read("slow.jsonl")
        XCTAssertEqual(a.count, 303)
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) where x != y { XCTFail("\(x) != \(y)"); break }
    }
}
