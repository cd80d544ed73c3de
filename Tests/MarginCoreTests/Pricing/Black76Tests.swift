#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MarginCore
import Testing

@Suite struct Black76Tests {
    /// Haug (2007), Black-76 example: F = 19, K = 19, T = 0.75, r = 0.10, σ = 0.28 → 1.7011 for call and put
    /// (shared/PRICING_VECTORS.md; exact value 1.701050725236268 from QuantLib).
    @Test func haugBlack76Example() {
        for right in OptionRight.allCases {
            let p = Black76.price(forward: 19, strike: 19, years: 0.75, vol: 0.28, rate: 0.10, right: right)
            #expect(abs(p - 1.701050725236268) < 1e-12)
        }
    }

    // MARK: - Published values (shared/PRICING_VECTORS.md)

    /// Haug's Black-76 example, Greeks (∂V/∂F, ∂²V/∂F², vega per 1.00 vol); digits from QuantLib 1.44, which agrees
    /// with py_vollib to ~1e-15.
    @Test func haugBlack76Greeks() {
        let call = Black76.sensitivities(forward: 19, strike: 19, years: 0.75, vol: 0.28, rate: 0.10, right: .call)
        #expect(abs(call.price - 1.701050725236268) < 1e-12)
        #expect(abs(call.dForward - 0.5086362359) < 1e-9)
        #expect(abs(call.dForward2 - 0.0797450347) < 1e-9)
        #expect(abs(call.dVol - 6.0454710790) < 1e-9)
        let put = Black76.sensitivities(forward: 19, strike: 19, years: 0.75, vol: 0.28, rate: 0.10, right: .put)
        #expect(abs(put.dForward - -0.4191072504) < 1e-9)
        // Gamma and vega do not depend on the right.
        #expect(abs(put.dForward2 - call.dForward2) < 1e-15)
        #expect(abs(put.dVol - call.dVol) < 1e-13)
    }

    /// Black–Scholes–Merton with spot `S`, dividend yield `q`, through Black-76 on `F = S·e^{(r−q)T}`.
    ///
    /// Our sensitivities hold `F`; BSM's hold `S`, and `F` depends on `S`, `T` and `r`, so by the chain rule:
    /// - delta `∂V/∂S = ∂V/∂F · F/S`, gamma `∂²V/∂S² = ∂²V/∂F² · (F/S)²`, vega unchanged (F does not depend on σ);
    /// - theta with S held: `−dV/dT = −∂V/∂T|_F − ∂V/∂F·∂F/∂T = theta_F − ∂V/∂F·(r−q)·F`;
    /// - rho with S held: `dV/dr = ∂V/∂r|_F + ∂V/∂F·∂F/∂r = rho_F + ∂V/∂F·T·F`.
    struct BSM {
        var price, delta, gamma, vega, theta, rho: Double

        init(spot s: Double, strike k: Double, dividend q: Double, rate r: Double, years t: Double, vol: Double,
             right: OptionRight) {
            let f = s * exp((r - q) * t)
            let b = Black76.sensitivities(forward: f, strike: k, years: t, vol: vol, rate: r, right: right)
            price = b.price
            delta = b.dForward * f / s
            gamma = b.dForward2 * (f / s) * (f / s)
            vega = b.dVol
            theta = b.theta - b.dForward * (r - q) * f
            rho = b.rho + b.dForward * t * f
        }
    }

