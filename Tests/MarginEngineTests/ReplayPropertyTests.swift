import Foundation
import MarginSimulation
import MarginTestSupport
import MarginCore
import PropertyBased
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 5: validation lives in the domain types and runs before the journal, so nothing journaled can fail
/// on replay. Random sequences of valid and invalid events (deposits, withdrawals, trades, books, clock ticks,
/// liquidation settings, market updates including bad ones, listings, expiries, parameters including out-of-range
/// ones, correlations including invalid ones) are
/// submitted to a live engine on an in-memory journal; whatever it accepted replays, from the journal alone and
/// from a snapshot, to the same digest, state and margins.
@Suite struct ReplayPropertyTests {
    typealias F = EngineFixtures

    @Test("any random sequence of events the live engine accepted replays from the journal (and a snapshot) to the same digest")
    func acceptedEventsReplayToTheSameDigest() async throws {
        await propertyCheck(count: 30, input: Gen.int(in: 0...1_000_000), Gen.int(in: 20...45)) { seed, count in
            let store = InMemoryJournal()
            guard let live = try? await F.emptyEngine(store: store) else {
                Issue.record("engine failed to open")
                return
            }
            var generator = RandomEvents(seed: UInt64(seed))
            var accepted = 0
            var rejected = 0
            // Funded accounts first, so that trades and withdrawals are often valid.
            for name in RandomEvents.accounts {
                _ = try? await live.submit(.deposit(Transfer(account: name, currency: "USD", amount: 1_000_000)))
            }
            for _ in 0..<count {
                let event = generator.next(for: await live.state)
                do throws(EngineError) {
                    try await live.submit(event)
                    accepted += 1
                } catch {
                    if error.isStorageFault { Issue.record("storage failed: \(error)"); return }
                    rejected += 1
                }
            }
            #expect(accepted > 0 && rejected > 0, "seed \(seed): \(accepted) accepted, \(rejected) rejected")
            // Every journaled record decodes, and re-encodes to the same text (canonical).
            for record in (try? await store.allRecords(after: 0)) ?? [] {
                guard let event = try? EngineEvent(payload: record.payload) else {
                    Issue.record("seed \(seed): record \(record.sequence) does not decode: \(record.payload)")
                    return
                }
                #expect(event.payload == record.payload, "seed \(seed): record \(record.sequence) is not canonical")
            }
            // A second engine on the same journal (replay from genesis).
            do {
                let replayed = try await RiskEngine.open(store: store)
                #expect(await replayed.digest == live.digest, "seed \(seed)")
                #expect(await replayed.state == live.state, "seed \(seed)")
                #expect(await replayed.margins == live.margins, "seed \(seed)")
                #expect(await replayed.riskUnavailableAccounts == live.riskUnavailableAccounts, "seed \(seed)")
            } catch {
                Issue.record("seed \(seed): the journal does not replay: \(error)")
            }
            // And from a snapshot of the live state.
            do {
                try await live.writeSnapshot()
                let restored = try await RiskEngine.open(store: store)
                #expect(await restored.digest == live.digest, "seed \(seed): from the snapshot")
                #expect(await restored.state == live.state, "seed \(seed): from the snapshot")
            } catch {
                Issue.record("seed \(seed): the snapshot does not restore: \(error)")
            }
        }
    }
}

/// A deterministic stream of events for an engine at a given state: about a third of them invalid on purpose
/// (bad amounts, names, prices, times, surfaces, parameters and correlation tables), the rest plausible.
struct RandomEvents {
    var rng: SplitMix64
    var listings = 0

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    mutating func chance(_ p: Double) -> Bool { rng.unit() < p }
    mutating func dec(_ s: String) -> Decimal { Decimal(string: s) ?? 0 }

    static let accounts = ["a", "b", "c", "d"]
    static let badNames = ["", String(repeating: "n", count: 129)]

    /// Decimals: plausible, and invalid ones (0, negative, too large, too many places, NaN).
    mutating func amount(_ plausible: [String]) -> Decimal {
        if chance(0.15) { return pick([0, -5, dec("1e15"), dec("1e-19"), Decimal.nan, dec("123456789012345678")]) }
        return dec(pick(plausible))
    }

