// MARK: - Outbound tasks and contracts

/// A contract of an outbound task, by its dense index within the task (0, 1, 2, ...), in the
/// order of the task's list.
public struct ContractID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The index within the task.
    public var rawValue: Int32
    /// The contract with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The contract with index `index`.
    @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
    /// The index as an `Int`.
    @inlinable public var index: Int { Int(rawValue) }
    public static func < (a: ContractID, b: ContractID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "contract#\(rawValue)" }
}

/// Where a contract stands (外呼合同的状态).
public enum ContractState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Not completed: it will be dialled when its turn comes (and any retry delay has passed).
    case uncompleted
    /// A call to it is in flight.
    case dialing
    /// Completed: connected to an agent.
    case completed
    /// Given up: the number is invalid, or the attempts are used up.
    case failed
    /// Held for review: an attempt's fate is unknown (its call vanished while the driver could
    /// not see it, and no record of the softswitch says how it ended), so the customer may have
    /// been served. Never dialled again automatically: calling a served customer twice is worse
    /// than calling one late. An operator looks and decides.
    case review

    /// Whether the dialer is done with it (completed, failed or held for review).
    public var isClosed: Bool { self == .completed || self == .failed || self == .review }
}

/// How one call attempt ended, as the dialer classifies it.
public enum CallOutcome: String, Hashable, Sendable, Codable, CaseIterable {
    /// A live person answered and was connected to an agent.
    case connected
    /// A live person answered and was not connected to an agent in time (the regulators'
    /// abandoned call), or hung up before.
    case abandoned
    /// An answering machine answered.
    case machine
    /// The line was busy.
    case busy
    /// Nobody answered before the ring timeout.
    case noAnswer = "no_answer"
    /// The number does not exist.
    case invalidNumber = "invalid_number"
    /// The dialer cancelled the call before it was answered.
    case cancelled
    /// Any other failure of the network.
    case failed
    /// Nobody knows: the call vanished while the driver could not see it (a gap in the events,
    /// a restart) and no record of the softswitch says how it ended. Its contract is held for
    /// review (`ContractState.review`).
    case unknown
}

