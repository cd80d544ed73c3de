import Foundation
import MarginCore
import MarginEngine
import MarginLedger

/// The journaled liquidation actions (`marginCall`, `liquidation`, `liquidationEnd`, `takeover`, `deleverage`,
/// `alert`) in journal order, a page at a time: what `GET /v1/liquidations` serves, read from the journal itself
/// (so it survives restarts and replays exactly what was decided).
///
/// A page scans at most ``scanLimit`` journal records after the cursor, so a request's work is bounded whatever
/// the journal holds; `next` is the last sequence scanned (continue from it) or `nil` at the journal's end.
public struct LiquidationFeedPage: Sendable {
    public struct Item: Sendable {
        /// The action's journal sequence.
        public var sequence: UInt64
        /// The action as journaled (``EngineEvent/json``: `type` first; money as decimal strings, figures in USD).
        public var event: EngineEvent
    }

    public var items: [Item]
    /// The sequence to continue after, or `nil` when the page reached the journal's end.
    public var next: UInt64?
}

public enum LiquidationFeed {
    /// Journal records scanned per page at most.
    public static let scanLimit = 20_000

    /// The `"type"` values of the liquidation actions.
    public static let kinds: Set<String> = ["marginCall", "liquidation", "liquidationEnd", "takeover", "deleverage",
                                            "alert"]

    /// Up to `limit` liquidation actions journaled after sequence `cursor`.
    ///
    /// - Throws: ``EngineError`` (a storage fault reading the journal, or a record that does not decode).
    public static func page(_ engine: RiskEngine, after cursor: UInt64, limit: Int) async throws(EngineError)
        -> LiquidationFeedPage
    {
        var items: [LiquidationFeedPage.Item] = []
        var position = cursor
        var scanned = 0
        let end = await engine.sequence
        while items.count < limit, scanned < scanLimit, position < end {
            let records = try await engine.journalRecords(after: position, limit: min(2_000, scanLimit - scanned))
            guard !records.isEmpty else { break }
            for record in records {
                scanned += 1
                position = record.sequence
                guard isLiquidationAction(record.payload) else { continue }
                items.append(.init(sequence: record.sequence, event: try EngineEvent(payload: record.payload)))
                if items.count == limit { break }
            }
        }
        return LiquidationFeedPage(items: items, next: position < end ? position : nil)
    }

    /// A cheap test on a payload before decoding it: its `"type"` is a liquidation action's.
    static func isLiquidationAction(_ payload: String) -> Bool {
        kinds.contains { payload.contains("\"type\":\"\($0)\"") }
    }
}

/// The insurance fund as the engine holds it: the fund account's balances and margin (equity in USD), the
/// liquidations in progress and whether liquidation is halted.
public struct InsuranceFundView: Sendable {
    /// The fund account's name (``LiquidationSettings/insuranceFund``).
    public var account: String
    /// The fund's ledger and margin, `nil` while no such account exists.
    public var view: EngineAccountView?
    /// Accounts in liquidation now.
    public var liquidationsInProgress: Int
    /// Why liquidation is halted (a journaled violation alert), `nil` while it runs.
    public var halted: String?
    public var sequence: UInt64
}

extension RiskEngine {
    /// The insurance fund now (one account and a few counters read on the engine's thread).
    public func insuranceFund() async -> InsuranceFundView {
        let state = await self.state
        let settings = state.liquidation
        return InsuranceFundView(account: settings.insuranceFund, view: await accountView(of: settings.insuranceFund),
                                 liquidationsInProgress: state.liquidations.count, halted: state.liquidationHalt,
                                 sequence: state.sequence)
    }
}
