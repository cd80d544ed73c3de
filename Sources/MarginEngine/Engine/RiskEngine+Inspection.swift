import MarginLedger
import MarginCore

/// Read-only views of the engine's internals for the package's tests and tools: values copied out on the engine's
/// thread, never the core or its book.
extension RiskEngine {
    /// The accounts whose risk is unavailable, each with the instrument it holds that cannot be priced
    /// (``EngineCore/riskUnavailableAccounts``).
    package var riskUnavailableAccounts: [String: String] { core.riskUnavailableAccounts }

    /// The listed instruments whose risk array cannot be computed in the current markets, sorted.
    package var unpricedInstruments: [String] { core.unpricedInstruments }

    /// The `correlations` event the dynamic table calls for now (`nil` right after a turn: the driver journals a
    /// due table itself, ``EngineCore/nextFollowUps(skipping:)``).
    package func pendingCorrelationUpdate() -> EngineEvent? { core.pendingCorrelationUpdate() }

    /// The listed options of `underlying`, sorted by id.
    package func listedOptions(of underlying: String) -> [String] { core.book.listedOptions(of: underlying) }

    /// The margin `account` would have in the current markets (the pre-trade rule's hypothetical margin), without
    /// changing anything.
    package func hypotheticalMargin(_ account: AccountState) async -> AccountMargin {
        await untilDurable()
        return core.book.hypothetical(account)
    }

    /// The book's cached price-loss curves (`correlated` mode; empty in `sum` mode).
    package var curveCache: CurveCache {
        let book = core.book
        return CurveCache(stride: book.curveStride, underlyingNames: book.underlyingNames,
                          accountCount: book.accountCount, values: book.curves)
    }
}

/// A copy of ``RiskBook``'s price-loss curves: per (account slot, underlying slot), `stride` doubles at
/// `(account × underlyingNames.count + underlying) × stride`.
package struct CurveCache: Sendable {
    /// Doubles per curve (the price-move count in `correlated` mode, else 0).
    package var stride: Int
    /// Underlyings by slot.
    package var underlyingNames: [String]
    package var accountCount: Int
    package var values: [Double]

    /// The curve of (`account`, `underlying`) slots.
    package func curve(account: Int, underlying: Int) -> ArraySlice<Double> {
        let start = (account * underlyingNames.count + underlying) * stride
        return values[start..<(start + stride)]
    }
}