/// A FreeSWITCH hang-up cause (the name of `Hangup-Cause`, or of a failed originate's `-ERR`),
/// kept by its exact name: an open set, so that a call record says `MEDIA_TIMEOUT` or
/// `INCOMPATIBLE_DESTINATION` as FreeSWITCH did, and a cause no release of FreeSWITCH named yet
/// is kept too (docs/esl-mapping.md, "Hang-up causes": unknown names are kept, never refused).
///
/// A name is 1 to `maxNameLength` characters of `A`–`Z`, `0`–`9` and `_`, beginning with a
/// letter, as all of FreeSWITCH's are; `init(rawValue:)` refuses anything else (nil), so nothing
/// odd reaches a store or a report. It encodes as the plain name (`"NORMAL_CLEARING"`), the
/// same text as the enumeration it replaced, and `==` compares names.
public struct HangupCause: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The name, as FreeSWITCH spells it (`NORMAL_CLEARING`).
    public let rawValue: String

    /// The longest name accepted: FreeSWITCH's longest, `REDIRECTION_TO_NEW_DESTINATION`, has 30.
    public static let maxNameLength = 64

    /// The cause named `rawValue`; nil unless the name is well formed (see the type).
    public init?(rawValue: String) {
        guard Self.isWellFormed(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// A cause by a name known to be well formed (the constants below).
    private init(known name: String) {
        assert(Self.isWellFormed(name))
        self.rawValue = name
    }

    /// Whether `name` is 1 to `maxNameLength` of `A`–`Z`, `0`–`9`, `_`, beginning with a letter.
    public static func isWellFormed(_ name: String) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= maxNameLength, (0x41...0x5A).contains(first) else {
            return false
        }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let cause = HangupCause(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(name)' is not a hang-up cause name")
        }
        self = cause
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static let normalClearing = HangupCause(known: "NORMAL_CLEARING")
    public static let noAnswer = HangupCause(known: "NO_ANSWER")
    public static let noUserResponse = HangupCause(known: "NO_USER_RESPONSE")
    public static let userBusy = HangupCause(known: "USER_BUSY")
    public static let unallocatedNumber = HangupCause(known: "UNALLOCATED_NUMBER")
    public static let originatorCancel = HangupCause(known: "ORIGINATOR_CANCEL")
    public static let callRejected = HangupCause(known: "CALL_REJECTED")
    public static let normalTemporaryFailure = HangupCause(known: "NORMAL_TEMPORARY_FAILURE")
    public static let recoveryOnTimerExpire = HangupCause(known: "RECOVERY_ON_TIMER_EXPIRE")
    public static let invalidNumberFormat = HangupCause(known: "INVALID_NUMBER_FORMAT")
    public static let networkOutOfOrder = HangupCause(known: "NETWORK_OUT_OF_ORDER")
    public static let destinationOutOfOrder = HangupCause(known: "DESTINATION_OUT_OF_ORDER")
    /// FreeSWITCH's `CRASH` (SWITCH_CAUSE_CRASH); simcc also uses it for a call that ended while
    /// the dialer was down, whose real end nobody saw (crash recovery).
    public static let crash = HangupCause(known: "CRASH")

    /// The causes with a name in Swift, those the simulation and the dialers use, in this order.
    public static let known: [HangupCause] = [
        .normalClearing, .noAnswer, .noUserResponse, .userBusy, .unallocatedNumber, .originatorCancel,
        .callRejected, .normalTemporaryFailure, .recoveryOnTimerExpire, .invalidNumberFormat,
        .networkOutOfOrder, .destinationOutOfOrder, .crash,
    ]

    /// The outcome a dialer reads from this cause when the call was never answered, for every
    /// cause of FreeSWITCH's `CAUSE_CHART` (switch_channel.c):
    ///
    /// | cause | outcome |
    /// | --- | --- |
    /// | NO_ANSWER, NO_USER_RESPONSE, RECOVERY_ON_TIMER_EXPIRE, NO_PICKUP, SUBSCRIBER_ABSENT, USER_NOT_REGISTERED, PROGRESS_TIMEOUT, ALLOTTED_TIMEOUT | `noAnswer` |
    /// | USER_BUSY, BUSY_EVERYWHERE, CALL_REJECTED, DECLINE, REJECT_ALL, UNWANTED, OUTGOING_CALL_BARRED | `busy` |
    /// | UNALLOCATED_NUMBER, INVALID_NUMBER_FORMAT, NUMBER_CHANGED, DOES_NOT_EXIST_ANYWHERE | `invalidNumber` |
    /// | ORIGINATOR_CANCEL, LOSE_RACE, PICKED_OFF | `cancelled` |
    /// | any other name (NORMAL_CLEARING, NORMAL_TEMPORARY_FAILURE, MEDIA_TIMEOUT, CRASH, ..., or one FreeSWITCH does not list) | `failed` |
    public var unansweredOutcome: CallOutcome { Self.unansweredOutcomes[rawValue] ?? .failed }

    /// The causes whose unanswered outcome is not `failed`.
    private static let unansweredOutcomes: [String: CallOutcome] = {
        var table: [String: CallOutcome] = [:]
        for name in ["NO_ANSWER", "NO_USER_RESPONSE", "RECOVERY_ON_TIMER_EXPIRE", "NO_PICKUP", "SUBSCRIBER_ABSENT",
                     "USER_NOT_REGISTERED", "PROGRESS_TIMEOUT", "ALLOTTED_TIMEOUT"] { table[name] = .noAnswer }
        for name in ["USER_BUSY", "BUSY_EVERYWHERE", "CALL_REJECTED", "DECLINE", "REJECT_ALL", "UNWANTED",
                     "OUTGOING_CALL_BARRED"] { table[name] = .busy }
        for name in ["UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "NUMBER_CHANGED", "DOES_NOT_EXIST_ANYWHERE"] {
            table[name] = .invalidNumber
        }
        for name in ["ORIGINATOR_CANCEL", "LOSE_RACE", "PICKED_OFF"] { table[name] = .cancelled }
        return table
    }()
}

/// One contract of an outbound task (外呼合同): a customer and a number to reach.
public struct Contract: Hashable, Sendable, Codable {
    /// Its index within the task.
    public var id: ContractID
    /// The number to dial.
    public var number: String
    /// The customer's reference (from the contact list).
    public var customer: String
    /// Attempts made so far.
    public var attempts: Int = 0
    /// Where it stands.
    public var state: ContractState = .uncompleted
    /// How its last attempt ended, if it had one.
    public var lastOutcome: CallOutcome?
    /// Not to be dialled again before this time (a retry delay), seconds on the driver's clock.
    public var notBefore: Seconds = 0

    /// A contract not yet dialled.
    public init(id: ContractID, number: String, customer: String) {
        self.id = id
        self.number = number
        self.customer = customer
    }
}

/// An outbound task (外呼任务): one batch of contracts to call, by its batch id.
public struct OutboundTask: Hashable, Sendable, Codable {
    /// The batch id the operator imported the numbers under.
    public var batchID: String
    /// The contracts, in the order of the list; `contracts[i].id.index == i`.
    public var contracts: [Contract]
    /// Resuming a task: the calls a previous run had launched and not yet seen end (each one's
    /// contract is `.dialing`); a dialer takes them over as calls in flight.
    public var callsInFlight: [CallInFlight] = []
    /// Resuming a task: the first call id the dialer may issue (above every id a previous run
    /// used, so that no call id, nor its UUID, is used twice).
    public var firstCallID: UInt64 = 1
    /// Resuming a task: the attempts earlier runs recorded, by outcome; a dialer's counts (its
    /// snapshot, S34) start from them, so they are the task's, equal to its records.
    public var earlierOutcomes: [CallOutcome: Int] = [:]

    /// A task of contracts numbered in list order.
    public init(batchID: String, numbers: [(number: String, customer: String)]) {
        self.batchID = batchID
        self.contracts = numbers.enumerated().map { i, n in
            Contract(id: ContractID(i), number: n.number, customer: n.customer)
        }
    }
}

/// A call a dialer launched, as written down before its originate was sent: what a restarted
/// dialer needs to take it over (crash safety).
public struct CallInFlight: Hashable, Sendable, Codable {
    /// The call (its UUID is the originate's `origination_uuid`).
    public var call: CallID
    /// The contract it dials.
    public var contract: ContractID
    /// The contract's attempt it is (1, 2, ...).
    public var attempt: Int
    /// When it was dialled, on the driver's clock.
    public var dialedAt: Seconds

    /// A call in flight, by name.
    public init(call: CallID, contract: ContractID, attempt: Int, dialedAt: Seconds) {
        self.call = call
        self.contract = contract
        self.attempt = attempt
        self.dialedAt = dialedAt
    }
}

// MARK: - Agents as the dialer sees them

/// An agent's state (座席状态) as the agent-state updater reports it.
public enum AgentState: Hashable, Sendable {
    /// Not logged in.
    case loggedOut
    /// Online and free to take a call.
    case idle
    /// On a call.
    case talking
    /// After a call, before being free again.
    case wrapUp
    /// Online but paused (break, away) since the given time.
    case paused(since: Seconds)

    /// Whether the agent is logged in.
    public var isOnline: Bool { self != .loggedOut }
}

// MARK: - Call records and snapshots

/// One row per call attempt: what happened to it and when (seconds on the driver's clock).
public struct CallRecord: Hashable, Sendable, Codable {
    /// The call's id (in production its `origination_uuid` is `call.uuidString`).
    public var call: CallID
    /// The contract dialled.
    public var contract: ContractID
    /// Which attempt of the contract this was, from 1.
    public var attempt: Int
    /// When the call command was sent.
    public var dialedAt: Seconds
    /// When the called party answered, if it did.
    public var answeredAt: Seconds?
    /// When it was bridged to an agent, if it was.
    public var connectedAt: Seconds?
    /// When it ended.
    public var endedAt: Seconds
    /// How it ended, as the dialer classifies it.
    public var outcome: CallOutcome
    /// FreeSWITCH's hang-up cause.
    public var cause: HangupCause
    /// The agent it was connected to, if any.
    public var agent: AgentID?

    /// A record of a finished attempt.
    public init(call: CallID, contract: ContractID, attempt: Int, dialedAt: Seconds, answeredAt: Seconds?,
                connectedAt: Seconds?, endedAt: Seconds, outcome: CallOutcome, cause: HangupCause,
                agent: AgentID?) {
        self.call = call
        self.contract = contract
        self.attempt = attempt
        self.dialedAt = dialedAt
        self.answeredAt = answeredAt
        self.connectedAt = connectedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.cause = cause
        self.agent = agent
    }

    /// How long a live answer waited for an agent: to the connection, or to the end when it
    /// was never connected; nil when the call was not answered.
    public var wait: Seconds? {
        guard let answeredAt else { return nil }
        return (connectedAt ?? endedAt) - answeredAt
    }
}

/// The task snapshot (任务快照, step S34): every contract's state, attempts and last outcome, and
/// the task's counters, at a moment. The same format serves inspection, resuming and the end.
public struct TaskSnapshot: Hashable, Sendable, Codable {
    /// The task's batch id.
    public var batchID: String
    /// When the snapshot was taken, seconds on the driver's clock.
    public var takenAt: Seconds
    /// Every contract as it stands.
    public var contracts: [Contract]
    /// Attempts made, by outcome (`CallOutcome.rawValue` to count).
    public var outcomes: [String: Int]

    /// A snapshot of `contracts` at `takenAt`.
    public init(batchID: String, takenAt: Seconds, contracts: [Contract], outcomes: [String: Int]) {
        self.batchID = batchID
        self.takenAt = takenAt
        self.contracts = contracts
        self.outcomes = outcomes
    }

    /// Whether every contract is closed (completed, failed or held for review).
    public var isComplete: Bool { contracts.allSatisfy(\.state.isClosed) }
}

extension ContractID {
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int32.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
