import ArgumentParser

/// The `simcc` command line: run, validate, compare, import, erlang, bench, live, schema.
@main
struct SimCC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simcc",
        abstract: "A call-center simulator and policy library.",
        subcommands: [RunCommand.self, ValidateCommand.self, CompareCommand.self, ImportCommand.self, ReviewCommand.self, ErlangCommand.self, BenchCommand.self, LiveCommand.self, SchemaCommand.self]
    )
}
