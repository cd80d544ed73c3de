/// The value and Greeks of one unit of an instrument (one coin, or one USD of notional for inverse futures and
/// perpetuals) in one market.
///
/// Futures and perpetuals are valued at 0 (their value is their mark-to-market P&L); options at their premium.
/// `valueUSD` is in USD; `valueCoin` is the coin premium of an inverse option (`B76/F`), else `nil`.
public struct InstrumentValuation: Hashable, Sendable {
    /// USD value of one unit.
    public var valueUSD: Double
    /// Coin value of one inverse option; `nil` for other instruments.
    public var valueCoin: Double?
    /// Greeks of one unit, USD.
    public var greeks: Greeks
    /// The forward (or perpetual price) the instrument is valued on, USD per coin.
    public var forward: Double
    /// The vol used, for options.
    public var vol: Double?
    /// Years to expiry (0 for a perpetual).
    public var years: Double
    /// The option's Black-76 price in forward terms (USD per coin, before the inverse `S/F` scaling); 0 for futures.
    public var blackPrice: Double = 0

    /// Values `instrument` in `market`.
    ///
    /// - Parameter volOverride: use this vol instead of the surface's (options only).
    /// - Throws: ``InputError`` when the option has no vol (no surface and no override), or the instrument expired.
    public init(instrument: Instrument, market: UnderlyingMarket, volOverride: Double? = nil) throws(InputError) {
        let s = market.index
        switch instrument.kind {
        case .perpetual, .future:
            let f = market.futuresPrice(expiry: instrument.expiry)
            forward = f
            years = instrument.expiry.map { market.years(to: $0) } ?? 0
            valueUSD = 0
            valueCoin = nil
            vol = nil
            // Linear: d(q·(F'−F))/dS = q·F/S. Inverse: d(N·(S'/F − S'/F'))/dS = N/F (S'/F' is constant).
            greeks = Greeks(delta: instrument.settlement == .linear ? f / s : 1 / f)
        case .option(let c):
            let f = market.forward(expiry: c.expiry)
            let t = market.years(to: c.expiry)
            guard t > 0 else {
                throw .invalid(path: "expiry", reason: "\(c.expiry) is not after valuation time \(market.valuationTime)")
            }
            guard let sigma = volOverride ?? market.volSurface?.vol(strike: c.strike, years: t, forward: f) else {
                throw .invalid(path: "volSurface", reason: "\(market.name) has no vol surface to price \(instrument)")
            }
            let b = Black76.sensitivities(forward: f, strike: c.strike, years: t, vol: sigma, rate: market.rate,
                                          right: c.right)
            forward = f
            years = t
            vol = sigma
            blackPrice = b.price
            let ratio = f / s
            switch instrument.settlement {
            case .linear:
                valueUSD = b.price
                valueCoin = nil
                greeks = Greeks(delta: b.dForward * ratio, gamma: b.dForward2 * ratio * ratio, vega: b.dVol,
                                theta: b.theta, rho: b.rho)
            case .inverse:
                // USD value q·B76(F)·S/F with F/S held constant as S moves.
                valueUSD = b.price / ratio
                valueCoin = b.price / f
                greeks = Greeks(delta: b.dForward, gamma: b.dForward2 * ratio, vega: b.dVol / ratio,
                                theta: b.theta / ratio, rho: b.rho / ratio)
            }
        }
    }
}
