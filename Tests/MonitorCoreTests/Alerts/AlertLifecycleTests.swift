import Testing
@testable import Monitor
@testable import MonitorCore

@Suite struct AlertLifecycleTests {
    /// Runs a sequence of observations (B breached, C clear, S skipped; X: the version
    /// retired, ``AlertLifecycle/retire()``) on windows of
    /// `length` sliding by 1 and returns the transitions as a string of the same length
    /// ("F" fired, "R" resolved, "." none). Length 1: disjoint windows.
    func run(_ sequence: String, for forWindows: Int = 1, keepFiringFor: Int = 0, length: Int64 = 1) -> String {
        var lifecycle = AlertLifecycle()
        var time: Int64 = 0
        return String(sequence.map { symbol -> Character in
            time += 1
            let window = AlertLifecycle.Window(start: time - length, end: time)
            let transition: AlertLifecycle.Transition?
            if symbol == "X" {
                transition = lifecycle.retire()
            } else {
                transition = lifecycle.observe(observation(symbol), window: window, forWindows: forWindows, keepFiringFor: keepFiringFor)
            }
            switch transition {
            case .fired?: return "F"
            case .resolved?: return "R"
            case nil: return "."
            }
        })
    }

    private func observation(_ symbol: Character) -> AlertLifecycle.Observation {
        switch symbol {
        case "B": .breached
        case "C": .clear
        default: .skipped
        }
    }

    /// A retired version's firing alert resolves at once, whatever `keep_firing_for` still
    /// asks, exactly once; one not firing is left alone (a pending run goes on); a later
    /// breach fires it again as on a fresh state.
    @Test func retiringResolvesAFiringAlertOnce() {
        #expect(run("BCX", keepFiringFor: 3) == "F.R")
        #expect(run("BXXCB") == "FR..F")
        #expect(run("XBXB", for: 2) == "...F")
        #expect(run("BBXBB", for: 2) == ".FR.F")
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

    /// Overlapping windows (length 3, sliding by 1) count once per window length: `for: 2`
    /// needs the breach on two disjoint windows, three slides apart.
    @Test func overlappingWindowsCountOncePerWindowLength() {
        #expect(run("BBBB", for: 2, length: 3) == "...F")
        #expect(run("BBBCBBBB", for: 2, length: 3) == ".......F")
        // A clear window ends the clear run only while firing; keep_firing_for 1 needs
        // two disjoint clear windows after the last breach.
        #expect(run("BCCCC", keepFiringFor: 1, length: 3) == "F...R")
        #expect(run("BCCBCCCC", keepFiringFor: 1, length: 3) == "F......R")
        // Skipped evaluations neither count nor break a run.
        #expect(run("BSSB", for: 2, length: 3) == "...F")
    }

    /// A run resumes counting from its own last counted window, not from the opposite run's.
    @Test func runsCountFromTheirOwnStart() {
        #expect(run("BBBBCCCCBBBB", for: 2, keepFiringFor: 0, length: 3) == "...FR......F")
    }

    @Test func remembersWhenFiringStarted() {
        var lifecycle = AlertLifecycle()
        _ = lifecycle.observe(.breached, window: .init(start: 0, end: 100), forWindows: 2, keepFiringFor: 0)
        #expect(lifecycle.observe(.breached, window: .init(start: 100, end: 200), forWindows: 2, keepFiringFor: 0) == .fired)
        #expect(lifecycle.firingSince == 200 && lifecycle.isFiring && !lifecycle.isInactive)
    }
}
