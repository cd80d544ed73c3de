import Foundation

/// One side of a trade, as the engine's one-sided `fill` event used to take it; kept only so that callers not yet
/// migrated (the benchmark's journal-append payload and `margin engine run`'s simulated trades) still build. There is
/// no `fill` event any more: ``EngineEvent/fill(_:)`` makes a ``Trade`` against `counterparty`. Remove once those
/// callers submit ``EngineEvent/trade(_:)`` (docs/ENGINE.md, "Two-sided trades").
public struct Fill: Hashable, Sendable {
    public var account: String
    public var instrument: String
    /// Signed: buy > 0.
    public var quantity: Decimal
    public var price: Decimal
    /// The account's fee (the counterparty pays none).
    public var fee: Decimal
    public var feeCurrency: String
    /// The other side (a liquidity provider of the simulated population by default).
    public var counterparty: String

    public init(account: String, instrument: String, quantity: Decimal, price: Decimal, fee: Decimal = 0,
                feeCurrency: String = "USD", counterparty: String = "lp-0") {
        self.account = account
        self.instrument = instrument
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.feeCurrency = feeCurrency
        self.counterparty = counterparty
    }
}

extension EngineEvent {
    /// The two-sided ``Trade`` of a one-sided fill: `fill.account` buys (quantity > 0) or sells |quantity| from or
    /// to `fill.counterparty`.
    @available(*, deprecated, message: "submit .trade(Trade(buyer:seller:…)): every trade has two sides")
    public static func fill(_ fill: Fill) -> EngineEvent {
        let buys = fill.quantity > 0
        return .trade(Trade(buyer: buys ? fill.account : fill.counterparty,
                            seller: buys ? fill.counterparty : fill.account,
                            instrument: fill.instrument, quantity: abs(fill.quantity), price: fill.price,
                            buyerFee: buys ? fill.fee : 0, sellerFee: buys ? 0 : fill.fee,
                            feeCurrency: fill.feeCurrency))
    }
}
