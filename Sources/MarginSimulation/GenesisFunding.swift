import Foundation
import MarginCore
import MarginLedger

/// How a generated population is funded at genesis, for ``Population`` and ``CrashPopulation`` alike.
///
/// One margin pass over the state with its positions and no funding (a ``MarginPass`` the caller supplies; USD
/// balances do not change margins), then, in the pass's order:
/// - each trader (an account ``fund(_:margins:target:)``'s `target` names a ``Target`` for): a USD top-up to
///   `multiple` × its initial or maintenance margin (at least 100 USD), less its equity, in whole cents;
/// - each liquidity provider: 3 × its initial margin less its equity (not below 0), plus 1,000,000 USD, in cents
///   rounded up.
///
/// Then the backstops (`backstop-0`, …: each funded with 2% of the traders' total maintenance margin, at least
/// 1,000,000 USD, whole dollars rounded up), the insurance fund (`insuranceFund` USD) and the fee account, named in
/// the state's ``LiquidationSettings``; the synthetic books (``SyntheticBook``) owned by the providers when `books`;
/// and each account's ledger sums at genesis (``Ledger``: its balances, less its linear futures' cost, plus its
/// inverse ones') as what it deposited (or withdrew, when negative), so the money invariant holds from the first
/// sequence. (Σ cost is not 0 where a position netted to zero and was realized into the balance.)
struct GenesisFunding {
    /// What one trader is funded to: `multiple` × its `basis` margin (at least 100 USD), less its equity.
    struct Target {
        enum Basis { case initialMargin, maintenanceMargin }
        var basis: Basis
        var multiple: Double
        /// How the top-up, USD, is rounded to whole cents.
        var rounding: FloatingPointRoundingRule
    }

    /// Where the accounts' health at genesis comes from.
    enum HealthSource {
        /// Each funded trader's health at its equity after the top-up, from the funding pass (the providers and
        /// system accounts keep the default).
        case fundingPass
        /// A second margin pass, once every account is funded, sets every account's health.
        case passAfterFunding
    }

    /// The liquidity providers (`lp-0`, …) and the number of backstops.
    var providers: [String]
    var backstops: Int
    /// The insurance fund's balance, USD (none when 0).
    var insuranceFund: Decimal
    /// Whether the providers own a synthetic book of every listed instrument.
    var books: Bool
    var health: HealthSource

    /// Funds `state`'s accounts from `margins`; `target` is asked, in the pass's order, for every account and names
    /// the traders (it may draw from the population's generator: the pass's order makes it deterministic).
    func fund(_ state: inout EngineState, margins: MarginPass, target: (String) -> Target?) {
        let backstopNames = (0..<max(0, backstops)).map { "backstop-\($0)" }
        var settings = LiquidationSettings()
        settings.backstops = backstopNames
        state.liquidation = settings
        var totalMM = 0.0
        for (name, m) in margins(state) {
            if let t = target(name) {
                let margin = t.basis == .initialMargin ? m.initialMargin : m.maintenanceMargin
                let topUp = max(margin, 100) * t.multiple - m.equity
                let cents = Decimal(Int64((topUp * 100).rounded(t.rounding))) / 100
                state.accounts[name]?.balances["USD", default: 0] += cents
                if health == .fundingPass {
                    state.accounts[name]?.health = Health(
                        equity: m.equity + Money.double(cents), initialMargin: m.initialMargin,
                        maintenanceMargin: m.maintenanceMargin, takeoverRatio: state.parameters.takeoverRatio)
                }
                totalMM += m.maintenanceMargin
            } else if providers.contains(name) {
                let topUp = max(0, 3 * m.initialMargin - m.equity) + 1_000_000
                state.accounts[name]?.balances["USD", default: 0] += Decimal(Int64((topUp * 100).rounded(.up))) / 100
            }
        }
        let backstopFunding = Decimal(Int64(max(1_000_000, 0.02 * totalMM).rounded(.up)))
        for name in backstopNames { state.accounts[name] = AccountState(balances: ["USD": backstopFunding]) }
        state.accounts[settings.insuranceFund] = AccountState(balances: insuranceFund > 0 ? ["USD": insuranceFund] : [:])
        state.accounts[settings.feeAccount] = AccountState()
        if books { state.books = SyntheticBook.books(for: state, owners: providers) }
        for account in state.accounts.values {
            for (currency, amount) in Ledger.contribution(of: account, instruments: state.instruments) {
                if amount > 0 { state.deposits[currency, default: 0] += amount }
                if amount < 0 { state.withdrawals[currency, default: 0] -= amount }
            }
        }
        if health == .passAfterFunding {
            for (name, m) in margins(state) { state.accounts[name]?.health = m.health }
        }
    }
}
