import Foundation
import MarginLedger

/// The venue's bounds on a trade's fees and price, checked by the engine's validation of every `trade` event
/// (``EngineCore``, ``EngineCore/checkTradeRules(_:instrument:)``) against the journaled state:
///
/// - each side's fee, a charge or a rebate, at most ``maxFeeRate`` of the trade's notional in magnitude
///   (`|fee| ≤ maxFeeRate × notional`, the notional being the one the liquidation fee is a fraction of: `q·p` USD for
///   linear futures and perpetuals, `N/p` coins for inverse ones, `|q|·index` USD or `|q|` coins for options,
///   converted to the fee currency at the indexes; stablecoins count as 1 USD);
/// - the fee account never below zero: a rebate it cannot pay from its balance in the fee currency is refused;
/// - the price within ``priceBand`` of the instrument's mark: `mark·(1 ± band)` for futures and perpetuals,
///   `mark ± band·F` for options (a fraction of the underlying's forward, in the option's price units), as the
///   liquidation's impact limit is measured.
///
/// Configuration of the engine, passed at start (``RiskEngine/open(store:genesis:snapshotGenesis:faultPolicy:tradeRules:)``),
/// not journaled: it only decides which trades are journaled, and replay applies journaled events without
/// validating them again, so a journal replays the same whatever the rules of the engine that reads it.
/// Rates are fractions (0.01 = 1%).
public struct TradeRules: Hashable, Sendable {
    /// The largest fee (or rebate) of one side, as a fraction of the trade's notional, in [0, 1]. Default 1%.
    public var maxFeeRate: Decimal
    /// How far from the mark a trade may be priced, a fraction in (0, 1]. Default 10%.
    public var priceBand: Decimal

    public init(maxFeeRate: Decimal = Decimal(string: "0.01")!, priceBand: Decimal = Decimal(string: "0.1")!) {
        self.maxFeeRate = maxFeeRate
        self.priceBand = priceBand
    }

    /// 1% fees, ±10% band.
    public static let `default` = TradeRules()

    /// Checks the rates' domains.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming `maxFeeRate` or `priceBand`.
    public func validate() throws(EngineError) {
        guard !maxFeeRate.isNaN, maxFeeRate >= 0, maxFeeRate <= 1 else {
            throw .invalid(field: "maxFeeRate", reason: "must be in [0, 1], got \(Money.text(maxFeeRate))")
        }
        guard !priceBand.isNaN, priceBand > 0, priceBand <= 1 else {
            throw .invalid(field: "priceBand", reason: "must be in (0, 1], got \(Money.text(priceBand))")
        }
    }
}
