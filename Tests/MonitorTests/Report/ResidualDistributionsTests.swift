import DriftCore
import Foundation
import Testing
@testable import Monitor
@testable import MonitorCore
import MonitorTestSupport

/// The report's residual distribution: every regression prediction of the input joined to its
/// label (in either order), bounded, drawn against a regression profile's residuals.
@Suite struct ResidualDistributionsTests {
    static func events() throws -> [MonitorEvent] {
        var options = DatasetOptions()
        options.decoder = EventDecoder(modelTypes: StreamVectors.regression.configuration.modelTypes)
        var events: [MonitorEvent] = []
        try DatasetReader.read(path: StreamFixtures.path("regression.jsonl"), options: options) { events.append($0) }
        return events
    }

    /// The residuals of exactly the input's labelled regression predictions.
    static func expected(_ events: [MonitorEvent]) -> ResidualHistogram {
        var labels: [String: Double] = [:]
        for case let .label(label) in events { labels[label.id] = label.value.number }
        var histogram = ResidualHistogram()
        for case let .prediction(prediction) in events {
            if case let .regression(value) = prediction.output, let label = labels[prediction.id] { histogram.record(label - value) }
        }
        return histogram
    }

    @Test func everyLabelledPredictionIsJoinedInEitherOrder() throws {
        let events = try Self.events()
        var inOrder = ResidualDistributions(reference: nil)
        var labelsFirst = ResidualDistributions(reference: nil)
        for event in events { inOrder.add(event) }
        for case let .label(label) in events { labelsFirst.add(.label(label)) }
        for case let .prediction(prediction) in events { labelsFirst.add(.prediction(prediction)) }
        let version = ModelVersion(model: "house-price", version: "v1")
        let expected = Self.expected(events)
        #expect(expected.count == 1000 && inOrder.histograms[version] == expected && labelsFirst.histograms[version] == expected)
        #expect(inOrder.overflow == 0 && labelsFirst.overflow == 0)
        let shares = try #require(inOrder.shares(version))
        #expect(shares.reference == nil && shares.window.count == ResidualDistributions.bins && abs(shares.window.reduce(0, +) - 1) < 1e-9)
        #expect(shares.edges == shares.edges.sorted())
    }

    /// Past the cap, waiting predictions and labels are counted, not kept.
    @Test func pendingEventsAreCapped() throws {
        var joined = ResidualDistributions(reference: nil, maximumPending: 2)
        let predictions = try Self.events().compactMap { event -> PredictionEvent? in if case let .prediction(prediction) = event { prediction } else { nil } }
        for prediction in predictions.prefix(8) { joined.add(.prediction(prediction)) }
        for index in 0..<5 { joined.add(.label(LabelEvent(id: "none-\(index)", timestamp: 0, value: .value(1)))) }
        #expect(joined.overflow == 8 - 2 + 5 - 2 && joined.histograms.isEmpty)
    }

    /// A regression profile's residuals are the reference side, for the version it names.
    @Test func aRegressionProfilesResidualsAreTheReference() throws {
        let events = try Self.events()
        let early = events.filter { event in
            switch event {
            case let .prediction(prediction): prediction.timestamp < StreamVectors.regression.vectors.windows[0].end
            case .label: true
            }
        }
        var profiler = LabelledDatasetProfiler(try DatasetProfiler())
        for event in early { profiler.add(event) }
        let document = profiler.document(model: "house-price", version: nil) { add in
            for case let .prediction(prediction) in early { add(prediction) }
        }
        var joined = ResidualDistributions(reference: document)
        for event in events { joined.add(event) }
        let version = ModelVersion(model: "house-price", version: "v1")
        #expect(joined.reference(for: version) == document.outcomes?.residuals && joined.reference(for: ModelVersion(model: "other", version: "v1")) == nil)
        let shares = try #require(joined.shares(version))
        let reference = try #require(shares.reference)
        #expect(abs(reference.reduce(0, +) - 1) < 1e-9)
        // From 20 s every prediction is 25,000 too high: the history's residuals sit lower than the reference's.
        let mean = { (shares: [Double]) in zip(shares, shares.indices).map { $0 * Double($1) }.reduce(0, +) }
        #expect(mean(shares.window) < mean(reference))
    }
}
