import Foundation
import MarginCore

// The intrinsic checks of every event: what an event must satisfy whatever the state, so that whatever the engine
// journals is well formed, writes as JSON and reads back equal. ``EngineCore`` runs them first, then the checks
// against the state (known account, listed instrument, margin), all before the journal append.

extension EngineEvent {
    /// Checks the event by itself (no state): names, amounts, prices and market values in their domains, instants
    /// ISO-8601 can write, risk parameters (``RiskParameters/validate(path:)``), correlation tables
    /// (``CorrelationTable/validate(path:)``), instruments (``Instrument/validate(path:)``).
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the field.
    public func validate() throws(EngineError) {
        switch self {
        case .deposit(let t), .withdrawal(let t): try t.validate()
        case .trade(let t): try t.validate()
        case .market(let m): try m.validate()
        case .listing(let l): try l.validate()
        case .expiry(let e): try e.validate()
        case .parameters(let p):
            try EngineError.checking { () throws(InputError) in try p.validate(path: "parameters") }
        case .correlations(let table, let provenance):
            try EngineError.checking { () throws(InputError) in try table.validate(path: "correlations") }
            try provenance?.validate()
        case .crossRate(let c): try c.validate()
        case .correlationPolicy(let p): try p.validate()
        case .health(let h): try EngineError.checkName(h.account, field: "account")
        case .frontEnd(let r): try r.validate()
        case .book(let b): try b.validate()
        case .liquidationSettings(let s): try s.validate()
        case .clock(let t): try EngineError.checkInstant(t, field: "time")
        case .marginCall(let c):
            try EngineError.checkName(c.account, field: "account")
            try EngineError.checkInstant(c.time, field: "time")
        case .liquidation(let step): try step.validate()
        case .liquidationEnd(let e):
            try EngineError.checkName(e.account, field: "account")
            try EngineError.checkInstant(e.time, field: "time")
        case .takeover(let t): try t.validate()
        case .deleverage(let d): try d.validate()
        case .alert(let a):
            guard !a.reason.isEmpty, a.reason.count <= 4_096 else {
                throw .invalid(field: "reason", reason: "must be 1 to 4096 characters")
            }
            try EngineError.checkInstant(a.time, field: "time")
        }
    }
}

extension Transfer {
    /// The account is an account id (``EngineError/checkAccountID(_:field:)``), the currency a name (1 to 128
    /// characters); the amount is a decimal in (0, 10¹⁵) with at most 18 decimal places.
    public func validate() throws(EngineError) {
        try EngineError.checkAccountID(account, field: "account")
        try EngineError.checkName(currency, field: "currency")
        try Money.checkPositive(amount, field: "amount")
    }
}

extension Trade {
    /// Account ids (``EngineError/checkAccountID(_:field:)``), a buyer distinct from the seller, names of 1 to 128
    /// characters; `quantity` and `price` in (0, 10¹⁵), fees of magnitude below 10¹⁵ (negative: a rebate); every
    /// amount with at most 18 decimal places.
    public func validate() throws(EngineError) {
        try EngineError.checkAccountID(buyer, field: "buyer")
        try EngineError.checkAccountID(seller, field: "seller")
        guard buyer != seller else { throw .invalid(field: "seller", reason: "buyer and seller are the same account") }
        try EngineError.checkName(instrument, field: "instrument")
        try EngineError.checkName(feeCurrency, field: "feeCurrency")
        try Money.checkPositive(quantity, field: "quantity")
        try Money.checkPositive(price, field: "price")
        try Money.checkMagnitude(buyerFee, field: "buyerFee")
        try Money.checkMagnitude(sellerFee, field: "sellerFee")
    }
}

extension MarketUpdate {
    /// The underlying is a name and not a stablecoin; the time, the forward expiries and the quotes' expiries are
    /// instants ISO-8601 can write; index, forwards and perpetual price are prices (``UnderlyingMarket/priceDomain``)
    /// and the rate is in ``UnderlyingMarket/rateDomain``. The quotes themselves are checked when the surface is
    /// built (``VolSurface``), against the market they land in.
    public func validate() throws(EngineError) {
        try EngineError.checkName(underlying, field: "underlying")
        guard !Portfolio.stablecoins.contains(underlying) else {
            throw .invalid(field: "underlying", reason: "\"\(underlying)\" is a stablecoin")
        }
        guard time.isISO8601Representable else {
            throw .invalid(field: "time", reason: "\(time) is outside years 1678–2261")
        }
        try EngineError.checking { () throws(InputError) in
            if let index { try UnderlyingMarket.priceDomain.check(index, path: "index") }
            if let rate { try UnderlyingMarket.rateDomain.check(rate, path: "rate") }
            for t in (forwards ?? [:]).keys.sorted() {
                guard t.isISO8601Representable else {
                    throw InputError.invalid(path: "forwards.\(t.iso8601)", reason: "\(t) is outside years 1678–2261")
                }
                try UnderlyingMarket.priceDomain.check(forwards?[t] ?? .nan, path: "forwards.\(t.iso8601)")
            }
            if let perpetualPrice { try UnderlyingMarket.priceDomain.check(perpetualPrice, path: "perpetualPrice") }
        }
    }
}

