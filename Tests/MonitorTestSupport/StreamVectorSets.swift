import MonitorCore

/// The reference vectors of the regression stream (`fixtures/vectors/regression_stream.json`,
/// from scikit-learn and Fairlearn by `Tests/ReferenceVectors/regression_stream.py`).
package struct RegressionVectors: Decodable, Sendable {
    package struct Window: Decodable, Sendable {
        package var start: Int64
        package var end: Int64
        package var count: Int
        package var mae, rmse, mape, bias, r2: Double
        package var maeDifference, maeRatio: Double?

        enum CodingKeys: String, CodingKey {
            case start, end, count, mae, rmse, mape, bias, r2
            case maeDifference = "mae_difference", maeRatio = "mae_ratio"
        }
    }

    package var change: Int64
    package var windows: [Window]
}

/// The reference vectors of the multiclass stream (`fixtures/vectors/multiclass_stream.json`,
/// from scikit-learn and Fairlearn by `Tests/ReferenceVectors/multiclass_stream.py`).
package struct MulticlassVectors: Decodable, Sendable {
    package struct ClassValues: Decodable, Sendable {
        package var precision, recall, f1: Double
    }

    package struct Window: Decodable, Sendable {
        package var start: Int64
        package var end: Int64
        package var count: Int
        package var accuracy, macroF1, microF1, weightedF1, macroPrecision, macroRecall, logLoss, brier: Double
        package var classes: [String: ClassValues]
        package var accuracyDifference, accuracyRatio: Double?

        enum CodingKeys: String, CodingKey {
            case start, end, count, accuracy, classes, brier
            case macroF1 = "macro_f1", microF1 = "micro_f1", weightedF1 = "weighted_f1"
            case macroPrecision = "macro_precision", macroRecall = "macro_recall", logLoss = "log_loss"
            case accuracyDifference = "accuracy_difference", accuracyRatio = "accuracy_ratio"
        }
    }

    package var change: Int64
    package var classes: [String]
    package var windows: [Window]
}

extension StreamVectors {
    /// `fixtures/streams/regression.jsonl` (house prices, a bias shift of +25,000 at 20 s)
    /// under `rules/examples/regression.yaml`, house-price a regression model.
    package static let regression = Fixture<RegressionVectors>(
        stream: "regression.jsonl", vectors: "regression_stream.json", rules: "regression.yaml", model: "house-price", .regression)

    /// `fixtures/streams/multiclass.jsonl` (triage; from 20 s urgent cases are predicted
    /// routine) under `rules/examples/multiclass.yaml`, triage a multiclass classifier.
    package static let multiclass = Fixture<MulticlassVectors>(
        stream: "multiclass.jsonl", vectors: "multiclass_stream.json", rules: "multiclass.yaml", model: "triage", .multiclass)
}
