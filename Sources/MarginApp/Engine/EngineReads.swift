import Foundation
import MarginCore
import MarginEngine
import MarginLedger
import MarginVenues

/// One account as the engine holds it: its ledger, its instruments and its current margin.
public struct EngineAccountView: Sendable {
    public var name: String
    public var account: AccountState
    /// The listed instruments the account holds, by id.
    public var instruments: [String: Instrument]
    /// The engine's current margin (`nil` for an account the book does not know yet).
    public var margin: AccountMargin?
    /// The journal sequence the view is as of.
    public var sequence: UInt64
}

/// One page of accounts in name order.
public struct EngineAccountPage: Sendable {
    public struct Item: Sendable {
        public var name: String
        /// The health last journaled for the account.
        public var health: Health
        public var margin: AccountMargin?
    }

    public var items: [Item]
    /// The last name of the page when more follow (the next page's cursor), else `nil`.
    public var next: String?
}

extension RiskEngine {
    /// The inputs of the use-cases (margin report, what-if, liquidation prices) for one engine account: its
    /// portfolio (``EngineState/portfolio(of:)``), the engine's market (``EngineState/marketSnapshot()``) and
    /// the reference preset on the engine's parameters (correlation mode included). Built on the engine's thread
    /// (one account and the markets, no state copy escapes); the caller computes off it.
    public func accountInputs(of name: String) async -> AccountInputs? {
        AccountInputs(engineAccount: name, in: await self.state)
    }

    /// ``accountInputs(of:)`` with the journal sequence of the durable state they were read from, in one read:
    /// what a risk statement of the account discloses (``VenueStatements/statement(of:sequence:venue:key:)``).
    public func statementInputs(of name: String) async -> (sequence: UInt64, inputs: AccountInputs)? {
        let state = await self.state
        return AccountInputs(engineAccount: name, in: state).map { (state.sequence, $0) }
    }

    /// The ledger and current margin of one account, or `nil` if unknown.
    public func accountView(of name: String) async -> EngineAccountView? {
        let state = await self.state
        guard let account = state.accounts[name] else { return nil }
        var instruments: [String: Instrument] = [:]
        for id in account.positions.keys { instruments[id] = state.instruments[id] }
        return EngineAccountView(name: name, account: account, instruments: instruments,
                                 margin: await margin(of: name), sequence: state.sequence)
    }

    /// Up to `limit` accounts whose name sorts after `cursor` (from the first when `nil`), optionally only those
    /// whose journaled health is `health`. One scan of the account names (O(accounts) on the engine's thread).
    public func accountPage(after cursor: String?, limit: Int, health: Health? = nil) async -> EngineAccountPage {
        let state = await self.state
        var names: [String] = []
        for (name, account) in state.accounts {
            if let cursor, name <= cursor { continue }
            if let health, account.health != health { continue }
            names.append(name)
        }
        names.sort()
        let page = names.prefix(max(0, limit))
        var items: [EngineAccountPage.Item] = []
        for name in page {
            items.append(EngineAccountPage.Item(name: name, health: state.accounts[name]?.health ?? .healthy,
                                                margin: await margin(of: name)))
        }
        return EngineAccountPage(items: items, next: names.count > page.count ? page.last : nil)
    }
}
