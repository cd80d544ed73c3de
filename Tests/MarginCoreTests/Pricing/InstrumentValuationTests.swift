#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MarginCore
import Testing

/// `InstrumentValuation` against its definition (MARGIN_MODEL.md, "Valuation" and Greeks): USD values of linear and
/// inverse options, and USD Greeks as finite differences of the USD value in the index `S` with every forward moving
/// in proportion (`F' = F·S'/S`), vol fixed through `volOverride`.
@Suite struct InstrumentValuationTests {
    /// 2026-01-01T00:00:00Z.
    static let now = Instant(secondsSinceEpoch: 1_767_225_600)
    static let index = 60_000.0
    static let day: Int64 = 86_400
    static let expiries: [Instant] = [now.adding(seconds: day), now.adding(seconds: 30 * day),
                                      now.adding(seconds: 365 * day)]
    /// Quoted forwards with a basis that is not `S·e^{rT}` (contango, 8% a year).
    static let quotedForwards: [Instant: Double] = Dictionary(uniqueKeysWithValues: expiries.map {
        ($0, index * exp(0.08 * now.years(until: $0)))
    })
    static let perpetual = 60_030.0

    /// The market with index `s`; quoted forwards and the perpetual scaled by `s / index` (as in a scenario), or
    /// unquoted (`S·e^{rT}`, proportional to `S` by construction).
    static func market(index s: Double = index, rate: Double = 0.03, quoted: Bool = true,
                       valuationTime: Instant = now) -> UnderlyingMarket {
        let scale = s / index
        return UnderlyingMarket(name: "BTC", index: s, rate: rate,
                                forwards: quoted ? quotedForwards.mapValues { $0 * scale } : [:],
                                perpetualPrice: quoted ? perpetual * scale : nil, valuationTime: valuationTime)
    }

    static func option(_ expiry: Instant, _ strike: Double, _ right: OptionRight, _ settlement: Settlement) -> Instrument {
        Instrument(underlying: "BTC", kind: .option(OptionContract(expiry: expiry, strike: strike, right: right)),
                   settlement: settlement)
    }

    static let vol = 0.6

    /// Every option of the test grid: 3 expiries × 3 strikes × call/put × linear/inverse.
    static var options: [Instrument] {
        var result: [Instrument] = []
        for expiry in expiries {
            for strike in [45_000.0, 60_000, 80_000] {
                for right in OptionRight.allCases {
                    for settlement in Settlement.allCases { result.append(option(expiry, strike, right, settlement)) }
                }
            }
        }
        return result
    }

    /// `|a − b| ≤ relative·|b| + absolute`.
    static func close(_ a: Double, _ b: Double, relative: Double, absolute: Double) -> Bool {
        abs(a - b) <= relative * abs(b) + absolute
    }

    /// Linear: USD value `B76(F)`. Inverse: coin value `B76/F`, USD value `B76·S/F`.
    @Test func optionValues() throws {
        for quoted in [true, false] {
            let m = Self.market(quoted: quoted)
            for instrument in Self.options {
                guard let c = instrument.option else { continue }
                let v = try InstrumentValuation(instrument: instrument, market: m, volOverride: Self.vol)
                let f = m.forward(expiry: c.expiry)
                let t = m.years(to: c.expiry)
                let b76 = Black76.price(forward: f, strike: c.strike, years: t, vol: Self.vol, rate: m.rate,
                                        right: c.right)
                #expect(v.forward == f && v.years == t && v.vol == Self.vol)
                switch instrument.settlement {
                case .linear:
                    #expect(v.valueUSD == b76)
                    #expect(v.valueCoin == nil)
                case .inverse:
                    #expect(Self.close(v.valueUSD, b76 * m.index / f, relative: 1e-14, absolute: 1e-300), "\(instrument)")
                    #expect(Self.close(v.valueCoin ?? .nan, b76 / f, relative: 1e-14, absolute: 1e-300), "\(instrument)")
                }
            }
        }
    }

