import Foundation
import MarginCore
import MarginLedger

/// A built-in simulated market for the demo, the benchmarks and the crash test: per underlying a random-walk index
/// with jumps and a moving vol surface (level and skew drift), over a fixed set of listed expiries.
///
/// Deterministic for a seed. Units: index USD per coin, vols as decimals, time steps in seconds.
public struct SimulatedMarket: Sendable {
    /// One simulated underlying.
    public struct Underlying: Sendable {
        public var name: String
        public var index: Double
        /// Annualised volatility of the index walk and the ATM level of the surface.
        public var atmVol: Double
        /// Slope of the smile in log-moneyness (negative: put skew).
        public var skew: Double
    }

    public var time: Instant
    public var underlyings: [Underlying]
    /// Surface and listing expiries.
    public let expiries: [Instant]
    /// Probability of a jump per step, and its relative size.
    public var jumpProbability = 0.002
    public var jumpSize = 0.03
    private var rng: SplitMix64

    /// BTC at 100 000 USD and ETH at 3 500 USD, expiries 7, 30, 90 and 180 days after `start`.
    public init(seed: UInt64, start: Instant = Instant(secondsSinceEpoch: 1_767_225_600)) {
        time = start
        underlyings = [Underlying(name: "BTC", index: 100_000, atmVol: 0.55, skew: -0.10),
                       Underlying(name: "ETH", index: 3_500, atmVol: 0.70, skew: -0.12)]
        expiries = [7, 30, 90, 180].map { start.adding(seconds: Int64($0) * 86_400) }
        rng = SplitMix64(seed: seed)
    }

    /// The surface quotes of underlying `i` now: 9 strikes per expiry from 0.5 to 1.5 × index.
    public func surface(_ i: Int) -> [VolQuote] {
        let u = underlyings[i]
        return expiries.enumerated().map { e, expiry in
            let strikes = (0..<9).map { u.index * (0.5 + 0.125 * Double($0)) }
            let vols = strikes.map { k -> Double in
                let m = Foundation.log(k / u.index)
                return max(0.05, u.atmVol * (1 + 0.05 * Double(e)) + u.skew * m + 0.25 * m * m)
            }
            return VolQuote(expiry: expiry, strikes: strikes, vols: vols)
        }
    }

    /// The full market event of underlying `i` (index, rate 0, surface).
    public func marketEvent(_ i: Int) -> EngineEvent {
        .market(MarketUpdate(underlying: underlyings[i].name, time: time, index: underlyings[i].index, rate: 0,
                             surface: surface(i)))
    }

    /// Advances the walk by `seconds` and returns an index-only update of underlying `i`, with the surface when
    /// `withSurface` (the surface level and skew also drift).
    public mutating func step(_ i: Int, seconds: Double = 0.1, withSurface: Bool = false) -> MarketUpdate {
        time = Instant(nanosecondsSinceEpoch: time.nanosecondsSinceEpoch + Int64(seconds * 1e9))
        var u = underlyings[i]
        let dt = seconds / Instant.secondsPerYear
        var move = u.atmVol * dt.squareRoot() * rng.gaussian()
        if rng.unit() < jumpProbability { move += rng.unit() < 0.5 ? -jumpSize : jumpSize }
        u.index *= Foundation.exp(move)
        u.atmVol = min(2, max(0.2, u.atmVol + 0.002 * rng.gaussian()))
        u.skew = min(0.1, max(-0.4, u.skew + 0.001 * rng.gaussian()))
        underlyings[i] = u
        return MarketUpdate(underlying: u.name, time: time, index: u.index, surface: withSurface ? surface(i) : nil)
    }

    /// The listing events: per underlying a linear perpetual, an inverse perpetual, a linear future per expiry and
    /// `optionsPerUnderlying` options (calls and puts, strikes spread over ±40% of the index, over the expiries).
    public func listings(optionsPerUnderlying: Int) -> [Listing] {
        var out: [Listing] = []
        for u in underlyings {
            out.append(Listing(id: "\(u.name)-PERP", instrument: Instrument(underlying: u.name, kind: .perpetual,
                                                                            settlement: .linear)))
            out.append(Listing(id: "\(u.name)-PERP-INV", instrument: Instrument(underlying: u.name, kind: .perpetual,
                                                                                settlement: .inverse)))
            for e in expiries {
                let i = Instrument(underlying: u.name, kind: .future(expiry: e), settlement: .linear)
                out.append(Listing(id: i.description, instrument: i))
            }
            let perExpiry = max(1, optionsPerUnderlying / (2 * expiries.count))
            var count = 0
            outer: for e in expiries {
                for k in 0..<perExpiry {
                    let strike = (u.index * (0.6 + 0.8 * Double(k) / Double(max(1, perExpiry - 1)))).rounded()
                    for right in [OptionRight.call, .put] {
                        guard count < optionsPerUnderlying else { break outer }
                        let settlement: Settlement = k % 2 == 0 ? .inverse : .linear
                        let i = Instrument(underlying: u.name,
                                           kind: .option(OptionContract(expiry: e, strike: strike, right: right)),
                                           settlement: settlement)
                        out.append(Listing(id: "\(i.description)-\(count)", instrument: i))
                        count += 1
                    }
                }
            }
        }
        return out
    }
}
