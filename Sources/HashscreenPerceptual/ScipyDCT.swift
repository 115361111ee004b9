// The unnormalised DCT-II of scipy.fftpack.dct, operation for operation.
//
// References (scipy/pocketfft `pocketfft_hdronly.h`, BSD licence; independent Swift rewrite):
// - `T_dcst23::exec` (type 2, cosine, not ortho): pre-scaling and pairwise mixing, a
//   backward real FFT, then a twiddle post-pass.
// - `rfftp`: factorisation (4s, a 2 moved to the front), `comp_twiddle`, `exec` backward
//   with `radb2` / `radb4`.
// - `sincos_2pibyn`: twiddles from two small tables in double, angles from a long double
//   constant.
//
// Why not a plain cosine sum: pHash compares coefficients with their median, and on images
// with exact symmetries (flat areas, pure gradients) many coefficients are mathematically 0;
// pocketfft's butterflies give exact zeros there while a direct sum leaves rounding noise, and
// the noise flips bits. Reproducing the FFT's operations gives ImageHash's bits exactly.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// scipy.fftpack.dct(x, type=2, norm=None) for one vector of a fixed power-of-two length:
/// y[k] = 2 * sum_n x[n] cos(pi k (2n+1) / 2N), rounded as pocketfft rounds.
struct ScipyDCT2 {
    let n: Int
    /// rfftp factors in execution order (backward transform).
    private let factors: [Int]
    /// Per factor, its twiddles (`rfftp::comp_twiddle`); empty for the last factor.
    private let twiddles: [[Double]]
    /// `T_dcst23` twiddles: cos(2 pi (i+1) / 4N).
    private let dctTwiddle: [Double]

    init(length: Int) {
        precondition(length >= 4 && length & (length - 1) == 0, "ScipyDCT2 supports powers of two >= 4")
        n = length
        // rfftp::factorize: 4s first, then a single 2 swapped to the front.
        var f: [Int] = []
        var len = length
        while len % 4 == 0 { f.append(4); len >>= 2 }
        if len % 2 == 0 {
            len >>= 1
            f.append(2)
            f.swapAt(0, f.count - 1)
        }
        factors = f
        let twid = SinCos2PiByN(length)
        var tws: [[Double]] = []
        var l1 = 1
        for (k, ip) in f.enumerated() {
            let ido = length / (l1 * ip)
            var tw = [Double](repeating: 0, count: (ip - 1) * (ido - 1))
            if k < f.count - 1 {
                for j in 1..<ip {
                    var i = 1
                    while i <= (ido - 1) / 2 {
                        let w = twid[j * l1 * i]
                        tw[(j - 1) * (ido - 1) + 2 * i - 2] = w.r
                        tw[(j - 1) * (ido - 1) + 2 * i - 1] = w.i
                        i += 1
                    }
                }
            }
            tws.append(tw)
            l1 *= ip
        }
        twiddles = tws
        let tw4 = SinCos2PiByN(4 * length)
        dctTwiddle = (0..<length).map { tw4[$0 + 1].r }
    }

    /// Transforms `c` (length n) in place; `scratch` must hold n values.
    func transform(_ c: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        let N = n, ns2 = (N + 1) / 2
        c[0] *= 2
        if N & 1 == 0 { c[N - 1] *= 2 }
        var k = 1
        while k < N - 1 {
            // MPINPLACE(c[k+1], c[k])
            let t = c[k + 1]
            c[k + 1] = c[k + 1] - c[k]
            c[k] = t + c[k]
            k += 2
        }
        backwardFFT(c, scratch)
        var kk = 1, kc = N - 1
        while kk < ns2 {
            let t1 = dctTwiddle[kk - 1] * c[kc] + dctTwiddle[kc - 1] * c[kk]
            let t2 = dctTwiddle[kk - 1] * c[kk] - dctTwiddle[kc - 1] * c[kc]
            c[kk] = 0.5 * (t1 + t2)
            c[kc] = 0.5 * (t1 - t2)
            kk += 1; kc -= 1
        }
        if N & 1 == 0 { c[ns2] *= dctTwiddle[ns2 - 1] }
    }

    /// rfftp::exec(c, fct = 1, r2hc = false).
    private func backwardFFT(_ c: UnsafeMutablePointer<Double>, _ ch: UnsafeMutablePointer<Double>) {
        var p1 = c, p2 = ch
        var l1 = 1
        for (k, ip) in factors.enumerated() {
            let ido = n / (ip * l1)
            twiddles[k].withUnsafeBufferPointer { wa in
                if ip == 4 { Self.radb4(ido, l1, p1, p2, wa.baseAddress) } else { Self.radb2(ido, l1, p1, p2, wa.baseAddress) }
            }
            swap(&p1, &p2)
            l1 *= ip
        }
        if p1 != c { c.update(from: p1, count: n) }
    }

