/// What a key may do, modelled on Deribit's API scopes (`account:read`, `trade:read_write`, `wallet:read_write`, …).
public enum Scope: String, CaseIterable, Sendable {
    /// Accounts, margins, what-ifs, liquidation prices, signed risk statements and inclusion proofs (an owner: its
    /// own account only), and the commitment over every account (its signed root and totals: an owner checks its
    /// proof against it).
    case accountRead = "account:read"
    /// Deposits and withdrawals.
    case walletReadWrite = "wallet:read_write"
    /// Trades (the trading back-end).
    case tradeReadWrite = "trade:read_write"
    /// Market data and order books (the feeder).
    case marketReadWrite = "market:read_write"
    case parametersRead = "parameters:read"
    case parametersReadWrite = "parameters:read_write"
    /// The liquidation feed and the insurance fund.
    case liquidationRead = "liquidation:read"
    /// WebSocket streams (an owner: its own account only; every health transition: without an account).
    case streamRead = "stream:read"
    /// Creating, listing and revoking keys.
    case keysReadWrite = "keys:read_write"
    /// Margin backtests on a history sent with the request (`POST /v1/backtest`).
    case backtestRun = "backtest:run"
}

/// A key's role: a fixed set of scopes (docs/SERVICE.md has the matrix).
public enum Role: String, CaseIterable, Sendable {
    /// Everything.
    case admin
    /// One account's holder: reads and what-ifs it, gets its statement and proof, streams it (its key is bound to
    /// the account).
    case owner
    /// The trading back-end: posts trades, reads every account.
    case trader
    /// The market-data feeder: posts market data and order books.
    case feeder
    /// Read-only (the dashboard, risk staff): every account, the streams, the liquidation feed, backtests.
    case viewer

    public var scopes: Set<Scope> {
        switch self {
        case .admin: return Set(Scope.allCases)
        case .owner: return [.accountRead, .streamRead, .parametersRead]
        case .trader: return [.accountRead, .tradeReadWrite, .parametersRead, .liquidationRead]
        case .feeder: return [.marketReadWrite, .parametersRead]
        case .viewer: return [.accountRead, .streamRead, .parametersRead, .liquidationRead, .backtestRun]
        }
    }

    /// Whether the role's scopes are limited to the key's one account.
    public var isAccountBound: Bool { self == .owner }
}

/// The authenticated caller of a request.
public struct Principal: Hashable, Sendable {
    /// The key's id (`admin` for the admin key file's key).
    public var keyID: String
    public var role: Role
    /// The account an owner key is bound to.
    public var account: String?

    public init(keyID: String, role: Role, account: String? = nil) {
        self.keyID = keyID
        self.role = role
        self.account = account
    }

    public func has(_ scope: Scope) -> Bool { role.scopes.contains(scope) }

    /// Whether the caller may act on `account` (always, except an owner on another account).
    public func mayAccess(account name: String) -> Bool { !role.isAccountBound || account == name }
}
