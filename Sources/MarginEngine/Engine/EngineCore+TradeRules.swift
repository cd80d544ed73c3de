import Foundation
import MarginCore
import MarginLedger

extension EngineCore {
    /// ``TradeRules`` against the state: each fee within the rate of the notional, the fee account able to pay the
    /// rebates, the price within the band around the mark. Part of ``validate(_:)`` for a trade.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming `buyerFee`, `sellerFee` or `price`, with the bound.
    ///
    /// An instrument its market cannot price has no mark, so no band: the fail-closed rule (``checkSide``) lets such
    /// an instrument only be reduced, and its fees are still bounded at the underlying's index.
    func checkTradeRules(_ t: Trade, instrument: Instrument) throws(EngineError) {
        guard let market = state.markets[instrument.underlying] else {
            throw .invalid(field: "instrument", reason: "no market for \"\(instrument.underlying)\"")
        }
        try checkFees(t, instrument: instrument, index: market.index)
        if let priced = LiquidationPricing(state: state).priced(t.instrument) { try checkPriceBand(t, priced: priced) }
    }

    /// `|fee| ≤ maxFeeRate × notional` per side, in the fee currency; net rebates within the fee account's balance.
    private func checkFees(_ t: Trade, instrument: Instrument, index: Double) throws(EngineError) {
        let rate = tradeRules.maxFeeRate
        let fill: [(price: Decimal, size: Decimal)] = [(t.price, t.quantity)]
        let bound = LiquidationPricing.fee(fill, instrument: instrument,
                                           indexMoney: LiquidationPricing.feeIndex(index),
                                           futuresRate: rate, optionsRate: rate)
        let settlement = instrument.settlement == .linear ? "USD" : instrument.underlying
        let limit = Money.rounded(bound * usdValue(of: settlement) / usdValue(of: t.feeCurrency),
                                  scale: Money.maxDecimalPlaces)
        for (fee, field) in [(t.buyerFee, "buyerFee"), (t.sellerFee, "sellerFee")] where abs(fee) > limit {
            throw .invalid(field: field, reason: "|\(Money.text(fee))| \(t.feeCurrency) is more than "
                + "\(Money.text(rate * 100))% of the trade's notional: at most \(Money.text(limit)) \(t.feeCurrency)")
        }
        let net = t.buyerFee + t.sellerFee
        guard net < 0 else { return }
        let account = state.liquidation.feeAccount
        let balance = state.accounts[account]?.balances[t.feeCurrency] ?? 0
        guard balance + net >= 0 else {
            throw .invalid(field: t.buyerFee < 0 ? "buyerFee" : "sellerFee", reason: "the fee account \"\(account)\" "
                + "holds \(Money.text(balance)) \(t.feeCurrency): it cannot pay a net rebate of \(Money.text(-net))")
        }
    }

    /// The price within `mark·(1 ± band)` (futures and perpetuals) or `mark ± band·F` (options).
    private func checkPriceBand(_ t: Trade, priced p: LiquidationPricing.Priced) throws(EngineError) {
        let band = Money.double(tradeRules.priceBand)
        let low = LiquidationPricing.limit(.sell, mark: p.mark, instrument: p.instrument, valuation: p.valuation,
                                           index: p.index, impact: band)
        let high = LiquidationPricing.limit(.buy, mark: p.mark, instrument: p.instrument, valuation: p.valuation,
                                            index: p.index, impact: band)
        let price = Money.double(t.price)
        guard price >= low, price <= high else {
            func text(_ d: Double) -> String { Money.text(LiquidationPricing.decimal(d, places: 8)) }
            throw .invalid(field: "price", reason: "\(Money.text(t.price)) is outside the band of "
                + "±\(Money.text(tradeRules.priceBand * 100))% around the mark \(text(p.mark)): "
                + "[\(text(low)), \(text(high))]")
        }
    }

    /// What one unit of `currency` is worth in USD: 1 for a stablecoin, else its index (8 decimal places).
    private func usdValue(of currency: String) -> Decimal {
        if Portfolio.stablecoins.contains(currency) { return 1 }
        guard let index = state.markets[currency]?.index else { return 1 }
        let value = LiquidationPricing.feeIndex(index)
        return value > 0 ? value : 1
    }
}
