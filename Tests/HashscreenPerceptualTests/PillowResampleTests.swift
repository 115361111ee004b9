import Foundation
@testable import HashscreenPerceptual
import XCTest

final class PillowResampleTests: XCTestCase {
    /// Pillow's own `convert('L')` and `resize(..., LANCZOS)` on random RGB images of many
    /// shapes (up- and downscaling, thin, same width or height): the Swift port must give the
    /// same bytes, one size at a time from the grey plane and all sizes in one walk from RGB.
    func testGreyAndLanczosMatchPillowByteForByte() throws {
        let script = #"""
import json, base64
import numpy as np
from PIL import Image
rng = np.random.default_rng(11)
shapes = [(1, 1), (2, 3), (7, 300), (300, 7), (8, 8), (9, 8), (32, 32), (33, 31), (40, 8), (8, 40), (64, 48), (257, 129), (1000, 3)]
targets = [(32, 32), (9, 8), (8, 8), (5, 13)]
for (w, h) in shapes:
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    grey = Image.fromarray(rgb, "RGB").convert("L")
    rec = {"w": w, "h": h, "rgb": base64.b64encode(rgb.tobytes()).decode(),
           "grey": base64.b64encode(grey.tobytes()).decode(), "out": []}
    for (ow, oh) in targets:
        r = grey.resize((ow, oh), Image.LANCZOS)
        rec["out"].append([ow, oh, base64.b64encode(r.tobytes()).decode()])
    print(json.dumps(rec))
"""#
        let out = try Vectors.runPython(script)
        var cases = 0
        let resizer = PillowResample.Resizer()
        for line in out.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let w = o["w"] as! Int, h = o["h"] as! Int
            let rgb = [UInt8](Data(base64Encoded: o["rgb"] as! String)!)
            let wantGrey = [UInt8](Data(base64Encoded: o["grey"] as! String)!)
            let grey = (0..<(w * h)).map { PillowResample.grey(rgb[3 * $0], rgb[3 * $0 + 1], rgb[3 * $0 + 2]) }
            XCTAssertEqual(grey, wantGrey, "grey \(w)x\(h)")
            let targets = (o["out"] as! [[Any]]).map { t in
                (t[0] as! Int, t[1] as! Int, [UInt8](Data(base64Encoded: t[2] as! String)!))
            }
            // One size at a time from the grey plane.
            for (ow, oh, want) in targets {
                var got = [UInt8](repeating: 0, count: ow * oh)
                grey.withUnsafeBufferPointer { g in
                    got.withUnsafeMutableBufferPointer { o in
                        PillowResample.resize(g, width: w, height: h, outWidth: ow, outHeight: oh, out: o.baseAddress!)
                    }
                }
                let diff = zip(got, want).filter { $0 != $1 }.count
                XCTAssertEqual(diff, 0, "\(w)x\(h) -> \(ow)x\(oh): \(diff) pixels differ\n got \(got)\nwant \(want)")
                cases += 1
            }
            // All sizes in one walk straight from RGB (grey converted row by row), twice with
            // the same reusable resizer (scratch and coefficient cache reused).
            for _ in 0..<2 {
                let outs = targets.map { UnsafeMutablePointer<UInt8>.allocate(capacity: $0.0 * $0.1) }
                defer { outs.forEach { $0.deallocate() } }
                rgb.withUnsafeBufferPointer { p in
                    resizer.resize(.rgb(p.baseAddress!), width: w, height: h,
                                   targets: zip(targets, outs).map { ($0.0, $0.1, $1) })
                }
                for ((ow, oh, want), o) in zip(targets, outs) {
                    let got = Array(UnsafeBufferPointer(start: o, count: ow * oh))
                    XCTAssertEqual(got, want, "RGB \(w)x\(h) -> \(ow)x\(oh) in one walk")
                }
            }
        }
        XCTAssertEqual(cases, 13 * 4)
    }
}
