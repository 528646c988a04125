import Testing
@testable import Monitor

@Suite struct AlertLifecycleTests {
    /// Runs a sequence of observations (B breached, C clear, S skipped) and returns the
    /// transitions as a string of the same length ("F" fired, "R" resolved, "." none).
    func run(_ sequence: String, for forEvaluations: Int = 1, keepFiringFor: Int = 0) -> String {
        var lifecycle = AlertLifecycle()
        var time: Int64 = 0
        return String(sequence.map { symbol -> Character in
            time += 1
            let observation: AlertLifecycle.Observation = switch symbol {
            case "B": .breached
            case "C": .clear
            default: .skipped
            }
            switch lifecycle.observe(observation, at: time, forEvaluations: forEvaluations, keepFiringFor: keepFiringFor) {
            case .fired?: return "F"
            case .resolved?: return "R"
            case nil: return "."
            }
        })
    }

    @Test func firesAndResolvesImmediatelyByDefault() {
        #expect(run("CBBBCCB") == ".F..R.F")
    }

    @Test func forNeedsConsecutiveBreaches() {
        #expect(run("BCBBCBBB", for: 3) == ".......F")
        #expect(run("BBB", for: 3) == "..F")
    }

    @Test func keepFiringForAbsorbsShortClears() {
        #expect(run("BCBCCC", keepFiringFor: 2) == "F....R")
        #expect(run("BCCB", keepFiringFor: 1) == "F.RF")
    }

    @Test func skippedEvaluationsChangeNothing() {
        #expect(run("BSSB", for: 2) == "...F")
        #expect(run("BSSSC") == "F...R")
    }

    @Test func remembersWhenFiringStarted() {
        var lifecycle = AlertLifecycle()
        _ = lifecycle.observe(.breached, at: 100, forEvaluations: 2, keepFiringFor: 0)
        #expect(lifecycle.observe(.breached, at: 200, forEvaluations: 2, keepFiringFor: 0) == .fired)
        #expect(lifecycle.firingSince == 200 && lifecycle.isFiring && !lifecycle.isInactive)
    }
}