    mutating func next(for state: EngineState) -> EngineEvent {
        let x = rng.unit()
        if x < 0.14 { return deposit(state) }
        if x < 0.22 { return withdrawal(state) }
        if x < 0.38 { return trade(state) }
        if x < 0.42 { return book(state) }
        if x < 0.45 { return admin(state) }
        if x < 0.70 { return market(state) }
        if x < 0.81 { return listing(state) }
        if x < 0.85 { return expiry(state) }
        if x < 0.93 { return parameters() }
        return correlations(state)
    }

    mutating func deposit(_ state: EngineState) -> EngineEvent {
        let account = chance(0.08) ? pick(Self.badNames) : pick(Self.accounts)
        let currency = chance(0.1) ? pick(["DOGE", "", "SOL"]) : pick(["USD", "USD", "USDC", "BTC", "ETH"])
        let plausible = currency == "BTC" || currency == "ETH" ? ["0.5", "2", "0.000000000000000001"]
            : ["5000", "100000", "2500000", "123.456789"]
        return .deposit(Transfer(account: account, currency: currency, amount: amount(plausible)))
    }

    mutating func withdrawal(_ state: EngineState) -> EngineEvent {
        let account = chance(0.1) ? "nobody" : pick(Self.accounts)
        return .withdrawal(Transfer(account: account, currency: pick(["USD", "USD", "BTC"]),
                                    amount: amount(["1", "250", "10000", "5000000"])))
    }

    /// A trade between two of the accounts (sometimes the same one, an unknown one or a system account).
    mutating func trade(_ state: EngineState) -> EngineEvent {
        let ids = state.instruments.keys.sorted()
        let id = chance(0.05) || ids.isEmpty ? "NOPE" : pick(ids)
        let buyer = chance(0.05) ? pick(["nobody", "fees", "insurance-fund"]) : pick(Self.accounts)
        let seller = chance(0.05) ? buyer : pick(Self.accounts.filter { $0 != buyer })
        let instrument = state.instruments[id]
        let index = instrument.flatMap { state.markets[$0.underlying]?.index } ?? 100
        var quantity: Decimal
        var price: Decimal
        if instrument?.isSizedByNotional == true {
            quantity = Decimal(100 * (1 + Int(rng.next() % 50)))
            price = Decimal(Int(index.rounded()))
        } else if instrument?.option != nil {
            quantity = Decimal(1 + Int(rng.next() % 20)) / 10
            price = instrument?.settlement == .inverse ? dec("0.02") : Decimal(Int(index * 0.03))
        } else {
            quantity = Decimal(1 + Int(rng.next() % 30)) / 10
            price = Decimal(Int(index.rounded()))
        }
        if chance(0.12) { quantity = pick([0, -1, dec("1e16"), dec("1e-20"), Decimal.nan]) }
        if chance(0.08) { price = pick([0, -1, dec("1e15")]) }
        func fee() -> Decimal {
            chance(0.1) ? pick([dec("1e16"), Decimal.nan, dec("0.0000000000000000001")])
                : pick([0, dec("0.25"), dec("-0.1")])
        }
        return .trade(Trade(buyer: buyer, seller: seller, instrument: id, quantity: quantity, price: price,
                            buyerFee: fee(), sellerFee: fee(), feeCurrency: chance(0.05) ? "DOGE" : "USD"))
    }

    /// A book of the instrument owned by the accounts (sometimes crossed, unordered, or owned by an unknown one).
    mutating func book(_ state: EngineState) -> EngineEvent {
        let ids = state.instruments.keys.sorted()
        let id = chance(0.05) || ids.isEmpty ? "NOPE" : pick(ids)
        let mark = state.instruments[id].flatMap { state.markets[$0.underlying]?.index }.map { Decimal(Int($0)) } ?? 100
        var bids = [BookLevel(price: mark - 10, size: 2, account: pick(Self.accounts)),
                    BookLevel(price: mark - 20, size: 3, account: pick(Self.accounts))]
        var asks = [BookLevel(price: mark + 10, size: 1, account: pick(Self.accounts))]
        switch rng.next() % 8 {
        case 0: bids[0].price = mark + 50  // crossed
        case 1: bids.reverse()  // not descending
        case 2: asks[0].account = "nobody"
        case 3: bids[1].size = 0
        case 4: bids = []; asks = []  // removes the book
        default: break
        }
        return .book(BookUpdate(instrument: id, book: OrderBook(bids: bids, asks: asks)))
    }

