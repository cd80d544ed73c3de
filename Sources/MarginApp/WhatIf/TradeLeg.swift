import MarginCore

/// One leg of a prospective trade: a position in the portfolio format (`quantity` signed, buy > 0), and for an
/// option optionally the premium `price`, USD per coin, paid from (or received into) the USD balance. Without a
/// price the trade is assumed at the current mark (no cash moves; the position enters at its value).
public struct TradeLeg: Hashable, Sendable {
    public var position: Position
    /// Premium, USD per coin (> 0), options only.
    public var price: Double?

    public init(position: Position, price: Double? = nil) {
        self.position = position
        self.price = price
    }

    /// Decodes a trade: one position, an array of positions, or `{"positions": [...]}`, in the portfolio format,
    /// each option leg with an optional `"price"`.
    ///
    /// - Throws: ``InputError`` naming the JSON path (`$[1].price: only option legs take a premium price`).
    public static func legs(json root: JSONNode) throws(InputError) -> [TradeLeg] {
        let nodes: [JSONNode]
        if case .array = root.value {
            nodes = try root.array()
        } else if let positions = try root.optional("positions") {
            nodes = try positions.array()
        } else {
            nodes = [root]
        }
        var legs: [TradeLeg] = []
        for n in nodes {
            let price = try n.optional("price")?.positiveDouble()
            if price != nil, try n.required("kind").string() != "option" {
                throw InputError.invalid(path: "\(n.path).price", reason: "only option legs take a premium price")
            }
            legs.append(TradeLeg(position: try Position(json: stripping("price", from: n)), price: price))
        }
        return legs
    }

    /// Reads a trade file (see ``legs(json:)``); errors carry `--trade` and the path.
    public static func load(_ path: String) throws(InputError) -> [TradeLeg] {
        try InputFile.decode(path, option: "--trade") { (n) throws(InputError) in try legs(json: n) }
    }

    /// `portfolio` with the legs added: a leg in an instrument already held at the same entry price adds to that
    /// position, else it is a new position; premiums are paid from the USD balance.
    public static func apply(_ legs: [TradeLeg], to portfolio: Portfolio) -> Portfolio {
        var after = portfolio
        for leg in legs {
            if let i = after.positions.firstIndex(where: {
                $0.instrument == leg.position.instrument && $0.entryPrice == leg.position.entryPrice
            }) {
                after.positions[i].size += leg.position.size
            } else {
                after.positions.append(leg.position)
            }
            if let price = leg.price { after.balances["USD", default: 0] -= leg.position.size * price }
        }
        return after
    }
}

/// The node without one field (so the position decoder does not see the premium).
private func stripping(_ key: String, from node: JSONNode) throws(InputError) -> JSONNode {
    guard case .object(let pairs) = node.value else { return node }
    return JSONNode(.object(pairs.filter { $0.key != key }), path: node.path)
}
