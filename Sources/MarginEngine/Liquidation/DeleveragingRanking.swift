import MarginLedger

/// Who is auto-deleveraged first, by BitMEX's published rule, adapted to portfolio accounts.
///
/// For a position on the side opposite the bankrupt one:
/// - `PNL% = (mark value − entry value) / |entry value|`, values signed by the position (a short's are negative);
/// - effective leverage = `|mark value| / (mark value − bankrupt value)`. In a portfolio account a position's
///   distance to bankruptcy is the account's: `mark value − bankrupt value` = the account's equity (USD), so
///   effective leverage = `|mark value| / equity`;
/// - score = `PNL% × leverage` when `PNL% > 0`, else `PNL% / leverage`. The highest score is deleveraged first:
///   the most profitable, most leveraged positions; ties by account name.
///
/// Longs and shorts are ranked separately (the caller passes one side). An account with no open position in the
/// instrument is never a candidate, and neither is one with equity ≤ 0 (it is being liquidated itself).
/// Scores are `Double`: they order candidates, they are not booked.
package enum DeleveragingRanking {
    /// One opposite-side position.
    package struct Candidate: Hashable, Sendable {
        package var account: String
        /// The position's USD value at mark, signed (long > 0).
        package var markValue: Double
        /// The position's USD value at its average entry price, signed like `markValue`.
        package var entryValue: Double
        /// The account's equity, USD.
        package var accountEquity: Double

        package init(account: String, markValue: Double, entryValue: Double, accountEquity: Double) {
            self.account = account
            self.markValue = markValue
            self.entryValue = entryValue
            self.accountEquity = accountEquity
        }

        /// `(mark value − entry value) / |entry value|` (0 when the entry value is 0).
        package var pnlPercent: Double {
            entryValue == 0 ? 0 : (markValue - entryValue) / abs(entryValue)
        }

        /// `|mark value| / equity`.
        package var effectiveLeverage: Double { abs(markValue) / accountEquity }

        /// The rank score (higher is deleveraged first).
        package var score: Double {
            let pnl = pnlPercent
            let leverage = effectiveLeverage
            return pnl > 0 ? pnl * leverage : pnl / leverage
        }
    }

    /// The candidates that may share a loss, highest score first (ties by account name); candidates with equity
    /// ≤ 0 or no position are left out.
    package static func rank(_ candidates: [Candidate]) -> [Candidate] {
        candidates.filter { $0.accountEquity > 0 && $0.markValue != 0 }
            .sorted { a, b in a.score != b.score ? a.score > b.score : a.account < b.account }
    }
}
