import Foundation
import MarginCore

// The intrinsic checks of the liquidation events (no state): names, amounts and prices in the ledger's domains,
// settings in their ranges. ``EngineCore`` then checks them against the state before the journal append.

extension BookUpdate {
    /// The instrument is a name; the ladder passes ``OrderBook/validate()`` and every price and size is a decimal in
    /// (0, 10¹⁵) with at most 18 decimal places.
    public func validate() throws(EngineError) {
        try EngineError.checkName(instrument, field: "instrument")
        for (side, levels) in [("bids", book.bids), ("asks", book.asks)] {
            for (i, l) in levels.enumerated() {
                try Money.checkPositive(l.price, field: "\(side)[\(i)].price")
                try Money.checkPositive(l.size, field: "\(side)[\(i)].size")
            }
        }
        try book.validate()
    }
}

extension LiquidationSettings {
    /// The ranges of every setting (docs/LIQUIDATION.md, "Settings"), the field named on failure.
    public static let ranges: [(field: String, low: Decimal, high: Decimal)] = [
        ("buffer", 0, 10), ("impactLimit", Decimal(string: "0.0001")!, Decimal(string: "0.5")!),
        ("futuresFeeRate", 0, Decimal(string: "0.1")!), ("optionsFeeRate", 0, Decimal(string: "0.1")!),
        ("roundsPerSecond", Decimal(string: "0.001")!, 1_000), ("takeoverDiscount", 0, Decimal(string: "0.5")!),
    ]

    /// Every rate in its range (at most 18 decimal places), 1 to 1,000 steps per round, account names of 1 to 128
    /// characters, the insurance fund distinct from the fee account, backstops distinct and neither of them.
    public func validate() throws(EngineError) {
        let values: [String: Decimal] = ["buffer": buffer, "impactLimit": impactLimit, "futuresFeeRate": futuresFeeRate,
                                         "optionsFeeRate": optionsFeeRate, "roundsPerSecond": roundsPerSecond,
                                         "takeoverDiscount": takeoverDiscount]
        for (field, low, high) in Self.ranges {
            let v = values[field] ?? .nan
            try Money.checkMagnitude(v, field: field)
            guard v >= low, v <= high else {
                throw .invalid(field: field, reason: "must be in [\(low), \(high)], got \(Money.text(v))")
            }
        }
        guard (1...1_000).contains(maxStepsPerRound) else {
            throw .invalid(field: "maxStepsPerRound", reason: "must be in 1...1000, got \(maxStepsPerRound)")
        }
        try EngineError.checkAccountID(insuranceFund, field: "insuranceFund")
        try EngineError.checkAccountID(feeAccount, field: "feeAccount")
        guard insuranceFund != feeAccount else {
            throw .invalid(field: "feeAccount", reason: "must differ from the insurance fund")
        }
        var seen = Set<String>()
        for (i, b) in backstops.enumerated() {
            try EngineError.checkAccountID(b, field: "backstops[\(i)]")
            guard !isSystemAccount(b) else {
                throw .invalid(field: "backstops[\(i)]", reason: "\"\(b)\" is the insurance fund or the fee account")
            }
            guard seen.insert(b).inserted else {
                throw .invalid(field: "backstops[\(i)]", reason: "\"\(b)\" is listed twice")
            }
        }
    }
}

extension LiquidationStep {
    /// Names; at least one fill, each at a price and size in (0, 10¹⁵); the fee ≥ 0; the time writable.
    public func validate() throws(EngineError) {
        try EngineError.checkName(account, field: "account")
        try EngineError.checkName(instrument, field: "instrument")
        try EngineError.checkName(feeCurrency, field: "feeCurrency")
        guard !fills.isEmpty else { throw .invalid(field: "fills", reason: "a step has at least one fill") }
        for (i, f) in fills.enumerated() {
            try EngineError.checkName(f.account, field: "fills[\(i)].account")
            try Money.checkPositive(f.price, field: "fills[\(i)].price")
            try Money.checkPositive(f.size, field: "fills[\(i)].size")
        }
        try Money.checkMagnitude(fee, field: "fee")
        guard fee >= 0 else { throw .invalid(field: "fee", reason: "must be ≥ 0") }
        try EngineError.checkInstant(time, field: "time")
    }
}

extension Takeover {
    /// Names; every transfer a nonzero quantity of magnitude below 10¹⁵ at a price in [0, 10¹⁵); the time writable.
    public func validate() throws(EngineError) {
        try EngineError.checkName(account, field: "account")
        for (i, x) in transfers.enumerated() {
            try EngineError.checkName(x.to, field: "transfers[\(i)].to")
            try EngineError.checkName(x.instrument, field: "transfers[\(i)].instrument")
            try Money.checkMagnitude(x.quantity, field: "transfers[\(i)].quantity")
            guard x.quantity != 0 else { throw .invalid(field: "transfers[\(i)].quantity", reason: "must not be 0") }
            try Money.checkMagnitude(x.price, field: "transfers[\(i)].price")
            guard x.price >= 0 else { throw .invalid(field: "transfers[\(i)].price", reason: "must be ≥ 0") }
        }
        try EngineError.checkInstant(time, field: "time")
    }
}

extension Deleverage {
    /// Names, two different accounts; quantity and price in (0, 10¹⁵); the time writable.
    public func validate() throws(EngineError) {
        try EngineError.checkName(account, field: "account")
        try EngineError.checkName(counterparty, field: "counterparty")
        guard account != counterparty else { throw .invalid(field: "counterparty", reason: "is the bankrupt account") }
        try EngineError.checkName(instrument, field: "instrument")
        try Money.checkPositive(quantity, field: "quantity")
        try Money.checkPositive(price, field: "price")
        try Money.checkMagnitude(markPrice, field: "markPrice")
        try EngineError.checkInstant(time, field: "time")
    }
}
