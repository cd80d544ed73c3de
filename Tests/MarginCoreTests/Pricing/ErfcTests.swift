import CVectorMath
import MarginCore
import Testing

/// CVectorMath's erfc (`vm_erfc_one`, `vm_erfc`): the normal CDF of every margin number
/// (``NormalDistribution/cdf(_:)`` and the ``Black76Grid`` kernel). Accuracy against correctly rounded values
/// (mpmath at 60 digits, `scripts/erfc_reference.py`), the special cases, and bit-for-bit agreement of the scalar,
/// AVX2 and AVX-512 paths.
@Suite struct ErfcTests {
    /// Distance in units in the last place of `reference` (the subnormal ulp below 2^-1022).
    static func ulps(_ value: Double, from reference: Double) -> Double {
        abs(value - reference) / reference.ulp
    }

    /// `vm_erfc` over `x` on `path`.
    static func erfc(_ x: [Double], path: Int32) -> [Double] {
        var y = [Double](repeating: -1, count: x.count)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in vm_erfc(path, xs.baseAddress, ys.baseAddress, xs.count) }
        }
        return y
    }

    /// Reference points, the special values and seeded draws over the whole domain (both tails past ±28).
    static let arguments: [Double] = {
        var rng = SplitMix64(seed: 0xE5FC_2026)
        let draws = (0..<4_000).map { _ in rng.uniform(-30, 30) } + (0..<1_000).map { _ in rng.uniform(-1.5, 1.5) }
        let special: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 28, -28, 27.999_999, .leastNonzeroMagnitude,
                                 .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        return ErfcReference.values.map(\.x) + special + draws
    }()

    @Test("within 2 ulp of the correctly rounded erfc at every reference point")
    func accuracy() {
        var worst = 0.0
        var worstAt = 0.0
        for (x, reference) in ErfcReference.values {
            let u = Self.ulps(vm_erfc_one(x), from: reference)
            if !(u <= worst) { (worst, worstAt) = (u, x) }
        }
        #expect(ErfcReference.values.count > 800)
        #expect(worst <= 2, "worst \(worst) ulp at x = \(worstAt)")
    }

    @Test("special values: ±∞, NaN, zero and both tails")
    func specialValues() {
        #expect(vm_erfc_one(.nan).isNaN)
        #expect(vm_erfc_one(.infinity) == 0)
        #expect(vm_erfc_one(-.infinity) == 2)
        #expect(vm_erfc_one(0) == 1)
        #expect(vm_erfc_one(-0.0) == 1)
        #expect(vm_erfc_one(28) == 0)
        #expect(vm_erfc_one(1e300) == 0)
        #expect(vm_erfc_one(-6) == 2)  // 2 − 2.2e-17 rounds to 2
        #expect(vm_erfc_one(-28) == 2)
        #expect(vm_erfc_one(27) > 0 && vm_erfc_one(27) < 0x1p-1022)  // subnormal, not flushed
        #expect(vm_erfc_one(0x1p-60) == 1)
    }

    @Test("decreasing on a fine sweep of [−6, 27.3]")
    func monotone() {
        var previous = vm_erfc_one(-6)
        for i in 1...33_300 {
            let value = vm_erfc_one(-6 + Double(i) * 0.001)
            #expect(value <= previous, "erfc(\(-6 + Double(i) * 0.001)) = \(value) > \(previous)")
            previous = value
        }
    }

    /// `vm_erfc` on `path` against `vm_erfc_one`, bit for bit, over every argument and every short array length (so
    /// the vector loops' remainders are covered too).
    static func expectBitIdentical(path: Black76Grid._Path) {
        let x = Self.arguments
        let single = x.map { vm_erfc_one($0).bitPattern }
        let y = Self.erfc(x, path: path.rawValue)
        let differing = zip(y, single).filter { $0.bitPattern != $1 }.count
        #expect(differing == 0, "\(path.name): \(differing) of \(x.count) values differ")
        for n in 1...17 {
            #expect(Self.erfc(Array(x.prefix(n)), path: path.rawValue).map(\.bitPattern) == Array(single.prefix(n)),
                    "\(path.name), \(n) values")
        }
    }

    @Test("the scalar path gives vm_erfc_one's bits")
    func scalarPathIsBitIdentical() { Self.expectBitIdentical(path: .scalar) }

    @Test("the AVX2 path gives vm_erfc_one's bits",
          .enabled(if: Black76Grid._Path.avx2.isSupported, "this CPU lacks AVX2: the path is not compared"))
    func avx2PathIsBitIdentical() { Self.expectBitIdentical(path: .avx2) }

    @Test("the AVX-512 path gives vm_erfc_one's bits",
          .enabled(if: Black76Grid._Path.avx512.isSupported, "this CPU lacks AVX-512F: the path is not compared"))
    func avx512PathIsBitIdentical() { Self.expectBitIdentical(path: .avx512) }

    @Test("Φ(x) = ½·erfc(−x/√2) with this erfc, in both tails")
    func normalCDF() {
        for x in [-40.0, -38.0, -10, -3, -1, 0, 0.5, 2, 8, 9] {
            #expect(NormalDistribution.cdf(x) == 0.5 * vm_erfc_one(-x * NormalDistribution.inverseSqrtTwo))
        }
        #expect(NormalDistribution.cdf(-40) == 0)
        #expect(NormalDistribution.cdf(9) == 1)
        // Φ(−3) = 1.3498980316300945e-3 (mpmath): the rounding of −x/√2 (2⁻⁵³ relative) moves erfc by about
        // 2a²·2⁻⁵³ relative at a = 3/√2, so a few ulp, not the 2 of erfc itself.
        #expect(abs(NormalDistribution.cdf(-3) / 1.349_898_031_630_094_5e-3 - 1) <= 2e-15)
    }
}
