import FreeSWITCHFake
import CallCenter
import EventSocket
import Live
import LiveTestSupport

/// The world of the live tests: three agents in the roster, gateway `carrier`.
enum W {
    static let a0 = AgentID(0), a1 = AgentID(1), a2 = AgentID(2)

    static var configuration: LiveConfiguration {
        var c = LiveConfiguration()
        c.gateway = "carrier"
        c.callerIDNumber = "4000"
        c.callerIDName = "Acme_Bank"
        c.agents = [
            .init(id: a0, name: "1000@default", exten: "1000"),
            .init(id: a1, name: "1001@default", exten: "1001"),
            .init(id: a2, name: "1002@default", exten: "1002"),
        ]
        return c
    }

    static var amdConfiguration: LiveConfiguration {
        var c = configuration
        c.machineDetection = .init(variable: "amd_result", machineValues: ["MACHINE"])
        return c
    }

    static func dialer(_ c: LiveConfiguration = configuration) -> DialerBridge {
        do { return try DialerBridge(configuration: c) } catch { fatalError("\(error)") }
    }

    static func router(_ c: LiveConfiguration = configuration) -> RouterBridge {
        do { return try RouterBridge(configuration: c) } catch { fatalError("\(error)") }
    }

    static func leg(_ call: CallID, number: String = "5551234", _ c: LiveConfiguration = configuration)
        -> FreeSWITCHEventFactory.Leg
    {
        FreeSWITCHEventFactory.outboundLeg(call: call, contract: ContractID(0), number: number, configuration: c)
    }

    static func agentLeg(_ exten: String) -> FreeSWITCHEventFactory.Leg {
        FreeSWITCHEventFactory.Leg(
            uuid: FreeSWITCHEventFactory.foreignUUID(99), direction: "outbound",
            channelName: "sofia/internal/\(exten)@192.0.2.20", callerNumber: "5551234", destinationNumber: exten)
    }
}

/// Parses factory bytes (one frame) to an event, through the real decoder.
func event(_ bytes: [UInt8]) -> ESLEvent {
    var decoder = ESLDecoder()
    decoder.append(bytes)
    do {
        guard let frame = try decoder.next() else { fatalError("no frame") }
        return try ESLEvent(frame)
    } catch {
        fatalError("\(error)")
    }
}

extension DialerBridge {
    /// Originates `call` and returns the job UUID.
    @discardableResult
    mutating func originate(_ call: CallID, number: String = "5551234") -> String {
        _ = commands(for: .originate(call, ContractID(0), number: number), at: 0)
        return jobUUID(of: call) ?? ""
    }

    mutating func feed(_ bytes: [UInt8], at time: Seconds = 1) -> [DialerEvent] {
        events(for: event(bytes), at: time)
    }
}

extension RouterBridge {
    mutating func feed(_ bytes: [UInt8], at time: Seconds = 1) -> [InboundEvent] {
        events(for: event(bytes), at: time)
    }
}

extension LiveAction {
    /// The ESL text of an `.esl` action.
    var eslText: String? {
        guard case .esl(let command) = self else { return nil }
        return try? command.text()
    }
}
