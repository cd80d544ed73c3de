import Foundation
import MarginLedger

/// The last durable state as a group-commit batch found it (``EngineCore/markDurable()``): the pre-images of what
/// the batch's writes change ahead of their append, so that a failed append returns the engine to exactly that
/// state (``EngineCore/rollBack(to:)``), and the front-end records kept only once the batch is durable.
///
/// O(accounts the batch touches): the state itself is never copied (a copy of a 100,000-account state would be
/// copied again on the batch's first write).
package struct DurableMark {
    /// The state's sequence before the batch.
    let sequence: UInt64
    /// Each account the batch changed, as it was before its first change (`nil`: it did not exist).
    var accounts: [String: AccountState?] = [:]
    /// Σ deposits and Σ withdrawals per currency before the batch.
    let deposits: [String: Decimal]
    let withdrawals: [String: Decimal]
    /// The batch's front-end records (idempotent answers), in journal order, kept once durable.
    private(set) var frontEnd: [FrontEndRecord] = []
    /// The newest of them by kind and id.
    private var byKey: [FrontEndRecords.Key: FrontEndRecord] = [:]

    init(sequence: UInt64, deposits: [String: Decimal], withdrawals: [String: Decimal]) {
        self.sequence = sequence
        self.deposits = deposits
        self.withdrawals = withdrawals
    }

    /// Notes `name`'s pre-image, unless the batch changed it already.
    mutating func note(_ name: String, _ account: AccountState?) {
        guard accounts.index(forKey: name) == nil else { return }
        accounts[name] = .some(account)
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
