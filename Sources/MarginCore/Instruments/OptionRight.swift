/// Call or put.
public enum OptionRight: String, Hashable, Sendable, CaseIterable {
    case call
    case put

    /// +1 for a call, −1 for a put: the sign of `F − K` in the payoff.
    @inlinable
    public var sign: Double { self == .call ? 1 : -1 }
}
