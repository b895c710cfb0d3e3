import CallCenter
import CenterPolicies
import DialingPolicies
import RoutingPolicies

// MARK: - The tables: every key of the three file kinds, once
//
// Defaults are read from the types that apply them (`OutboundWorld()`, `PatentDispatcher
// .Configuration()`, ...), so a default changed there shows here, in the schemas and in
// `docs/schema/`, without a second edit. The order of a section's knobs is the order the format
// lists them and the order of "known fields: ..." in messages.

/// The knob tables of scenario files: one root section per file kind.
public enum KnobTables {
    /// The most agents a scenario may have.
    public static let maxAgents = 100_000
    /// The most replications a scenario may ask for.
    public static let maxReplications = 10_000

    // MARK: Shared knobs

    static func name(_ doc: String = "a non-empty name for tables and reports") -> Knob {
        Knob("name", .text(nonEmpty: true), required: true, doc)
    }
    static let description = Knob("description", .text(nonEmpty: false), "free text for the reader")
    static let seed = Knob(
        "seed", .seed, default: .integer(1), "the seed every random stream of every replication derives from")
    static let replications = Knob(
        "replications", .integer(1...maxReplications), default: .integer(10),
        "how many independent replications to run")
    static func interval(_ seconds: Double) -> Knob {
        Knob(
            "interval", .duration(positive: true), default: .duration(seconds),
            "the width of the per-interval series")
    }
    static let warmup = Knob(
        "warmup", .duration(positive: false), default: .duration(0),
        "arrivals and agent time before it are left out of the totals; shorter than the horizon")
    /// A period of constant arrival rate.
    static let period = Section([
        Knob(
            "from", .duration(positive: false), required: true,
            "when the period starts; the first at 0s, then increasing, each before the horizon"),
        Knob("rate", .rate, required: true, "the arrival rate during the period"),
    ])
    static let arrivalRate = Knob(
        "arrival_rate", .rate, "one arrival rate for the whole run (or arrival_rates)")
    static let arrivalRates = Knob(
        "arrival_rates", .list(.section(period)), "periods of constant arrival rate (or arrival_rate)")
    static let busyness = Knob(
        "busyness", .distribution(never: false),
        "each replication (day) multiplies every arrival rate by one draw of this factor, whose mean must be above 0; omitted: 1"
    )

    // MARK: Inbound scenarios

    /// An inbound scenario: one queue, agents in one group, the Erlang models' world.
    public static let scenario: Section = {
        let defaults = Scenario(
            name: "", horizon: 1, agents: 1,
            traffic: InboundTraffic(arrivals: .constant(0), talkTime: .deterministic(0)))
        let router = LongestIdleRouter.Configuration()
        let traffic = Section(
            [
                arrivalRate, arrivalRates, busyness,
                Knob(
                    "talk_time", .distribution(never: false), required: true,
                    "how long an agent talks with a caller"),
                Knob(
                    "wrap_up", .distribution(never: false), default: .distribution(defaults.traffic.wrapUp),
                    "how long an agent spends after a call before taking the next"),
                Knob(
                    "patience", .distribution(never: true),
                    "how long a caller waits in the queue before hanging up; omitted or never: callers never abandon"
                ),
            ], exactlyOne: [["arrival_rate", "arrival_rates"]])
        let policy = Section([
            Knob(
                "router", .names(["longest-idle-fifo"]), default: .text(defaults.policy.name),
                "the inbound router"),
            Knob(
                "queue_capacity", .capacity,
                default: router.queueCapacity.map { .integer($0) } ?? .text("unlimited"),
                "how many callers may wait; 0 makes a loss system (Erlang B)"),
        ])
        return Section([
            name(), description, seed, replications,
            Knob("horizon", .duration(positive: true), required: true, "how long callers arrive"),
            warmup, interval(defaults.interval),
            Knob(
                "service_target", .duration(positive: false), default: .duration(defaults.serviceTarget),
                "calls answered within this wait count towards the service level"),
            Knob(
                "agents", .integer(1...maxAgents), required: true, "how many agents are logged in throughout"),
            Knob(
                "traffic", .section(traffic), required: true,
                "the callers: arrivals, talk time, wrap-up, patience"),
            Knob("policy", .section(policy), "the router and its knobs"),
        ])
    }()

    // MARK: Campaigns

