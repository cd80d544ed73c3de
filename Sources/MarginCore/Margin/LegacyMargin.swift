/// The legacy margin models of MARGIN_MODEL.md, for comparison with portfolio margin. USD.
public enum LegacyModel: String, Hashable, Sendable, CaseIterable {
    /// `IM = 0.10·Σ|q|·S` (inverse futures/perpetuals: `0.10·|N|`) over every position; `MM = IM/2`.
    case fixedPercentage
    /// Each position (and each coin balance) margined alone with the reference model; the account needs the sum.
    case isolated
    /// Per-position exchange formulas, no netting: futures 2%/1% of notional; short options
    /// `IM = max(0.15 − OTM/S, 0.10)·S·|q| + |value|`, `MM = 0.075·S·|q| + |value|`; long options 0.
    case standardCross
}

/// Initial and maintenance margin of one account under one model, USD.
public struct ModelMargin: Hashable, Sendable {
    public var model: String
    public var initialMargin: Double
    public var maintenanceMargin: Double

    public init(model: String, initialMargin: Double, maintenanceMargin: Double) {
        self.model = model
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
    }
}

extension MarginCalculator {
    /// The account under a legacy model.
    ///
    /// Choices where MARGIN_MODEL.md is silent: futures notional in `standardCross` is `|q|·F` at the futures price
    /// (inverse: `|N|`); `isolated` margins each non-stablecoin balance alone too (a coin balance is a spot
    /// position), so that `isolated ≥ portfolio` holds for every account.
    public func legacyMargin(_ model: LegacyModel, of portfolio: Portfolio, market: MarketSnapshot)
        throws(InputError) -> ModelMargin
    {
        try legacyMargin(model, of: portfolio, market: market, arrays: instrumentArrays(for: portfolio, market: market))
    }

    /// As ``legacyMargin(_:of:market:)`` with the portfolio's instrument arrays already computed (so comparing
    /// several models revalues each instrument once).
    public func legacyMargin(_ model: LegacyModel, of portfolio: Portfolio, market: MarketSnapshot,
                             arrays: [Instrument: InstrumentRiskArray]) throws(InputError) -> ModelMargin {
        switch model {
        case .fixedPercentage:
            var im = 0.0
            for p in portfolio.positions {
                let s = market.underlyings[p.instrument.underlying]?.index ?? 0
                im += 0.10 * (p.instrument.isSizedByNotional ? abs(p.size) : abs(p.size) * s)
            }
            return ModelMargin(model: model.rawValue, initialMargin: im, maintenanceMargin: im / 2)
        case .isolated:
            var im = 0.0
            var mm = 0.0
            var parts: [Portfolio] = portfolio.sortedBalances
                .filter { !Portfolio.stablecoins.contains($0.currency) }
                .map { Portfolio(account: portfolio.account, balances: [$0.currency: $0.amount]) }
            parts += portfolio.positions.map { Portfolio(account: portfolio.account, positions: [$0]) }
            for part in parts {
                let r = try requirement(riskArrays(for: part, market: market, arrays: arrays),
                                        correlations: market.correlations)
                im += r.initialMargin
                mm += r.maintenanceMargin
            }
            return ModelMargin(model: model.rawValue, initialMargin: im, maintenanceMargin: mm)
        case .standardCross:
            var im = 0.0
            var mm = 0.0
            for p in portfolio.positions {
                guard let u = market.underlyings[p.instrument.underlying], let a = arrays[p.instrument] else { continue }
                let s = u.index
                if let c = p.instrument.option {
                    guard p.size < 0 else { continue }
                    let q = abs(p.size)
                    let value = abs(p.size * a.valuation.valueUSD)
                    let otm = max(c.right == .call ? c.strike - s : s - c.strike, 0)
                    im += max(0.15 - otm / s, 0.10) * s * q + value
                    mm += 0.075 * s * q + value
                } else {
                    let notional = p.instrument.isSizedByNotional ? abs(p.size) : abs(p.size) * a.valuation.forward
                    im += 0.02 * notional
                    mm += 0.01 * notional
                }
            }
            return ModelMargin(model: model.rawValue, initialMargin: im, maintenanceMargin: mm)
        }
    }
}
