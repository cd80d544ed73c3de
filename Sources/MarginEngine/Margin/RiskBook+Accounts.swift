import Foundation
import MarginCore
import MarginLedger

// The book's accounts: slots, the conversion of a decimal ledger into the hot-loop form, and syncing a changed
// ledger into the slab.

extension RiskBook {
    /// The slot of account `name`, adding it on first sight.
    func slot(ofAccount name: String) -> Int32 {
        if let a = accountSlot[name] { return a }
        let a = Int32(accountCount)
        accountSlot[name] = a
        accountNames.append(name)
        slabOffset.append(Int32(slab.count))
        slabCapacity.append(0)
        rangeStart += [Int32](repeating: Int32(slab.count), count: underlyingCount)
        rangeCount += [Int32](repeating: 0, count: underlyingCount)
        stable.append(0)
        margins.append(.empty)
        coins += [Double](repeating: 0, count: underlyingCount)
        summaries += [UnderlyingSummary](repeating: UnderlyingSummary(), count: underlyingCount)
        holds += [Bool](repeating: false, count: underlyingCount)
        member += [Bool](repeating: false, count: underlyingCount)
        curves += [Double](repeating: 0, count: underlyingCount * curveStride)
        journaledHealth.append(.healthy)
        pendingFlag.append(false)
        passMark.append(0)
        return a
    }

    /// The hot-loop form of an account's ledger: positions grouped by underlying slot and sorted by instrument id
    /// within each (``orderedSlots(of:)``), coins and stablecoins as Double.
    func slots(of account: AccountState) -> (positions: [PositionSlot], coins: [(Int, Double)], stable: Double) {
        let ps = orderedSlots(of: account).map(\.slot)
        let (cs, st) = balanceSlots(account.balances)
        return (ps, cs, st)
    }

    /// An account's positions in the slab's order: grouped by underlying slot, in instrument-id order within each
    /// underlying (so that every path that margins a ledger, the slab's and the decimal ledger's, sums alike).
    /// Sorted by the instruments' ranks (``instrumentRanks()``), integers: the same order as comparing (underlying,
    /// id), since one ledger holds an id once.
    func orderedSlots(of account: AccountState) -> [(id: String, slot: PositionSlot)] {
        let ranks = instrumentRanks()
        var out: [(id: String, slot: PositionSlot)] = []
        out.reserveCapacity(account.positions.count)
        for (id, p) in account.positions {
            guard let slot = positionSlot(id, p) else { continue }
            out.append((id, slot))
        }
        out.sort { ranks[Int($0.slot.instrument)] < ranks[Int($1.slot.instrument)] }
        return out
    }

    /// ``orderedSlots(of:)`` of a ledger that differs from one whose ordered slots are `base` at most in the
    /// positions of the instruments `changed` and in its balances; `patch` holds those positions as they are now
    /// (a position absent from it is closed). The unchanged slots are kept, not converted again: the same slots,
    /// in the same order, as converting the whole ledger.
    func orderedSlots(base: [(id: String, slot: PositionSlot)], changed: [String],
                      patch: AccountState) -> [(id: String, slot: PositionSlot)] {
        let ranks = instrumentRanks()
        let gone = Set(changed.compactMap { instrumentSlot[$0] })
        var out = base.filter { !gone.contains($0.slot.instrument) }
        for (id, p) in patch.positions {
            guard let slot = positionSlot(id, p) else { continue }
            out.append((id, slot))
        }
        out.sort { ranks[Int($0.slot.instrument)] < ranks[Int($1.slot.instrument)] }
        return out
    }

    /// Per instrument slot, its rank in the slab's order (underlying slot, then instrument id; a re-listed id's
    /// older slot first), recomputed after a listing (instruments are only ever appended).
    func instrumentRanks() -> [Int32] {
        if orderRank.count != instruments.count {
            let order = instruments.indices.sorted { a, b in
                if instrumentUnderlying[a] != instrumentUnderlying[b] {
                    return instrumentUnderlying[a] < instrumentUnderlying[b]
                }
                return instrumentIds[a] != instrumentIds[b] ? instrumentIds[a] < instrumentIds[b] : a < b
            }
            var ranks = [Int32](repeating: 0, count: instruments.count)
            for (k, slot) in order.enumerated() { ranks[slot] = Int32(k) }
            orderRank = ranks
        }
        return orderRank
    }

    /// The hot-loop form of an account's balances: coin balances by underlying slot and the stablecoins' sum (USD),
    /// in currency order.
    func balanceSlots(_ balances: [String: Decimal]) -> (coins: [(Int, Double)], stable: Double) {
        var cs: [(Int, Double)] = []
        var st = 0.0
        for (currency, amount) in balances.sorted(by: { $0.key < $1.key }) {
            if Portfolio.stablecoins.contains(currency) {
                st += Money.double(amount)
            } else if let u = underlyingSlot[currency] {
                cs.append((u, Money.double(amount)))
            }
        }
        return (cs, st)
    }

    /// The hot-loop form of one position (`nil` when the instrument is not listed).
    func positionSlot(_ id: String, _ p: PositionState) -> PositionSlot? {
        guard let slot = instrumentSlot[id] else { return nil }
        return PositionSlot(instrument: slot, underlying: instrumentUnderlying[Int(slot)],
                            size: Money.double(p.quantity), entry: p.entryPrice(of: instruments[Int(slot)]) ?? .nan)
    }