    /// rfftp::radb2.
    private static func radb2(_ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<Double>,
                              _ ch: UnsafeMutablePointer<Double>, _ wa: UnsafePointer<Double>?) {
        @inline(__always) func CC(_ a: Int, _ b: Int, _ c: Int) -> Double { cc[a + ido * (b + 2 * c)] }
        @inline(__always) func CH(_ a: Int, _ b: Int, _ c: Int) -> UnsafeMutablePointer<Double> { ch + (a + ido * (b + l1 * c)) }
        @inline(__always) func WA(_ x: Int, _ i: Int) -> Double { wa![i + x * (ido - 1)] }
        for k in 0..<l1 {
            let c0 = CC(0, 0, k), d0 = CC(ido - 1, 1, k)
            CH(0, k, 0).pointee = c0 + d0
            CH(0, k, 1).pointee = c0 - d0
        }
        if ido & 1 == 0 {
            for k in 0..<l1 {
                CH(ido - 1, k, 0).pointee = 2 * CC(ido - 1, 0, k)
                CH(ido - 1, k, 1).pointee = -2 * CC(0, 1, k)
            }
        }
        if ido <= 2 { return }
        for k in 0..<l1 {
            var i = 2
            while i < ido {
                let ic = ido - i
                let a = CC(i - 1, 0, k), b = CC(ic - 1, 1, k)
                CH(i - 1, k, 0).pointee = a + b
                let tr2 = a - b
                let e = CC(i, 0, k), f = CC(ic, 1, k)
                let ti2 = e + f
                CH(i, k, 0).pointee = e - f
                // MULPM(CH(i,k,1), CH(i-1,k,1), WA(0,i-2), WA(0,i-1), ti2, tr2)
                let wc = WA(0, i - 2), wd = WA(0, i - 1)
                CH(i, k, 1).pointee = wc * ti2 + wd * tr2
                CH(i - 1, k, 1).pointee = wc * tr2 - wd * ti2
                i += 2
            }
        }
    }

    /// rfftp::radb4.
    private static func radb4(_ ido: Int, _ l1: Int, _ cc: UnsafeMutablePointer<Double>,
                              _ ch: UnsafeMutablePointer<Double>, _ wa: UnsafePointer<Double>?) {
        let sqrt2 = 1.414213562373095048801688724209698 as Double
        @inline(__always) func CC(_ a: Int, _ b: Int, _ c: Int) -> Double { cc[a + ido * (b + 4 * c)] }
        @inline(__always) func CH(_ a: Int, _ b: Int, _ c: Int) -> UnsafeMutablePointer<Double> { ch + (a + ido * (b + l1 * c)) }
        @inline(__always) func WA(_ x: Int, _ i: Int) -> Double { wa![i + x * (ido - 1)] }
        for k in 0..<l1 {
            // PM(tr2, tr1, CC(0,0,k), CC(ido-1,3,k))
            let a = CC(0, 0, k), b = CC(ido - 1, 3, k)
            let tr2 = a + b, tr1 = a - b
            let tr3 = 2 * CC(ido - 1, 1, k)
            let tr4 = 2 * CC(0, 2, k)
            CH(0, k, 0).pointee = tr2 + tr3
            CH(0, k, 2).pointee = tr2 - tr3
            CH(0, k, 3).pointee = tr1 + tr4
            CH(0, k, 1).pointee = tr1 - tr4
        }
        if ido & 1 == 0 {
            for k in 0..<l1 {
                let a = CC(0, 3, k), b = CC(0, 1, k)
                let ti1 = a + b, ti2 = a - b
                let c = CC(ido - 1, 0, k), d = CC(ido - 1, 2, k)
                let tr2 = c + d, tr1 = c - d
                CH(ido - 1, k, 0).pointee = tr2 + tr2
                CH(ido - 1, k, 1).pointee = sqrt2 * (tr1 - ti1)
                CH(ido - 1, k, 2).pointee = ti2 + ti2
                CH(ido - 1, k, 3).pointee = -sqrt2 * (tr1 + ti1)
            }
        }
        if ido <= 2 { return }
        for k in 0..<l1 {
            var i = 2
            while i < ido {
                let ic = ido - i
                var x = CC(i - 1, 0, k), y = CC(ic - 1, 3, k)
                let tr2 = x + y, tr1 = x - y
                x = CC(i, 0, k); y = CC(ic, 3, k)
                let ti1 = x + y, ti2 = x - y
                x = CC(i, 2, k); y = CC(ic, 1, k)
                let tr4 = x + y, ti3 = x - y
                x = CC(i - 1, 2, k); y = CC(ic - 1, 1, k)
                let tr3 = x + y, ti4 = x - y
                CH(i - 1, k, 0).pointee = tr2 + tr3
                let cr3 = tr2 - tr3
                CH(i, k, 0).pointee = ti2 + ti3
                let ci3 = ti2 - ti3
                let cr4 = tr1 + tr4, cr2 = tr1 - tr4
                let ci2 = ti1 + ti4, ci4 = ti1 - ti4
                // MULPM(a, b, c, d, e, f): a = c*e + d*f; b = c*f - d*e
                var wc = WA(0, i - 2), wd = WA(0, i - 1)
                CH(i, k, 1).pointee = wc * ci2 + wd * cr2
                CH(i - 1, k, 1).pointee = wc * cr2 - wd * ci2
                wc = WA(1, i - 2); wd = WA(1, i - 1)
                CH(i, k, 2).pointee = wc * ci3 + wd * cr3
                CH(i - 1, k, 2).pointee = wc * cr3 - wd * ci3
                wc = WA(2, i - 2); wd = WA(2, i - 1)
                CH(i, k, 3).pointee = wc * ci4 + wd * cr4
                CH(i - 1, k, 3).pointee = wc * cr4 - wd * ci4
                i += 2
            }
        }
    }
}