    /// delta, gamma (index bumped, forwards proportional) and vega (vol bumped) against central differences of the
    /// USD value, for quoted and for implied (`S·e^{rT}`) forwards.
    @Test func deltaGammaVegaMatchFiniteDifferences() throws {
        for quoted in [true, false] {
            for instrument in Self.options {
                guard let c = instrument.option else { continue }
                func value(index s: Double, vol: Double = Self.vol) throws -> Double {
                    try InstrumentValuation(instrument: instrument, market: Self.market(index: s, quoted: quoted),
                                            volOverride: vol).valueUSD
                }
                let s = Self.index
                let g = try InstrumentValuation(instrument: instrument, market: Self.market(quoted: quoted),
                                                volOverride: Self.vol).greeks
                let sd = Self.vol * Self.now.years(until: c.expiry).squareRoot()
                let h1 = 1e-4 * s * sd
                let h2 = 1e-3 * s * sd
                let hv = 1e-4 * Self.vol
                let rounding = 16 * Double.ulpOfOne * max(s, c.strike) * 1.1
                let delta = (try value(index: s + h1) - value(index: s - h1)) / (2 * h1)
                let gamma = (try value(index: s + h2) - 2 * value(index: s) + value(index: s - h2)) / (h2 * h2)
                let vega = (try value(index: s, vol: Self.vol + hv) - value(index: s, vol: Self.vol - hv)) / (2 * hv)
                let context = "\(instrument), quoted forwards: \(quoted)"
                #expect(Self.close(delta, g.delta, relative: 1e-6, absolute: rounding / h1 + 1e-10), "delta \(context): \(delta) vs \(g.delta)")
                #expect(Self.close(gamma, g.gamma, relative: 1e-5, absolute: rounding / (h2 * h2) + 1e-14),
                        "gamma \(context): \(gamma) vs \(g.gamma)")
                #expect(Self.close(vega, g.vega, relative: 1e-6, absolute: rounding / hv + 1e-8), "vega \(context): \(vega) vs \(g.vega)")
            }
        }
    }

    /// theta (calendar time passing, `S`, `F`, `σ` held: quoted forwards) and rho (rate bumped, forwards held)
    /// against central differences of the USD value.
    @Test func thetaRhoMatchFiniteDifferences() throws {
        for instrument in Self.options {
            guard let c = instrument.option else { continue }
            func value(shiftNanoseconds dn: Int64 = 0, rate: Double = 0.03) throws -> Double {
                let time = Instant(nanosecondsSinceEpoch: Self.now.nanosecondsSinceEpoch + dn)
                return try InstrumentValuation(instrument: instrument,
                                               market: Self.market(rate: rate, valuationTime: time),
                                               volOverride: Self.vol).valueUSD
            }
            let g = try InstrumentValuation(instrument: instrument, market: Self.market(), volOverride: Self.vol).greeks
            let t = Self.now.years(until: c.expiry)
            // Time step: 1e-4 of the time to expiry, whole nanoseconds.
            let dn = Int64((1e-4 * t * Instant.secondsPerYear * 1e9).rounded())
            let ht = Double(dn) / 1e9 / Instant.secondsPerYear
            let hr = 1e-4
            let rounding = 16 * Double.ulpOfOne * max(Self.index, c.strike) * 1.1
            let theta = (try value(shiftNanoseconds: dn) - value(shiftNanoseconds: -dn)) / (2 * ht)
            let rho = (try value(rate: 0.03 + hr) - value(rate: 0.03 - hr)) / (2 * hr)
            #expect(Self.close(theta, g.theta, relative: 1e-6, absolute: rounding / ht + 1e-8), "theta \(instrument): \(theta) vs \(g.theta)")
            #expect(Self.close(rho, g.rho, relative: 1e-6, absolute: rounding / hr + 1e-8), "rho \(instrument): \(rho) vs \(g.rho)")
            // Forwards held, rho is discounting only: −T·V.
            let v = try InstrumentValuation(instrument: instrument, market: Self.market(), volOverride: Self.vol)
            #expect(Self.close(g.rho, -t * v.valueUSD, relative: 1e-13, absolute: 1e-300))
        }
    }

    /// Futures and perpetuals are worth 0 (their value is their P&L); delta per coin (linear) is `F/S`, per USD of
    /// notional (inverse) `1/F`, and matches differences of the P&L formulas `q·(F' − F)` and `N·(1/F − 1/F')·S'`.
    @Test func futuresAndPerpetuals() throws {
        let instruments: [Instrument] = Settlement.allCases.flatMap { settlement in
            [Instrument(underlying: "BTC", kind: .perpetual, settlement: settlement),
             Instrument(underlying: "BTC", kind: .future(expiry: Self.expiries[1]), settlement: settlement),
             Instrument(underlying: "BTC", kind: .future(expiry: Self.expiries[2]), settlement: settlement)]
        }
        for quoted in [true, false] {
            let m = Self.market(quoted: quoted)
            for instrument in instruments {
                let v = try InstrumentValuation(instrument: instrument, market: m)
                let f = m.futuresPrice(expiry: instrument.expiry)
                #expect(v.valueUSD == 0 && v.valueCoin == nil && v.vol == nil)
                #expect(v.forward == f)
                #expect(v.years == (instrument.expiry.map { m.years(to: $0) } ?? 0))
                #expect(v.greeks.gamma == 0 && v.greeks.vega == 0 && v.greeks.theta == 0 && v.greeks.rho == 0)
                let s = Self.index
                switch instrument.settlement {
                case .linear: #expect(Self.close(v.greeks.delta, f / s, relative: 1e-15, absolute: 0))
                case .inverse: #expect(Self.close(v.greeks.delta, 1 / f, relative: 1e-15, absolute: 0))
                }
                func pnl(index s2: Double) -> Double {
                    let f2 = Self.market(index: s2, quoted: quoted).futuresPrice(expiry: instrument.expiry)
                    switch instrument.settlement {
                    case .linear: return f2 - f
                    case .inverse: return (1 / f - 1 / f2) * s2
                    }
                }
                let h = 1e-3 * s
                let delta = (pnl(index: s + h) - pnl(index: s - h)) / (2 * h)
                #expect(Self.close(delta, v.greeks.delta, relative: 1e-8, absolute: 0), "\(instrument): \(delta)")
            }
        }
        // Unquoted: the perpetual trades at the index (delta 1 linear, 1/S inverse), a future at S·e^{rT}.
        let perp = try InstrumentValuation(instrument: Instrument(underlying: "BTC", kind: .perpetual, settlement: .linear),
                                           market: Self.market(quoted: false))
        #expect(perp.forward == Self.index && perp.greeks.delta == 1 && perp.years == 0)
    }

    /// An option needs a vol (override or surface) and a future expiry.
    @Test func optionErrors() {
        let m = Self.market()
        #expect(throws: InputError.self) {
            try InstrumentValuation(instrument: Self.option(Self.expiries[0], 60_000, .call, .linear), market: m)
        }
        #expect(throws: InputError.self) {
            try InstrumentValuation(instrument: Self.option(Self.now, 60_000, .call, .inverse), market: m,
                                    volOverride: 0.5)
        }
        #expect(throws: InputError.self) {
            try InstrumentValuation(instrument: Self.option(Self.now.adding(seconds: -60), 60_000, .put, .linear),
                                    market: m, volOverride: 0.5)
        }
    }
}
