import MarginCore
import Testing

/// Kupiec (1995) on T = 250 at C = 99% (p = 0.01), worked by hand:
/// LR = −2[(T−x)ln 0.99 + x ln 0.01] + 2[(T−x)ln(1 − x/T) + x ln(x/T)], p-value = erfc(√(LR/2)).
@Suite struct KupiecTestTests {
    /// x = 0: LR = −500 ln 0.99 = 5.025168 (the second term is 0): rejected, too few exceptions.
    @Test func noExceptionIn250DaysIsRejected() {
        let k = KupiecTest(observations: 250, exceptions: 0, coverage: 0.99)
        #expect(abs(k.likelihoodRatio - 5.025167926750726) < 1e-9)
        #expect(abs(k.pValue - 0.02498150305344971) < 1e-9)
        #expect(!k.accepts)
    }

    /// x = 2: LR = −2[248 ln 0.99 + 2 ln 0.01] + 2[248 ln 0.992 + 2 ln 0.008] = 0.108435.
    @Test func twoExceptionsAreAccepted() {
        let k = KupiecTest(observations: 250, exceptions: 2, coverage: 0.99)
        #expect(abs(k.likelihoodRatio - 0.10843521623679919) < 1e-9)
        #expect(abs(k.pValue - 0.7419327009526282) < 1e-9)
        #expect(k.accepts)
    }

    /// x = 5: LR = 1.956810, p = 0.161855: accepted (the traffic light is already yellow).
    @Test func fiveExceptionsAreAccepted() {
        let k = KupiecTest(observations: 250, exceptions: 5, coverage: 0.99)
        #expect(abs(k.likelihoodRatio - 1.956809788230622) < 1e-9)
        #expect(abs(k.pValue - 0.16185491719604272) < 1e-9)
        #expect(k.accepts)
    }

    /// x = 10: LR = 12.955491, p = 0.000319: rejected.
    @Test func tenExceptionsAreRejected() {
        let k = KupiecTest(observations: 250, exceptions: 10, coverage: 0.99)
        #expect(abs(k.likelihoodRatio - 12.955491062356018) < 1e-9)
        #expect(abs(k.pValue - 0.0003189845082133835) < 1e-12)
        #expect(!k.accepts)
    }

    /// x = T: the (T−x)·ln(1 − x/T) term is 0, not NaN; x/T = p gives LR = 0 and p-value 1.
    @Test func edgesAreFinite() {
        let all = KupiecTest(observations: 10, exceptions: 10, coverage: 0.99)
        #expect(all.likelihoodRatio.isFinite && !all.accepts)
        let exact = KupiecTest(observations: 100, exceptions: 1, coverage: 0.99)
        #expect(exact.likelihoodRatio < 1e-12 && abs(exact.pValue - 1) < 1e-6)
    }
}
