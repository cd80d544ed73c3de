import Foundation
import MarginCore
import MarginLedger
import MarginEngine // TEMP-SIM

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
/// money invariant holds from the first sequence.
public enum Population {
    /// A state with the simulated market's underlyings and listings and `accounts` generated accounts, their
    /// counterparties, the backstops, the insurance fund and the fee account.
    public static func genesis(market: SimulatedMarket, optionsPerUnderlying: Int, accounts: Int,
                               positionsPerAccount: Int, seed: UInt64,
                               parameters: RiskParameters = .reference,
                               liquidityProviders: Int = 4, backstops: Int = 2,
                               insuranceFund: Decimal = 1_000_000, books: Bool = true) -> EngineState {
        var state = EngineState(parameters: parameters)
        for i in market.underlyings.indices {
            if case .market(let m) = market.marketEvent(i) { state.apply(.market(m)) }
        }
        let listings = market.listings(optionsPerUnderlying: optionsPerUnderlying)
        for l in listings { state.apply(.listing(l)) }
        var byUnderlying: [String: [Listing]] = [:]
        for l in listings { byUnderlying[l.instrument.underlying, default: []].append(l) }
        let names = market.underlyings.map(\.name)
        let providers = (0..<max(1, liquidityProviders)).map { "lp-\($0)" }
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
                let opened = entry.map { PositionState(quantity: quantity, entryPrice: $0, of: l.instrument) }
                    ?? PositionState(quantity: quantity)
                Self.add(opened, l.id, l.instrument, to: &account)
                Self.add(PositionState(quantity: -opened.quantity, cost: -opened.cost), l.id, l.instrument,
                         to: &providerBooks[serial % providers.count])
                serial += 1
            }
            let padded = String(repeating: "0", count: width - String(n).count) + String(n)
            state.accounts["acct-\(padded)"] = account
            generated.insert("acct-\(padded)")
        }
        for (i, name) in providers.enumerated() { state.accounts[name] = providerBooks[i] }
        let backstopNames = (0..<max(0, backstops)).map { "backstop-\($0)" }
        var settings = LiquidationSettings()
        settings.backstops = backstopNames
        state.liquidation = settings
        // Fund each generated account to a random multiple of its maintenance margin, each provider to 3 × IM
        // + 1,000,000 USD (one margin pass: USD balances do not change MM).
        var totalMM = 0.0
        for (name, m) in state.accountMargins() {
            if generated.contains(name) {
                let x = rng.unit()
                let ratio: Double = x < 0.90 ? 1.35 + 2.5 * rng.unit()
                    : x < 0.95 ? 1.02 + 0.26 * rng.unit()
                    : x < 0.99 ? 0.55 + 0.43 * rng.unit()
                    : 0.1 + 0.35 * rng.unit()
                let target = max(m.maintenanceMargin, 100) * ratio - m.equity
                let cents = Decimal(Int64((target * 100).rounded())) / 100
                state.accounts[name]?.balances["USD", default: 0] += cents
                let health = Health(equity: m.equity + Money.double(cents), initialMargin: m.initialMargin,
                                    maintenanceMargin: m.maintenanceMargin, takeoverRatio: parameters.takeoverRatio)
                state.accounts[name]?.health = health
                totalMM += m.maintenanceMargin
            } else if providers.contains(name) {
                let target = max(0, 3 * m.initialMargin - m.equity) + 1_000_000
                state.accounts[name]?.balances["USD", default: 0] += Decimal(Int64((target * 100).rounded(.up))) / 100
            }
        }
        let backstopFunding = Decimal(Int64(max(1_000_000, 0.02 * totalMM).rounded(.up)))
        for name in backstopNames { state.accounts[name] = AccountState(balances: ["USD": backstopFunding]) }
        state.accounts[settings.insuranceFund] = AccountState(balances: insuranceFund > 0 ? ["USD": insuranceFund]
                                                                                           : [:])
        state.accounts[settings.feeAccount] = AccountState()
        if books { state.books = SyntheticBook.books(for: state, owners: providers) }
        // Each account's ledger sums (its balances, minus its linear futures' cost, plus its inverse ones') as what it
        // deposited (or withdrew, when negative): the money invariant's totals. (Σ cost is not 0 where a position
        // netted to zero and was realized into the balance.)
        for account in state.accounts.values {
            for (currency, amount) in Ledger.contribution(of: account, instruments: state.instruments) {
                if amount > 0 { state.deposits[currency, default: 0] += amount }
                if amount < 0 { state.withdrawals[currency, default: 0] -= amount }
            }
        }
        return state
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
