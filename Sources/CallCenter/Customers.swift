// MARK: - The inbound domain (CN107682576B)

/// A customer, by a dense index (0, 1, 2, ...) within a directory.
public struct CustomerID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The dense index.
    public var rawValue: Int32
    /// The customer with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The customer with index `index`.
    @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
    /// The index as an `Int`.
    @inlinable public var index: Int { Int(rawValue) }
    public static func < (a: CustomerID, b: CustomerID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "customer#\(rawValue)" }
}

/// A team (团队) of agents, by a small id.
public struct TeamID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id.
    public var rawValue: Int32
    /// The team with id `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static func < (a: TeamID, b: TeamID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "team#\(rawValue)" }
}

/// A business type (业务类型, a skill group), by a small id.
public struct BusinessTypeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id.
    public var rawValue: Int32
    /// The business type with id `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static func < (a: BusinessTypeID, b: BusinessTypeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "business#\(rawValue)" }
}

/// A callback task, by a dense index (0, 1, 2, ...) in creation order within a run.
public struct CallbackTaskID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The dense index.
    public var rawValue: Int32
    /// The task with index `rawValue`.
    @inlinable public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The task with index `index`.
    @inlinable public init(_ index: Int) { self.rawValue = Int32(index) }
    /// The index as an `Int`.
    @inlinable public var index: Int { Int(rawValue) }
    public static func < (a: CallbackTaskID, b: CallbackTaskID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "callback#\(rawValue)" }
}

/// A known customer: their phone numbers, ID-card number and bound first agent (第一坐席).
public struct Customer: Hashable, Sendable, Codable {
    /// The customer's id.
    public var id: CustomerID
    /// The phone numbers step 01 recognises; step 02 adds the number a customer called from.
    public var numbers: [String]
    /// The ID-card number step 02 matches, if known.
    public var idNumber: String?
    /// The agent bound one-to-one to this customer, if any.
    public var firstAgent: AgentID?
    /// A customer with these fields.
    public init(id: CustomerID, numbers: [String], idNumber: String? = nil, firstAgent: AgentID? = nil) {
        self.id = id
        self.numbers = numbers
        self.idNumber = idNumber
        self.firstAgent = firstAgent
    }
}

/// A business type (skill group) with its name, as announced in the callback menu.
public struct BusinessType: Hashable, Sendable, Codable {
    /// The id.
    public var id: BusinessTypeID
    /// The name, for menus and reports.
    public var name: String
    /// A business type with this id and name.
    public init(id: BusinessTypeID, name: String) {
        self.id = id
        self.name = name
    }
}

/// A team of agents and its leader (团队长).
public struct Team: Hashable, Sendable, Codable {
    /// The id.
    public var id: TeamID
    /// The team leader, if the team has one.
    public var leader: AgentID?
    /// A team with this id and leader.
    public init(id: TeamID, leader: AgentID? = nil) {
        self.id = id
        self.leader = leader
    }
}

/// What the router knows of an agent: team, backup first agent, leadership, business types.
public struct AgentProfile: Hashable, Sendable, Codable {
    /// The agent.
    public var id: AgentID
    /// The agent's team.
    public var team: TeamID
    /// The agent's stand-in (备选第一坐席), normally of the same team, if any.
    public var backup: AgentID?
    /// Whether the agent leads its team.
    public var isLeader: Bool
    /// The business types (skill groups) the agent serves.
    public var businessTypes: Set<BusinessTypeID>
    /// A profile with these fields.
    public init(
        id: AgentID, team: TeamID, backup: AgentID? = nil, isLeader: Bool = false,
        businessTypes: Set<BusinessTypeID> = []
    ) {
        self.id = id
        self.team = team
        self.backup = backup
        self.isLeader = isLeader
        self.businessTypes = businessTypes
    }
}

/// Where a callback task stands.
public enum CallbackState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Created and assigned, not yet due.
    case open
    /// Overdue; its owner was reminded (step 06, known customer).
    case reminded
    /// Overdue; it was given to another agent (step 06, unknown customer).
    case reassigned
    /// The agent called the customer back.
    case done
    /// Out of reminders or reassignments: no longer monitored.
    case expired

    /// Whether the monitor still watches the task (open, reminded or reassigned).
    public var isActive: Bool { self == .open || self == .reminded || self == .reassigned }
}

/// A callback task (回拨任务, steps 04-06): who to call back, about what, by whom, by when.
public struct CallbackTask: Hashable, Sendable, Codable {
    /// The id.
    public var id: CallbackTaskID
    /// The customer, when recognised by number (01) or ID number (02); nil for a new caller.
    public var customer: CustomerID?
    /// The number the caller called from (nil if the softswitch did not say).
    public var callerNumber: String?
    /// The business type chosen in the menu (03), if any.
    public var businessType: BusinessTypeID?
    /// The agent who owns the task (05, 06); nil while no agent is online to take it.
    public var owner: AgentID?
    /// When the task was created (04).
    public var created: Seconds
    /// When the monitor next checks it (06).
    public var deadline: Seconds
    /// The priority; higher is more urgent (06 raises it).
    public var priority: Int
    /// How many times the owner was reminded.
    public var reminders: Int
    /// How many times the task was reassigned.
    public var reassignments: Int
    /// Where the task stands.
    public var state: CallbackState

