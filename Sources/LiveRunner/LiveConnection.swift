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
        let reply: ESLReply
        do {
            reply = try await api("callcenter_config", "agent list")
        } catch .timedOut(_, let after) {
            // Slow, not missing: a later start may well get the answer.
            throw LiveRunnerError(
                "mod_callcenter did not answer callcenter_config agent list within \(after) (FreeSWITCH busy?); nothing was dialled")
        } catch {
            throw LiveRunnerError("cannot ask mod_callcenter for its agents (callcenter_config agent list): \(error)")
        }
        do {
            return try Self.callCenterAgents(reply)
        } catch {
            throw LiveRunnerError(
                "cannot ask mod_callcenter for its agents (callcenter_config agent list): \(error); without mod_callcenter, say what the agents are at start (--agents-start-as idle, paused or logged-out)",
                configuration: true)
        }
    }

    /// mod_callcenter's agents now (`callcenter_config agent list`). Times (`awaySince`) are
    /// read as seconds since 1970, the default live clock's.
    /// - Throws: `LiveRunnerError` when mod_callcenter does not answer (not loaded, no
    ///   permission) or its answer cannot be read.
    public func agents() async throws(LiveRunnerError) -> CallCenterAgents {
        do {
            return try Self.callCenterAgents(try await api("callcenter_config", "agent list"))
        } catch {
            throw LiveRunnerError("cannot ask mod_callcenter for its agents (callcenter_config agent list): \(error)")
        }
    }

    /// mod_callcenter's agents in its reply to `callcenter_config agent list`.
    static func callCenterAgents(_ reply: ESLReply) throws -> CallCenterAgents {
        let rows = try CallCenterAgentList.rows(agentList: reply.text)
        let byName = try CallCenterAgentList.parse(agentList: reply.text, timeOfEpoch: { Seconds($0) })
        return CallCenterAgents(byName: byName, channels: CallCenterAgentList.agentsByChannel(rows))
    }

}
