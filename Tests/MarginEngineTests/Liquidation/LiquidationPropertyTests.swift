import Foundation
import MarginCore
import MarginSimulation
import MarginTestSupport
import PropertyBased
import Testing
@testable import MarginEngine
@testable import MarginLedger

/// Issue item 7: the three invariants after every step of random populations on random price paths, and the
/// insurance fund running dry with auto-deleveraging covering the rest.
@Suite struct LiquidationPropertyTests {
    typealias W = LiquidationWorld

    /// A tiny random population (2 to 4 traders with 1 to 3 positions in BTC and ETH perpetuals, the inverse BTC
    /// perpetual and a BTC future, against two liquidity providers or each other), random backstops, fund, books
    /// (synthetic ladders thinned by a random factor, some missing) and settings; funded to 0.3 to 2 times MM.
    static func population(_ rng: inout SplitMix64, fund: Decimal? = nil,
                           providersOnly: Bool = false) -> LiquidationWorld {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        var w = W(btc: 50_000 + 100_000 * rng.unit(), eth: 1_000 + 4_000 * rng.unit())
        w.state.instruments["BTC-FUT"] = Instrument(
            underlying: "BTC", kind: .future(expiry: W.t0.adding(seconds: 90 * 86_400)), settlement: .linear)
        let ids = ["BTC-PERP", "ETH-PERP", "BTC-PERP-INV", "BTC-FUT"]
        let providers = ["lp-0", "lp-1"]
        for p in providers { w.fund(p, 1_000_000_000) }
        let traders = (0..<(2 + Int(rng.next() % 3))).map { "t\($0)" }
        for t in traders {
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let id = pick(ids)
                let index = w.state.markets[id.hasPrefix("ETH") ? "ETH" : "BTC"]!.index
                let sign: Decimal = rng.unit() < 0.5 ? -1 : 1
                let quantity: Decimal = id == "BTC-PERP-INV" ? sign * Decimal(1_000 * (1 + Int(rng.next() % 100)))
                    : id == "ETH-PERP" ? sign * Decimal(1 + Int(rng.next() % 40))
                    : sign * Decimal(1 + Int(rng.next() % 30)) / 10
                let entry = Decimal(Int(index * (0.9 + 0.2 * rng.unit())))
                let others = traders.filter { $0 != t }
                // `providersOnly`: lp-0 takes the other side of every long, lp-1 of every short, so the opposite
                // side of every trader's position is held by a healthy provider.
                let counterparty = providersOnly ? providers[quantity > 0 ? 0 : 1]
                    : rng.unit() < 0.6 ? pick(providers) : pick(others)
                w.position(t, id, quantity, entry: entry, against: counterparty)
            }
            if rng.unit() < 0.2 { w.fund(t, Decimal(Int(rng.next() % 3) + 1), "BTC") }
        }
        // Fund each trader to a random multiple of its MM.
        for (name, m) in w.state.accountMargins() where traders.contains(name) {
            let ratio = 0.3 + 1.7 * rng.unit()
            let cash = Decimal(Int64(max(0, (max(m.maintenanceMargin, 100) * ratio - m.equity)).rounded()))
            if cash > 0 { w.fund(name, cash) }
        }
        let backstops = (0..<Int(rng.next() % 3)).map { "backstop-\($0)" }
        for b in backstops { w.fund(b, Decimal(pick([1_000, 20_000, 500_000]))) }
        w.state.liquidation.backstops = backstops
        let fundAmount = fund ?? Decimal(pick([0, 500, 50_000]))
        if fundAmount > 0 { w.fund("insurance-fund", fundAmount) }
        let thin = pick([Decimal(string: "0.0001")!, Decimal(string: "0.01")!, Decimal(string: "0.2")!, 1])
        for (id, book) in SyntheticBook.books(for: w.state, owners: providers) where rng.unit() < 0.8 {
            func thinned(_ ls: [BookLevel]) -> [BookLevel] {
                ls.compactMap { l in
                    let size = Ledger.truncated(l.size * thin, places: 4)
                    return size > 0 ? BookLevel(price: l.price, size: size, account: l.account) : nil
                }
            }
            w.state.books[id] = OrderBook(bids: thinned(book.bids), asks: thinned(book.asks))
        }
        var s = w.state.liquidation
        s.buffer = pick([0, Decimal(string: "0.1")!, Decimal(string: "0.5")!])
        s.impactLimit = pick([Decimal(string: "0.005")!, Decimal(string: "0.01")!, Decimal(string: "0.03")!])
        s.maxStepsPerRound = pick([1, 3, 10])
        s.roundsPerSecond = pick([1, 20])
        s.futuresFeeRate = pick([0, Decimal(string: "0.005")!])
        s.takeoverDiscount = pick([0, Decimal(string: "0.02")!, Decimal(string: "0.1")!])
        w.state.liquidation = s
        return w
    }

    /// Moves both indices by `exp(σ·z)` and the journal time by 0 to 3 seconds, through the engine, whose driver
    /// journals the liquidation actions each update makes due (its follow-ups) in the update's turn. Returns them in
    /// order.
    static func walk(_ engine: RiskEngine, _ rng: inout SplitMix64, moves: Int) async throws -> [EngineEvent] {
        var actions: [EngineEvent] = []
        var time = await engine.state.time
        let sigma = [0.03, 0.1, 0.2][Int(rng.next() % 3)]
        for _ in 0..<moves {
            time = time.adding(seconds: Int64(rng.next() % 4))
            for u in ["BTC", "ETH"] {
                guard let m = await engine.state.markets[u] else { continue }
                let index = (m.index * Foundation.exp(sigma * rng.gaussian()) * 100).rounded() / 100
                actions += try await engine.submit(.market(MarketUpdate(underlying: u, time: time, index: index)))
                    .followUps
            }
        }
        return actions
    }

    @Test("money, open interest and no-negative-equity-after-liquidation hold after every commit of 1,000 random populations and paths through the engine")
    func invariantsHoldAfterEveryStep() async throws {
        await propertyCheck(count: 1_000, input: Gen.int(in: 0...10_000_000)) { seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let world = Self.population(&rng)
            do {
                let engine = try await world.engine(snapshot: false)
                let atGenesis = await engine.checkInvariants()
                #expect(atGenesis.isEmpty, "seed \(seed) at genesis: \(atGenesis)")
                let log = await engine.recordCommits()
                let actions = try await Self.walk(engine, &rng, moves: 2 + Int(rng.next() % 3))
                #expect(log.violations.isEmpty, "seed \(seed): \(log.violations)")
                #expect(log.followUps == actions, "seed \(seed)")
                var fundBefore = 0.0
                var uncovered = 0
                for o in log.observations {
                    let fund = o.margins["insurance-fund"]?.equity ?? 0
                    if o.isFollowUp, o.event.takeover != nil, fund < min(fundBefore, 0) { uncovered += 1 }
                    fundBefore = fund
                }
                let state = await engine.state
                let margins = await engine.margins
                #expect(state.liquidationHalt == nil, "seed \(seed): halted: \(state.liquidationHalt ?? "")")
                // A loss no eligible counterparty could take is reported, once per takeover that left it.
                let alerts = actions.filter {
                    if case .alert(let a) = $0 { return a.kind == .uncoveredLoss }
                    return false
                }
                #expect(alerts.count == uncovered, "seed \(seed)")
                // Quiescent: every account taken over is flat at zero; no trader is left in takeover health.
                for t in actions.compactMap(\.takeover) {
                    #expect(state.liquidations[t.account] != nil || margins[t.account]?.equity ?? 0 >= 0,
                            "seed \(seed): \(t.account)")
                }
                for (name, m) in margins where name.hasPrefix("t") {
                    #expect(m.health != .takeover, "seed \(seed): \(name) left in takeover health")
                }
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    /// The fund holds 0 to 100 USD, there are no backstops nor books, and the other side of every trader's position
    /// is held by a liquidity provider (lp-0 short what traders are long, lp-1 long what they are short: someone
    /// eligible is always on the other side); the index moves 30% against trader t0.
    /// For every takeover preceded by deleverage fills, the fund pays what it had before (up to the 10⁻⁶ reserve,
    /// never going below zero) and the counterparties' losses against the mark, `Σ q·|price − mark|`, add up to the
    /// rest of the shortfall: `L = −equity − fund`, to the reserve and the price's 10⁻¹⁰ tick. No takeover leaves the
    /// fund below where it was, except that of a counterparty which deleveraging itself left flat and bankrupt (say
    /// trader t0 in seed 9608201, whose every position closed at t2's bankruptcy price): it has nothing left to
    /// deleverage, and the engine reports its loss with an `uncoveredLoss` alert of that amount.
    @Test("when the insurance fund runs dry, auto-deleveraging covers the rest of the shortfall exactly")
    func fundRunsDryAndDeleveragingCoversTheRest() async throws {
        await propertyCheck(count: 200, input: Gen.int(in: 0...10_000_000)) { seed in
            var rng = SplitMix64(seed: UInt64(seed))
            var w = Self.population(&rng, fund: Decimal(Int(rng.next() % 100)), providersOnly: true)
            w.state.liquidation.backstops = []
            w.state.books = [:]
            do {
                let engine = try await w.engine(snapshot: false)
                let state = await engine.state
                let t0 = try #require(state.accounts["t0"])
                let longBTC = t0.positions.filter { !$0.key.hasPrefix("ETH") }.values
                    .reduce(Decimal(0)) { $0 + $1.quantity }
                let btc = try #require(state.markets["BTC"])
                let log = await engine.recordCommits()
                try await engine.submit(.market(MarketUpdate(underlying: "BTC", time: btc.time,
                                                             index: btc.index * (longBTC >= 0 ? 0.7 : 1.3))))
                #expect(log.violations.isEmpty, "seed \(seed): \(log.violations)")
                var fundBefore = 0.0
                var borne = 0.0
                var deleveraged = 0
                let uncoveredAlerts = log.observations.compactMap { o -> Double? in
                    if case .alert(let a) = o.event, a.kind == .uncoveredLoss { return a.amount }
                    return nil
                }
                for o in log.observations {
                    let fund = o.margins["insurance-fund"]?.equity ?? 0
                    defer { fundBefore = fund }
                    guard o.isFollowUp else { continue }
                    if let d = o.event.deleverage {
                        let q = Money.double(d.quantity)
                        let p = Money.double(d.price)
                        let m = Money.double(d.markPrice)
                        let underlying = o.state.instruments[d.instrument]?.underlying ?? ""
                        let index = o.state.markets[underlying]?.index ?? 0
                        borne += o.state.instruments[d.instrument]?.isSizedByNotional == true
                            ? q * abs(1 / m - 1 / p) * index : q * abs(p - m)
                        deleveraged += 1
                    } else if let t = o.event.takeover {
                        if deleveraged > 0 {
                            let loss = -t.equity - max(fundBefore, 0)
                            let reserve = 1e-6 * max(1, -t.equity)
                            #expect(fund >= min(fundBefore, 0) && fund <= max(fundBefore, 0) + 2 * reserve + 1e-6,
                                    "seed \(seed): fund \(fundBefore) → \(fund)")
                            let tolerance = 2 * reserve + 1e-9 * max(1, loss) + 1e-8 * Double(deleveraged)
                            #expect(abs(borne - (loss + reserve)) <= tolerance,
                                    "seed \(seed): the counterparties bore \(borne), the uncovered loss is \(loss)")
                        }
                        if fund < min(fundBefore, 0) {
                            // A counterparty that auto-deleveraging itself left flat and bankrupt (its whole
                            // portfolio closed at another account's bankruptcy price) has nothing left to
                            // deleverage: the fund takes its loss, and the engine reports it as uncovered.
                            let uncovered = min(fundBefore, 0) - fund
                            #expect(t.transfers.isEmpty && deleveraged == 0,
                                    "seed \(seed): the takeover left the fund at \(fund)")
                            #expect(uncoveredAlerts.contains { abs($0 - uncovered) <= 1e-6 * max(1, uncovered) },
                                    "seed \(seed): no uncoveredLoss alert of \(uncovered)")
                        }
                        borne = 0
                        deleveraged = 0
                    }
                }
                let halt = await engine.state.liquidationHalt
                #expect(halt == nil, "seed \(seed): \(halt ?? "")")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}