    /// The hot-loop form of a position of `size` in `id` without its entry price (`NaN`): enough for its MM, which
    /// reads sizes only, not for its value (`nil` when the instrument is not listed).
    func positionSlot(_ id: String, size: Double) -> PositionSlot? {
        guard let slot = instrumentSlot[id] else { return nil }
        return PositionSlot(instrument: slot, underlying: instrumentUnderlying[Int(slot)], size: size, entry: .nan)
    }

    /// Instrument `id`'s valuation in the current market, from its risk array's pricing (priced now if stale);
    /// `nil` when it is not listed or its array is invalid.
    func valuation(of id: String) -> InstrumentValuation? {
        guard let slot = instrumentSlot[id] else { return nil }
        return valuation(slot: Int(slot))
    }

    /// ``valuation(of:)`` by the instrument's slot.
    func valuation(slot: Int) -> InstrumentValuation? {
        ensureFresh(slot)
        return valuations[slot]
    }

    /// Copies an account's ledger into the book (positions, balances, exposure index). Does not re-margin.
    ///
    /// - Parameter changing: when given, the ledger differs from what the book holds for the account at most in
    ///   these instruments' positions and in its balances (an event that trades these instruments): only their
    ///   slots are rebuilt, the others kept (a slot depends on its own position only), instead of converting every
    ///   position again. The result is the same.
    @discardableResult
    func sync(account name: String, _ account: AccountState, changing: [String]? = nil) -> Int32 {
        let known = accountSlot[name]
        let a = slot(ofAccount: name)
        let s: (positions: [PositionSlot], coins: [(Int, Double)], stable: Double)
        if let changing, known != nil {
            s = (patchedSlots(Int(a), account, changing: changing), balanceSlots(account.balances).coins,
                 balanceSlots(account.balances).stable)
        } else {
            s = slots(of: account)
        }
        let base = Int(a) * underlyingCount
        for u in 0..<underlyingCount { coins[base + u] = 0 }
        for (u, amount) in s.coins { coins[base + u] = amount }
        place(a, s.positions)
        stable[Int(a)] = s.stable
        journaledHealth[Int(a)] = account.health
        var exposed = Set(s.coins.map(\.0))
        for p in s.positions { exposed.insert(Int(p.underlying)) }
        for u in 0..<underlyingCount { member[base + u] = exposed.contains(u) }
        for u in exposed.sorted() where !holds[base + u] {
            holds[base + u] = true
            holders[u].append(a)
        }
        return a
    }

    /// Writes account `a`'s positions into its slab region grouped by underlying slot (instrument-id order kept
    /// within each underlying), moving the region to the end of the slab when it no longer fits.
    func place(_ a: Int32, _ ps: [PositionSlot]) {
        let ai = Int(a)
        let uc = underlyingCount
        for u in 0..<uc {
            let start = Int(rangeStart[ai * uc + u])
            for k in start..<(start + Int(rangeCount[ai * uc + u])) { heldCount[Int(slab[k].instrument)] -= 1 }
        }
        for p in ps { heldCount[Int(p.instrument)] += 1 }
        if ps.count > Int(slabCapacity[ai]) {
            // Room to grow a little without moving again (fills usually add one position at a time).
            let capacity = ps.count + (ps.count + 3) / 4
            slabOffset[ai] = Int32(slab.count)
            slabCapacity[ai] = Int32(capacity)
            slab += [PositionSlot](repeating: PositionSlot(instrument: 0, underlying: 0, size: 0, entry: .nan),
                                   count: capacity)
        }
        var next = Int(slabOffset[ai])
        for u in 0..<uc {
            rangeStart[ai * uc + u] = Int32(next)
            for p in ps where Int(p.underlying) == u {
                slab[next] = p
                next += 1
            }
            rangeCount[ai * uc + u] = Int32(next) - rangeStart[ai * uc + u]
        }
    }

    /// Account `a`'s slots with those of the instruments `changing` rebuilt from `account` (dropped when it no
    /// longer holds them), in the slab's order (underlying slot, then instrument id).
    private func patchedSlots(_ a: Int, _ account: AccountState, changing: [String]) -> [PositionSlot] {
        let changed = Set(changing.compactMap { instrumentSlot[$0] })
        var ps = positions(of: a).filter { !changed.contains($0.instrument) }
        for id in changing {
            guard let p = account.positions[id], let new = positionSlot(id, p) else { continue }
            let i = ps.firstIndex { $0.underlying > new.underlying
                || ($0.underlying == new.underlying && instrumentIds[Int($0.instrument)] > id) } ?? ps.count
            ps.insert(new, at: i)
        }
        return ps
    }

    /// Account `a`'s positions (all underlyings, grouped by underlying slot).
    func positions(of a: Int) -> ArraySlice<PositionSlot> {
        let start = Int(slabOffset[a])
        var n = 0
        for u in 0..<underlyingCount { n += Int(rangeCount[a * underlyingCount + u]) }
        return slab[start..<(start + n)]
    }
}
