internal import CVectorMath

/// The batch kernel: revalues one option over a whole price × vol × time scenario grid in one call.
///
/// Scenario `(i, j, l)` has forward `F·(1+priceMoves[i])`, vol `max(σ·(1+volShifts[j]), minVol)` and
/// `T − timeShifts[l]` years to expiry (intrinsic value at `≤ 0`). The result is the Black-76 price per one unit of
/// the underlying in the premium currency's forward terms (USD for linear options; divide by `F/S` for the USD value
/// of an inverse option). Output layout: `out[(i·volCount + j)·timeCount + l]`, price-major: the risk-array layout.
///
/// ```swift
/// let prices = Black76Grid.revalue(forward: 60_000, strike: 65_000, years: 0.25, vol: 0.6, rate: 0, right: .call,
///                                  minVol: 0.01, priceMoves: [-0.15, 0, 0.15], volShifts: [-0.3, 0, 0.3],
///                                  timeShifts: [0, 1.0 / 365])   // 18 prices
/// ```
///
/// Written for speed (C kernel `vm_black76_grid` in `CVectorMath`): contiguous buffers, one `log(F'/K)` per price
/// point, one `sqrt`/`exp` per time point, and the normal CDFs of up to 128 scenarios per call to CVectorMath's own
/// vectorized `erfc` (AVX2 or AVX-512, chosen once at run time; the baseline instruction set elsewhere); no
/// allocation, no existentials, no ARC. Every operation is the scalar path's, in the same order and without fused
/// multiply-adds, and that `erfc` is one sequence of IEEE-754 operations on every path (the one
/// ``NormalDistribution/cdf(_:)`` calls), so every path returns the bits of
/// ``Black76/price(forward:strike:years:vol:rate:right:)`` per scenario.
public enum Black76Grid {
    /// Writes `priceMoves.count × volShifts.count × timeShifts.count` prices into `out`.
    ///
    /// - Precondition: `out.count ≥ priceMoves.count × volShifts.count × timeShifts.count`; every price move > −1.
    package static func revalue(
        forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double, right: OptionRight,
        minVol: Double,
        priceMoves: UnsafeBufferPointer<Double>, volShifts: UnsafeBufferPointer<Double>,
        timeShifts: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
    ) {
        _revalue(path: .best, forward: f, strike: k, years: t, vol: vol, rate: r, right: right, minVol: minVol,
                 priceMoves: priceMoves, volShifts: volShifts, timeShifts: timeShifts, into: out)
    }

    /// Convenience over arrays; returns the price-major grid.
    public static func revalue(
        forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double, right: OptionRight,
        minVol: Double, priceMoves: [Double], volShifts: [Double], timeShifts: [Double]
    ) -> [Double] {
        _revalue(path: .best, forward: f, strike: k, years: t, vol: vol, rate: r, right: right, minVol: minVol,
                 priceMoves: priceMoves, volShifts: volShifts, timeShifts: timeShifts)
    }

    /// The instruction-set path the kernel takes on this machine: `"avx512"`, `"avx2"` or `"scalar"`.
    public static var instructionSet: String { _Path.best.name }

    /// A kernel path; one the CPU lacks falls back to the widest it has. All paths give bit-identical prices; they
    /// differ only in speed (the benchmark measures each).
    package enum _Path: Int32, CaseIterable, Sendable {
        case scalar = 0
        case avx2 = 1
        case avx512 = 2

        /// The widest path of this CPU.
        package static var best: _Path { _Path(rawValue: vm_best_isa()) ?? .scalar }

        package var name: String { String(cString: vm_isa_name(rawValue)) }

        /// Whether this CPU has the path (else the kernel takes the widest one it has).
        package var isSupported: Bool { rawValue <= vm_widest_isa() }
    }

    package static func _revalue(
        path: _Path, forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double,
        right: OptionRight, minVol: Double,
        priceMoves: UnsafeBufferPointer<Double>, volShifts: UnsafeBufferPointer<Double>,
        timeShifts: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>
    ) {
        let count = priceMoves.count * volShifts.count * timeShifts.count
        precondition(out.count >= count, "Black76Grid.revalue: out holds \(out.count) < \(count) prices")
        guard count > 0, let pm = priceMoves.baseAddress, let vs = volShifts.baseAddress,
              let ts = timeShifts.baseAddress, let o = out.baseAddress else { return }
        vm_black76_grid(path.rawValue, f, k, t, vol, r, right.sign, minVol, pm, priceMoves.count, vs, volShifts.count,
                        ts, timeShifts.count, o)
    }

    static func _revalue(
        path: _Path, forward f: Double, strike k: Double, years t: Double, vol: Double, rate r: Double,
        right: OptionRight, minVol: Double, priceMoves: [Double], volShifts: [Double], timeShifts: [Double]
    ) -> [Double] {
        let count = priceMoves.count * volShifts.count * timeShifts.count
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            priceMoves.withUnsafeBufferPointer { pm in
                volShifts.withUnsafeBufferPointer { vs in
                    timeShifts.withUnsafeBufferPointer { ts in
                        _revalue(path: path, forward: f, strike: k, years: t, vol: vol, rate: r, right: right,
                                 minVol: minVol, priceMoves: pm, volShifts: vs, timeShifts: ts, into: buffer)
                    }
                }
            }
            initialized = count
        }
    }
}
