import CallCenter
import RoutingPolicies

// MARK: - The scenario of a routing run (issue 4, the modelled world)

/// A routing scenario, in code: the agents in teams, the customers bound to them, the callers
/// (who they are, how they behave in the IVR and in a queue, how long they talk), the callbacks
/// agents dial, and the router under test (the CN107682576B cascade or a baseline).
///
/// The agents: `teams` teams of `teamSize` agents; agent `t * teamSize + k` is the `k`-th of
/// team `t`; the first of each team (k = 0) leads it; each agent's backup is the next agent of
/// the same team (wrapping around; none in a team of one). Agent `a` serves the
/// `businessTypesPerAgent` business types `a % businessTypes`, `(a + 1) % businessTypes`, ...
///
/// The customers: synthetic ones (customer `c` bound to first agent `c % agents`, spread evenly,
/// calling from `number(ofCustomer: c)`, with ID-card number `idNumber(ofCustomer: c)`), or a
/// customer table (`customerTable`, read from CSV), whose first number, ID number and first agent
/// the world uses instead.
public struct RoutingScenario: Sendable, Hashable {
    /// The router under test, with its knobs.
    public enum RouterChoice: Sendable, Hashable {
        /// The CN107682576B cascade; step 021 draws from a `SplitMix64` seeded from `seed` and the
        /// replication index.
        case cascade(CascadeRouter.Configuration, seed: UInt64)
        /// A mod_callcenter queue with a strategy; `random` draws from `seed` and the replication.
        case queue(QueueRouter.Configuration, seed: UInt64)
        /// The sticky queue: waits `stickyWait` for the bound agent of a known number.
        case sticky(StickyRouter.Configuration)
    }

    /// Who calls: shares of the offered calls (the rest are new callers).
    public struct CallerMix: Sendable, Hashable {
        /// The share of calls from a known customer's bound number (step 01 recognises them).
        public var knownNumberShare: Double
        /// The share of calls from a known customer calling from a number nobody knows.
        public var knownCustomerOtherNumberShare: Double
        /// The probability that such a caller keys their valid ID number at step 02 (else a wrong one).
        public var validIDProbability: Double
        /// The mix, by name.
        public init(
            knownNumberShare: Double, knownCustomerOtherNumberShare: Double, validIDProbability: Double
        ) {
            precondition(
                knownNumberShare >= 0 && knownCustomerOtherNumberShare >= 0, "shares must not be negative")
            precondition(
                knownNumberShare + knownCustomerOtherNumberShare <= 1, "the shares must not exceed 1")
            precondition((0...1).contains(validIDProbability), "validIDProbability must be in 0...1")
            self.knownNumberShare = knownNumberShare
            self.knownCustomerOtherNumberShare = knownCustomerOtherNumberShare
            self.validIDProbability = validIDProbability
        }
    }

    /// How callers behave in the IVR.
    public struct IVR: Sendable, Hashable {
        /// How long a caller takes to key the ID number after the prompt (each attempt); past the
        /// router's timeout the prompt times out with nothing keyed.
        public var idEntry: Distribution
        /// How long a caller takes to choose in the business-type menu; past the timeout, nothing.
        public var menuChoice: Distribution
        /// The probability that a caller keys a valid menu key (else the invalid key `0`).
        public var validMenuKeyProbability: Double
        /// The caller's patience in the IVR, from arrival; nil: they never hang up there.
        public var patience: Distribution?
        /// The IVR behaviour, by name.
        public init(
            idEntry: Distribution = .uniform(min: 5, max: 12),
            menuChoice: Distribution = .uniform(min: 2, max: 6),
            validMenuKeyProbability: Double = 0.9, patience: Distribution? = nil
        ) {
            precondition(
                (0...1).contains(validMenuKeyProbability), "validMenuKeyProbability must be in 0...1")
            self.idEntry = idEntry
            self.menuChoice = menuChoice
            self.validMenuKeyProbability = validMenuKeyProbability
            self.patience = patience
        }
    }

