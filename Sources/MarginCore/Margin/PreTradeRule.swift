/// Equity, initial and maintenance margin of one account or one margin pool, in one currency (USD for the
/// reference model; the pool's coin for a Deribit pool). The three figures the pre-trade rule reads.
public struct MarginFigures: Hashable, Sendable {
    /// Equity, in the figures' currency.
    public var equity: Double
    /// Initial margin (≥ 0), in the figures' currency.
    public var initialMargin: Double
    /// Maintenance margin (≥ 0), in the figures' currency.
    public var maintenanceMargin: Double

    public init(equity: Double, initialMargin: Double, maintenanceMargin: Double) {
        self.equity = equity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
    }

    /// `equity − IM`: the excess over initial margin (negative = shortfall).
    public var excess: Double { equity - initialMargin }
}

/// The one rule for "may this change happen": used by `margin what-if`, by the engine's validation of fills,
/// trades and withdrawals, by the liquidation engine and by the API.
///
/// A change (a trade, a withdrawal) that takes an account (or a margin pool) from `before` to `after` is
/// - **accepted** when `after.equity ≥ after.initialMargin` (IM covered after it);
/// - else **accepted as risk-reducing** when it lowers maintenance margin (`after.MM < before.MM`) and does not lower
///   the excess over IM (`after.equity − after.IM ≥ before.equity − before.IM`): an account already below IM
///   (restricted, or in liquidation) may still trade down, but never deepen its shortfall;
/// - else **rejected**, with the shortfall `after.IM − after.equity` (> 0).
///
/// A withdrawal never lowers MM by much and always lowers equity by its value, so for withdrawals the rule reduces
/// to "equity ≥ IM after". The comparisons are exact on the `Double` figures given (the engine's are deterministic),
/// so the same inputs always give the same decision. Figures must be finite; a NaN anywhere rejects.
public enum PreTradeRule {
    /// Why a change was accepted or rejected.
    public enum Reason: String, Hashable, Sendable {
        /// Equity covers initial margin after the change.
        case coversInitialMargin
        /// Below IM after the change, but it lowers MM and does not lower equity − IM.
        case reducesRisk
        /// Below IM after the change and not risk-reducing.
        case belowInitialMargin

        /// The sentence `what-if` and the API print.
        public var text: String {
            switch self {
            case .coversInitialMargin: return "equity covers initial margin after the trade"
            case .reducesRisk: return "risk-reducing: MM falls and equity − IM does not fall"
            case .belowInitialMargin: return "equity after the trade is below initial margin"
            }
        }
    }

    /// The rule's verdict on one account or pool.
    public struct Decision: Hashable, Sendable {
        public var accepted: Bool
        public var reason: Reason
        /// `after.IM − after.equity` when rejected (> 0), else 0; in the figures' currency.
        public var shortfall: Double

        public init(accepted: Bool, reason: Reason, shortfall: Double) {
            self.accepted = accepted
            self.reason = reason
            self.shortfall = shortfall
        }
    }

    /// Applies the rule to the figures before and after a change (same currency).
    public static func evaluate(before: MarginFigures, after: MarginFigures) -> Decision {
        if after.equity >= after.initialMargin {
            return Decision(accepted: true, reason: .coversInitialMargin, shortfall: 0)
        }
        if after.maintenanceMargin < before.maintenanceMargin, after.excess >= before.excess {
            return Decision(accepted: true, reason: .reducesRisk, shortfall: 0)
        }
        let shortfall = after.initialMargin - after.equity
        return Decision(accepted: false, reason: .belowInitialMargin, shortfall: shortfall.isNaN ? .infinity : shortfall)
    }
}
