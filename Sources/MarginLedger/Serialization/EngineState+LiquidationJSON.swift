import Foundation
import MarginCore

extension EngineState {
    /// The snapshot fields of the ledger's totals and of liquidation, each omitted while empty or default (so a
    /// state without them keeps its payload and digest): `books` (by instrument), `liquidationSettings`,
    /// `liquidations` (episodes by account), `clock`, `totals` (`deposits`, `withdrawals` by currency),
    /// `liquidationHalt`.
    package var liquidationFields: [(String, JSONValue)] {
        typealias J = JSONCoding
        var fields: [(String, JSONValue)] = []
        if !books.isEmpty { fields.append(("books", J.object(books.map { ($0.key, $0.value.json) }))) }
        if liquidation != .default { fields.append(("liquidationSettings", liquidation.json)) }
        if !liquidations.isEmpty {
            fields.append(("liquidations", J.object(liquidations.map { name, e -> (String, JSONValue) in
                var pairs: [(String, JSONValue)] = [("since", J.instant(e.since)),
                                                     ("roundSteps", .double(Double(e.roundSteps))),
                                                     ("steps", .double(Double(e.steps)))]
                if let r = e.roundStart { pairs.append(("roundStart", J.instant(r))) }
                return (name, J.object(pairs))
            })))
        }
        if let clock { fields.append(("clock", J.instant(clock))) }
        if !deposits.isEmpty || !withdrawals.isEmpty {
            fields.append(("totals", J.object([
                ("deposits", J.object(deposits.map { ($0.key, J.money($0.value)) })),
                ("withdrawals", J.object(withdrawals.map { ($0.key, J.money($0.value)) })),
            ])))
        }
        if let liquidationHalt { fields.append(("liquidationHalt", .string(liquidationHalt))) }
        return fields
    }

    /// Reads what ``liquidationFields`` wrote (absent fields keep their defaults).
    package mutating func decodeLiquidationFields(_ root: JSONNode) throws(EngineError) {
        typealias J = JSONCoding
        func optional(_ node: JSONNode, _ key: String) throws(EngineError) -> JSONNode? {
            try J.decode { () throws(InputError) in try node.optional(key) }
        }
        if let b = try optional(root, "books") {
            for (id, node) in try J.decode({ () throws(InputError) in try b.object() }) {
                books[id] = try OrderBook(json: node)
            }
        }
        if let s = try optional(root, "liquidationSettings") { liquidation = try LiquidationSettings(json: s) }
        if let l = try optional(root, "liquidations") {
            for (name, node) in try J.decode({ () throws(InputError) in try l.object() }) {
                liquidations[name] = try J.decode { () throws(InputError) -> LiquidationEpisode in
                    LiquidationEpisode(since: try node.required("since").instant(),
                                       roundStart: try node.optional("roundStart")?.instant(),
                                       roundSteps: try node.required("roundSteps").integer(),
                                       steps: try node.required("steps").integer())
                }
            }
        }
        if let c = try optional(root, "clock") { clock = try J.decode { () throws(InputError) in try c.instant() } }
        if let t = try optional(root, "totals") {
            for (key, into) in [("deposits", true), ("withdrawals", false)] {
                guard let node = try optional(t, key) else { continue }
                for (currency, amount) in try J.decode({ () throws(InputError) in try node.object() }) {
                    let d = try J.money(amount)
                    if into { deposits[currency] = d } else { withdrawals[currency] = d }
                }
            }
        }
        if let h = try optional(root, "liquidationHalt") {
            liquidationHalt = try J.decode { () throws(InputError) in try h.string() }
        }
    }
}
