import ArgumentParser
import Foundation
import Store

/// `simcc review`: the contracts a live dialer held for review (an attempt's fate unknown), and
/// the operator's decision on each.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "List the contracts held for review (a call of unknown fate), or decide one.",
        discussion: """
            A live dialer holds a contract for review when one of its calls ended while simcc could \
            not see FreeSWITCH's events (a reconnect, a restart) and no call record of FreeSWITCH said \
            how: the customer may have been served, so nobody dials them again until you decide. \
            Look the call up (its UUID) in FreeSWITCH's records or ask the agents, then decide: \
            --served N (completed), --redial N (dialled again by the next run), --give-up N (failed). \
            Decisions are refused while a simcc live dials the batch: stop it first.
            """
    )

    @Option(help: "The SQLite store.")
    var db: String = "simcc.sqlite"

    @Option(help: "The task's batch id.")
    var batch: String

    @Option(help: ArgumentHelp("The customer was served: contract N is completed.", valueName: "N"))
    var served: Int?

    @Option(help: ArgumentHelp("Contract N may be dialled again.", valueName: "N"))
    var redial: Int?

    @Option(name: .customLong("give-up"), help: ArgumentHelp("Give up on contract N: failed.", valueName: "N"))
    var giveUp: Int?

    @Flag(help: "List as JSON.")
    var json = false

    func validate() throws {
        if [served, redial, giveUp].compactMap({ $0 }).count > 1 {
            throw ValidationError("decide one contract at a time: --served, --redial or --give-up")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("the store \(db) does not exist")
        }
        let store = try OutboundStore(path: db)
        if let (decision, contract) = [(OutboundStore.ReviewDecision.served, served), (.redial, redial), (.giveUp, giveUp)]
            .first(where: { $0.1 != nil }).map({ ($0.0, $0.1!) })
        {
            try store.decide(decision, contract: contract, batchID: batch, now: Date().timeIntervalSince1970)
            print("contract \(contract) of batch \(batch): \(decision.rawValue)")
            return
        }
        let held = try store.contractsHeldForReview(batchID: batch)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(held), as: UTF8.self))
            return
        }
        guard !held.isEmpty else {
            print("batch \(batch): no contract held for review")
            return
        }
        print("batch \(batch): \(held.count) contract(s) held for review")
        print("contract  number                customer              attempts  call")
        for h in held {
            print(
                String(h.contract).padding(toLength: 10, withPad: " ", startingAt: 0)
                    + h.number.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + h.customer.prefix(20).padding(toLength: 22, withPad: " ", startingAt: 0)
                    + String(h.attempts).padding(toLength: 10, withPad: " ", startingAt: 0) + (h.callUUID ?? "-"))
        }
    }
}