    /// The outcomes a retry delay is given for, by their names in files.
    public static let retryOutcomes: [(name: String, outcome: CallOutcome)] = [
        ("abandoned", .abandoned), ("busy", .busy), ("cancelled", .cancelled), ("failed", .failed),
        ("machine", .machine), ("no_answer", .noAnswer),
    ]

    /// Pauses' keys (a campaign's `pauses`, a routing study's).
    static let pauses: Section = {
        let model = PauseModel()
        return Section([
            Knob(
                "after_call", .probability, default: .number(model.afterCall),
                "P(an agent pauses after a call's wrap-up)"),
            Knob(
                "duration", .distribution(never: false), default: .distribution(model.duration),
                "a short break's duration"),
            Knob(
                "away_share", .probability, default: .number(model.awayShare),
                "P(a pause is a long absence)"),
            Knob(
                "away", .distribution(never: false), default: .distribution(model.away),
                "a long absence's duration"),
        ])
    }()

    /// A shift's keys (a campaign's `shifts`, a routing study's).
    static let shift = Section([
        Knob("from", .duration(positive: false), required: true, "when the shift's agents log in"),
        Knob(
            "to", .duration(positive: false), required: true,
            "when they log out (after their call); after from"),
        Knob("agents", .integer(1...maxAgents), required: true, "how many agents work the shift"),
    ])

    /// The keys of a campaign's `campaign` section (a blended campaign's `routing.outbound` has
    /// them too, but `shifts`).
    static let campaignKnobs: [Knob] = {
        let world = OutboundWorld(answer: [])
        let period = AnswerProbabilities(live: [0])
        let answer = Section([
            Knob(
                "from", .duration(positive: false), default: .duration(period.from),
                "when the period starts; the first at 0s, then increasing"),
            Knob("live", .probabilities, required: true, "P(a live person answers), by attempt"),
            Knob(
                "machine", .probabilities, default: .number(period.machine[0]),
                "P(an answering machine answers), by attempt"),
            Knob(
                "busy", .probabilities, default: .number(period.busy[0]),
                "P(busy), by attempt; no answer takes what is left"),
        ])
        return [
            Knob(
                "contacts", .countOrFile(1...10_000_000), required: true,
                "that many synthetic contacts, or the path of a CSV contact list (relative to this file)"),
            Knob("answer", .list(.section(answer)), required: true, "the outcome probabilities, by period"),
            Knob(
                "invalid_numbers", .probability, default: .number(world.invalidNumbers),
                "the share of contacts whose number does not exist"),
            Knob(
                "ring_time", .distribution(never: false), default: .distribution(world.ringTime),
                "time from dialing to an answer (live or machine)"),
            Knob(
                "ring_timeout", .duration(positive: true), default: .duration(world.ringTimeout),
                "unanswered calls end with NO_ANSWER after this long"),
            Knob(
                "busy_time", .duration(positive: false), default: .duration(world.busyTime),
                "a busy line ends after this long"),
            Knob(
                "invalid_time", .duration(positive: false), default: .duration(world.invalidTime),
                "an invalid number ends after this long"),
            Knob(
                "machine_detection", .distribution(never: false),
                default: .distribution(world.machineDetection),
                "from a machine's answer to the dialer hanging up on it"),
            Knob(
                "patience", .distribution(never: false), default: .distribution(world.patience),
                "how long an answered customer waits for an agent"),
            Knob(
                "max_hold", .duration(positive: false), default: .duration(world.maxHold),
                "the system hangs up (after its message) on a customer not connected by then"),
            Knob(
                "abandon_grace", .duration(positive: false), default: .duration(world.abandonGrace),
                "the regulators' rule: a live answer not connected within it is an abandoned call"),
            Knob(
                "talk_time", .distribution(never: false), default: .distribution(world.talkTime),
                "talk time of a connected call"),
            Knob(
                "wrap_up", .distribution(never: false), default: .distribution(world.wrapUp),
                "wrap-up after a call"),
            Knob("pauses", .section(pauses), "the agents' pauses after calls"),
            Knob(
                "shifts", .list(.section(shift)),
                "when agents work; their agents add up to agents; omitted: all day"),
        ]
    }()

