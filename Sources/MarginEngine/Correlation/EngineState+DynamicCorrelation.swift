import MarginLedger
import MarginCore

extension EngineState {
    /// The table the policy's rule gives now, with its provenance (`nil` without an enabled policy, before any
    /// market event under it, with fewer than two underlyings, or if the rule fails).
    ///
    /// The rule (docs/ENGINE.md, "The dynamic table"), per pair of the underlyings with a market, sorted:
    /// 1. **implied** at the policy's tenor from the pair's cross rate (``ImpliedCorrelation``, the legs' and the
    ///    cross's ATM vols at `clock + tenor`), when the cross was updated within `impliedMaximumAgeSeconds` and its
    ///    vols are consistent with its legs' (else the reason is noted and the next source used);
    /// 2. else **realized** when the pair's estimator is warmed up (``CorrelationMonitor``);
    /// 3. else the policy's **fallback** table (0 when unlisted).
    /// Then the core's ``CorrelationTableRule``: each ρ clamped to ±0.99, the matrix repaired to the nearest
    /// correlation matrix with eigenvalues ≥ 1e−4 if needed (Higham 2002) and bounded again, verified positive
    /// definite by ``CorrelationModel``. The table is the unstressed one: correlated mode stresses ρ ± 0.1 itself.
    /// A pure function of the state.
    public func correlationDecision() -> (table: CorrelationTable, provenance: CorrelationProvenance)? {
        guard let policy = correlationPolicy, policy.enabled, let now = correlationMonitor.clock else { return nil }
        let names = markets.keys.sorted()
        guard names.count >= 2 else { return nil }
        var sourced = CorrelationTable()
        var pairs: [CorrelationProvenance.Pair] = []
        for i in 0..<names.count {
            for j in (i + 1)..<names.count {
                let pair = UnderlyingPair(names[i], names[j])
                let realized = correlationMonitor.realized(pair)
                var note: String?
                var choice: (CorrelationTableRule.Source, Double)?
                if let cross = crossRates[pair] {
                    switch implied(cross, at: now, policy: policy) {
                    case .success(let rho): choice = (.implied, rho)
                    case .failure(let why): note = why.reason
                    }
                }
                if choice == nil, let rho = realized.rho { choice = (.realized, rho) }
                let (source, rho) = choice ?? (.fallback, policy.fallback.rho(pair.first, pair.second))
                sourced.set(pair.first, pair.second, rho: rho)
                pairs.append(CorrelationProvenance.Pair(pair: pair, source: source, sourced: rho, repaired: false,
                                                        samples: realized.samples, note: note))
            }
        }
        let rule = CorrelationTableRule(impliedTenorYears: policy.impliedTenorYears)
        guard let decision = try? rule.decide(names: names, implied: nil, realized: nil, fallback: sourced) else {
            return nil
        }
        for k in pairs.indices {
            let p = pairs[k].pair
            pairs[k].repaired = decision.table.rho(p.first, p.second).bitPattern != pairs[k].sourced.bitPattern
        }
        let change = CorrelationTableChangeDetector.largestChange(correlations, decision.table)
        return (decision.table, CorrelationProvenance(asOf: now, pairs: pairs, repaired: decision.repaired,
                                                      largestChange: change))
    }

    /// The `correlations` event the dynamic table calls for now, or `nil`: the rule's table
    /// (``correlationDecision()``) passed through the core's ``CorrelationTableChangeDetector`` with the policy's
    /// threshold and minimum interval, on market time. The detector's memory is the state's: the table in force
    /// and, when the rule journaled it, the market time it did (``correlationProvenance``); without one (no table
    /// from the rule yet, or an operator's table since) the rule's table is due at once.
    ///
    /// Pure: the driver calls it after each market event and submits the event like any other (validate →
    /// journal → apply), so replay reproduces every table from the journal.
    public func pendingCorrelationUpdate() -> EngineEvent? {
        guard let policy = correlationPolicy, policy.enabled, let now = correlationMonitor.clock else { return nil }
        var detector = CorrelationTableChangeDetector(threshold: policy.threshold,
                                                      minimumIntervalSeconds: policy.minimumIntervalSeconds)
        if let last = correlationProvenance?.asOf {
            // Too soon for any table: skip the rule's work (the detector would say the same).
            let elapsed = Double(now.nanosecondsSinceEpoch - last.nanosecondsSinceEpoch) / 1e9
            guard elapsed >= policy.minimumIntervalSeconds else { return nil }
            _ = detector.offer(correlations, at: last)
        }
        guard let (table, provenance) = correlationDecision(), detector.offer(table, at: now) != nil else {
            return nil
        }
        return .correlations(table, provenance: provenance)
    }

    /// The implied ρ of `cross` at `now + tenor`, or why it cannot be used (stale, or inconsistent with its legs).
    private func implied(_ cross: CrossRate, at now: Instant, policy: CorrelationPolicy)
        -> Result<Double, ImpliedUnavailable>
    {
        let age = Double(now.nanosecondsSinceEpoch - cross.market.valuationTime.nanosecondsSinceEpoch) / 1e9
        guard age <= policy.impliedMaximumAgeSeconds else {
            return .failure(ImpliedUnavailable(reason: "implied: \(cross.name) last updated \(age) s before "
                + "\(now), older than \(policy.impliedMaximumAgeSeconds) s"))
        }
        let snapshot = MarketSnapshot(valuationTime: now,
                                      underlyings: markets.filter { $0.key == cross.base || $0.key == cross.quote },
                                      crossRates: [cross])
        do {
            let implied = try ImpliedCorrelation(snapshot: snapshot, tenorYears: policy.impliedTenorYears)
            guard let rho = implied.pairs.first?.implied else {
                return .failure(ImpliedUnavailable(reason: "implied: \(cross.name) gave no value"))
            }
            return .success(rho)
        } catch {
            return .failure(ImpliedUnavailable(reason: "implied: \(error)"))
        }
    }
}

/// Why a cross rate's implied correlation was not used (noted in the provenance).
struct ImpliedUnavailable: Error {
    var reason: String
}
