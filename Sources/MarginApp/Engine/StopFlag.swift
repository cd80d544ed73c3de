import Synchronization

/// A flag set once from any thread (lock-free, so a signal handler may set it).
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    /// Whether ``set()`` was called.
    public var isSet: Bool { value.load(ordering: .acquiring) }
    /// Sets the flag (idempotent).
    public func set() { value.store(true, ordering: .releasing) }
}