    /// The callbacks agents dial (blending: inbound first, callbacks when idle).
    public struct Callbacks: Sendable, Hashable {
        /// Whether agents dial their callback tasks at all (false: tasks are only created and
        /// monitored, which keeps agents free for the Erlang B check).
        public var agentsDial: Bool
        /// The probability an attempt reaches the customer (`callbackAnswer`).
        public var answerProbability: Double
        /// How long a callback that reached the customer occupies the agent, wrap-up included.
        public var talk: Distribution
        /// How long a failed attempt occupies the agent.
        public var failedAttempt: Distribution
        /// Seconds after a failed attempt before the task may be tried again (`callbackRetry`).
        public var retry: Double
        /// The callback work, by name.
        public init(
            agentsDial: Bool = true, answerProbability: Double = 0.7,
            talk: Distribution = .exponential(mean: 240),
            failedAttempt: Distribution = .deterministic(30), retry: Double = 600
        ) {
            precondition((0...1).contains(answerProbability), "answerProbability must be in 0...1")
            precondition(retry >= 0, "retry must not be negative")
            self.agentsDial = agentsDial
            self.answerProbability = answerProbability
            self.talk = talk
            self.failedAttempt = failedAttempt
            self.retry = retry
        }
    }

    /// What callers of one business type need: their share of the calls, and talk and wrap-up
    /// times when they differ from the scenario's.
    public struct BusinessTypeProfile: Sendable, Hashable {
        /// The name in the directory and the reports.
        public var name: String
        /// The share of callers of this type (the shares of a scenario add up to 1).
        public var share: Double
        /// Talk time of this type's inbound calls; nil: the scenario's `talk`.
        public var talk: Distribution?
        /// Wrap-up after this type's inbound calls; nil: the scenario's `wrapUp`.
        public var wrapUp: Distribution?
        /// A profile, by name.
        public init(name: String, share: Double, talk: Distribution? = nil, wrapUp: Distribution? = nil) {
            precondition(share >= 0 && share.isFinite, "a business type's share must not be negative")
            self.name = name
            self.share = share
            self.talk = talk
            self.wrapUp = wrapUp
        }
    }

    /// The simulated span in seconds; calls arrive in [0, horizon) and are followed to their end.
    public var horizon: Double
    /// Calls arriving, callback tasks created and agent time spent before this time are left out
    /// of the totals (the world starts empty); the per-interval series keep them. Seconds, below
    /// the horizon.
    public var warmup: Double = 0
    /// The width of an interval of the per-interval series, seconds.
    public var interval: Double
    /// The run's seed; replication r depends only on (seed, r).
    public var seed: UInt64
    /// How many replications.
    public var replications: Int
    /// How many teams.
    public var teams: Int
    /// How many agents a team has (its leader included).
    public var teamSize: Int
    /// How many customers are known at the start (the table's size when there is a table).
    public var customers: Int
    /// A customer table the scenario's customers come from instead of synthetic ones; its
    /// customers have ids 0, 1, ... in table order and at least one number each.
    public var customerTable: CustomerTable?

