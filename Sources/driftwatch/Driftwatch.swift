import ArgumentParser

@main
struct Driftwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driftwatch",
        abstract: "Monitor ML models in production: drift, performance, fairness and data quality from Kafka.",
        subcommands: [BenchCommand.self, BrokerCommand.self, SmokeCommand.self]
    )
}