    /// The knobs every dialer has, after `name` and `dialer`.
    static func contractKnobs() -> [Knob] {
        let rules = ContractRules()
        let retry = Section(
            retryOutcomes.map { outcome in
                Knob(
                    outcome.name, .duration(positive: false),
                    default: .duration(rules.retryDelay[outcome.outcome] ?? 0),
                    "how long after an attempt ending \(outcome.name) the contract is dialled again")
            })
        return [
            Knob(
                "max_attempts", .integer(1...100), default: .integer(rules.maxAttempts),
                "attempts per contract"),
            Knob("retry_delay", .section(retry), "how long to wait before dialling again, by outcome"),
        ]
    }

    /// The dialers a campaign variant can run, with their knobs; a variant has a name.
    public static let dialers = dialerCases(inVariants: true)
    /// The dialer of a blended campaign (`routing.outbound.dialer`): the same, its name ignored.
    public static let blendedDialers = dialerCases(inVariants: false)

    /// The dialers with their knobs, `name` and `dialer` first.
    static func dialerCases(inVariants: Bool) -> [TaggedCase] {
        func dialerCase(_ kind: String, _ doc: String, _ knobs: [Knob]) -> TaggedCase {
            let name =
                inVariants
                ? Knob(
                    "name", .text(nonEmpty: false), required: true,
                    "the variant's name in outputs, unique in the file")
                : Knob("name", .text(nonEmpty: false), "ignored (a variant's name)")
            return TaggedCase(
                kind, doc, Section([name, Knob("dialer", .names([kind]), required: true, doc)] + knobs))
        }
        let patent = PatentDispatcher.Configuration()
        let progressive = ProgressiveDialer.Configuration()
        let power = PowerDialer.Configuration()
        let adaptive = AdaptiveDialer.Configuration()
        func tick(_ seconds: Double) -> Knob {
            Knob("tick", .duration(positive: true), default: .duration(seconds), "the dial loop's period")
        }
        func grace(_ seconds: Double) -> Knob {
            Knob(
                "abandon_grace", .duration(positive: false), default: .duration(seconds),
                "a live answer connected later than this is abandoned")
        }
        let contract = contractKnobs()
        return [
            dialerCase(
                "patent", "the CN107613150B dispatcher",
                [
                    Knob(
                        "abandon_threshold", .probability, default: .number(patent.abandonThreshold),
                        "S2': pause dialing while the estimated abandon probability is above this"),
                    Knob(
                        "abandon_window", .integer(1...1_000_000), default: .integer(patent.abandonWindow),
                        "live answers over which the abandon probability is estimated"),
                    grace(patent.abandonGrace),
                    Knob(
                        "minimum_sample", .integer(0...1_000_000), default: .integer(patent.minimumSample),
                        "live answers (or attempts) before the estimates are trusted"),
                    Knob(
                        "pause_timeout", .duration(positive: false), default: .duration(patent.pauseTimeout),
                        "S3': agents paused longer than this count as idle"),
                    tick(patent.tick),
                    Knob(
                        "initial_lines_per_agent", .number(above: 0),
                        default: .number(patent.pacing.initialLinesPerAgent),
                        "lines per available agent before enough calls have been seen"),
                    Knob(
                        "aggressiveness", .number(above: 0), default: .number(patent.pacing.aggressiveness),
                        "scales the lines per agent the empirical answer rate calls for"),
                    Knob(
                        "max_lines_per_agent", .number(atLeast: 1),
                        default: .number(patent.pacing.maxLinesPerAgent),
                        "the most lines per available agent"),
                    Knob(
                        "lookahead", .bool, default: .bool(patent.pacing.lookahead),
                        "count agents expected to be free soon (from the empirical talk and ring times)"),
                    Knob(
                        "answer_window", .integer(1...1_000_000),
                        default: .integer(patent.pacing.answerWindow),
                        "attempts over which the live answer rate is measured"),
                    Knob(
                        "throttle_when_idle", .bool, default: .bool(patent.throttleWhenIdle),
                        "above the threshold, S1' dials one line per idle agent"),
                ] + contract),
            dialerCase(
                "progressive", "one call per idle agent",
                [tick(progressive.tick), grace(progressive.abandonGrace)] + contract),
            dialerCase(
                "power", "a fixed number of lines per idle agent",
                [tick(power.tick), grace(power.abandonGrace)] + contract + [
                    Knob(
                        "lines_per_agent", .number(atLeast: 1), default: .number(power.linesPerAgent),
                        "lines per idle agent (1 is the progressive dialer)")
                ]),
            dialerCase(
                "adaptive", "VICIdial-style adaptive dial level",
                [tick(adaptive.tick), grace(adaptive.abandonGrace)] + contract + [
                    Knob(
                        "method", .names(AdaptiveDialer.Method.allCases.map(\.rawValue)),
                        default: .text(adaptive.method.rawValue),
                        "how the level answers drops (VICIdial's dial_method)"),
                    Knob(
                        "drop_cap", .probability, default: .number(adaptive.dropCap),
                        "the drop rate to stay under, a share of live answers above 0"),
                    Knob(
                        "maximum_level", .number(atLeast: 1), default: .number(adaptive.maximumLevel),
                        "the highest dial level"),
                    Knob(
                        "intensity", .number(atLeast: -40, atMost: 40), default: .number(adaptive.intensity),
                        "scales the steps: positive rises faster and falls slower"),
                    Knob(
                        "dl_diff_target", .number(), default: .number(adaptive.dlDiffTarget),
                        "the target of ready agents minus waiting calls"),
                    Knob(
                        "initial_level", .number(atLeast: 1), default: .number(adaptive.initialLevel),
                        "the level at the start, at most maximum_level"),
                    Knob(
                        "adjust_every", .duration(positive: true), default: .duration(adaptive.adjustEvery),
                        "time between adjustments of the level"),
                    Knob(
                        "averaging_samples", .integer(1...10_000),
                        default: .integer(adaptive.averagingSamples),
                        "samples (one per tick) averaged for the differential"),
                    Knob(
                        "horizon", .integer(1...1_000_000), default: .integer(adaptive.horizon),
                        "live answers over which the drop rate is measured"),
                    Knob(
                        "minimum_sample", .integer(0...1_000_000), default: .integer(adaptive.minimumSample),
                        "live answers before the drop rate is trusted"),
                    Knob(
                        "shift_length", .duration(positive: true), default: .duration(adaptive.shiftLength),
                        "tapered: when dialing stops, from the task's start"),
                    Knob(
                        "taper_span", .duration(positive: true), default: .duration(adaptive.taperSpan),
                        "the last part of the shift over which it tapers"),
                ]),
        ]
    }

