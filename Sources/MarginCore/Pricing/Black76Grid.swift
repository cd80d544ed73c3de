#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The batch kernel: revalues one option over a whole price × vol × time scenario grid in one call.
///
/// Scenario `(i, j, l)` has forward `F·(1+priceMoves[i])`, vol `max(σ·(1+volShifts[j]), minVol)` and
/// `T − timeShifts[l]` years to expiry (intrinsic value at `≤ 0`). The result is the Black-76 price per one unit of
/// the underlying in the premium currency's forward terms (USD for linear options; divide by `F/S` for the USD value
/// of an inverse option). Output layout: `out[(i·volCount + j)·timeCount + l]`, price-major: the risk-array layout.
///
/// Written for speed: contiguous buffers, `log(F/K)` hoisted (`log(F(1+m)/K) = log(F/K) + log1p(m)`), no
/// allocation per scenario. Agrees with ``Black76/price(forward:strike:years:vol:rate:right:)`` to ~1e-15 relative.
public enum Black76Grid {
    /// Writes `priceMoves.count × volShifts.count × timeShifts.count` prices into `out`.
    ///
    /// - Precondition: `out.count ≥ priceMoves.count × volShifts.count × timeShifts.count`; every price move > −1.
    @inlinable
    public static func revalue(
        forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double, right: OptionRight,
        minVol: Double,
        priceMoves: UnsafeBufferPointer<Double>, volShifts: UnsafeBufferPointer<Double>,
        timeShifts: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
    ) {
        let nv = volShifts.count
        let nt = timeShifts.count
        let logFK = log(f / k)
        for i in 0..<priceMoves.count {
            let m = priceMoves[i]
            let fi = f * (1 + m)
            let logFiK = logFK + log1p(m)
            for l in 0..<nt {
                let ti = t - timeShifts[l]
                if ti <= 0 {
                    let intrinsic = max(right.sign * (fi - k), 0)
                    for j in 0..<nv { out[(i * nv + j) * nt + l] = intrinsic }
                    continue
                }
                let discount = exp(-r * ti)
                let sqrtT = ti.squareRoot()
                for j in 0..<nv {
                    let sigma = max(vol * (1 + volShifts[j]), minVol)
                    let sd = sigma * sqrtT
                    let d1 = logFiK / sd + 0.5 * sd
                    out[(i * nv + j) * nt + l] = discount * Black76.undiscounted(f: fi, k: k, d1: d1, sd: sd, right: right)
                }
            }
        }
    }

    /// Convenience over arrays; returns the price-major grid.
    public static func revalue(
        forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double, right: OptionRight,
        minVol: Double, priceMoves: [Double], volShifts: [Double], timeShifts: [Double]
    ) -> [Double] {
        let count = priceMoves.count * volShifts.count * timeShifts.count
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            priceMoves.withUnsafeBufferPointer { pm in
                volShifts.withUnsafeBufferPointer { vs in
                    timeShifts.withUnsafeBufferPointer { ts in
                        revalue(forward: f, strike: k, years: t, vol: vol, rate: r, right: right, minVol: minVol,
                                priceMoves: pm, volShifts: vs, timeShifts: ts, into: buffer)
                    }
                }
            }
            initialized = count
        }
    }
}
