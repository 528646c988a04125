/// Cumulative and survival functions of the reference distributions used by the
/// drift statistics. Every function is pure, allocation-free on its common paths and
/// total: NaN inputs give NaN, out-of-support inputs give the limiting probability.
///
/// Accuracy target: 1e-10 relative to scipy 1.17.1 over the ranges the product uses
/// (checked against `fixtures/vectors/distributions.json`).
public enum Distributions {}

/// p-values of the hypothesis tests behind the drift detectors, each matching the
/// scipy/statsmodels function named in its documentation.
public enum HypothesisTests {}