    /// A campaign: the dialers compared on the same customers.
    public static let campaign: Section = {
        let defaults = OutboundScenario(
            name: "", horizon: 1, agents: 1, contacts: .synthetic(count: 1), world: OutboundWorld(answer: []),
            variants: [])
        return Section([
            name(), description, seed, replications,
            Knob("horizon", .duration(positive: true), required: true, "how long the campaign dials"),
            interval(defaults.interval),
            Knob(
                "agents", .integer(1...maxAgents), required: true,
                "agents in all (the sum of the shifts' agents when there are shifts)"),
            Knob(
                "campaign", .section(Section(campaignKnobs)), required: true,
                "the contacts, the modelled softswitch and customers"),
            Knob(
                "variants", .list(.tagged(key: "dialer", dialers)), required: true,
                "the dialers to compare, each with a name no other has"),
        ])
    }()

    // MARK: Routing studies

    /// The blending rule's knobs a variant may override.
    static let blendVariantKnobs: [Knob] = {
        let rule = BlendRule()
        return [
            Knob(
                "inbound_reserve", .integer(0...maxAgents - 1), default: .integer(rule.inboundReserve),
                "idle agents never offered to the dialer; below the agents"),
            Knob(
                "max_outbound_agents", .integer(1...maxAgents),
                "at most this many agents on the campaign at once, at most the agents; omitted: no cap"),
            Knob(
                "pool_takes_inbound", .bool, default: .bool(rule.poolTakesInbound),
                "whether the router may give a caller to an agent in the dialer's pool"),
        ]
    }()

