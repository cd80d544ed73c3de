#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnderlyingMarket {
    /// This market with the underlying's price level scaled by `factor` (`1 + m`, > 0): the index, every quoted
    /// forward and the perpetual price move together (unquoted forwards `S·e^{rT}` follow the index), the vol
    /// surface is unchanged as a function of strike and expiry (sticky strike), time and the rate are unchanged.
    ///
    /// Sticky strike on a surface stored in log-moneyness: every slice point `kᵢ = ln(K/F(Tᵢ))` becomes
    /// `ln(K/(F(Tᵢ)·factor)) = kᵢ − ln(factor)`, so a strike reads the vol it read before.
    public func atPriceLevel(_ factor: Double) -> UnderlyingMarket {
        var m = self
        m.index = index * factor
        m.forwards = forwards.mapValues { $0 * factor }
        m.quotedPerpetualPrice = quotedPerpetualPrice.map { $0 * factor }
        m.volSurface = volSurface?.shiftingLogMoneyness(by: -log(factor))
        return m
    }
}

extension VolSurface {
    /// The surface with every slice's log-moneyness moved by `dk` (vols unchanged).
    public func shiftingLogMoneyness(by dk: Double) -> VolSurface {
        var s = self
        s.shiftLogMoneyness(dk)
        return s
    }
}