    /// Haug, BSM values as in QuantLib's test-suite/europeanoption.cpp (tolerance 1e-4, 4 published decimals).
    @Test func haugBlackScholesMerton() {
        // Haug p. 3 (QuantLib testValues): call S = 60, K = 65, q = 0, r = 0.08, T = 0.25, σ = 0.30.
        #expect(abs(BSM(spot: 60, strike: 65, dividend: 0, rate: 0.08, years: 0.25, vol: 0.30, right: .call).price
                    - 2.1334) < 1e-4)
        // Haug p. 4 (QuantLib testValues): put S = 100, K = 95, q = 0.05, r = 0.10, T = 0.5, σ = 0.20.
        #expect(abs(BSM(spot: 100, strike: 95, dividend: 0.05, rate: 0.10, years: 0.5, vol: 0.20, right: .put).price
                    - 2.4648) < 1e-4)
        // Haug p. 11 (QuantLib testGreekValues): delta, S = 105, K = 100, q = r = 0.10, T = 0.5, σ = 0.36.
        #expect(abs(BSM(spot: 105, strike: 100, dividend: 0.10, rate: 0.10, years: 0.5, vol: 0.36, right: .call).delta
                    - 0.5946) < 1e-4)
        #expect(abs(BSM(spot: 105, strike: 100, dividend: 0.10, rate: 0.10, years: 0.5, vol: 0.36, right: .put).delta
                    - -0.3566) < 1e-4)
        // Haug pp. 14–16 (QuantLib testGreekValues): gamma and vega, S = 55, K = 60, q = 0, r = 0.10, T = 0.75,
        // σ = 0.30; the same for call and put.
        for right in OptionRight.allCases {
            let g = BSM(spot: 55, strike: 60, dividend: 0, rate: 0.10, years: 0.75, vol: 0.30, right: right)
            #expect(abs(g.gamma - 0.0278) < 1e-4)
            #expect(abs(g.vega - 18.9358) < 1e-4)
        }
        // Haug p. 17 (QuantLib testGreekValues): theta per year, put S = 430, K = 405, q = 0.05, r = 0.07, T = 1/12,
        // σ = 0.20.
        #expect(abs(BSM(spot: 430, strike: 405, dividend: 0.05, rate: 0.07, years: 1.0 / 12, vol: 0.20, right: .put)
                    .theta - -31.1924) < 1e-4)
        // Haug p. 20 (QuantLib testGreekValues): rho, call S = 72, K = 75, q = 0, r = 0.09, T = 1, σ = 0.19.
        #expect(abs(BSM(spot: 72, strike: 75, dividend: 0, rate: 0.09, years: 1, vol: 0.19, right: .call).rho
                    - 38.7325) < 1e-4)
    }

    /// Haug, Black-76 with cost of carry 0 (QuantLib testValues, "b = 0" block): K = 100, r = 0.10.
    @Test func haugBlack76Grid() {
        let rows: [(right: OptionRight, f: Double, t: Double, vol: Double, expected: Double)] = [
            (.call, 100, 0.1, 0.15, 1.8734),
            (.call, 110, 0.5, 0.35, 15.3086),
            (.put, 90, 0.5, 0.35, 14.4452),
            (.call, 90, 0.1, 0.15, 0.0205),
        ]
        for row in rows {
            let p = Black76.price(forward: row.f, strike: 100, years: row.t, vol: row.vol, rate: 0.10, right: row.right)
            #expect(abs(p - row.expected) < 1e-4, "\(row): \(p)")
        }
    }

    // MARK: - Identities and finite differences

    static let forward = 100.0
    static let strikes: [Double] = [50, 80, 95, 100, 105, 125, 200]
    static let expiries: [Double] = [1.0 / (365 * 24), 1.0 / 365, 0.1, 1, 3]
    static let vols: [Double] = [0.1, 0.6, 1.5]
    static let rates: [Double] = [-0.02, 0.05]

    /// Every (K, T, σ, r, right) of the grid.
    static var grid: [(k: Double, t: Double, vol: Double, r: Double, right: OptionRight)] {
        var cases: [(k: Double, t: Double, vol: Double, r: Double, right: OptionRight)] = []
        for k in strikes {
            for t in expiries {
                for vol in vols {
                    for r in rates {
                        for right in OptionRight.allCases { cases.append((k, t, vol, r, right)) }
                    }
                }
            }
        }
        return cases
    }

    /// Put–call parity: `C − P = e^{−rT}(F − K)`.
    @Test func putCallParity() {
        let f = Self.forward
        for c in Self.grid where c.right == .call {
            let call = Black76.price(forward: f, strike: c.k, years: c.t, vol: c.vol, rate: c.r, right: .call)
            let put = Black76.price(forward: f, strike: c.k, years: c.t, vol: c.vol, rate: c.r, right: .put)
            #expect(abs(call - put - exp(-c.r * c.t) * (f - c.k)) <= 1e-12 * (f + c.k), "\(c)")
        }
    }

    /// `sensitivities(…).price` is `price(…)`, bit for bit.
    @Test func sensitivitiesPriceEqualsPrice() {
        for c in Self.grid {
            let s = Black76.sensitivities(forward: Self.forward, strike: c.k, years: c.t, vol: c.vol, rate: c.r,
                                          right: c.right)
            #expect(s.price == Black76.price(forward: Self.forward, strike: c.k, years: c.t, vol: c.vol, rate: c.r,
                                             right: c.right))
        }
        // Also at and past expiry, and at zero vol.
        for t in [0.0, -1.0, 0.5] {
            for right in OptionRight.allCases {
                let vol = t > 0 ? 0 : 0.5
                let s = Black76.sensitivities(forward: 100, strike: 90, years: t, vol: vol, rate: 0.05, right: right)
                #expect(s.price == Black76.price(forward: 100, strike: 90, years: t, vol: vol, rate: 0.05, right: right))
            }
        }
    }

    /// Analytic sensitivities against central finite differences over strike × expiry × vol × rate × right
    /// (420 options): ∂V/∂F, ∂²V/∂F², ∂V/∂σ, theta = −∂V/∂T (F held), rho = ∂V/∂r (F held).
    @Test func sensitivitiesMatchFiniteDifferences() {
        let f = Self.forward
        for c in Self.grid {
            func v(_ f: Double, _ t: Double, _ vol: Double, _ r: Double) -> Double {
                Black76.price(forward: f, strike: c.k, years: t, vol: vol, rate: r, right: c.right)
            }
            let a = Black76.sensitivities(forward: f, strike: c.k, years: c.t, vol: c.vol, rate: c.r, right: c.right)
            let sd = c.vol * c.t.squareRoot()
            // Steps scaled to the distribution's width, so truncation stays ≲ 1e-7 relative.
            let hF = 1e-4 * f * sd
            let hF2 = 1e-3 * f * sd
            let hV = 1e-4 * c.vol
            let hT = 1e-4 * c.t
            let hR = 1e-4
            let dF = (v(f + hF, c.t, c.vol, c.r) - v(f - hF, c.t, c.vol, c.r)) / (2 * hF)
            let dF2 = (v(f + hF2, c.t, c.vol, c.r) - 2 * v(f, c.t, c.vol, c.r) + v(f - hF2, c.t, c.vol, c.r))
                / (hF2 * hF2)
            let dVol = (v(f, c.t, c.vol + hV, c.r) - v(f, c.t, c.vol - hV, c.r)) / (2 * hV)
            let theta = -(v(f, c.t + hT, c.vol, c.r) - v(f, c.t - hT, c.vol, c.r)) / (2 * hT)
            let rho = (v(f, c.t, c.vol, c.r + hR) - v(f, c.t, c.vol, c.r - hR)) / (2 * hR)
            // Tolerance: relative, plus the difference quotient's rounding (prices carry ~ε·max(F, K) of absolute
            // error), plus an absolute floor at each Greek's natural scale.
            let magnitude = 8 * Double.ulpOfOne * max(f, c.k)
            func close(_ fd: Double, _ exact: Double, relative: Double = 1e-6, rounding: Double, scale: Double) -> Bool {
                abs(fd - exact) <= relative * abs(exact) + rounding + 1e-9 * scale
            }
            #expect(close(dF, a.dForward, rounding: magnitude / hF, scale: 1), "dForward \(c): \(dF) vs \(a.dForward)")
            #expect(close(dF2, a.dForward2, relative: 1e-5, rounding: 2 * magnitude / (hF2 * hF2), scale: 1 / (f * sd)),
                    "dForward2 \(c): \(dF2) vs \(a.dForward2)")
            #expect(close(dVol, a.dVol, rounding: magnitude / hV, scale: f * c.t.squareRoot()),
                    "dVol \(c): \(dVol) vs \(a.dVol)")
            #expect(close(theta, a.theta, rounding: magnitude / hT, scale: f * c.vol / c.t.squareRoot()),
                    "theta \(c): \(theta) vs \(a.theta)")
            #expect(close(rho, a.rho, rounding: magnitude / hR, scale: f * c.t), "rho \(c): \(rho) vs \(a.rho)")
            // rho with forwards held is pure discounting.
            #expect(a.rho == -c.t * a.price)
        }
    }

    /// At and past expiry the value is the undiscounted intrinsic `max(±(F−K), 0)` (MARGIN_MODEL.md); as T → 0 the
    /// price tends to it, and at zero vol the price is the discounted intrinsic value.
    @Test func expiryGivesIntrinsic() {
        for k in [80.0, 100, 120] {
            for right in OptionRight.allCases {
                let intrinsic = max(right.sign * (100 - k), 0)
                for t in [0.0, -0.25] {
                    #expect(Black76.price(forward: 100, strike: k, years: t, vol: 0.8, rate: 0.05, right: right)
                            == intrinsic)
                    let s = Black76.sensitivities(forward: 100, strike: k, years: t, vol: 0.8, rate: 0.05, right: right)
                    #expect(s.price == intrinsic)
                    #expect(s.dForward == (intrinsic > 0 ? right.sign : 0))
                    #expect(s.dForward2 == 0 && s.dVol == 0 && s.theta == 0 && s.rho == 0)
                }
                // One second before expiry.
                let almost = Black76.price(forward: 100, strike: k, years: 1.0 / (365 * 86_400), vol: 0.8, rate: 0.05,
                                           right: right)
                #expect(abs(almost - intrinsic) < (k == 100 ? 0.01 : 1e-7), "K=\(k) \(right): \(almost)")
                let zeroVol = Black76.price(forward: 100, strike: k, years: 0.5, vol: 0, rate: 0.05, right: right)
                #expect(abs(zeroVol - exp(-0.025) * intrinsic) < 1e-12)
            }
        }
    }
}