    /// A routing study: routers compared on the same callers.
    public static let routing: Section = {
        let world = RoutingScenario()
        let cascade = CascadeRouter.Configuration()
        let queue = QueueRouter.Configuration()
        let sticky = StickyRouter.Configuration()
        let rule = BlendRule()
        let businessType = Section([
            Knob(
                "name", .text(nonEmpty: true), required: true,
                "a name no other business type has, such as 'loans'"),
            Knob(
                "share", .number(atLeast: 0), required: true,
                "the share of callers of this type (shares are normalised)"),
            Knob(
                "talk_time", .distribution(never: false),
                "talk time of this type's calls; omitted: the study's"),
            Knob(
                "wrap_up", .distribution(never: false),
                "wrap-up after this type's calls; omitted: the study's"),
        ])
        let callers = Section([
            Knob(
                "known_number", .probability, default: .number(world.callers.knownNumberShare),
                "the share of calls from a known customer's bound number"),
            Knob(
                "known_customer_other_number", .probability,
                default: .number(world.callers.knownCustomerOtherNumberShare),
                "the share from a known customer on a number nobody knows; with known_number at most 1"),
            Knob(
                "valid_id", .probability, default: .number(world.callers.validIDProbability),
                "P(such a caller keys their valid ID number)"),
        ])
        let ivr = Section([
            Knob(
                "id_entry", .distribution(never: false), default: .distribution(world.ivr.idEntry),
                "how long a caller takes to key the ID number"),
            Knob(
                "menu_choice", .distribution(never: false), default: .distribution(world.ivr.menuChoice),
                "how long a caller takes to choose in the menu"),
            Knob(
                "valid_menu_key", .probability, default: .number(world.ivr.validMenuKeyProbability),
                "P(a caller keys a valid menu key)"),
            Knob(
                "patience", .distribution(never: true),
                "the caller's patience in the IVR, from arrival; omitted or never: infinite"),
        ])
        let callbacks = Section([
            Knob(
                "agents_dial", .bool, default: .bool(world.callbacks.agentsDial),
                "whether agents dial their callback tasks at all"),
            Knob(
                "answer", .probability, default: .number(world.callbacks.answerProbability),
                "P(an attempt reaches the customer)"),
            Knob(
                "talk", .distribution(never: false), default: .distribution(world.callbacks.talk),
                "how long a callback that reached the customer takes"),
            Knob(
                "failed_attempt", .distribution(never: false),
                default: .distribution(world.callbacks.failedAttempt),
                "how long a failed attempt occupies the agent"),
            Knob(
                "retry", .duration(positive: false), default: .duration(world.callbacks.retry),
                "time after a failed attempt before the next"),
        ])
        let outbound = Section(
            campaignKnobs.filter { $0.name != "shifts" } + [
                Knob(
                    "dialer", .tagged(key: "dialer", blendedDialers), required: true,
                    "the campaign's dialer and its knobs")
            ] + blendVariantKnobs + [
                Knob(
                    "dial_from", .duration(positive: false), default: .duration(rule.dialFrom),
                    "when the dialer starts"),
                Knob(
                    "dial_until", .duration(positive: true),
                    "when the dialer stops asking for calls; after dial_from; omitted: the horizon"),
            ])
        let worldSection = Section(
            [
                Knob(
                    "teams", .integer(1...maxAgents), required: true,
                    "how many teams; the first agent of each leads it"),
                Knob(
                    "team_size", .integer(1...maxAgents), required: true,
                    "how many agents a team has, its leader included; teams × team_size at most 100000"),
                Knob(
                    "customers", .countOrFile(0...10_000_000), required: true,
                    "how many customers are known at the start, or the path of a customer table (CSV)"),
                Knob(
                    "business_types", .countOrList(1...1000, businessType),
                    default: .integer(world.businessTypes),
                    "the callback menu's keys 1...business_types, or a list of them described"),
                Knob(
                    "business_types_per_agent", .integer(1...1000),
                    default: .integer(world.businessTypesPerAgent),
                    "how many business types each agent serves; at most business_types"),
                arrivalRate, arrivalRates, busyness,
                Knob(
                    "callers", .section(callers),
                    "who calls: shares of the offered calls (the rest are new callers)"),
                Knob("ivr", .section(ivr), "how callers behave in the IVR"),
                Knob(
                    "queue_patience", .distribution(never: true),
                    default: world.queuePatience.map { .distribution($0) },
                    "the caller's patience while waiting in a queue; never: infinite"),
                Knob(
                    "talk_time", .distribution(never: false), default: .distribution(world.talk),
                    "talk time of an inbound call"),
                Knob(
                    "wrap_up", .distribution(never: false), default: .distribution(world.wrapUp),
                    "wrap-up after an inbound call"),
                Knob(
                    "service_target", .duration(positive: false), default: .duration(world.serviceTarget),
                    "the service-level target, from arrival to connect"),
                Knob("callbacks", .section(callbacks), "the callbacks agents dial"),
                Knob(
                    "pauses", .section(pauses),
                    "the agents' pauses after an inbound call's wrap-up (a blended campaign's own pauses follow its calls)"),
                Knob(
                    "shifts", .list(.section(shift)),
                    "when agents work, in agent order (the first shift's agents are the first teams'); their agents add up to teams × team_size; omitted: all day"
                ),
                Knob(
                    "outbound", .section(outbound), "a campaign the same agents work, with the blending rule"),
            ], exactlyOne: [["arrival_rate", "arrival_rates"]])
        func routerCase(_ kind: String, _ doc: String, _ knobs: [Knob]) -> TaggedCase {
            TaggedCase(
                kind, doc,
                Section(
                    [
                        Knob(
                            "name", .text(nonEmpty: true), required: true,
                            "the variant's name in outputs, unique in the study"),
                        Knob("router", .names([kind]), required: true, doc),
                    ] + knobs + blendVariantKnobs))
        }
        func routerSeed(_ what: String) -> Knob {
            Knob(
                "seed", .seed, default: .integer(0),
                "\(what), mixed with the study's seed and the replication")
        }
        func capacity(_ value: Int?) -> Knob {
            Knob(
                "queue_capacity", .capacity, default: value.map { .integer($0) } ?? .text("unlimited"),
                "how many callers may wait; 0 makes a loss system")
        }
        let routers = [
            routerCase(
                "cascade", "the CN107682576B cascade",
                [
                    routerSeed("step 021's draws"),
                    Knob(
                        "second_agent_group", .names(CascadeRouter.SecondAgentGroup.allCases.map(\.rawValue)),
                        default: .text(cascade.secondAgentGroup.rawValue),
                        "step 013: the other agents of the first agent's team, or of their skill group"),
                    Knob(
                        "id_attempts", .integer(0...100), default: .integer(cascade.idAttempts),
                        "02: how many times the IVR asks for the ID number (0 skips 02)"),
                    Knob(
                        "id_number_digits", .integer(1...64), default: .integer(cascade.idNumberDigits),
                        "02: how many digits an ID number has at most"),
                    Knob(
                        "id_number_timeout", .duration(positive: true),
                        default: .duration(cascade.idNumberTimeout),
                        "02: how long the IVR waits for the ID number"),
                    Knob(
                        "offer_business_type_menu", .bool, default: .bool(cascade.offerBusinessTypeMenu),
                        "03: whether the announcement offers the business-type menu"),
                    Knob(
                        "menu_timeout", .duration(positive: true), default: .duration(cascade.menuTimeout),
                        "03: how long the IVR waits for the menu key"),
                    Knob(
                        "default_business_type", .integer(1...1000),
                        "03: the menu key of a task's business type when the caller keyed none or a bad one; at most business_types; omitted: none"
                    ),
                    Knob(
                        "bind_new_customer_to_serving_agent", .bool,
                        default: .bool(cascade.bindNewCustomerToServingAgent),
                        "021: whether a new caller served at random becomes a customer bound to that agent"),
                    Knob(
                        "callback_deadline", .duration(positive: true),
                        default: .duration(cascade.callbackDeadline),
                        "04: time from a task's creation to its deadline"),
                    Knob(
                        "follow_up_period", .duration(positive: true),
                        default: .duration(cascade.followUpPeriod),
                        "06: time from a missed deadline to the next check"),
                    Knob(
                        "initial_priority", .integer(-1_000_000...1_000_000),
                        default: .integer(cascade.initialPriority), "04: a new task's priority"),
                    Knob(
                        "priority_step", .integer(0...1_000_000), default: .integer(cascade.priorityStep),
                        "06: how much each missed deadline raises the priority"),
                    Knob(
                        "max_reminders", .integer(0...1000), default: .integer(cascade.maxReminders),
                        "06: reminders a recognised customer's task gets before it expires"),
                    Knob(
                        "max_reassignments", .integer(0...1000), default: .integer(cascade.maxReassignments),
                        "06: reassignments an unrecognised customer's task gets before it expires"),
                ]),
            routerCase(
                "queue", "a mod_callcenter queue with a strategy",
                [
                    routerSeed("the random strategy's draws"),
                    Knob(
                        "strategy", .names(QueueRouter.Strategy.allCases.map(\.rawValue)),
                        default: .text(queue.strategy.rawValue),
                        "mod_callcenter's strategy"),
                    capacity(queue.queueCapacity),
                ]),
            routerCase(
                "sticky", "a queue that waits for the bound agent of a known number",
                [
                    Knob(
                        "sticky_wait", .duration(positive: false), default: .duration(sticky.stickyWait),
                        "how long to wait for the bound agent"),
                    capacity(sticky.queueCapacity),
                ]),
        ]
        return Section([
            name(), description, seed, replications,
            Knob("horizon", .duration(positive: true), required: true, "how long callers arrive"),
            warmup, interval(1800),
            Knob(
                "routing", .section(worldSection), required: true,
                "the modelled world: teams, customers, callers, callbacks"),
            Knob(
                "variants", .list(.tagged(key: "router", routers)), required: true,
                "the routers to compare; the first is the baseline of the paired differences"),
        ])
    }()

