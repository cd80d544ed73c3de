#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CVectorMath

/// The standard normal distribution, accurate in both tails.
public enum NormalDistribution {
    /// 1/√(2π).
    public static let inverseSqrtTwoPi = 0.398_942_280_401_432_677_94
    /// 1/√2.
    public static let inverseSqrtTwo = 0.707_106_781_186_547_524_40

    /// Φ(x) = ½·erfc(−x/√2): no cancellation for x ≪ 0.
    ///
    /// `erfc` is CVectorMath's own (`vm_erfc_one`, within 2 ulp of the exact value on the tested points), the one the
    /// batch kernel ``Black76Grid`` runs on every instruction-set path: so Φ, and every price built on it, has the same
    /// bits on every CPU and in the scalar and batch paths. Φ(x) is 0 below x ≈ −38.5 and 1 above x ≈ 8.3.
    public static func cdf(_ x: Double) -> Double { 0.5 * vm_erfc_one(-x * inverseSqrtTwo) }

    /// φ(x) = e^{−x²/2}/√(2π).
    @inlinable
    public static func pdf(_ x: Double) -> Double { inverseSqrtTwoPi * exp(-0.5 * x * x) }
}