    /// A task with these fields.
    public init(
        id: CallbackTaskID, customer: CustomerID?, callerNumber: String?, businessType: BusinessTypeID?,
        owner: AgentID?, created: Seconds, deadline: Seconds, priority: Int, reminders: Int = 0,
        reassignments: Int = 0, state: CallbackState = .open
    ) {
        self.id = id
        self.customer = customer
        self.callerNumber = callerNumber
        self.businessType = businessType
        self.owner = owner
        self.created = created
        self.deadline = deadline
        self.priority = priority
        self.reminders = reminders
        self.reassignments = reassignments
        self.state = state
    }
}

// MARK: - The directory

/// The router's read-mostly data: customers by number and by ID number, agents, teams and
/// business types. Bindings made during a run (step 02, step 021) are written into it.
public struct Directory: Hashable, Sendable, Codable {
    /// The customers, indexed by `CustomerID.index`.
    public private(set) var customers: [Customer] = []
    /// The customer of each known phone number.
    public private(set) var customerByNumber: [String: CustomerID] = [:]
    /// The customer of each known ID-card number.
    public private(set) var customerByIDNumber: [String: CustomerID] = [:]
    /// The agents' profiles, by agent.
    public private(set) var agents: [AgentID: AgentProfile] = [:]
    /// The teams, by id.
    public private(set) var teams: [TeamID: Team] = [:]
    /// The business types, in menu order (key 1 is the first).
    public var businessTypes: [BusinessType] = []

    /// An empty directory.
    public init() {}

    /// Adds a customer with these fields and returns it; its id is the next index.
    @discardableResult
    public mutating func addCustomer(numbers: [String], idNumber: String? = nil, firstAgent: AgentID? = nil)
        -> Customer
    {
        let customer = Customer(
            id: CustomerID(customers.count), numbers: numbers, idNumber: idNumber, firstAgent: firstAgent)
        customers.append(customer)
        for number in numbers { customerByNumber[number] = customer.id }
        if let idNumber { customerByIDNumber[idNumber] = customer.id }
        return customer
    }

    /// Adds (or replaces) an agent's profile; a leader becomes its team's leader.
    public mutating func addAgent(_ profile: AgentProfile) {
        agents[profile.id] = profile
        var team = teams[profile.team] ?? Team(id: profile.team)
        if profile.isLeader { team.leader = profile.id }
        teams[profile.team] = team
    }

    /// Step 02 (claim 2): binds `number` to `customer`, so step 01 recognises it next time.
    /// A number bound to another customer moves: it leaves that customer's numbers.
    public mutating func bind(number: String, to customer: CustomerID) {
        if let previous = customerByNumber[number], previous != customer {
            customers[previous.index].numbers.removeAll { $0 == number }
        }
        customerByNumber[number] = customer
        if !customers[customer.index].numbers.contains(number) {
            customers[customer.index].numbers.append(number)
        }
    }

    /// The customer with id `id`, if the directory holds one.
    public func customer(_ id: CustomerID) -> Customer? {
        id.index >= 0 && id.index < customers.count ? customers[id.index] : nil
    }

    /// The customer calling from `number`, if known (step 01).
    public func customer(number: String) -> Customer? { customerByNumber[number].map { customers[$0.index] } }

    /// The customer with ID-card number `idNumber`, if known (step 02).
    public func customer(idNumber: String) -> Customer? {
        customerByIDNumber[idNumber].map { customers[$0.index] }
    }

    /// The leader of `agent`'s team, if the agent and the team are known and it has one.
    public func leader(of agent: AgentID) -> AgentID? { agents[agent].flatMap { teams[$0.team]?.leader } }
}

// MARK: - ID-card numbers

/// The ID-card numbers (证件号码) step 02 matches, in one spelling for the table, the directory
/// and the keypad.
///
/// An ID number is 1 to 32 digits (what a caller can key), or a PRC resident ID number: 17
/// digits and the check character `X` (GB 11643's ISO 7064 MOD 11-2 check value 10), written `X`
/// whatever case it came in, and keyed `*` on a phone (`KeyedDigits.idNumber`). The check
/// character is not verified, for digits or `X` alike: a table's number is taken as written.
public enum IDCardNumber {
    /// The longest ID number, in characters (what `KeyedDigits` can carry).
    public static let maxLength = 32
    /// The length of a PRC resident ID number, whose last character may be `X`.
    public static let residentIDLength = 18

    /// The ID number written `text` in its one spelling (a final `x` made `X`), or nil when
    /// `text` is not one.
    public static func canonical(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard (1...maxLength).contains(bytes.count) else { return nil }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if bytes.allSatisfy(isDigit) { return text }
        guard bytes.count == residentIDLength, bytes.dropLast().allSatisfy(isDigit),
            bytes.last == UInt8(ascii: "X") || bytes.last == UInt8(ascii: "x")
        else { return nil }
        return String(text.dropLast()) + "X"
    }
}