    /// The root section of each file kind, by the name `simcc schema` takes.
    public static let kinds: [(name: String, section: Section)] = [
        ("scenario", scenario), ("campaign", campaign), ("routing", routing),
    ]
}

// MARK: - Distributions

/// A distribution family as written in a file: `{NAME: PARAMETERS}`, or for some a bare duration.
public struct DistributionFamily: Sendable {
    /// The key (`gamma`).
    public var name: String
    /// One line: what it is.
    public var doc: String
    /// Whether `{NAME: DURATION}` is accepted (deterministic, exponential: the value, the mean).
    public var takesDuration: Bool
    /// The parameters as a planner writes them, for messages (`{mean: 3min, sd: 1min}`).
    public var example: String
    /// The parameter mapping's keys; nil when only the bare duration is accepted.
    public var parameters: Section?

    /// The families, in the order messages list them.
    public static let all: [DistributionFamily] = {
        let mean = Knob("mean", .duration(positive: false), required: true, "the mean")
        return [
            DistributionFamily(
                name: "deterministic", doc: "always that value", takesDuration: true, example: "20s",
                parameters: nil),
            DistributionFamily(
                name: "exponential", doc: "exponential by its mean", takesDuration: true,
                example: "{mean: 3min}", parameters: Section([mean])),
            DistributionFamily(
                name: "erlang", doc: "the sum of k exponentials, by overall mean", takesDuration: false,
                example: "{k: 3, mean: 3min}",
                parameters: Section([
                    Knob("k", .integer(1...Int.max), required: true, "the number of phases"), mean,
                ])),
            DistributionFamily(
                name: "gamma", doc: "gamma by mean and standard deviation", takesDuration: false,
                example: "{mean: 3min, sd: 1min}",
                parameters: Section([
                    mean, Knob("sd", .duration(positive: false), required: true, "the standard deviation"),
                ])),
            DistributionFamily(
                name: "lognormal", doc: "lognormal by the mean and standard deviation of the value itself",
                takesDuration: false,
                example: "{mean: 3min, sd: 1min}",
                parameters: Section([
                    mean, Knob("sd", .duration(positive: false), required: true, "the standard deviation"),
                ])),
            DistributionFamily(
                name: "weibull", doc: "Weibull by shape and mean", takesDuration: false,
                example: "{shape: 1.5, mean: 60s}",
                parameters: Section([
                    Knob("shape", .number(), required: true, "the shape, a plain number such as 1.5"), mean,
                ])),
            DistributionFamily(
                name: "uniform", doc: "uniform between min and max", takesDuration: false,
                example: "{min: 1min, max: 5min}",
                parameters: Section([
                    Knob("min", .duration(positive: false), required: true, "the least value"),
                    Knob(
                        "max", .duration(positive: false), required: true, "the greatest value, at least min"),
                ])),
            DistributionFamily(
                name: "empirical", doc: "observed values, drawn with their weights or interpolated",
                takesDuration: false, example: "{values: [2min, 150s, 4min], weights: [1, 2, 1]}",
                parameters: Section([
                    Knob(
                        "values", .list(.duration(positive: false)), required: true, "the observed durations"),
                    Knob("weights", .list(.number()), "one weight per value, not all 0; omitted: equal"),
                    Knob(
                        "interpolate", .bool, default: .bool(false),
                        "draw from the piecewise-linear distribution through the sorted values (no weights)"),
                ])),
        ]
    }()

    /// The names, in order.
    public static var names: [String] { all.map(\.name) }
}
