#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import MarginCore
import Testing

/// `Black76Grid.revalue` against the scalar `Black76.price`, scenario by scenario (MARGIN_MODEL.md, "Valuation":
/// F' = F(1+m), σ' = max(σ(1+v), minVol), T' = T − τ, intrinsic at T' ≤ 0), on every kernel path this CPU has: bit for
/// bit, since every path runs the same IEEE-754 operations (CVectorMath's own erfc, no fused multiply-adds).
@Suite struct Black76GridTests {
    /// The reference grid: 21 moves −15%…+15%, vol −30%/0/+30%, τ = 0 and 1 day; min vol 1%.
    static let priceMoves = (0..<21).map { -0.15 + 0.30 * Double($0) / 20 }
    static let volShifts = [-0.30, 0.0, 0.30]
    static let timeShifts = [0.0, 1.0 / 365]
    static let minVol = 0.01

    struct Case: CustomTestStringConvertible {
        var name: String
        var forward: Double, strike: Double, years: Double, vol: Double, rate: Double
        var right: OptionRight
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "ATM call", forward: 60_000, strike: 60_000, years: 0.25, vol: 0.6, rate: 0, right: .call),
        Case(name: "ITM put, rate 5%", forward: 60_000, strike: 70_000, years: 0.5, vol: 0.55, rate: 0.05,
             right: .put),
        Case(name: "OTM call, rate 5%", forward: 60_000, strike: 80_000, years: 0.1, vol: 0.7, rate: 0.05,
             right: .call),
        Case(name: "deep OTM put, 2 days", forward: 60_000, strike: 45_000, years: 2.0 / 365, vol: 0.5, rate: 0,
             right: .put),
        Case(name: "call expiring inside the 1-day shift", forward: 3_000, strike: 2_900, years: 0.4 / 365,
             vol: 0.8, rate: 0.03, right: .call),
        Case(name: "put expiring exactly at the shift", forward: 3_000, strike: 3_100, years: 1.0 / 365, vol: 0.8,
             rate: 0, right: .put),
        Case(name: "min-vol floor (σ(1−30%) < 1%)", forward: 100, strike: 101, years: 0.05, vol: 0.012, rate: 0.02,
             right: .call),
        Case(name: "long-dated ITM call", forward: 60_000, strike: 30_000, years: 2, vol: 1.2, rate: 0.04,
             right: .call),
    ]

    static func scalar(_ c: Case, _ i: Int, _ j: Int, _ l: Int, priceMoves: [Double] = priceMoves,
                       volShifts: [Double] = volShifts, timeShifts: [Double] = timeShifts) -> Double {
        Black76.price(forward: c.forward * (1 + priceMoves[i]), strike: c.strike, years: c.years - timeShifts[l],
                      vol: max(c.vol * (1 + volShifts[j]), minVol), rate: c.rate, right: c.right)
    }

    static func batch(_ c: Case, path: Black76Grid._Path, priceMoves: [Double] = priceMoves,
                      volShifts: [Double] = volShifts, timeShifts: [Double] = timeShifts) -> [Double] {
        Black76Grid._revalue(path: path, forward: c.forward, strike: c.strike, years: c.years, vol: c.vol,
                             rate: c.rate, right: c.right, minVol: minVol, priceMoves: priceMoves,
                             volShifts: volShifts, timeShifts: timeShifts)
    }

    @Test("every path is bit-identical to Black76.price", arguments: cases)
    func everyPathIsExact(_ c: Case) {
        for path in Black76Grid._Path.allCases {
            let grid = Self.batch(c, path: path)
            #expect(grid.count == 126)
            for i in 0..<21 {
                for j in 0..<3 {
                    for l in 0..<2 {
                        let (b, s) = (grid[(i * 3 + j) * 2 + l], Self.scalar(c, i, j, l))
                        #expect(b.bitPattern == s.bitPattern, "\(path.name) (\(i), \(j), \(l)): \(b) vs \(s)")
                    }
                }
            }
        }
    }

    /// Seeded random options (calls and puts, forwards 0.5–200k, strikes ±3 in log-moneyness, expiries 1 hour to
    /// 3 years, some inside the time shifts, vols 1%–300%, rates −2%…10%) over seeded random grids (moves −60%…+150%,
    /// vol shifts −90%…+200%, time shifts up to 30 days), on `path` against the scalar path, bit for bit.
    static func expectBitIdenticalOnRandomGrids(path: Black76Grid._Path) {
        var rng = SplitMix64(seed: 0xB76_2026)
        var compared = 0
        for n in 0..<60 {
            let forward = rng.logUniform(0.5, 200_000)
            let c = Case(name: "random \(n)", forward: forward, strike: forward * exp(rng.uniform(-3, 3)),
                         years: rng.logUniform(1.0 / 8_760, 3), vol: rng.logUniform(0.01, 3),
                         rate: rng.uniform(-0.02, 0.1), right: n % 2 == 0 ? .call : .put)
            let pm = (0..<Int.random(in: 1...25, using: &rng)).map { _ in rng.uniform(-0.6, 1.5) }
            let vs = (0..<Int.random(in: 1...5, using: &rng)).map { _ in rng.uniform(-0.9, 2) }
            let ts = (0..<Int.random(in: 1...4, using: &rng)).map { _ in rng.uniform(0, 30.0 / 365) }
            let scalar = Self.batch(c, path: .scalar, priceMoves: pm, volShifts: vs, timeShifts: ts)
            let vector = Self.batch(c, path: path, priceMoves: pm, volShifts: vs, timeShifts: ts)
            let differing = zip(scalar, vector).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(path.name), option \(n): \(differing) of \(scalar.count) prices differ")
            compared += scalar.count
        }
        #expect(compared > 1_000)
    }

    @Test("random grids: the AVX2 path gives the scalar path's bits",
          .enabled(if: Black76Grid._Path.avx2.isSupported, "this CPU lacks AVX2: the path is not compared"))
    func avx2MatchesScalarOnRandomGrids() { Self.expectBitIdenticalOnRandomGrids(path: .avx2) }

    @Test("random grids: the AVX-512 path gives the scalar path's bits",
          .enabled(if: Black76Grid._Path.avx512.isSupported, "this CPU lacks AVX-512F: the path is not compared"))
    func avx512MatchesScalarOnRandomGrids() { Self.expectBitIdenticalOnRandomGrids(path: .avx512) }

    @Test("expired scenarios are the undiscounted intrinsic value")
    func expiredIsIntrinsic() {
        let c = Self.cases[4]  // expires 0.4 day from now: τ = 1 day is past expiry
        let grid = Black76Grid.revalue(forward: c.forward, strike: c.strike, years: c.years, vol: c.vol, rate: c.rate,
                                       right: c.right, minVol: Self.minVol, priceMoves: Self.priceMoves,
                                       volShifts: Self.volShifts, timeShifts: Self.timeShifts)
        for i in 0..<21 {
            let intrinsic = max(c.forward * (1 + Self.priceMoves[i]) - c.strike, 0)
            for j in 0..<3 { #expect(grid[(i * 3 + j) * 2 + 1] == intrinsic) }
        }
    }

    @Test("layout out[(i·nv + j)·nt + l] with unequal dimensions, past one batch and past the pair table")
    func layout() {
        let c = Self.cases[1]
        let shapes: [(pm: [Double], vs: [Double], ts: [Double])] = [
            ([-0.1, 0, 0.1], [-0.2, 0.2], [0, 0.5 / 365, 1.0 / 365, 2.0 / 365]),  // 3 × 2 × 4
            (Self.priceMoves, Self.volShifts, [0, 1.0 / 365, 2.0 / 365, 3.0 / 365]),  // 252 > one batch of 128
            ([0.05], (0..<130).map { -0.5 + Double($0) / 130 }, [0, 1.0 / 365]),  // 260 (vol, time) pairs > 256
        ]
        for (pm, vs, ts) in shapes {
            for path in Black76Grid._Path.allCases {
                let grid = Self.batch(c, path: path, priceMoves: pm, volShifts: vs, timeShifts: ts)
                #expect(grid.count == pm.count * vs.count * ts.count)
                for i in pm.indices {
                    for j in vs.indices {
                        for l in ts.indices {
                            let s = Self.scalar(c, i, j, l, priceMoves: pm, volShifts: vs, timeShifts: ts)
                            let b = grid[(i * vs.count + j) * ts.count + l]
                            #expect(b.bitPattern == s.bitPattern, "\(path.name) (\(i), \(j), \(l)): \(b) vs \(s)")
                        }
                    }
                }
            }
        }
    }

    @Test("deterministic: the same inputs give bit-identical outputs")
    func deterministic() {
        for c in Self.cases {
            #expect(Self.batch(c, path: .best) == Self.batch(c, path: .best))
        }
    }

    @Test("an empty dimension writes nothing")
    func emptyGrid() {
        var out = [Double](repeating: -1, count: 4)
        let moves: [Double] = [0, 0.1]
        let none: [Double] = []
        out.withUnsafeMutableBufferPointer { o in
            moves.withUnsafeBufferPointer { pm in
                none.withUnsafeBufferPointer { vs in
                    moves.withUnsafeBufferPointer { ts in
                        Black76Grid.revalue(forward: 100, strike: 100, years: 1, vol: 0.5, rate: 0, right: .call,
                                            minVol: 0.01, priceMoves: pm, volShifts: vs, timeShifts: ts, into: o)
                    }
                }
            }
        }
        #expect(out == [-1, -1, -1, -1])
    }
}
