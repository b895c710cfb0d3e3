import CallCenter
import CenterPolicies
import EventSocketClient
import Foundation
import Live
import RoutingPolicies

// MARK: - Options

/// What a live campaign needs besides its dialer: the task, the softswitch, the blending rule.
public struct LiveRunnerOptions: Sendable {
    /// The store (SQLite file) holding the task.
    public var storePath: String
    /// The task's batch id in the store.
    public var batchID: String
    /// The live softswitch's configuration (dial string, gateway, agent roster, ...).
    public var live: LiveConfiguration
    /// Where and how to reach FreeSWITCH's event socket
    /// (with no subscriptions, `LiveCenter` subscribes to `LiveCenter.subscription`).
    public var eventSocket: EventSocketConfiguration
    /// What the dialer takes the roster agents to be at start, until mod_callcenter's events
    /// (`callcenter::info`) say otherwise: all idle (logged in and free) by default.
    public var agentsAtStart = LiveAgentsAtStart.assume(.idle)
    /// The blending rule of a routing study, when the agents also take inbound calls: the
    /// dialer is shown only its pool (`DialerPool`, the same as in the study); nil: every idle
    /// agent is in the pool and the router may still have them (`poolTakesInbound`).
    public var blend: BlendRule?
    /// Seconds an answered customer waits for an agent before the system's message
    /// (`LiveConfiguration.maxHoldMessage`) and the hang-up, when simcc places the answered
    /// customers (the destination `&park()`); nil: no limit. A campaign file's `max_hold`.
    public var maxHold: Seconds? = 15
    /// Seconds an agent wraps up after a customer simcc connected them to (FreeSWITCH does not
    /// know these calls as queue calls, so mod_callcenter says nothing of the agent meanwhile).
    public var wrapUp: Seconds = 0
    /// The clock time of the blending rule's time 0, from which `dial_from` and `dial_until`
    /// count (a study's day starts at 0); nil: the run's start.
    public var dayStart: Seconds?
    /// How often the run renews its lease of the batch (one live dialer per batch), and after how
    /// long without a renewal another run may take the lease over (wall-clock seconds).
    public var leaseHeartbeat: Duration = .seconds(15)
    public var leaseStaleAfter: Double = 60
    /// The folder FreeSWITCH's `mod_json_cdr` writes its call records into (its `log-dir`):
    /// where the run reads what became of a call it lost sight of (a gap, a restart). nil: no
    /// records; such a call's fate is unknown and its contract is held for review.
    public var cdrDirectory: CDRDirectory?
    /// How long the record of a vanished call is waited for (FreeSWITCH writes it a moment after
    /// the hang-up) before its fate is taken as unknown, seconds; and how often it is looked for.
    public var cdrWait: Seconds = 60
    public var cdrRecheck: Seconds = 5
    /// How often the calls in flight are checked for one FreeSWITCH has shown no sign of (an
    /// originate whose reply or events never came; nil: never), and how long past its
    /// originate's timeout such a call may stay silent before FreeSWITCH's channels are listed
    /// to settle it.
    public var auditPeriod: Seconds? = 15
    public var silentGrace: Seconds = 15
    /// Seconds the run may stay unhealthy (the connection lost, or FreeSWITCH's channels not
    /// readable) before it ends with status 69 (`EX_UNAVAILABLE`), so that the service manager
    /// starts it again.
    public var watchdog: Seconds = 600

    /// Options for batch `batchID` of the store at `storePath`.
    public init(storePath: String, batchID: String, live: LiveConfiguration, eventSocket: EventSocketConfiguration) {
        self.storePath = storePath
        self.batchID = batchID
        self.live = live
        self.eventSocket = eventSocket
    }
}

/// What the live runners take the roster agents to be at start.
public enum LiveAgentsAtStart: Sendable, Equatable {
    /// What mod_callcenter says (`callcenter_config agent list`): each agent as listed, an agent
    /// it does not list logged out. The run does not start when mod_callcenter cannot be asked.
    case askCallCenter
    /// Every agent in this state (a break beginning at the start).
    case assume(AgentState)
}

/// Why a live run could not start or had to stop; the description is a sentence for the operator.
public struct LiveRunnerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// Whether only the operator can fix it (a wrong password, an ACL refusal, a missing store
    /// or batch, a bad configuration, no mod_callcenter to ask): starting again as is would
    /// fail again. `simcc live` exits with status 78 (EX_CONFIG) then, 75 (EX_TEMPFAIL)
    /// otherwise, so that a service manager restarts it only when that may help.
    public var isConfiguration: Bool
    /// The exit status this error calls for, when it is neither of those (the watchdog's 69).
    public var exitStatus: Int32?

    /// An error saying `description`.
    public init(_ description: String, configuration: Bool = false, exitStatus: Int32? = nil) {
        self.description = description
        isConfiguration = configuration
        self.exitStatus = exitStatus
    }
}

// MARK: - What the HTTP interface shows

