import Foundation
import MarginCore
import MarginLedger

/// Generates a population of accounts as a genesis ``EngineState`` (the first snapshot), for the demo, the
/// benchmarks, the tests and the crash replays.
///
/// Every generated account (`acct-…`) holds `positionsPerAccount` positions spread over the underlyings (options
/// mostly, some perpetuals and futures, long and short), and a USD balance chosen so that its equity is a random
/// multiple of its maintenance margin: about 90% healthy, 5% restricted, 4% in liquidation, 1% for takeover. The
/// balance is rounded to cents (exact `Decimal`).
///
/// Every position has a counterparty, so open interest is zero per instrument: the opposite of each generated
/// position (same entry, so the opposite cost basis) goes to one of `liquidityProviders` accounts (`lp-0`, `lp-1`,
/// …, round robin), each funded to three times its initial margin plus 1,000,000 USD; they also own the synthetic
/// books (``SyntheticBook``) of every listed instrument when `books`. Beside them: `backstops` backstop liquidity
/// providers (`backstop-0`, …; each funded with 1,000,000 USD or 2% of the generated accounts' total MM, whichever
/// is more), the insurance fund (`insurance-fund`, funded with `insuranceFund` USD) and the fee account (`fees`),
/// named in the state's ``LiquidationSettings``. Each account's ledger sums at genesis (``Ledger``: its balances, less
/// its linear futures' cost, plus its inverse ones') count as its deposits (negative ones as withdrawals), so the
/// money invariant holds from the first sequence. The funding is ``GenesisFunding``'s, from the margin pass the
/// caller hands in (the engine's model: the simulation does not margin accounts itself).
public enum Population {
    /// A state with the simulated market's underlyings and listings and `accounts` generated accounts, their
    /// counterparties, the backstops, the insurance fund and the fee account.
    ///
    /// - Parameter margins: the margin pass the accounts are funded from (``GenesisFunding``): the engine's model.
    public static func genesis(market: SimulatedMarket, optionsPerUnderlying: Int, accounts: Int,
                               positionsPerAccount: Int, seed: UInt64,
                               parameters: RiskParameters = .reference,
                               liquidityProviders: Int = 4, backstops: Int = 2,
                               insuranceFund: Decimal = 1_000_000, books: Bool = true,
                               margins: MarginPass) -> EngineState {
        let start = market.genesisState(optionsPerUnderlying: optionsPerUnderlying, parameters: parameters)
        var state = start.state
        let listings = start.listings
        var byUnderlying: [String: [Listing]] = [:]
        for l in listings { byUnderlying[l.instrument.underlying, default: []].append(l) }
        let names = market.underlyings.map(\.name)
        let providers = Self.providers(liquidityProviders)
        var providerBooks = [AccountState](repeating: AccountState(), count: providers.count)
        var rng = SplitMix64(seed: seed)
        let width = String(accounts).count
        var generated = Set<String>()
        var serial = 0
        for n in 0..<accounts {
            var account = AccountState()
            for k in 0..<positionsPerAccount {
                let name = names[k % names.count]
                guard let pool = byUnderlying[name], !pool.isEmpty,
                      let index = market.underlyings.first(where: { $0.name == name })?.index else { continue }
                let l = pool[Int(rng.next() % UInt64(pool.count))]
                let sign: Decimal = rng.unit() < 0.45 ? -1 : 1
                let quantity: Decimal
                var entry: Decimal?
                if l.instrument.option != nil {
                    quantity = sign * Decimal(1 + Int(rng.next() % 20)) / 10
                } else if l.instrument.isSizedByNotional {
                    quantity = sign * Decimal(1_000 * (1 + Int(rng.next() % 50)))
                    entry = Decimal(Int((index * (0.97 + 0.06 * rng.unit())).rounded()))
                } else {
                    quantity = sign * Decimal(1 + Int(rng.next() % 20)) / 10
                    entry = Decimal(Int((index * (0.97 + 0.06 * rng.unit())).rounded()))
                }
                Self.open(quantity, l, entry: entry, in: &account, against: &providerBooks[serial % providers.count])
                serial += 1
            }
            let padded = String(repeating: "0", count: width - String(n).count) + String(n)
            state.accounts["acct-\(padded)"] = account
            generated.insert("acct-\(padded)")
        }
        for (i, name) in providers.enumerated() { state.accounts[name] = providerBooks[i] }
        // Each generated account to a random multiple of its maintenance margin (in whole cents, to the nearest).
        let funding = GenesisFunding(providers: providers, backstops: backstops, insuranceFund: insuranceFund,
                                     books: books, health: .fundingPass)
        funding.fund(&state, margins: margins) { name in
            guard generated.contains(name) else { return nil }
            let x = rng.unit()
            let ratio: Double = x < 0.90 ? 1.35 + 2.5 * rng.unit()
                : x < 0.95 ? 1.02 + 0.26 * rng.unit()
                : x < 0.99 ? 0.55 + 0.43 * rng.unit()
                : 0.1 + 0.35 * rng.unit()
            return GenesisFunding.Target(basis: .maintenanceMargin, multiple: ratio, rounding: .toNearestOrAwayFromZero)
        }
        return state
    }

    /// The liquidity providers' names for `count` providers (`lp-0`, …; at least one): the counterparties of every
    /// generated position and the owners of the synthetic books.
    public static func providers(_ count: Int = 4) -> [String] { (0..<max(1, count)).map { "lp-\($0)" } }

    /// Opens `quantity` of `listing` in `account` at `entry` (per ``PositionState/init(quantity:entryPrice:of:)``;
    /// no cost basis when `nil`, as for an option), and the opposite, at the same cost basis negated, in
    /// `counterparty`: open interest stays zero.
    static func open(_ quantity: Decimal, _ listing: Listing, entry: Decimal?, in account: inout AccountState,
                     against counterparty: inout AccountState) {
        let opened = entry.map { PositionState(quantity: quantity, entryPrice: $0, of: listing.instrument) }
            ?? PositionState(quantity: quantity)
        add(opened, listing.id, listing.instrument, to: &account)
        add(PositionState(quantity: -opened.quantity, cost: -opened.cost), listing.id, listing.instrument,
            to: &counterparty)
    }

    /// Adds `position` to the account's position in `id`: sizes and costs add; a future or perpetual netting to 0
    /// realizes what is left of its cost into its settlement currency (so the ledger's sums do not change).
    static func add(_ position: PositionState, _ id: String, _ instrument: Instrument, to account: inout AccountState) {
        var p = account.positions[id] ?? PositionState(quantity: 0)
        p.quantity += position.quantity
        p.cost += position.cost
        if p.quantity == 0 {
            if instrument.option == nil, p.cost != 0 {
                let realized = instrument.settlement == .linear ? -p.cost : p.cost
                account.balances[Ledger.settlementCurrency(of: instrument), default: 0] += realized
            }
            account.positions[id] = nil
        } else {
            account.positions[id] = p
        }
    }
}
