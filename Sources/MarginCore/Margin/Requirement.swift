/// The margin components of one underlying, USD (MARGIN_MODEL.md, "Requirement per underlying").
public struct UnderlyingRequirement: Hashable, Sendable {
    public var underlying: String
    /// `max(0, max_x ℓ(x))` over the regular scenarios.
    public var scan: Double
    /// `coverage · max(0, largest extreme loss)`.
    public var extreme: Double
    /// Short-option minimum.
    public var som: Double
    /// Basis/roll charge.
    public var roll: Double
    public var liquidationCost: Double

    /// `max(Scan, Extreme, SOM)`: the underlying's core in `sum` mode.
    public var core: Double { max(scan, extreme, som) }

    /// Which of scan, extreme and SOM is the largest (scan on ties).
    public var bindingComponent: Component {
        if scan >= extreme && scan >= som { return .scan }
        return extreme >= som ? .extreme : .som
    }

    /// A component of the requirement.
    public enum Component: String, Hashable, Sendable {
        case scan, extreme, som, joint
    }
}

/// An account's requirement, USD: the numbers without the explanations. Cheap to compute from risk arrays.
public struct Requirement: Hashable, Sendable {
    /// Per underlying, sorted by name.
    public var underlyings: [UnderlyingRequirement]
    public var mode: RiskParameters.CorrelationMode
    /// `sum`: Σ_u max(Scan, Extreme, SOM); `correlated`: max(Joint, Σ Extreme, Σ SOM).
    public var core: Double
    /// The correlated joint loss (`correlated` mode only).
    public var joint: Double?
    /// The worst joint move: grid index of the price move per underlying (`correlated` mode only).
    public var jointMove: [String: Int]?
    /// `Core + Σ Roll + Σ Liq`.
    public var maintenanceMargin: Double
    /// `initialToMaintenance · MM`.
    public var initialMargin: Double
}