extension Listing {
    /// The id is a name; the instrument passes ``Instrument/validate(path:)``.
    public func validate() throws(EngineError) {
        try EngineError.checkName(id, field: "id")
        try EngineError.checking { () throws(InputError) in try instrument.validate(path: "instrument") }
    }
}

extension Expiry {
    /// The instrument is a name; the settlement price is in (0, 10¹⁵).
    public func validate() throws(EngineError) {
        try EngineError.checkName(instrument, field: "instrument")
        try Money.checkPositive(settlementPrice, field: "settlementPrice")
    }
}

extension EngineError {
    /// Runs a core check, turning its ``InputError/invalid(path:reason:)`` into ``invalid(field:reason:)`` with the
    /// same field and reason.
    package static func checking(_ body: () throws(InputError) -> Void) throws(EngineError) {
        do { try body() } catch {
            guard case .invalid(let path, let reason) = error else { throw EngineError.input(error) }
            throw EngineError.invalid(field: path, reason: reason)
        }
    }

    /// An instant ISO-8601 can write (years 1678–2261).
    package static func checkInstant(_ t: Instant, field: String) throws(EngineError) {
        guard t.isISO8601Representable else {
            throw .invalid(field: field, reason: "\(t) is outside years 1678–2261")
        }
    }

    /// 1 to `max` UTF-8 bytes, none of them a control character (ids, hashes, front-end kinds).
    package static func checkPrintable(_ text: String, field: String, max: Int) throws(EngineError) {
        guard !text.isEmpty, text.utf8.count <= max, text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) else {
            throw .invalid(field: field, reason: "must be 1–\(max) printable characters")
        }
    }

    /// An account id an external event may name (deposits, withdrawals, trades, liquidation settings, API keys):
    /// 1 to 128 **bytes**, each an ASCII letter, digit, `-`, `_`, `.` or `:`. Such an id is its own URL path segment
    /// and query value (nothing to percent-encode or normalize: two ids are equal exactly when their bytes are), so
    /// every account that can be created can be addressed (`/v1/accounts/{id}`). The engine's own ids (the
    /// insurance fund, the fee account, generated and simulated accounts) satisfy it. Events the engine writes
    /// about existing accounts (health, liquidation) keep ``checkName(_:field:)``, and replay validates nothing, so
    /// a journal written before this rule still reads and runs.
    package static func checkAccountID(_ id: String, field: String) throws(EngineError) {
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy(Self.isAccountIDByte) else {
            throw .invalid(field: field, reason: "an account id is 1–128 ASCII letters, digits, '-', '_', '.' or ':'")
        }
    }

    private static func isAccountIDByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }

    /// A name (account, currency, instrument id, underlying): 1 to 128 characters.
    package static func checkName(_ name: String, field: String) throws(EngineError) {
        guard !name.isEmpty, name.count <= 128 else {
            throw .invalid(field: field, reason: "must be 1 to 128 characters")
        }
    }
}

extension Money {
    /// Every exact amount the engine accepts (balances moved, quantities, prices, fees) is below this in magnitude,
    /// as the portfolio files' amounts are.
    public static let limit = Decimal(sign: .plus, exponent: 15, significand: 1)
    /// ... and has at most this many decimal places (ETH's 18: one wei). With both bounds no sum, product or
    /// quotient the ledger forms leaves `Decimal`'s range (an overflow or underflow is NaN, which the journal could
    /// not write), and every balance's text reads back exactly.
    public static let maxDecimalPlaces = 18

    /// `d` is a number (not NaN) with `|d| < 10¹⁵` and at most 18 decimal places.
    package static func checkMagnitude(_ d: Decimal, field: String) throws(EngineError) {
        guard !d.isNaN, d.isFinite, abs(d) < limit else {
            throw .invalid(field: field, reason: "must be a decimal number of magnitude below 1e15, got \(text(d))")
        }
        guard rounded(d, scale: maxDecimalPlaces) == d else {
            throw .invalid(field: field, reason: "must have at most \(maxDecimalPlaces) decimal places, got \(text(d))")
        }
    }

    /// `d` is in (0, 10¹⁵) with at most 18 decimal places.
    package static func checkPositive(_ d: Decimal, field: String) throws(EngineError) {
        try checkMagnitude(d, field: field)
        guard d > 0 else { throw .invalid(field: field, reason: "must be > 0, got \(text(d))") }
    }
}
