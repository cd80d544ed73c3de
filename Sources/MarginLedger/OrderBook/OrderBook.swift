import Foundation
import MarginCore

/// One resting order of an order book: `size` units at `price`, owned by a liquidity provider's account, so a
/// liquidation that trades against it lands on a real account.
///
/// Units are the instrument's trade units (``Trade``): `size` in coins (options, linear futures and perpetuals) or USD
/// notional (inverse futures and perpetuals); `price` in USD per coin, except inverse options (coin per coin).
/// Exact decimals: fills against a level are money.
public struct BookLevel: Hashable, Sendable {
    public var price: Decimal
    /// Resting size (> 0).
    public var size: Decimal
    /// The liquidity provider's account.
    public var account: String

    public init(price: Decimal, size: Decimal, account: String) {
        self.price = price
        self.size = size
        self.account = account
    }
}

/// The resting liquidity of one instrument: bids (best, i.e. highest, first) and asks (lowest first).
///
/// It answers the two questions a liquidation step asks: what executing a quantity against it now costs, and how
/// much it absorbs before the price moves more than an impact limit from the mark. Fed to the engine as a journaled
/// `book` event (a whole ladder replaces the previous one); liquidation fills consume it.
public struct OrderBook: Hashable, Sendable {
    /// The taker's side: `buy` lifts the asks, `sell` hits the bids.
    public enum Side: String, Hashable, Sendable {
        case buy, sell
    }

    /// One fill of a sweep: `size` at `price` against `account`'s level.
    public struct Execution: Hashable, Sendable {
        public var price: Decimal
        public var size: Decimal
        public var account: String

        public init(price: Decimal, size: Decimal, account: String) {
            self.price = price
            self.size = size
            self.account = account
        }
    }

    public var bids: [BookLevel]
    public var asks: [BookLevel]

    public init(bids: [BookLevel] = [], asks: [BookLevel] = []) {
        self.bids = bids
        self.asks = asks
    }

    /// Checks the ladder: finite positive prices and sizes, named owners, bids strictly descending, asks strictly
    /// ascending, and the best bid below the best ask.
    ///
    /// - Throws: ``EngineError/invalid(field:reason:)`` naming the level (`bids[2].price`).
    public func validate() throws(EngineError) {
        for (side, levels) in [("bids", bids), ("asks", asks)] {
            for (i, l) in levels.enumerated() {
                guard l.price > 0 else { throw .invalid(field: "\(side)[\(i)].price", reason: "must be > 0") }
                guard l.size > 0 else { throw .invalid(field: "\(side)[\(i)].size", reason: "must be > 0") }
                guard !l.account.isEmpty, l.account.count <= 128 else {
                    throw .invalid(field: "\(side)[\(i)].account", reason: "must be 1 to 128 characters")
                }
                if i > 0 {
                    let ordered = side == "bids" ? l.price < levels[i - 1].price : l.price > levels[i - 1].price
                    guard ordered else {
                        throw .invalid(field: "\(side)[\(i)].price", reason: side == "bids"
                            ? "bids must be strictly descending" : "asks must be strictly ascending")
                    }
                }
            }
        }
        if let bid = bids.first, let ask = asks.first, bid.price >= ask.price {
            throw .invalid(field: "bids[0].price", reason: "best bid \(bid.price) is not below best ask \(ask.price)")
        }
    }

    /// The levels a taker on `side` trades against, best first.
    public func levels(facing side: Side) -> [BookLevel] { side == .buy ? asks : bids }

    /// The size a taker on `side` can execute with every fill at or better than `limit` (a buy pays at most
    /// `limit`, a sell receives at least `limit`): what the book absorbs within an impact limit.
    public func depth(_ side: Side, within limit: Decimal) -> Decimal {
        var total: Decimal = 0
        for l in levels(facing: side) {
            guard side == .buy ? l.price <= limit : l.price >= limit else { break }
            total += l.size
        }
        return total
    }

    /// The fills of a taker executing `quantity` (> 0) on `side`, best levels first, never past `limit`; fewer than
    /// `quantity` when the book (within the limit) is thinner.
    public func sweep(_ side: Side, quantity: Decimal, within limit: Decimal) -> [Execution] {
        var left = quantity
        var fills: [Execution] = []
        for l in levels(facing: side) where left > 0 {
            guard side == .buy ? l.price <= limit : l.price >= limit else { break }
            let size = min(left, l.size)
            fills.append(Execution(price: l.price, size: size, account: l.account))
            left -= size
        }
        return fills
    }

    /// The book after `fills` of a taker on `side` (as ``sweep(_:quantity:within:)`` returned them) consumed their
    /// levels; emptied levels are removed.
    public func consuming(_ fills: [Execution], side: Side) -> OrderBook {
        var book = self
        var levels = side == .buy ? book.asks : book.bids
        for f in fills {
            guard let i = levels.firstIndex(where: { $0.price == f.price && $0.account == f.account }) else { continue }
            levels[i].size -= f.size
            if levels[i].size <= 0 { levels.remove(at: i) }
        }
        if side == .buy { book.asks = levels } else { book.bids = levels }
        return book
    }

    /// The execution cost of `fills` against the mark: `Σ |price − mark| × size`, in the instrument's price units
    /// times its trade units (USD for linear instruments; see ``BookLevel``). `Double`: it ranks actions, it is
    /// not booked.
    public static func slippage(of fills: [Execution], mark: Double) -> Double {
        slippage(of: fills.map { (price: Money.double($0.price), size: Money.double($0.size)) }, mark: mark)
    }

    /// ``slippage(of:mark:)`` of fills read as `Double`s (``Money/double(_:)``).
    package static func slippage(of fills: [(price: Double, size: Double)], mark: Double) -> Double {
        var cost = 0.0
        for f in fills { cost += abs(f.price - mark) * f.size }
        return cost
    }
}
