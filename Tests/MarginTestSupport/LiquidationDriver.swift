import Foundation
import MarginEngine

/// The tests' synchronous liquidation driver: plan (``EngineCore/liquidationActions()``), submit each action through
/// ``EngineCore/submit(_:reportAfter:onPriorityDone:)``, repeat until no action is due. The async driver (the
/// `RiskEngine` actor) does the same after every event.
public enum LiquidationDriver {
    /// Runs the liquidation loop to quiescence; `afterEach` sees every submitted action (the tests check the
    /// ledger's invariants there). Returns the submitted actions in order.
    ///
    /// - Throws: the first rejection (a planned action the engine refused is a bug) or storage failure.
    @discardableResult
    public static func run(_ core: EngineCore, maxActions: Int = 10_000,
                           afterEach: (EngineEvent) -> Void = { _ in }) throws -> [EngineEvent] {
        var submitted: [EngineEvent] = []
        while submitted.count < maxActions {
            let actions = core.liquidationActions()
            if actions.isEmpty { break }
            for action in actions {
                try core.submit(action)
                submitted.append(action)
                afterEach(action)
            }
        }
        return submitted
    }
}
