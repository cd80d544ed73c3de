/// A tradable contract on one underlying: a perpetual, a dated future or a European option.
///
/// Spot balances are not instruments: they are an account's `balances` (see ``Portfolio``).
/// Instruments are values: two positions in the same contract compare equal and share one risk array.
public struct Instrument: Hashable, Sendable, CustomStringConvertible {
    /// What the contract is.
    public enum Kind: Hashable, Sendable {
        /// A perpetual swap, priced at the underlying's perpetual price (the index unless given).
        case perpetual
        /// A dated future expiring at the instant, priced at the forward `F(T)`.
        case future(expiry: Instant)
        /// A European option on the forward of its expiry.
        case option(OptionContract)
    }

    /// The underlying's name, e.g. `BTC`.
    public var underlying: String
    public var kind: Kind
    public var settlement: Settlement

    public init(underlying: String, kind: Kind, settlement: Settlement) {
        self.underlying = underlying
        self.kind = kind
        self.settlement = settlement
    }

    /// Hashes the numeric terms first and only the underlying's length and first byte: instruments are hashed on
    /// every risk-array look-up, and equality (which compares the whole name) resolves the rare collisions.
    public func hash(into hasher: inout Hasher) {
        switch kind {
        case .perpetual: hasher.combine(0 as UInt8)
        case .future(let expiry): hasher.combine(expiry.nanosecondsSinceEpoch)
        case .option(let c):
            hasher.combine(c.expiry.nanosecondsSinceEpoch)
            hasher.combine(c.strike.bitPattern &+ (c.right == .call ? 1 : 2))
        }
        hasher.combine(settlement == .linear ? 3 as UInt8 : 4)
        hasher.combine(underlying.utf8.count &* 256 &+ Int(underlying.utf8.first ?? 0))
    }

    /// The expiry, or `nil` for a perpetual.
    public var expiry: Instant? {
        switch kind {
        case .perpetual: return nil
        case .future(let expiry): return expiry
        case .option(let contract): return contract.expiry
        }
    }

    /// The option terms, or `nil` for futures and perpetuals.
    public var option: OptionContract? {
        if case .option(let contract) = kind { return contract }
        return nil
    }

    /// `true` for inverse futures and perpetuals, which are sized by USD notional rather than coins.
    public var isSizedByNotional: Bool { settlement == .inverse && option == nil }

    /// A short exchange-style name, e.g. `BTC-2026-03-27-100000-C-inverse`.
    public var description: String {
        let date = expiry.map { String($0.iso8601.prefix(10)) }
        switch kind {
        case .perpetual: return "\(underlying)-PERP-\(settlement.rawValue)"
        case .future: return "\(underlying)-\(date ?? "")-FUT-\(settlement.rawValue)"
        case .option(let c):
            let strike = c.strike == c.strike.rounded() && abs(c.strike) < 1e15 ? String(Int64(c.strike)) : "\(c.strike)"
            return "\(underlying)-\(date ?? "")-\(strike)-\(c.right == .call ? "C" : "P")-\(settlement.rawValue)"
        }
    }
}

/// The terms of a European option: expiry instant, strike (USD per coin) and right.
public struct OptionContract: Hashable, Sendable {
    public var expiry: Instant
    /// Strike in USD per one coin of the underlying; always > 0.
    public var strike: Double
    public var right: OptionRight

    public init(expiry: Instant, strike: Double, right: OptionRight) {
        self.expiry = expiry
        self.strike = strike
        self.right = right
    }
}
