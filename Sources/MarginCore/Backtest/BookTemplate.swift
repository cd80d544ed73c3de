/// A book as a template, instantiated afresh on every day of a backtest: an option may give its strike as
/// `moneyness` (strike = the day's index × moneyness) and its expiry as `tenorDays` (expiry = the day's valuation
/// instant + tenorDays × 86,400 s), a dated future its expiry as `tenorDays`. A 30-day at-the-money straddle stays one
/// for the whole history.
///
/// Legs with a fixed `strike` and `expiry` are kept as written (and expire like any position).
///
/// ```swift
/// let book = template.portfolio(on: day, indices: ["BTC": 40_000])   // a 30-day ATM call: strike 40,000
/// ```
public struct BookTemplate: Hashable, Sendable {
    /// One position of the template.
    public struct Leg: Hashable, Sendable {
        /// The position; its strike and expiry are stand-ins where ``moneyness`` or ``tenorDays`` is given.
        public var position: Position
        /// Strike / index on the day (> 0), options only.
        public var moneyness: Double?
        /// Days from the day's valuation instant to expiry (> 0), options and dated futures.
        public var tenorDays: Double?

        public init(position: Position, moneyness: Double? = nil, tenorDays: Double? = nil) {
            self.position = position
            self.moneyness = moneyness
            self.tenorDays = tenorDays
        }
    }

    public var account: String
    /// Balances by currency, as in a portfolio (coins, or USD for stablecoins).
    public var balances: [String: Double]
    public var legs: [Leg]

    public init(account: String, balances: [String: Double] = [:], legs: [Leg]) {
        self.account = account
        self.balances = balances
        self.legs = legs
    }

    /// Every underlying the template needs a price of: its legs' underlyings and its non-stablecoin balances.
    public var underlyings: Set<String> {
        Set(legs.map(\.position.instrument.underlying))
            .union(balances.keys.filter { !Portfolio.stablecoins.contains($0) })
    }

    /// The book on the day valued at `time`, with index `indices[u]` (USD per coin) for every underlying of a leg
    /// with a `moneyness` (others are not read).
    ///
    /// - Precondition: `indices` holds every such underlying (``Backtest`` checks the template against its history).
    public func portfolio(on time: Instant, indices: [String: Double]) -> Portfolio {
        var positions: [Position] = []
        positions.reserveCapacity(legs.count)
        for leg in legs {
            var p = leg.position
            let expiry = leg.tenorDays.map { time.adding(seconds: Int64(($0 * 86_400).rounded())) }
            switch p.instrument.kind {
            case .option(var c):
                if let m = leg.moneyness, let s = indices[p.instrument.underlying] { c.strike = s * m }
                if let expiry { c.expiry = expiry }
                p.instrument.kind = .option(c)
            case .future:
                if let expiry { p.instrument.kind = .future(expiry: expiry) }
            case .perpetual:
                break
            }
            positions.append(p)
        }
        return Portfolio(account: account, balances: balances, positions: positions)
    }
}
