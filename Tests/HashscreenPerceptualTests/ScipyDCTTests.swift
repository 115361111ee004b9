import Foundation
@testable import HashscreenPerceptual
import XCTest

final class ScipyDCTTests: XCTestCase {
    /// scipy.fftpack.dct (type 2, unnormalised) on random, integer, constant and symmetric
    /// vectors of length 32: the Swift port must return the same doubles, bit for bit.
    func testMatchesScipyBitForBit() throws {
        let script = #"""
import numpy as np, scipy.fftpack, base64, json
rng = np.random.default_rng(3)
vs = [rng.uniform(-1000, 1000, 32), rng.integers(0, 256, 32).astype(float), np.full(32, 117.0),
      np.arange(32) * 8.0, np.tile([0.0, 255.0], 16), np.concatenate([np.arange(16), np.arange(16)[::-1]]) * 3.0]
vs += [rng.integers(0, 256, 32).astype(float) for _ in range(20)]
for v in vs:
    out = scipy.fftpack.dct(v)
    print(json.dumps({"in": base64.b64encode(v.astype('<f8').tobytes()).decode(),
                      "out": base64.b64encode(out.astype('<f8').tobytes()).decode()}))
"""#
        let out = try Vectors.runPython(script)
        let dct = ScipyDCT2(length: 32)
        var count = 0
        for line in out.split(separator: "\n") {
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            var v = Data(base64Encoded: o["in"]!)!.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            let want = Data(base64Encoded: o["out"]!)!.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            var scratch = [Double](repeating: 0, count: 32)
            v.withUnsafeMutableBufferPointer { vb in scratch.withUnsafeMutableBufferPointer { sb in
                dct.transform(vb.baseAddress!, scratch: sb.baseAddress!)
            } }
            XCTAssertEqual(v.map(\.bitPattern), want.map(\.bitPattern), "vector \(count): got \(v)\nwant \(want)")
            count += 1
        }
        XCTAssertEqual(count, 26)
    }
}
