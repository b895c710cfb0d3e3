import CallCenter
import EventSocket
import EventSocketClient
import Live

// MARK: - FreeSWITCH's state, read through the client

/// FreeSWITCH's state at one moment: what a member reconciles its calls with at start and after
/// a gap.
public struct LiveSnapshot: Sendable {
    /// The channels FreeSWITCH has up: `show channels as json` (applications, for parked
    /// calls), completed by `show calls as json` (who is bridged to whom).
    public var channels: LiveChannelList
    /// mod_callcenter's agents by name, when it could be asked (`callcenter_config agent list`).
    public var agents: CallCenterAgents?

    /// A snapshot of `channels` and `agents`.
    public init(channels: LiveChannelList, agents: CallCenterAgents? = nil) {
        self.channels = channels
        self.agents = agents
    }
}

/// mod_callcenter's agents at one moment (`callcenter_config agent list`).
public struct CallCenterAgents: Sendable {
    /// Each agent's status and state, by name.
    public var byName: [String: CallCenterAgent]
    /// The channel each agent on a mod_callcenter call talks on: channel uuid → agent name.
    public var channels: [String: String]

    /// The agents `byName`, on `channels`.
    public init(byName: [String: CallCenterAgent], channels: [String: String] = [:]) {
        self.byName = byName
        self.channels = channels
    }
}

extension EventSocketClient {
    /// FreeSWITCH's state now: its channels (`show channels as json`, completed by `show calls
    /// as json` when FreeSWITCH answers it) and, when mod_callcenter answers, its agents.
    /// - Throws: `LiveRunnerError` when the channels cannot be listed.
    public func snapshot() async throws(LiveRunnerError) -> LiveSnapshot {
        var channels: [LiveChannel]
        do {
            let reply = try await api("show", "channels as json")
            channels = try LiveChannelList.parse(reply.text).channels
        } catch {
            throw LiveRunnerError("cannot list FreeSWITCH's channels to reconcile calls: \(error)")
        }
        if let reply = try? await api("show", "calls as json"),
            let calls = try? LiveChannelList.parse(reply.text)
        {
            channels += calls.channels
        }
        return LiveSnapshot(channels: LiveChannelList(channels), agents: try? await agents())
    }

    /// What a runner starting with `choice` reads of mod_callcenter's agents: nil when it is to
    /// assume their state.
    /// - Throws: `LiveRunnerError` (a configuration error) when mod_callcenter is to be asked
    ///   and does not answer.
    public func agents(atStart choice: LiveAgentsAtStart) async throws(LiveRunnerError) -> CallCenterAgents? {
        guard case .askCallCenter = choice else { return nil }
        do {
            return try await agents()
        } catch {
            throw LiveRunnerError(
                "\(error); without mod_callcenter, say what the agents are at start (--agents-start-as idle, paused or logged-out)",
                configuration: true)
        }
    }

    /// mod_callcenter's agents now (`callcenter_config agent list`). Times (`awaySince`) are
    /// read as seconds since 1970, the default live clock's.
    /// - Throws: `LiveRunnerError` when mod_callcenter does not answer (not loaded, no
    ///   permission) or its answer cannot be read.
    public func agents() async throws(LiveRunnerError) -> CallCenterAgents {
        do {
            let reply = try await api("callcenter_config", "agent list")
            let rows = try CallCenterAgentList.rows(agentList: reply.text)
            let byName = try CallCenterAgentList.parse(agentList: reply.text, timeOfEpoch: { Seconds($0) })
            return CallCenterAgents(byName: byName, channels: CallCenterAgentList.agentsByChannel(rows))
        } catch {
            throw LiveRunnerError("cannot ask mod_callcenter for its agents (callcenter_config agent list): \(error)")
        }
    }

}