/// pocketfft `sincos_2pibyn<double>`: exp(2 pi i idx / n) as the product of two table
/// entries, the tables computed by octant symmetry from cos/sin of small angles.
struct SinCos2PiByN {
    let n: Int
    private let mask: Int, shift: Int
    private let v1: [(r: Double, i: Double)], v2: [(r: Double, i: Double)]

    init(_ n: Int) {
        self.n = n
        // Thigh(0.25L * pi / n): computed in long double, rounded to double.
        #if arch(x86_64) || arch(i386)
        let pi = Float80(sign: .plus, exponentBitPattern: 0x4000, significandBitPattern: 0x490F_DAA2_2168_C235)
        let ang = Double(Float80(0.25) * pi / Float80(n))
        #else
        let ang = 0.25 * Double.pi / Double(n)
        #endif
        let nval = (n + 2) / 2
        var s = 1
        while (1 << s) * (1 << s) < nval { s += 1 }
        shift = s
        mask = (1 << s) - 1
        var a: [(r: Double, i: Double)] = [(1, 0)]
        for i in 1...mask { a.append(Self.calc(i, n, ang)) }
        v1 = a
        var b: [(r: Double, i: Double)] = [(1, 0)]
        let count2 = (nval + mask) / (mask + 1)
        if count2 > 1 { for i in 1..<count2 { b.append(Self.calc(i * (mask + 1), n, ang)) } }
        v2 = b
    }

    private static func calc(_ xIn: Int, _ n: Int, _ ang: Double) -> (r: Double, i: Double) {
        var x = xIn << 3
        if x < 4 * n {
            if x < 2 * n {
                if x < n { return (cos(Double(x) * ang), sin(Double(x) * ang)) }
                return (sin(Double(2 * n - x) * ang), cos(Double(2 * n - x) * ang))
            }
            x -= 2 * n
            if x < n { return (-sin(Double(x) * ang), cos(Double(x) * ang)) }
            return (-cos(Double(2 * n - x) * ang), sin(Double(2 * n - x) * ang))
        }
        x = 8 * n - x
        if x < 2 * n {
            if x < n { return (cos(Double(x) * ang), -sin(Double(x) * ang)) }
            return (sin(Double(2 * n - x) * ang), -cos(Double(2 * n - x) * ang))
        }
        x -= 2 * n
        if x < n { return (-sin(Double(x) * ang), -cos(Double(x) * ang)) }
        return (-cos(Double(2 * n - x) * ang), -sin(Double(2 * n - x) * ang))
    }

    subscript(_ idxIn: Int) -> (r: Double, i: Double) {
        if 2 * idxIn <= n {
            let x1 = v1[idxIn & mask], x2 = v2[idxIn >> shift]
            return (x1.r * x2.r - x1.i * x2.i, x1.r * x2.i + x1.i * x2.r)
        }
        let idx = n - idxIn
        let x1 = v1[idx & mask], x2 = v2[idx >> shift]
        return (x1.r * x2.r - x1.i * x2.i, -(x1.r * x2.i + x1.i * x2.r))
    }
}