    /// Customers read from a table (`simcc import --customers` reads the same format).
    public struct CustomerTable: Sendable, Hashable {
        /// The file they were read from.
        public var path: String
        /// The customers, ids 0, 1, ... in file order; empty until the file is read.
        public var customers: [Customer]
        /// Each customer's key in the file (its `customer` column).
        public var labels: [String]
        /// A table of `customers` read from `path`.
        public init(path: String, customers: [Customer] = [], labels: [String] = []) {
            self.path = path
            self.customers = customers
            self.labels = labels
        }
    }
    /// How many business types (the callback menu's keys 1...businessTypes).
    public var businessTypes: Int {
        didSet {
            if businessTypeProfiles.count != businessTypes { businessTypeProfiles = Self.evenTypes(businessTypes) }
        }
    }
    /// One profile per business type: the callers' mix and their talk and wrap-up times. Setting
    /// `businessTypes` resets it to an even mix with the scenario's times.
    public var businessTypeProfiles: [BusinessTypeProfile]
    /// How many business types each agent serves.
    public var businessTypesPerAgent: Int
    /// Calls per second, piecewise constant (a piecewise Poisson process).
    public var arrivals: ArrivalProfile
    /// The day-to-day busyness factor: each replication multiplies every arrival rate by one draw
    /// of it (its own stream, so every router meets the same days); nil for none.
    public var busyness: Distribution?
    /// Who calls.
    public var callers: CallerMix
    /// How callers behave in the IVR.
    public var ivr: IVR
    /// The caller's patience while waiting in a queue (baselines that queue); nil: infinite.
    public var queuePatience: Distribution?
    /// Talk time of an inbound call.
    public var talk: Distribution
    /// Wrap-up after an inbound call.
    public var wrapUp: Distribution
    /// The service-level target, seconds from arrival to connect.
    public var serviceTarget: Double
    /// The callbacks agents dial.
    public var callbacks: Callbacks
    /// The router under test.
    public var router: RouterChoice
    /// An outbound campaign the same agents work, with the blending rule; nil: none.
    public var outbound: Blend?
    /// The agents' pauses after an inbound call's wrap-up (a blended campaign's calls are
    /// followed by the campaign's own `pauses`); none by default.
    public var pauses = PauseModel()
    /// When agents work, agents numbered shift by shift (so the first shift's agents are the
    /// first teams'); empty: every agent all day.
    public var shifts: [Shift] = []
    /// Each agent's (login, logout) time.
    public var agentHours: [(start: Double, end: Double)] { Shift.hours(shifts, agents: agents) }
    /// The batch id of the blended campaign's task.
    public var outboundBatchID = "blend"
    /// Whether callers give no number and meet no IVR (an inbound study: the router hears
    /// `callArrived`); the caller mix, the IVR, the customers and the business types' shares are
    /// then not drawn, only each caller's patience, talk and wrap-up (of the first type).
    public var anonymousCallers = false
    /// The first part of the purpose of every random stream of the world (`routing.arrivals`, ...);
    /// an inbound study's world draws from `inbound.arrivals`, ... as inbound studies always did.
    public var streams = "routing"

    /// A scenario, by name.
    public init(
        horizon: Double = 8 * 3600, interval: Double = 1800, seed: UInt64 = 1, replications: Int = 10,
        teams: Int = 4, teamSize: Int = 5, customers: Int = 2000, businessTypes: Int = 3,
        businessTypesPerAgent: Int = 2, arrivalRate: Double = 60.0 / 3600,
        callers: CallerMix = CallerMix(
            knownNumberShare: 0.6, knownCustomerOtherNumberShare: 0.2, validIDProbability: 0.7),
        ivr: IVR = IVR(), queuePatience: Distribution? = .exponential(mean: 120),
        talk: Distribution = .exponential(mean: 240), wrapUp: Distribution = .deterministic(30),
        serviceTarget: Double = 20, callbacks: Callbacks = Callbacks(),
        router: RouterChoice = .cascade(CascadeRouter.Configuration(), seed: 1)
    ) {
        precondition(horizon > 0 && interval > 0, "horizon and interval must be positive")
        precondition(replications >= 1, "there must be at least one replication")
        precondition(teams >= 1 && teamSize >= 1, "there must be at least one team of at least one agent")
        precondition(
            customers >= 0 && businessTypes >= 1, "customers must not be negative; businessTypes positive")
        precondition(
            (1...businessTypes).contains(businessTypesPerAgent),
            "businessTypesPerAgent must be in 1...businessTypes")
        precondition(
            arrivalRate >= 0 && arrivalRate.isFinite, "arrivalRate must be a rate that is not negative")
        precondition(
            customers > 0 || callers.knownNumberShare + callers.knownCustomerOtherNumberShare == 0,
            "known callers need customers")
        self.horizon = horizon
        self.interval = interval
        self.seed = seed
        self.replications = replications
        self.teams = teams
        self.teamSize = teamSize
        self.customers = customers
        self.businessTypes = businessTypes
        self.businessTypesPerAgent = businessTypesPerAgent
        self.arrivals = .constant(arrivalRate)
        self.businessTypeProfiles = Self.evenTypes(businessTypes)
        self.callers = callers
        self.ivr = ivr
        self.queuePatience = queuePatience
        self.talk = talk
        self.wrapUp = wrapUp
        self.serviceTarget = serviceTarget
        self.callbacks = callbacks
        self.router = router
    }

    // MARK: Derived

    /// An even mix of `n` business types named "business 1" ... with the scenario's times.
    static func evenTypes(_ n: Int) -> [BusinessTypeProfile] {
        (0..<n).map { BusinessTypeProfile(name: "business \($0 + 1)", share: 1 / Double(n)) }
    }

    /// The mean arrival rate over the horizon, calls per second (busyness factor 1).
    public var meanArrivalRate: Double { arrivals.meanRate(over: horizon) }

