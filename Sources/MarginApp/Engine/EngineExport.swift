import Foundation
import MarginCore
import MarginEngine
import MarginLedger

/// `margin engine export`: the engine's state at the end of its journal as one JSON document that anyone can check
/// the ledger's invariants from with their own code (docs/LIQUIDATION.md, "Export").
///
/// ```json
/// {"sequence": 812, "time": "…",
///  "market": {"valuationTime": "…", "underlyings": {"BTC": {…, "valuationTime": "…"}}, "correlations": […]},
///  "accounts": [{"account": "acct-01", "balances": {"USD": 1234.5},
///                "positions": [{"instrument": "BTC-PERP", "kind": "perpetual", "underlying": "BTC",
///                               "settlement": "linear", "quantity": 1.5, "entryPrice": 100500, "cost": 150750}],
///                "health": "healthy"}],
///  "totals": {"deposits": {"USD": …}, "withdrawals": {"USD": …}},
///  "system": {"insuranceFund": "insurance-fund", "feeAccount": "fees", "backstops": ["backstop-0"]}}
/// ```
///
/// - `market` is `market.json`'s format; each underlying also carries its own `valuationTime` (the engine values each
///   at its last update; the root's is the latest).
/// - Every account is in `portfolio.json`'s format (the system accounts too), positions in instrument-id order with
///   their `instrument` id; futures and perpetuals have their `entryPrice` (`cost/q` for linear, `N/cost` for
///   inverse, `Decimal` division to 38 significant digits) and every position its exact `cost` basis (USD for
///   linear futures and perpetuals, coins for inverse ones, the premium paid for options).
/// - Every amount (balances, quantities, notionals, entry prices, costs, totals) is a JSON **number whose literal
///   is the exact decimal** of the ledger (never rounded through a binary double): read the literal text with a
///   decimal parser (Python: `json.loads(text, parse_float=decimal.Decimal)`) to check the sums exactly; a binary
///   parser reads them as the nearest doubles, as `margin compute` does.
/// - The invariants: per currency `Σ balance − Σ cost(linear futures/perpetuals, USD) + Σ cost(inverse futures/
///   perpetuals, per coin) = deposits − withdrawals`, and `Σ quantity = 0` per instrument, over every account.
public enum EngineExport {
    /// The export of `state`.
    public static func json(of state: EngineState) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("sequence", .number(Double(state.sequence), literal: String(state.sequence))),
            ("time", .instant(state.time)),
            ("market", market(state)),
            ("accounts", .array(state.accounts.keys.sorted().compactMap { name in
                state.accounts[name].map { account(name, $0, state) }
            })),
            ("totals", .sortedObject([("deposits", amounts(state.deposits)),
                                      ("withdrawals", amounts(state.withdrawals))])),
        ]
        fields.append(("system", .sortedObject([
            ("insuranceFund", .string(state.liquidation.insuranceFund)),
            ("feeAccount", .string(state.liquidation.feeAccount)),
            ("backstops", .array(state.liquidation.backstops.map { .string($0) })),
        ])))
        return .sortedObject(fields)
    }

    /// The export of the state at the end of `store`'s journal (``EngineState/recovered(from:genesis:)``: nothing is
    /// written to the store, no margin computed).
    public static func json(of store: any JournalStore) async throws(EngineError) -> JSONValue {
        json(of: try await EngineState.recovered(from: store))
    }

    /// The export of the journal at `location`, opened read-only as `margin engine replay` opens it (no writer
    /// lock, so it runs beside a live engine; nothing created: a missing journal is an error), then closed.
    public static func json(at location: JournalLocation) async throws(EngineError) -> JSONValue {
        let store = try await location.openForReading()
        do {
            let out = try await json(of: store)
            await store.close()
            return out
        } catch {
            await store.close()
            throw error
        }
    }

    /// An exact decimal as a JSON number (its literal is the decimal's text).
    static func number(_ d: Decimal) -> JSONValue { .number(Money.double(d), literal: Money.text(d)) }

    static func amounts(_ xs: [String: Decimal]) -> JSONValue { .sortedObject(xs.map { ($0.key, number($0.value)) }) }

    static func market(_ state: EngineState) -> JSONValue {
        let snapshot = state.marketSnapshot()
        var pairs: [(String, JSONValue)] = [
            ("valuationTime", .instant(snapshot.valuationTime)),
            ("underlyings", .sortedObject(state.markets.map { ($0.key, $0.value.json(includingValuationTime: true)) })),
        ]
        if !state.correlations.pairs.isEmpty { pairs.append(("correlations", state.correlations.json)) }
        return .sortedObject(pairs)
    }

    static func account(_ name: String, _ a: AccountState, _ state: EngineState) -> JSONValue {
        var positions: [JSONValue] = []
        for id in a.positions.keys.sorted() {
            guard let p = a.positions[id], let instrument = state.instruments[id],
                  case .object(let fields) = instrument.json else { continue }
            var pairs = fields.map { ($0.key, $0.value) }
            pairs.append(("instrument", .string(id)))
            pairs.append((instrument.isSizedByNotional ? "notionalUSD" : "quantity", number(p.quantity)))
            pairs.append(("cost", number(p.cost)))
            if let entry = p.exactEntryPrice(of: instrument) { pairs.append(("entryPrice", number(entry))) }
            positions.append(.sortedObject(pairs))
        }
        var pairs: [(String, JSONValue)] = [
            ("account", .string(name)),
            ("balances", amounts(a.balances)),
            ("positions", .array(positions)),
            ("health", .string(a.health.rawValue)),
        ]
        if state.liquidations[name] != nil { pairs.append(("liquidating", .bool(true))) }
        return .sortedObject(pairs)
    }
}
