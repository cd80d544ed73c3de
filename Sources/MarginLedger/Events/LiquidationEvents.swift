import Foundation
import MarginCore

// The payloads of the liquidation events (docs/LIQUIDATION.md, "Events"). Every liquidation action is one of these,
// validated, journaled and applied like any other event, so replaying the journal reproduces every liquidation
// without planning anything again. Figures typed `Double` (equity, margins) are informational: what the planner saw.

/// The whole resting ladder of one instrument (``OrderBook``), replacing the previous one; empty sides remove it.
public struct BookUpdate: Hashable, Sendable {
    public var instrument: String
    public var book: OrderBook

    public init(instrument: String, book: OrderBook) {
        self.instrument = instrument
        self.book = book
    }
}

/// An account fell below maintenance margin (health `liquidation` or `takeover`): its liquidation opens.
public struct MarginCall: Hashable, Sendable {
    public var account: String
    /// USD, when the call was made.
    public var equity: Double
    public var maintenanceMargin: Double
    /// `MM − equity`, USD (> 0).
    public var shortfall: Double
    /// The engine's time (journal time).
    public var time: Instant

    public init(account: String, equity: Double, maintenanceMargin: Double, shortfall: Double, time: Instant) {
        self.account = account
        self.equity = equity
        self.maintenanceMargin = maintenanceMargin
        self.shortfall = shortfall
        self.time = time
    }
}

/// One partial-reduction step: `account` trades `side` (sell: its long is reduced, or the hedge sells) against the
/// book levels' owners in `fills`, and pays `fee` (in `feeCurrency`, the instrument's settlement currency) to the
/// insurance fund. The fills consume the book's levels.
public struct LiquidationStep: Hashable, Sendable {
    /// What the step does: reduce a position, or hedge the account's delta with the underlying's perpetual.
    public enum Action: String, Hashable, Sendable, CaseIterable {
        case reduce, hedge
    }

    public var account: String
    public var instrument: String
    public var action: Action
    public var side: OrderBook.Side
    /// The levels traded against, best first (each maker passed ``PreTradeRule``).
    public var fills: [OrderBook.Execution]
    public var fee: Decimal
    public var feeCurrency: String
    /// The engine's time; the step counts in the round that includes it.
    public var time: Instant
    /// MM before and after the step, USD, as the planner computed them (informational).
    public var maintenanceMarginBefore: Double
    public var maintenanceMarginAfter: Double
    /// Execution cost the step was ranked by, USD: slippage against the mark plus the fee (informational).
    public var cost: Double

    public init(account: String, instrument: String, action: Action, side: OrderBook.Side,
                fills: [OrderBook.Execution], fee: Decimal, feeCurrency: String, time: Instant,
                maintenanceMarginBefore: Double, maintenanceMarginAfter: Double, cost: Double) {
        self.account = account
        self.instrument = instrument
        self.action = action
        self.side = side
        self.fills = fills
        self.fee = fee
        self.feeCurrency = feeCurrency
        self.time = time
        self.maintenanceMarginBefore = maintenanceMarginBefore
        self.maintenanceMarginAfter = maintenanceMarginAfter
        self.cost = cost
    }

    /// The total quantity executed.
    public var quantity: Decimal { fills.reduce(0) { $0 + $1.size } }
}

/// Partial reduction restored the account: `equity ≥ MM × (1 + buffer)`. Its liquidation closes.
public struct LiquidationEnd: Hashable, Sendable {
    public var account: String
    public var equity: Double
    public var maintenanceMargin: Double
    public var time: Instant

    public init(account: String, equity: Double, maintenanceMargin: Double, time: Instant) {
        self.account = account
        self.equity = equity
        self.maintenanceMargin = maintenanceMargin
        self.time = time
    }
}

/// The account's whole portfolio transferred: every position in `transfers` (to backstops in proportion to their
/// capacity, at mark minus the discount; the rest to the insurance fund at mark), then every balance of the account
/// to the insurance fund (which so receives a positive remainder or pays a negative one). The account ends flat,
/// with no balance: equity exactly 0.
public struct Takeover: Hashable, Sendable {
    /// One part of one position: `quantity` (signed like the account's position: the receiver's change) at `price`.
    public struct Transfer: Hashable, Sendable {
        public var to: String
        public var instrument: String
        public var quantity: Decimal
        public var price: Decimal

        public init(to: String, instrument: String, quantity: Decimal, price: Decimal) {
            self.to = to
            self.instrument = instrument
            self.quantity = quantity
            self.price = price
        }
    }

    public var account: String
    public var transfers: [Transfer]
    public var time: Instant
    /// The account's equity at mark before the takeover, USD (informational).
    public var equity: Double
    /// What the insurance fund pays, USD (> 0: a bankruptcy) or receives (< 0), as the planner computed it
    /// (informational; the booking is exact).
    public var fundPays: Double

    public init(account: String, transfers: [Transfer], time: Instant, equity: Double, fundPays: Double) {
        self.account = account
        self.transfers = transfers
        self.time = time
        self.equity = equity
        self.fundPays = fundPays
    }
}

/// One auto-deleveraging fill: the bankrupt `account` closes `quantity` (> 0) of its position in `instrument`
/// against `counterparty`'s opposite position at `price`, the bankruptcy price (`mark ± L_i/|q|`): the counterparty
/// bears its share of the loss the insurance fund cannot cover.
public struct Deleverage: Hashable, Sendable {
    public var account: String
    public var counterparty: String
    public var instrument: String
    /// The bankrupt account's side (`sell`: it was long).
    public var side: OrderBook.Side
    public var quantity: Decimal
    public var price: Decimal
    /// The mark the bankruptcy price is measured from (informational).
    public var markPrice: Decimal
    /// The counterparty's place in the ranking (1 = first), informational.
    public var rank: Int
    /// The ranking score (BitMEX: PNL% × leverage or PNL% / leverage), informational.
    public var score: Double
    public var time: Instant

    public init(account: String, counterparty: String, instrument: String, side: OrderBook.Side, quantity: Decimal,
                price: Decimal, markPrice: Decimal, rank: Int, score: Double, time: Instant) {
        self.account = account
        self.counterparty = counterparty
        self.instrument = instrument
        self.side = side
        self.quantity = quantity
        self.price = price
        self.markPrice = markPrice
        self.rank = rank
        self.score = score
        self.time = time
    }
}

/// Something a risk officer must act on, journaled and published.
///
/// - `violation`: a ledger invariant failed (``EngineCore/checkInvariants()``): liquidation halts
///   (``EngineState/liquidationHalt``) until a `liquidationSettings` event is journaled (an operator's decision).
/// - `uncoveredLoss`: a takeover left the insurance fund negative (or more negative) by `amount` USD because no
///   eligible counterparty could be deleveraged (every opposite holder was itself being liquidated, or there was
///   none): the ledger is still exact, liquidation goes on, and the venue must recapitalize the fund.
public struct LiquidationAlert: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case violation, uncoveredLoss
    }

    public var kind: Kind
    public var reason: String
    /// USD: the loss nobody covered (`uncoveredLoss`); 0 for a violation.
    public var amount: Double
    public var time: Instant

    public init(kind: Kind = .violation, reason: String, amount: Double = 0, time: Instant) {
        self.kind = kind
        self.reason = reason
        self.amount = amount
        self.time = time
    }
}

extension OrderBook.Side: CaseIterable {
    public static let allCases: [OrderBook.Side] = [.buy, .sell]
}
