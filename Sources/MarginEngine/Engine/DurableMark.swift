import Foundation
import MarginLedger

/// The last durable state as a batch committed ahead of its append found it (``EngineCore/markDurable()``): a
/// group-commit batch of client writes, or a liquidation slice (``RiskEngine/journalFollowUpsInTurn()``). It holds
/// the pre-images of what the batch changes ahead of its append, so that a failed append returns the engine to
/// exactly that state (``EngineCore/rollBack(to:)``), and the front-end records kept only once the batch is durable.
///
/// O(accounts, episodes and books the batch touches): the state itself is never copied (a copy of a
/// 100,000-account state would be copied again on the batch's first write).
package struct DurableMark {
    /// The state's sequence before the batch.
    let sequence: UInt64
    /// Each account the batch changed, as it was before its first change (`nil`: it did not exist).
    var accounts: [String: AccountState?] = [:]
    /// Σ deposits and Σ withdrawals per currency before the batch.
    let deposits: [String: Decimal]
    let withdrawals: [String: Decimal]
    /// Each liquidation episode the batch changed, as it was before (`nil`: none was open).
    var liquidations: [String: LiquidationEpisode?] = [:]
    /// Each order book the batch changed (a step's fills consume its levels), as it was before (`nil`: empty).
    var books: [String: OrderBook?] = [:]
    /// ``EngineState/liquidationHalt`` before the batch (an alert of a violation sets it).
    let liquidationHalt: String?
    /// The live ledger audit before the batch (a liquidation action may record a violation or an uncovered loss;
    /// an alert clears it).
    let audit: LedgerAudit.Snapshot
    /// The batch's front-end records (idempotent answers), in journal order, kept once durable.
    private(set) var frontEnd: [FrontEndRecord] = []
    /// The newest of them by kind and id.
    private var byKey: [FrontEndRecords.Key: FrontEndRecord] = [:]

    init(sequence: UInt64, deposits: [String: Decimal], withdrawals: [String: Decimal], liquidationHalt: String?,
         audit: LedgerAudit.Snapshot) {
        self.sequence = sequence
        self.deposits = deposits
        self.withdrawals = withdrawals
        self.liquidationHalt = liquidationHalt
        self.audit = audit
    }

    /// Notes `name`'s pre-image, unless the batch changed it already.
    mutating func note(_ name: String, _ account: AccountState?) {
        guard accounts.index(forKey: name) == nil else { return }
        accounts[name] = .some(account)
    }

    /// Notes the pre-images of what liquidation action `event` changes in `state` (before it): the accounts of
    /// its footprint (``LedgerFootprint``: the account, the insurance fund, the fills' and transfers' counterparties)
    /// and the fee account, the account's episode, and a step's order book.
    mutating func note(liquidationAction event: EngineEvent, footprint: LedgerFootprint?, in state: EngineState) {
        var names = footprint?.accounts ?? []
        names += [state.liquidation.feeAccount, state.liquidation.insuranceFund]
        let account: String?
        switch event {
        case .marginCall(let c): account = c.account
        case .liquidation(let s):
            account = s.account
            if books.index(forKey: s.instrument) == nil { books[s.instrument] = .some(state.books[s.instrument]) }
        case .liquidationEnd(let e): account = e.account
        case .takeover(let t): account = t.account
        case .deleverage(let d):
            account = d.account
            names += [d.account, d.counterparty]
        default: account = nil
        }
        if let account {
            names.append(account)
            if liquidations.index(forKey: account) == nil {
                liquidations[account] = .some(state.liquidations[account])
            }
        }
        for name in names { note(name, state.accounts[name]) }
    }

    /// The accounts a client write changes (``EngineState/apply(_:)``): the transfer's account, or a trade's buyer,
    /// seller and the fee account.
    func accountsChanged(by event: EngineEvent, feeAccount: String) -> [String] {
        switch event {
        case .deposit(let t), .withdrawal(let t): return [t.account]
        case .trade(let t): return [t.buyer, t.seller, feeAccount]
        default: return []
        }
    }

    /// Adds a front-end record journaled in this batch.
    mutating func keep(_ record: FrontEndRecord) {
        frontEnd.append(record)
        byKey[FrontEndRecords.Key(kind: record.kind, id: record.id)] = record
    }

    /// The front-end record of `kind` and `id` journaled in this batch, if any (the newest).
    func record(kind: String, id: String) -> FrontEndRecord? {
        byKey[FrontEndRecords.Key(kind: kind, id: id)]
    }
}
