import Testing
@testable import DriftCore

@Suite struct LinearQuantileTests {
    // Values from numpy.quantile([1, 2, 4, 8, 16], q) (default method="linear").
    @Test(arguments: [(0.0, 1.0), (0.1, 1.4), (0.25, 2.0), (0.3, 2.4), (0.5, 4.0), (0.8, 9.6), (0.99, 15.68), (1.0, 16.0)])
    func matchesNumpy(q: Double, expected: Double) {
        #expect(abs(LinearQuantile.quantile(sorted: [1, 2, 4, 8, 16], q) - expected) < 1e-12)
    }

    @Test func tiesAndSingletons() {
        #expect(LinearQuantile.quantile(sorted: [3, 3, 3], 0.37) == 3)
        #expect(LinearQuantile.quantile(sorted: [5], 0.5) == 5)
    }
}
