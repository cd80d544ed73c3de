/// How a contract settles.
///
/// - `linear`: USD-settled (USDC/USDT); P&L is in USD and quantities are in coins.
/// - `inverse`: coin-settled; P&L is in the underlying coin. Inverse futures and perpetuals are sized by USD notional,
///   inverse options by coins (MARGIN_MODEL.md, "Units and conventions").
public enum Settlement: String, Hashable, Sendable, CaseIterable {
    case linear
    case inverse
}