/// `GET /status`.
public struct LiveStatus: Codable, Sendable, Equatable {
    /// `starting`, `running`, `paused`, `reconnecting`, `degraded` (connected, but what
    /// FreeSWITCH has cannot be read: `problem` says why), `completed`, `stopped` or `failed`.
    public var state: String
    /// What is wrong while `reconnecting` or `degraded` (nil otherwise).
    public var problem: String?
    /// Calls that ended out of sight and wait for FreeSWITCH's record of them.
    public var callsAwaitingRecords: Int
    /// Seconds since the run began.
    public var uptime: Double
    /// Calls originated and not yet ended.
    public var callsInFlight: Int
    /// Whether the event socket is logged in now.
    public var softswitchConnected: Bool
    /// The task's batch id.
    public var batch: String
    /// The dialer's name.
    public var dialer: String
    /// Originates sent since the run began.
    public var originates: Int
}

/// `GET /task`: the task's progress, from its S34-format snapshot.
public struct LiveTaskProgress: Codable, Sendable, Equatable {
    /// The batch id.
    public var batch: String
    /// When the snapshot was taken (the run's clock: seconds since 1970 by default).
    public var takenAt: Double
    /// Contracts in the task.
    public var contractsTotal: Int
    /// Contracts completed, failed or held for review.
    public var contractsClosed: Int
    /// Contracts completed.
    public var contractsCompleted: Int
    /// Contracts failed (attempts exhausted).
    public var contractsFailed: Int
    /// Contracts held for review: an attempt's fate is unknown (`GET /review` lists them).
    public var contractsHeldForReview: Int
    /// Contracts being dialled now.
    public var contractsDialing: Int
    /// Attempts made so far, by outcome.
    public var outcomes: [String: Int]
    /// Whether every contract is closed.
    public var complete: Bool
}

/// `GET /agents`: one agent, as the dialer sees it and as the center's book has it.
public struct LiveAgentStatus: Codable, Sendable, Equatable {
    /// The agent's index.
    public var id: Int
    /// Its mod_callcenter name.
    public var name: String
    /// Its extension.
    public var exten: String
    /// As the dialer is shown it: `loggedOut`, `idle`, `talking`, `wrapUp` or `paused`.
    public var state: String
    /// What the center's agent book says the agent does: `loggedOut`, `idle`, `inbound`,
    /// `inboundWrapUp`, `callback`, `campaign`, `campaignWrapUp` or `paused`.
    public var activity: String
    /// The callback task the center asked the agent to dial, until the desk reports the attempt.
    public var callback: Int?

    public init(id: Int, name: String, exten: String, state: String, activity: String, callback: Int? = nil) {
        self.id = id
        self.name = name
        self.exten = exten
        self.state = state
        self.activity = activity
        self.callback = callback
    }
}

// MARK: - The router's options

/// What a live inbound router needs: the routing store, the roster, the softswitch.
public struct LiveRouterOptions: Sendable {
    /// The routing store (SQLite file): customers, bindings, callback tasks, inbound calls.
    /// Created when missing (a router may start with no customer at all).
    public var storePath: String
    /// The roster: mod_callcenter names, extensions, teams, backups, leaders, business types.
    public var roster: LiveRoster
    /// The live softswitch's configuration (sounds, digits variable, transfer context, ...);
    /// its `agents` are replaced by the roster's.
    public var live: LiveConfiguration
    /// The cascade's knobs.
    public var router: CascadeRouter.Configuration
    /// The seed of step 021's random choice.
    public var seed: UInt64 = 1
    /// Where and how to reach FreeSWITCH's event socket
    /// (with no subscriptions, `LiveCenter` subscribes to `LiveCenter.subscription`).
    public var eventSocket: EventSocketConfiguration
    /// What the router takes the roster agents to be at start, until mod_callcenter's events
    /// say otherwise: all logged in and free by default (any state but `idle` is offline).
    public var agentsAtStart = LiveAgentsAtStart.assume(.idle)
    /// Whether agents work their callback tasks between inbound calls, as the routing study's
    /// `callbacks.agents_dial` (`CenterRule.agentsDialCallbacks`): the center asks an owner left
    /// idle to dial a due task (`GET /agents` shows it), and the agent desk reports the attempt
    /// (`POST /callbacks/{id}/attempt`). Off: tasks are created, monitored and done by the desk.
    public var agentsDialCallbacks = false
    /// Seconds after a failed attempt before the task may be dialled again (`callbacks.retry`).
    public var callbackRetry: Seconds = 600
    /// Seconds the run may stay unhealthy before the watchdog ends it (see
    /// `LiveRunnerOptions.watchdog`; a run that dials takes the campaign's).
    public var watchdog: Seconds = 600

    /// Options for a router over the store at `storePath` with `roster`.
    public init(
        storePath: String, roster: LiveRoster, live: LiveConfiguration = LiveConfiguration(),
        router: CascadeRouter.Configuration = CascadeRouter.Configuration(), eventSocket: EventSocketConfiguration
    ) {
        self.storePath = storePath
        self.roster = roster
        self.live = live
        self.router = router
        self.eventSocket = eventSocket
    }
}

