import MarginLedger
import MarginCore

/// Fail closed: the engine's reads of what it cannot price (docs/ENGINE.md, "Fail closed").
extension EngineCore {
    /// The accounts whose risk is unavailable, by name, each with the instrument (id) it holds that cannot be
    /// priced. Their ``AccountMargin`` says so too (``AccountMargin/unpricedInstrument``); ``healthCounts`` counts
    /// them under the health they keep (the last journaled one).
    package var riskUnavailableAccounts: [String: String] {
        var out: [String: String] = [:]
        for (i, m) in book.margins.enumerated() {
            if let id = m.unpricedInstrument { out[book.accountNames[i]] = id }
        }
        return out
    }

    /// The listed instruments whose risk array cannot be computed in the current markets, sorted. Empty whenever
    /// the state was reached through validated events; a genesis state or a snapshot written by other means may
    /// hold some.
    package var unpricedInstruments: [String] { book.unpricedInstruments() }
}
