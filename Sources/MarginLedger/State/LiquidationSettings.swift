import Foundation
import MarginCore

/// How the engine liquidates, and the names of the system accounts (docs/LIQUIDATION.md, "Settings"). Part of the
/// journaled state: set whole by a `liquidationSettings` event, so every decision replays.
///
/// Defaults: enabled, buffer 10% (target `equity ≥ 1.1·MM`), impact limit 1% per step, liquidation fees 0.5% of
/// notional on futures and perpetuals and 0.2% of the underlying's notional on options (Deribit's earlier published
/// BTC rates), 1 round per second (Deribit today), at most 10 steps per round, takeover discount 2%, no backstops,
/// the insurance fund `insurance-fund` and the fee account `fees`.
public struct LiquidationSettings: Hashable, Sendable {
    /// Whether the planner liquidates at all (`false`: accounts below MM are only reported).
    public var enabled = true
    /// Partial reduction stops once `equity ≥ MM × (1 + buffer)`.
    public var buffer: Decimal = Decimal(string: "0.1")!
    /// A step's fills stay within this fraction of the underlying's price from the mark (futures and perpetuals: of
    /// the mark itself; options: of the underlying's forward, in the option's price units).
    public var impactLimit: Decimal = Decimal(string: "0.01")!
    /// Liquidation fee of futures and perpetuals, a fraction of the notional executed, paid to the insurance fund.
    public var futuresFeeRate: Decimal = Decimal(string: "0.005")!
    /// Liquidation fee of options, a fraction of the underlying's notional (`|q| × index`), to the insurance fund.
    public var optionsFeeRate: Decimal = Decimal(string: "0.002")!
    /// Rounds of partial reduction per second of journal time, per account.
    public var roundsPerSecond: Decimal = 1
    /// Steps per round, per account.
    public var maxStepsPerRound = 10
    /// Backstops take a portfolio over at mark minus this fraction of the mark (shorts at mark plus it).
    public var takeoverDiscount: Decimal = Decimal(string: "0.02")!
    /// Backstop liquidity providers, in the order listed.
    public var backstops: [String] = []
    /// The insurance fund's account: receives liquidation fees and what remains of a liquidated account, pays its
    /// shortfall, takes what backstops cannot.
    public var insuranceFund = "insurance-fund"
    /// The venue's fee account: receives trading fees (pays rebates) and the rounding residue of expiries.
    public var feeAccount = "fees"

    public init() {}

    public static let `default` = LiquidationSettings()

    /// The insurance fund and the fee account: no external trade may name them.
    public func isSystemAccount(_ name: String) -> Bool { name == insuranceFund || name == feeAccount }

    /// The length of a round, seconds: `1 / roundsPerSecond`.
    public var roundSeconds: Double { 1 / Money.double(roundsPerSecond) }
}

/// An account's liquidation in progress: opened by its margin call, closed when partial reduction restores it
/// (`liquidationEnd`) or its portfolio is taken over (`takeover`). Journaled state.
public struct LiquidationEpisode: Hashable, Sendable {
    /// The margin call's time.
    public var since: Instant
    /// The time of the current round's first step (`nil` before the first step).
    public var roundStart: Instant?
    /// Steps taken in the current round.
    public var roundSteps = 0
    /// Steps taken since the margin call.
    public var steps = 0

    public init(since: Instant, roundStart: Instant? = nil, roundSteps: Int = 0, steps: Int = 0) {
        self.since = since
        self.roundStart = roundStart
        self.roundSteps = roundSteps
        self.steps = steps
    }

    /// Whether a step may be taken at `now` under `settings`: no round yet, the round has steps left, or a new round
    /// is due (`now ≥ roundStart + 1/roundsPerSecond`).
    public func mayStep(at now: Instant, settings: LiquidationSettings) -> Bool {
        guard let start = roundStart else { return true }
        return roundSteps < settings.maxStepsPerRound || Self.roundElapsed(from: start, to: now, settings: settings)
    }

    /// The episode after a step at `time`.
    public func stepped(at time: Instant, settings: LiquidationSettings) -> LiquidationEpisode {
        var e = self
        if let start = roundStart, !Self.roundElapsed(from: start, to: time, settings: settings) {
            e.roundSteps += 1
        } else {
            e.roundStart = time
            e.roundSteps = 1
        }
        e.steps += 1
        return e
    }

    package static func roundElapsed(from start: Instant, to now: Instant, settings: LiquidationSettings) -> Bool {
        let period = Int64((settings.roundSeconds * 1e9).rounded(.up))
        return now.nanosecondsSinceEpoch - start.nanosecondsSinceEpoch >= period
    }
}
