import MarginCore

/// Why the engine refused or failed to process an event. A rejection changes nothing: neither state nor journal.
public enum EngineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The event is malformed or inconsistent with the state; `field` names it (`amount`, `instrument`, ...).
    case invalid(field: String, reason: String)
    /// The event would leave the account's equity below its initial margin (USD).
    case belowInitialMargin(account: String, equity: Double, initialMargin: Double)
    /// The withdrawal exceeds the balance of the currency.
    case insufficientBalance(account: String, currency: String, balance: String, requested: String)
    /// The account's risk cannot be computed (it holds `instrument`, whose risk array could not be computed): only
    /// deposits and fills that reduce an existing position without flipping it are accepted (docs/ENGINE.md,
    /// "Fail closed").
    case riskUnavailable(account: String, instrument: String)
    /// A journal or snapshot could not be read or written; the event was not applied (a storage fault, never a
    /// rejection: see ``isStorageFault``).
    case storage(String)
    /// Another engine holds the journal's writer lock (a second writer refuses to start).
    case journalInUse(String)
    /// A journal or snapshot record could not be decoded.
    case corruptRecord(sequence: UInt64, reason: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): return "\(field): \(reason)"
        case .belowInitialMargin(let account, let equity, let im):
            return "account \(account): equity \(equity) USD would be below initial margin \(im) USD"
        case .insufficientBalance(let account, let currency, let balance, let requested):
            return "account \(account): balance \(balance) \(currency) is less than \(requested) requested"
        case .riskUnavailable(let account, let instrument):
            return "account \(account): risk unavailable, instrument \(instrument) cannot be priced "
                + "(only deposits and fills that reduce a position are accepted)"
        case .storage(let message): return "storage: \(message)"
        case .journalInUse(let detail): return "journal is in use: \(detail)"
        case .corruptRecord(let sequence, let reason): return "journal record \(sequence): \(reason)"
        }
    }

    /// Wraps a decoding error of the core as an `invalid` error naming the JSON path.
    package static func input(_ error: InputError) -> EngineError { .invalid(field: error.path, reason: error.description) }
}
