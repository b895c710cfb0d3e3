import ArgumentParser

/// The `simcc` command line: run, validate, erlang, bench.
@main
struct SimCC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simcc",
        abstract: "A call-center simulator and policy library.",
        subcommands: [RunCommand.self, ValidateCommand.self, CompareCommand.self, ImportCommand.self, ErlangCommand.self, BenchCommand.self]
    )
}