    /// A clock tick (sometimes in the past) or new liquidation settings (sometimes out of range).
    mutating func admin(_ state: EngineState) -> EngineEvent {
        if chance(0.5) {
            return .clock(state.time.adding(seconds: chance(0.1) ? -60 : Int64(rng.next() % 120)))
        }
        var s = LiquidationSettings()
        switch rng.next() % 6 {
        case 0: s.buffer = dec("0.25")
        case 1: s.backstops = ["a", "b"]
        case 2: s.roundsPerSecond = 20
        case 3: s.impactLimit = 2  // out of range
        case 4: s.backstops = ["fees"]  // a system account
        default: s.maxStepsPerRound = 0  // out of range
        }
        return .liquidationSettings(s)
    }

    /// A vol surface over `expiries` around `index`.
    mutating func surface(index: Double, expiries: [Instant]) -> [VolQuote] {
        expiries.map { e in
            let strikes = (0..<5).map { (index * (0.7 + 0.15 * Double($0))).rounded() }
            return VolQuote(expiry: e, strikes: strikes, vols: strikes.map { _ in 0.4 + 0.4 * rng.unit() })
        }
    }

    mutating func market(_ state: EngineState) -> EngineEvent {
        let underlying = chance(0.06) ? pick(["USD", "", "SOL"]) : pick(["BTC", "BTC", "ETH", "SOL"])
        let now = state.markets.values.map(\.time).max() ?? EngineFixtures.market.time
        let current = state.markets[underlying]
        var time = now.adding(seconds: Int64(rng.next() % 600))
        if chance(0.04) { time = now.adding(seconds: -3_600) }
        if chance(0.03) { time = now.adding(seconds: 8 * 86_400) }  // past the first listed expiry
        let base = current?.index ?? 150
        var m = MarketUpdate(underlying: underlying, time: time)
        if current == nil || chance(0.8) { m.index = base * (1 + 0.02 * rng.gaussian()) }
        if chance(0.06) { m.index = pick([0, -1, .nan, .infinity, 1e16]) }
        if chance(0.1) { m.rate = chance(0.8) ? 0.01 : pick([2, .nan]) }
        let later = time.adding(seconds: 30 * 86_400)
        if chance(0.1) {
            m.forwards = chance(0.75) ? [later: base * 1.01] : pick([[now.adding(seconds: -60): base], [later: -base]])
        }
        if chance(0.15) { m.perpetualPrice = chance(0.85) ? base * (1 + 0.004 * rng.gaussian()) : pick([0, .nan]) }
        if chance(0.2) {
            var quotes = surface(index: base, expiries: EngineFixtures.market.expiries.filter { $0 > time })
            switch rng.next() % 8 {
            case 0: quotes = []  // removal: refused while options are listed
            case 1 where !quotes.isEmpty: quotes[0].vols.removeLast()  // strikes and vols differ in length
            case 2 where !quotes.isEmpty: quotes[0].vols[0] = 0
            case 3 where !quotes.isEmpty: quotes[0].strikes[0] = -1
            case 4: quotes.append(VolQuote(expiry: now.adding(seconds: -1), strikes: [base], vols: [0.5]))
            default: break
            }
            m.surface = quotes
        }
        return .market(m)
    }

    mutating func listing(_ state: EngineState) -> EngineEvent {
        listings += 1
        let underlying = chance(0.08) ? "DOGE" : pick(["BTC", "ETH", "SOL"])
        let index = state.markets[underlying]?.index ?? 100
        let now = state.markets.values.map(\.time).max() ?? EngineFixtures.market.time
        let expiry = chance(0.08) ? now.adding(seconds: -86_400) : pick(EngineFixtures.market.expiries)
        let settlement: Settlement = chance(0.5) ? .linear : .inverse
        let instrument: Instrument
        switch rng.next() % 4 {
        case 0: instrument = Instrument(underlying: underlying, kind: .perpetual, settlement: settlement)
        case 1: instrument = Instrument(underlying: underlying, kind: .future(expiry: expiry), settlement: settlement)
        default:
            var strike = (index * (0.7 + 0.6 * rng.unit())).rounded()
            if chance(0.08) { strike = pick([.nan, -1, 1e16]) }
            instrument = Instrument(underlying: underlying, kind: .option(OptionContract(
                expiry: expiry, strike: strike, right: chance(0.5) ? .call : .put)), settlement: settlement)
        }
        let id = chance(0.05) ? (state.instruments.keys.sorted().first ?? "X") : "L\(listings)"
        return .listing(Listing(id: id, instrument: instrument))
    }

