import ArgumentParser
import Scenarios

/// `simcc schema`: the JSON Schema of a file kind, for a planner's editor.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of a scenario, campaign or routing file.",
        discussion: """
            The schema is made from the same knob tables simcc's readers use: every key, its \
            form (duration, rate, distribution, whole number, one of some names), its static \
            bounds, its default and a line of doc. Point a YAML language server at it (first \
            line of the file: `# yaml-language-server: $schema=PATH`) to have an editor \
            complete and check the file; `simcc validate` still checks what a schema cannot \
            (bounds between keys, files that must exist). The output is byte-stable: \
            docs/schema/KIND.json is this command's output.
            """
    )

    /// The file kinds, as `simcc schema` names them.
    enum Kind: String, CaseIterable, ExpressibleByArgument {
        case scenario, campaign, routing
    }

    @Argument(help: "The file kind: scenario (inbound), campaign (outbound) or routing (a routing study).")
    var kind: Kind

    func run() throws {
        guard let text = Schema.text(of: kind.rawValue) else {
            throw ValidationError(
                "no schema for '\(kind.rawValue)'; known kinds: \(Schema.kinds.joined(separator: ", "))")
        }
        print(text, terminator: "")
    }
}
