import ArgumentParser
import Foundation
import MarginCore

/// `margin what-if`: the pre-trade check: margin before and after a prospective trade.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "what-if",
        abstract: "Margin before and after a prospective trade: the pre-trade check an exchange runs on every order.",
        discussion: """
            The trade file holds one position, an array of positions, or {"positions": [...]}, in the portfolio \
            format. An option leg may carry "price" (USD per coin): the premium is paid from (or received into) the \
            USD balance. Without it the trade is assumed at the current mark. The trade is accepted when equity after \
            it covers IM, or when it does not increase IM (risk-reducing).
            """)

    @OptionGroup var options: AccountOptions
    @Option(help: "Trade JSON: a position, an array of positions, or {\"positions\": [...]}.") var trade: String

    func run() throws {
        let loaded = try options.load()
        let root = try readJSON(trade, option: "--trade")
        var legs: [(Position, Double?)] = []
        do {
            let nodes: [JSONNode]
            if case .array = root.value {
                nodes = try root.array()
            } else if let positions = try root.optional("positions") {
                nodes = try positions.array()
            } else {
                nodes = [root]
            }
            for n in nodes {
                let price = try n.optional("price")?.positiveDouble()
                if price != nil, try n.required("kind").string() != "option" {
                    throw InputError.invalid(path: "\(n.path).price", reason: "only option legs take a premium price")
                }
                legs.append((try Position(json: stripping("price", from: n)), price))
            }
        } catch let error as InputError {
            throw error.prefixed("--trade \(trade)")
        }
        var after = loaded.portfolio
        for (leg, price) in legs {
            if let i = after.positions.firstIndex(where: { $0.instrument == leg.instrument && $0.entryPrice == leg.entryPrice }) {
                after.positions[i].size += leg.size
            } else {
                after.positions.append(leg)
            }
            if let price { after.balances["USD", default: 0] -= leg.size * price }
        }
        do {
            try after.validate(against: loaded.market)
        } catch {
            throw error.prefixed("--trade \(trade)")
        }
        var before = try loaded.venue.summary(of: loaded.portfolio, market: loaded.market)
        var post = try loaded.venue.summary(of: after, market: loaded.market)
        if before.marginCurrency != post.marginCurrency {
            before = before.inUSD
            post = post.inUSD
        }
        let accepted = post.equity >= post.initialMargin || post.initialMargin <= before.initialMargin
        let reason = post.equity >= post.initialMargin
            ? "equity covers initial margin after the trade"
            : (accepted ? "risk-reducing: IM does not increase" : "equity after the trade is below initial margin")
        switch options.format {
        case .json:
            print(JSONValue.object([
                ("account", .string(loaded.portfolio.account)), ("preset", .string(post.preset)),
                ("marginCurrency", .string(post.marginCurrency)), ("before", before.json), ("after", post.json),
                ("initialMarginChange", .double(post.initialMargin - before.initialMargin)),
                ("accepted", .bool(accepted)), ("reason", .string(reason)),
            ]).serialized())
        case .table:
            print("Account \(loaded.portfolio.account): trade of \(legs.count) leg(s)   preset \(post.preset), "
                + "amounts in \(post.marginCurrency)")
            let d = amountDigits(post.marginCurrency)
            for (leg, price) in legs {
                print("  \(leg.size > 0 ? "buy" : "sell") \(formatNumber(abs(leg.size), digits: 4)) \(leg.instrument)"
                    + (price.map { " @ \(formatNumber($0))" } ?? " at mark"))
            }
            print("")
            func row(_ label: String, _ a: Double, _ b: Double) -> [String] {
                [label, formatNumber(a, digits: d), formatNumber(b, digits: d), formatNumber(b - a, digits: d)]
            }
            print(renderTable(["", "before", "after", "change"], [
                row("equity", before.equity, post.equity),
                row("initial margin", before.initialMargin, post.initialMargin),
                row("maintenance margin", before.maintenanceMargin, post.maintenanceMargin),
                ["health", before.health.rawValue, post.health.rawValue, ""],
            ]))
            print("\n\(accepted ? "ACCEPTED" : "REJECTED"): \(reason)")
        }
    }
}

/// The node without one field (so the position decoder does not see the premium).
private func stripping(_ key: String, from node: JSONNode) throws(InputError) -> JSONNode {
    guard case .object(let pairs) = node.value else { return node }
    return JSONNode(.object(pairs.filter { $0.key != key }), path: node.path)
}
