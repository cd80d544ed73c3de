#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution, accurate in both tails.
public enum NormalDistribution {
    /// 1/√(2π).
    public static let inverseSqrtTwoPi = 0.398_942_280_401_432_677_94
    /// 1/√2.
    public static let inverseSqrtTwo = 0.707_106_781_186_547_524_40

    /// Φ(x) = ½·erfc(−x/√2): no cancellation for x ≪ 0.
    @inlinable
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x * inverseSqrtTwo) }

    /// φ(x) = e^{−x²/2}/√(2π).
    @inlinable
    public static func pdf(_ x: Double) -> Double { inverseSqrtTwoPi * exp(-0.5 * x * x) }
}
