import ArgumentParser

@main
struct Driftwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driftwatch",
        abstract: "Monitor ML models in production: drift, performance, fairness and data quality from Kafka.",
        subcommands: [
            BrokerCommand.self, SmokeCommand.self, SimulateCommand.self, DetectCommand.self, RulesCommand.self,
            BenchCommand.self,
        ]
    )
}