    mutating func expiry(_ state: EngineState) -> EngineEvent {
        let ids = state.instruments.keys.sorted()
        guard !ids.isEmpty else { return .expiry(Expiry(instrument: "NOPE", settlementPrice: 1)) }
        let id = chance(0.1) ? "NOPE" : pick(ids)
        let index = state.instruments[id].flatMap { state.markets[$0.underlying]?.index } ?? 100
        let price = chance(0.1) ? pick([0, -5, Decimal.nan]) : Decimal(Int(index.rounded()))
        return .expiry(Expiry(instrument: id, settlementPrice: price))
    }

    mutating func parameters() -> EngineEvent {
        var p = RiskParameters.reference
        switch rng.next() % 14 {
        case 0: p.priceRange = pick([0.1, 0.2])
        case 1: p.pricePoints = pick([11, 31])
        case 2: p.correlationMode = .correlated
        case 3: p.minVol = 0.05
        case 4: p.volShifts = [-0.2, 0.2]
        // Out of range: rejected naming the field, never journaled, never a trap.
        case 5: p.priceRange = pick([0, 1.5, .nan, -0.1])
        case 6: p.pricePoints = pick([0, 2, -1, 1_000, Int.max])
        case 7: p.volShifts = pick([[], [-1], [.nan]])
        case 8: p.timeShiftsDays = pick([[], [-1], [400]])
        case 9: p.extremeMultiple = pick([10, 0.5, .infinity])
        case 10: p.initialToMaintenance = pick([0.5, .nan])
        case 11: p.takeoverRatio = pick([.nan, 2])
        case 12: p.minVol = pick([0, -1])
        default: p.optionsValueLiquidationRate = pick([1, -0.1])
        }
        return .parameters(p)
    }

    mutating func correlations(_ state: EngineState) -> EngineEvent {
        if chance(0.5) { return dynamic(state) }
        var t = CorrelationTable()
        switch rng.next() % 7 {
        case 0, 1: t.set("BTC", "ETH", rho: pick([-0.5, 0, 0.8, 1]))
        case 2: t.set("BTC", "ETH", rho: pick([1.5, .nan, -2]))
        case 3: t.set("BTC", "BTC", rho: 1)
        case 4: t.set("BTC", "DOGE", rho: 0.3)
        case 5:
            // Not positive definite when SOL has a market.
            t.set("BTC", "ETH", rho: 0.9)
            t.set("BTC", "SOL", rho: 0.9)
            t.set("ETH", "SOL", rho: -0.9)
        default: break  // the empty table
        }
        return .correlations(t)
    }

    /// The dynamic table's events: policies (some out of range), cross rates (some inconsistent or unknown), and
    /// the table the rule calls for now, with its provenance.
    mutating func dynamic(_ state: EngineState) -> EngineEvent {
        let now = state.markets.values.map(\.time).max() ?? EngineFixtures.market.time
        switch rng.next() % 4 {
        case 0:
            var p = CorrelationPolicy(halfLifeSeconds: pick([3_600, 86_400]), samplingIntervalSeconds: pick([1, 60]),
                                      warmUpSamples: 2, threshold: pick([0, 0.02]),
                                      minimumIntervalSeconds: pick([0, 60]))
            p.fallback.set("BTC", "ETH", rho: pick([0.3, -0.9, 1]))
            if chance(0.2) { p.halfLifeSeconds = pick([0, -1, .nan]) }
            if chance(0.1) { p.enabled = false }
            return .correlationPolicy(p)
        case 1:
            let index = (state.markets["ETH"]?.index ?? 3_500) / (state.markets["BTC"]?.index ?? 100_000)
            let vol = chance(0.2) ? 3.0 : pick([0.3, 0.45])
            let quotes = EngineFixtures.market.expiries.map {
                VolQuote(expiry: $0, strikes: [0.8 * index, index, 1.2 * index], vols: [vol, vol, vol])
            }
            return .crossRate(CrossRateUpdate(base: chance(0.1) ? "DOGE" : "ETH", quote: "BTC", time: now,
                                              index: index, surface: quotes))
        default:
            return state.pendingCorrelationUpdate() ?? .correlations(state.correlations)
        }
    }
}