    /// How many agents: teams × teamSize.
    public var agents: Int { teams * teamSize }

    /// The team of `agent` (index).
    public func team(of agent: Int) -> Int { agent / teamSize }

    /// The first agent (index) bound to customer `c`; nil when the table gives none.
    public func firstAgent(ofCustomer c: Int) -> Int? {
        guard let table = customerTable else { return c % agents }
        return table.customers[c].firstAgent?.index
    }

    /// The number customer `c` calls from when calling from their own number.
    public func boundNumber(ofCustomer c: Int) -> String {
        customerTable?.customers[c].numbers[0] ?? Self.number(ofCustomer: c)
    }

    /// Customer `c`'s ID-card number, if they have one.
    public func idCardNumber(ofCustomer c: Int) -> String? {
        guard let table = customerTable else { return Self.idNumber(ofCustomer: c) }
        return table.customers[c].idNumber
    }

    /// The profile of agent `a`: team, backup (next agent of the team), leadership, business types.
    public func profile(of a: Int) -> AgentProfile {
        let t = a / teamSize
        let k = a % teamSize
        let backup = teamSize > 1 ? AgentID(t * teamSize + (k + 1) % teamSize) : nil
        var types = Set<BusinessTypeID>()
        for j in 0..<businessTypesPerAgent { types.insert(BusinessTypeID(Int32((a + j) % businessTypes))) }
        return AgentProfile(
            id: AgentID(a), team: TeamID(Int32(t)), backup: backup, isLeader: k == 0, businessTypes: types)
    }

    /// The bound phone number of customer `c`: `1` and ten digits.
    public static func number(ofCustomer c: Int) -> String { "1" + padded(c, 10) }

    /// The ID-card number of customer `c`: 18 digits starting `11`.
    public static func idNumber(ofCustomer c: Int) -> String { "11" + padded(c, 16) }

    /// The number of the `n`-th caller when it is a new caller's: `2` and 14 digits.
    public static func freshNumber(arrival n: Int) -> String { "2" + padded(n, 14) }

    /// The other number customer `c` calls from when not from the bound one: `3` and ten digits.
    /// Unknown to the router at the start; once step 02 binds it, the customer's next call from
    /// it is recognised by number.
    public static func otherNumber(ofCustomer c: Int) -> String { "3" + padded(c, 10) }

    /// The wrong ID number the `n`-th caller keys when not keying a valid one: `99` and 16
    /// digits, no synthetic customer's, and the caller's own, so that the customer step 021
    /// creates with it is not recognised by another caller's mistake.
    public static func wrongIDNumber(arrival n: Int) -> String { "99" + padded(n, 16) }

    static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The router's directory at the start: agents, teams, business types and the customers.
    public func directory() -> Directory {
        if let table = customerTable {
            var directory = Directory()
            for a in 0..<agents { directory.addAgent(profile(of: a)) }
            directory.businessTypes = businessTypeProfiles.enumerated().map {
                BusinessType(id: BusinessTypeID(Int32($0.offset)), name: $0.element.name)
            }
            for c in table.customers {
                directory.addCustomer(numbers: c.numbers, idNumber: c.idNumber, firstAgent: c.firstAgent)
            }
            return directory
        }
        var directory = Directory()
        for a in 0..<agents { directory.addAgent(profile(of: a)) }
        directory.businessTypes = businessTypeProfiles.enumerated().map {
            BusinessType(id: BusinessTypeID(Int32($0.offset)), name: $0.element.name)
        }
        for c in 0..<customers {
            directory.addCustomer(
                numbers: [Self.number(ofCustomer: c)], idNumber: Self.idNumber(ofCustomer: c),
                firstAgent: AgentID(c % agents))
        }
        return directory
    }

    /// The sticky router's bindings: each customer's bound number to their first agent.
    public func stickyBindings() -> [PhoneNumber: AgentID] {
        var bindings: [PhoneNumber: AgentID] = [:]
        for c in 0..<customers {
            guard let first = firstAgent(ofCustomer: c) else { continue }
            for number in customerTable?.customers[c].numbers ?? [Self.number(ofCustomer: c)] {
                if let phone = PhoneNumber(number) { bindings[phone] = AgentID(first) }
            }
        }
        return bindings
    }
}
