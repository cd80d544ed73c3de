import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// The liquidation planner's screen (``IncrementalMargin``, through ``BaseLedger``) against the exact re-margin of
/// the same change (``BaseLedger/maintenanceMargin(changing:to:balances:)``, i.e. ``RiskBook/hypothetical(_:)``).
@Suite struct IncrementalMarginTests {
    /// Every position of every generated account resized (closed, halved, doubled, flipped) and a position opened in
    /// an instrument the account does not hold, each with and without a coin balance change: the screen's MM is
    /// the exact MM up to rounding (10⁻⁹ relative, or 10⁻⁶ USD).
    @Test("the screen's MM after resizing one position (and a coin balance) equals the exact MM up to rounding")
    func screenMatchesExact() throws {
        let core = EngineCore(state: EngineFixtures.genesis(accounts: 30, positions: 6))
        core.setThreads(1)
        let book = core.book
        let state = core.state
        let listed = state.instruments.keys.sorted()
        var rng = SplitMix64(seed: 21)
        var compared = 0
        for name in state.accounts.keys.sorted() {
            guard let account = state.accounts[name], !account.positions.isEmpty else { continue }
            let base = BaseLedger(book: book, account: account, name: name, screening: true)
            #expect(base.screen != nil, "sum mode keeps a screen")
            var changes: [(String, Decimal)] = account.positions.keys.sorted().flatMap { id -> [(String, Decimal)] in
                let q = account.positions[id]?.quantity ?? 0
                return [(id, 0), (id, q / 2), (id, q * 2), (id, -q)]
            }
            if let fresh = listed.first(where: { account.positions[$0] == nil }) { changes.append((fresh, 1)) }
            for (id, quantity) in changes {
                guard let instrument = state.instruments[id] else { continue }
                var balances = account.balances
                var coin: (String, Decimal)?
                if instrument.settlement == .inverse, rng.unit() < 0.5 {
                    let currency = instrument.underlying
                    balances[currency, default: 0] += Decimal(string: "0.125")!
                    coin = (currency, balances[currency]!)
                }
                let exact = base.maintenanceMargin(changing: id, to: quantity, balances: balances)
                let screened = base.screenedMaintenanceMargin(changing: id, to: quantity, coin: coin,
                                                              balances: balances)
                let e = try #require(exact, "\(name) \(id)")
                let s = try #require(screened, "\(name) \(id)")
                #expect(abs(s - e) <= max(1e-6, 1e-9 * abs(e)), "\(name) \(id) → \(quantity): \(s) vs \(e)")
                compared += 1
            }
        }
        #expect(compared > 200)
    }
}
