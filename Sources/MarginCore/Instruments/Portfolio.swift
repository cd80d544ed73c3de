/// One account: balances per currency and positions. The whole account is margined as one portfolio.
public struct Portfolio: Hashable, Sendable {
    /// The account's name or id.
    public var account: String
    /// Balances by currency code, in units of that currency (coins, or USD for stablecoins). Positive = owned.
    public var balances: [String: Double]
    public var positions: [Position]

    public init(account: String, balances: [String: Double] = [:], positions: [Position] = []) {
        self.account = account
        self.balances = balances
        self.positions = positions
    }

    /// Currency codes valued at exactly 1 USD and never scanned.
    public static let stablecoins: Set<String> = ["USD", "USDC", "USDT"]

    /// Balances sorted by currency code: the deterministic order every computation uses.
    public var sortedBalances: [(currency: String, amount: Double)] {
        balances.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
