import Foundation
import MarginCore
import MarginLedger

/// The population of a crash replay (`margin simulate`): the kinds of accounts a venue has when a crash comes, each
/// opened through a liquidity provider so that open interest nets to zero per instrument.
///
/// Traders (`accounts` in all, by share):
/// - **leveraged directional traders** (`lev-…`, 40%): one to three perpetuals or futures on BTC and ETH, linear or
///   inverse, 80% long, each funded to 1.0–2.5 × its initial margin (portfolio margin lets them lever up to about
///   5×, so a deep fall takes most of them to liquidation);
/// - **option sellers** (`sell-…`, 30%): short puts, a third of them short strangles, funded to 1.05–2 × IM;
/// - **hedged market makers** (`mm-…`, 30%): eight to sixteen options near the money, long and short, delta-hedged
///   with the linear perpetual, funded to 1.2–3 × IM.
///
/// Beside them: `liquidityProviders` accounts (`lp-…`) that took the other side of every position and own the
/// synthetic books (funded to 3 × IM + 1,000,000 USD), `backstops` backstop accounts (`backstop-…`, each funded with
/// 2% of the traders' total MM, at least 1,000,000 USD), the insurance fund (funded with `insuranceFund` USD) and the
/// fee account. Sizes are whole (0.1 coin, 1,000 USD notional), balances whole cents. Deterministic for a seed.
///
/// With `largeAccountPositions` > 0, one more trader, `large`, holds that many BTC positions: options near the
/// money, long and short, plus a long BTC perpetual of 10 coins, funded to 1.02 × IM (so a fall of a few percent
/// takes it below MM): the account of the liquidation latency benchmark (`margin-bench liquidation`).
public enum CrashPopulation {
    /// A genesis state on `market`'s underlyings and listings.
    ///
    /// - Parameter margins: the margin pass the accounts are funded from (``GenesisFunding``): the engine's model.
    public static func genesis(market: SimulatedMarket, accounts: Int, optionsPerUnderlying: Int = 40, seed: UInt64,
                               insuranceFund: Decimal, liquidityProviders: Int = 4, backstops: Int = 2,
                               largeAccountPositions: Int = 0,
                               parameters: RiskParameters = .reference,
                               margins: MarginPass) -> EngineState {
        let start = market.genesisState(optionsPerUnderlying: optionsPerUnderlying, parameters: parameters)
        var state = start.state
        let listings = start.listings
        var rng = SplitMix64(seed: seed)
        let providers = Population.providers(liquidityProviders)
        var providerBooks = [AccountState](repeating: AccountState(), count: providers.count)
        var serial = 0
        var funding: [String: (Double, Double)] = [:]  // trader → (IM multiple range)
        let width = String(accounts).count
        func open(_ quantity: Decimal, _ l: Listing, entry: Decimal?, into account: inout AccountState) {
            guard quantity != 0 else { return }
            Population.open(quantity, l, entry: entry, in: &account, against: &providerBooks[serial % providers.count])
            serial += 1
        }
        let byId = Dictionary(uniqueKeysWithValues: listings.map { ($0.id, $0) })
        for n in 0..<accounts {
            let padded = String(repeating: "0", count: width - String(n).count) + String(n)
            var account = AccountState()
            let draw = Double(n) / Double(max(accounts, 1))
            let u = market.underlyings[Int(rng.next() % UInt64(market.underlyings.count))]
            guard let m = state.markets[u.name] else { continue }
            let name: String
            if draw < 0.4 {
                name = "lev-\(padded)"
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let candidates = listings.filter { $0.instrument.underlying == u.name && $0.instrument.option == nil }
                    guard !candidates.isEmpty else { continue }
                    let l = candidates[Int(rng.next() % UInt64(candidates.count))]
                    let sign: Decimal = rng.unit() < 0.8 ? 1 : -1
                    let notional = 20_000 * Double(1 + Int(rng.next() % 100))
                    let f = m.futuresPrice(expiry: l.instrument.expiry)
                    let entry = Decimal(Int(f.rounded()))
                    let quantity = l.instrument.isSizedByNotional
                        ? sign * Decimal(Int(notional / 1_000) * 1_000)
                        : sign * Decimal(Int((notional / f * 10).rounded(.up))) / 10
                    open(quantity, l, entry: entry, into: &account)
                }
                funding[name] = (1.0, 2.5)
            } else if draw < 0.7 {
                name = "sell-\(padded)"
                let options = listings.filter { $0.instrument.underlying == u.name && $0.instrument.option != nil }
                let puts = options.filter { ($0.instrument.option?.right == .put) && ($0.instrument.option?.strike ?? 0) < u.index }
                let calls = options.filter { ($0.instrument.option?.right == .call) && ($0.instrument.option?.strike ?? 0) > u.index }
                let coins = Double(1 + Int(rng.next() % 20)) * (u.index > 10_000 ? 0.5 : 10)
                if let p = puts.isEmpty ? nil : puts[Int(rng.next() % UInt64(puts.count))] {
                    open(-Decimal(Int(coins * 10)) / 10, p, entry: nil, into: &account)
                }
                if rng.unit() < 1.0 / 3, let c = calls.isEmpty ? nil : calls[Int(rng.next() % UInt64(calls.count))] {
                    open(-Decimal(Int(coins * 10)) / 10, c, entry: nil, into: &account)
                }
                funding[name] = (1.05, 2.0)
            } else {
                name = "mm-\(padded)"
                let options = listings.filter { l in
                    guard l.instrument.underlying == u.name, let c = l.instrument.option else { return false }
                    return abs(c.strike / u.index - 1) < 0.25
                }
                var delta = 0.0
                for _ in 0..<(8 + Int(rng.next() % 9)) where !options.isEmpty {
                    let l = options[Int(rng.next() % UInt64(options.count))]
                    let coins = Double(1 + Int(rng.next() % 10)) * (u.index > 10_000 ? 0.1 : 2)
                    let q = (rng.unit() < 0.5 ? -1.0 : 1.0) * coins
                    open(Decimal(Int((q * 10).rounded())) / 10, l, entry: nil, into: &account)
                    if let v = try? InstrumentValuation(instrument: l.instrument, market: m) {
                        delta += (q * 10).rounded() / 10 * v.greeks.delta
                    }
                }
                if let perp = byId["\(u.name)-PERP"] {
                    let hedge = Decimal(Int((-delta * 10).rounded())) / 10
                    open(hedge, perp, entry: Decimal(Int(m.perpetualPrice.rounded())), into: &account)
                }
                funding[name] = (1.2, 3.0)
            }
            state.accounts[name] = account
        }
        if largeAccountPositions > 0, let u = market.underlyings.first(where: { $0.name == "BTC" }),
           let perp = byId["BTC-PERP"], let m = state.markets["BTC"] {
            var account = AccountState()
            let options = listings.filter { l in
                guard l.instrument.underlying == "BTC", let c = l.instrument.option else { return false }
                return abs(c.strike / u.index - 1) < 0.3
            }
            var used = Set<String>()
            for _ in 0..<(largeAccountPositions * 20) where used.count < largeAccountPositions - 1 && !options.isEmpty {
                let l = options[Int(rng.next() % UInt64(options.count))]
                guard used.insert(l.id).inserted else { continue }
                let coins = Decimal(1 + Int(rng.next() % 10)) / 10
                open(rng.unit() < 0.5 ? -coins : coins, l, entry: nil, into: &account)
            }
            open(10, perp, entry: Decimal(Int(m.perpetualPrice.rounded())), into: &account)
            state.accounts["large"] = account
            funding["large"] = (1.02, 1.02)
        }
        for (i, name) in providers.enumerated() { state.accounts[name] = providerBooks[i] }
        // Each trader to a random multiple of its initial margin in its kind's range (in whole cents, rounded up);
        // health from a pass once all are funded (every trader starts at or above IM).
        let fundingRule = GenesisFunding(providers: providers, backstops: backstops, insuranceFund: insuranceFund,
                                         books: true, health: .passAfterFunding)
        fundingRule.fund(&state, margins: margins) { name in
            guard let range = funding[name] else { return nil }
            return GenesisFunding.Target(basis: .initialMargin, multiple: range.0 + (range.1 - range.0) * rng.unit(),
                                         rounding: .up)
        }
        return state
    }

    /// The liquidity providers' names for `count` providers (the book owners).
    public static func providers(_ count: Int = 4) -> [String] { Population.providers(count) }

    /// Whether `name` is one of the population's traders (not a provider, backstop or system account).
    public static func isTrader(_ name: String) -> Bool {
        name.hasPrefix("lev-") || name.hasPrefix("sell-") || name.hasPrefix("mm-")
    }
}
