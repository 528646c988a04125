import ArgumentParser

@main
struct Driftwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driftwatch",
        abstract: "Monitor ML models in production: drift, performance, fairness and data quality from Kafka.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, ReplayCommand.self, ProfileCommand.self, CompareCommand.self,
            SimulateCommand.self, DetectCommand.self, RulesCommand.self, BrokerCommand.self, SmokeCommand.self, BenchCommand.self,
            TuneCommand.self, ReportCommand.self, CheckCommand.self, RetrainCommand.self,
        ]
    )
}
