/// The content box of a padded image: the rectangle left after removing a uniform border,
/// so perceptual hashes describe the picture and not the padding.
///
/// img2dataset's default `resize_mode=border` (img2dataset/resizer.py) shrinks the longest side
/// to `image_size` with albumentations' `longest_max_size` (new side = round(side * scale)) and
/// centres the result on a white square with `pad_if_needed` (top = floor((S - h) / 2)).
/// Measured on a real img2dataset 1.47.0 run over 22 benign photos (Fixtures/img2dataset,
/// docs/img2dataset.md): the PDQ of the stored file is within 31 bits of the original's for
/// 4 of 22 (only the unpadded squares), of the content box for 21 of 22.
/// For images of unknown provenance, a uniform-border detector in the spirit of ThreatExchange's
/// `unletterbox` (pdq/cpp/downscaling... `pdq-photo-hasher --unletterbox`) strips rows and
/// columns of near-constant colour from each edge.

/// A rectangle of pixels.
package struct PixelBox: Sendable, Equatable, CustomStringConvertible {
    package var x: Int
    package var y: Int
    package var width: Int
    package var height: Int
    package init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    package var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

package enum ContentBox {
    /// Per-channel difference from the border colour still counted as border: JPEG q95
    /// re-encoding leaves white padding within a few levels of 255 away from the content edge.
    static let borderTolerance = 16
    /// Rows/columns next to the content edge skipped when checking a border: JPEG ringing.
    static let ringingMargin = 2
    /// A detected content box smaller than this (per side) is not trusted.
    static let minimumSide = 8

    /// The box img2dataset's border mode put an original of `originalWidth` x `originalHeight`
    /// in, inside a stored `width` x `height` image, if the stored pixels agree (uniform white
    /// outside it); nil when they do not (then use `detectUniformBorder`).
    package static func img2datasetBorder(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                                         originalWidth ow: Int, originalHeight oh: Int) -> PixelBox? {
        guard ow > 0, oh > 0, width > 0, height > 0 else { return nil }
        var candidates: [(Int, Int)] = []
        // Resized so the longest side fills the square (resize_only_if_bigger=False, the default).
        let scale = Double(max(width, height)) / Double(max(ow, oh))
        candidates.append((Int((Double(ow) * scale).rounded()), Int((Double(oh) * scale).rounded())))
        // Not enlarged (resize_only_if_bigger=True) when the original was smaller.
        if ow <= width && oh <= height { candidates.append((ow, oh)) }
        for (cw, ch) in candidates {
            let w = min(max(cw, 1), width), h = min(max(ch, 1), height)
            let box = PixelBox(x: (width - w) / 2, y: (height - h) / 2, width: w, height: h)
            if box.width == width && box.height == height { return box }
            if outsideIsUniform(rgb: rgb, width: width, height: height, box: box, colour: (255, 255, 255)) { return box }
        }
        return nil
    }

    /// Strips near-uniform rows and columns (the colour of the top-left pixel) from every
    /// edge; nil when there is no such border or what is left is too small to trust.
    package static func detectUniformBorder(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int) -> PixelBox? {
        guard width >= minimumSide, height >= minimumSide else { return nil }
        let c = (Int(rgb[0]), Int(rgb[1]), Int(rgb[2]))
        func near(_ x: Int, _ y: Int) -> Bool {
            let i = (y * width + x) * 3
            return abs(Int(rgb[i]) - c.0) <= borderTolerance && abs(Int(rgb[i + 1]) - c.1) <= borderTolerance
                && abs(Int(rgb[i + 2]) - c.2) <= borderTolerance
        }
        func rowUniform(_ y: Int, _ x0: Int, _ x1: Int) -> Bool { (x0..<x1).allSatisfy { near($0, y) } }
        func colUniform(_ x: Int, _ y0: Int, _ y1: Int) -> Bool { (y0..<y1).allSatisfy { near(x, $0) } }
        var top = 0, bottom = height, left = 0, right = width
        while top < bottom && rowUniform(top, 0, width) { top += 1 }
        while bottom > top && rowUniform(bottom - 1, 0, width) { bottom -= 1 }
        while left < right && colUniform(left, top, bottom) { left += 1 }
        while right > left && colUniform(right - 1, top, bottom) { right -= 1 }
        let box = PixelBox(x: left, y: top, width: right - left, height: bottom - top)
        guard box.width >= minimumSide, box.height >= minimumSide else { return nil }
        guard box.width < width || box.height < height else { return nil }
        return box
    }

    /// Copies `box` of an RGB image into `out` (resized as needed).
    package static func crop(rgb: UnsafeBufferPointer<UInt8>, width: Int, box: PixelBox, into out: inout [UInt8]) {
        let rowBytes = box.width * 3
        if out.count != rowBytes * box.height { out = [UInt8](repeating: 0, count: rowBytes * box.height) }
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<box.height {
                let src = rgb.baseAddress! + ((box.y + y) * width + box.x) * 3
                (dst.baseAddress! + y * rowBytes).update(from: src, count: rowBytes)
            }
        }
    }

    /// True when every pixel outside `box` (but the ringing margin) is within the tolerance of
    /// `colour`, and there is some outside to check.
    static func outsideIsUniform(rgb: UnsafeBufferPointer<UInt8>, width: Int, height: Int, box: PixelBox,
                                 colour: (Int, Int, Int)) -> Bool {
        let m = ringingMargin
        let inner = PixelBox(x: box.x - m, y: box.y - m, width: box.width + 2 * m, height: box.height + 2 * m)
        var checked = 0
        for y in 0..<height {
            for x in 0..<width {
                if x >= inner.x && x < inner.x + inner.width && y >= inner.y && y < inner.y + inner.height { continue }
                let i = (y * width + x) * 3
                if abs(Int(rgb[i]) - colour.0) > borderTolerance || abs(Int(rgb[i + 1]) - colour.1) > borderTolerance
                    || abs(Int(rgb[i + 2]) - colour.2) > borderTolerance { return false }
                checked += 1
            }
        }
        return checked > 0
    }
}
