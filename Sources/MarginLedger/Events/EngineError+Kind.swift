extension EngineError {
    /// A storage fault: the journal or a snapshot could not be read or written, another engine holds the journal,
    /// or a stored record is unreadable. Nothing was acknowledged, and the same event may succeed once the fault
    /// clears. Counted and reported apart from rejections.
    public var isStorageFault: Bool {
        switch self {
        case .storage, .journalInUse, .corruptRecord: return true
        default: return false
        }
    }

    /// A business rejection: the event is invalid or not allowed in the current state (nothing changed; the same
    /// event submitted again is refused again until the state changes). Every error that is not a storage fault.
    public var isRejection: Bool { !isStorageFault }
}

extension EngineError {
    /// The message without the `storage: ` prefix of ``description`` (what a status line shows).
    public var reason: String {
        if case .storage(let message) = self { return message }
        return description
    }
}
