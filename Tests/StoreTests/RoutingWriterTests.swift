import CallCenter
import Foundation
import Store
import Testing

@Suite("Routing records off the hot path (bindings, customers, callbacks, inbound calls)")
struct RoutingWriterTests {
    /// A store with the customers `k0` ... `k9`, numbers `1000` ... `1009`, ID numbers `500` ... `509`.
    func store(path: String? = nil) throws -> RoutingStore {
        let store = try path.map { try RoutingStore(path: $0) } ?? RoutingStore.inMemory()
        let rows = (0..<10).map { "k\($0),\(1000 + $0),\(500 + $0),\($0 % 3)" }.joined(separator: "\n")
        try store.importCustomers(csv: "customer,numbers,id_number,first_agent\n" + rows, file: "k.csv")
        return store
    }

    /// The records of a run: customers created, numbers bound, callback tasks and their events,
    /// inbound calls; and what the store should then hold.
    struct Run {
        var records: [RoutingRecord] = []
        var created: [StoredCustomer] = []
        var bindings: [NumberBinding] = []
        var tasks: [StoredCallbackTask] = []
        var history: [CallbackHistoryEntry] = []
        var calls: [InboundCallRecord] = []
    }

    /// `count` rounds of records whose every field, the optional ones included, depends on the round.
    func run(_ count: Int) -> Run {
        var run = Run()
        var nextCustomer = 10
        for i in 0..<count {
            let t = Double(i) * 10 + 0.25
            // Step 021: a new customer, now and then.
            if i % 5 == 0 {
                let customer = Customer(
                    id: CustomerID(nextCustomer), numbers: ["+86\(20_000 + i)"],
                    idNumber: i % 10 == 0 ? "9\(i)" : nil, firstAgent: AgentID(i % 7))
                nextCustomer += 1
                run.records.append(.customerCreated(CreatedCustomer(customer, at: t)))
                run.created.append(StoredCustomer(customer: customer, label: nil, source: .run, createdAt: t))
                run.bindings.append(NumberBinding(number: customer.numbers[0], customer: customer.id, at: t))
            }
            // Step 02: a known customer calls from a new number.
            if i % 3 == 0 {
                let binding = NumberBinding(
                    PhoneNumber("+8630\(i)") ?? "1", customer: CustomerID(i % 10), at: t + 1)
                run.records.append(.numberBound(binding))
                run.bindings.append(binding)
            }
            // Steps 04-06: a callback task and what happens to it.
            let id = CallbackTaskID(i)
            var task = CallbackTask(
                id: id, customer: i % 2 == 0 ? CustomerID(i % 10) : nil,
                callerNumber: i % 4 == 3 ? nil : "+8640\(i)",
                businessType: i % 3 == 0 ? nil : BusinessTypeID(Int32(i % 4)),
                owner: i % 6 == 5 ? nil : AgentID(i % 9),
                created: t + 2, deadline: t + 1802, priority: i % 3)
            run.records.append(.callback(.created(task)))
            run.history.append(
                CallbackHistoryEntry(
                    task: id, at: t + 2, event: .created, agent: nil, priority: task.priority))
            if let owner = task.owner {
                run.history.append(
                    CallbackHistoryEntry(
                        task: id, at: t + 2, event: .assigned, agent: owner, priority: task.priority))
            }
            var doneAt: Seconds?
            for step in 0..<(i % 4) {
                let at = t + 1802 + Double(step) * 900
                task.priority += 1
                if task.customer != nil, let owner = task.owner {
                    task.reminders += 1
                    task.state = .reminded
                    let deadline: Seconds? = step == 0 ? nil : at + 900
                    if let deadline { task.deadline = deadline }
                    run.records.append(
                        .callback(
                            .reminded(id, agent: owner, priority: task.priority, deadline: deadline, at: at)))
                    run.history.append(
                        CallbackHistoryEntry(
                            task: id, at: at, event: .reminded, agent: owner, priority: task.priority))
                } else {
                    let to: AgentID? = step == 2 ? nil : AgentID((i + step + 1) % 9)
                    task.owner = to
                    task.reassignments += 1
                    task.state = .reassigned
                    task.deadline = at + 900
                    run.records.append(
                        .callback(
                            .reassigned(id, to: to, priority: task.priority, deadline: at + 900, at: at)))
                    run.history.append(
                        CallbackHistoryEntry(
                            task: id, at: at, event: .reassigned, agent: to, priority: task.priority))
                }
            }
            let end = t + 5000
            switch i % 5 {
            case 0, 1:
                task.state = .done
                doneAt = end
                let by: AgentID? = i % 5 == 0 ? AgentID(8) : nil
                run.records.append(.callback(.done(id, by: by, at: end)))
                run.history.append(
                    CallbackHistoryEntry(
                        task: id, at: end, event: .done, agent: by ?? task.owner, priority: task.priority))
            case 2:
                task.state = .expired
                run.records.append(.callback(.expired(id, at: end)))
                run.history.append(
                    CallbackHistoryEntry(
                        task: id, at: end, event: .expired, agent: task.owner, priority: task.priority))
            default: break
            }
            run.tasks.append(StoredCallbackTask(task: task, doneAt: doneAt))
            // The inbound call.
            let steps: [RoutingStep?] = [.firstAgent, .backup, .team, .leader, .random, .callback, nil]
            let step = steps[i % steps.count]
            let connected = step != nil && step != .callback
            let call = InboundCallRecord(
                call: CallID(UInt64(count - i) * 7), caller: i % 8 == 7 ? nil : "+8650\(i)",
                customer: i % 3 == 1 ? nil : CustomerID(i % 10), arrivedAt: t,
                reason: step.map { RoutingReason(step: $0, afterIDMatch: i % 2 == 1) },
                agent: connected ? AgentID(i % 11) : nil, connectedAt: connected ? t + 3.5 : nil,
                endedAt: t + 200.0 / 3.0,
                ending: connected
                    ? .served : step == .callback ? .callback : i % 2 == 0 ? .abandonedInIVR : .blocked,
                callback: step == .callback ? id : nil)
            run.records.append(.inboundCall(call))
            run.calls.append(call)
        }
        run.calls.sort { $0.call.rawValue < $1.call.rawValue }
        return run
    }

    /// What `store` holds of a run, against what it should.
    func expectStored(_ store: RoutingStore, _ run: Run) throws {
        let customers = try store.storedCustomers()
        #expect(customers.count == 10 + run.created.count)
        #expect(Array(customers.dropFirst(10)) == run.created)
        #expect(try store.runBindings() == run.bindings)
        #expect(try store.callbackTasks() == run.tasks)
        #expect(try store.callbackHistory() == run.history)
        #expect(try store.inboundCalls() == run.calls)
    }

    @Test("records of every kind, across many batches: all written, read back exactly, history in order")
    func roundTrip() throws {
        let store = try store()
        let run = run(300)
        let writer = try store.recordWriter(batchSize: 7)
        for r in run.records { writer.append(r) }
        try writer.close()
        try expectStored(store, run)
        #expect(
            run.tasks.contains { $0.task.state == .reassigned } && run.tasks.contains { $0.task.owner == nil }
        )
        #expect(
            run.calls.contains { $0.reason == nil } && run.calls.contains { $0.reason?.afterIDMatch == true })

        // The bound numbers are the customers' last ones, in binding order.
        let customers = try store.customers()
        #expect(customers[0].numbers == ["1000"] + stride(from: 0, to: 300, by: 30).map { "+8630\($0)" })
        #expect(
            try store.callbackHistory(of: CallbackTaskID(5))
                == run.history.filter { $0.task == CallbackTaskID(5) })
        try writer.close()  // closing again does nothing
    }

    @Test("close() flushes what is buffered; flush() waits for what was appended")
    func flushAndClose() throws {
        let store = try store()
        let run = run(20)
        let writer = try store.recordWriter(batchSize: 1000)
        for r in run.records.prefix(5) { writer.append(r) }
        #expect(try store.runBindings().isEmpty)  // less than a batch: still buffered
        try writer.flush()
        #expect(try store.runBindings().count == 2)
        for r in run.records.dropFirst(5) { writer.append(r) }
        try writer.close()
        try expectStored(store, run)
    }

    @Test("several threads append at once: nothing lost")
    func concurrentAppends() async throws {
        let store = try store()
        let writer = try store.recordWriter(batchSize: 50)
        let calls = (0..<2000).map { i in
            InboundCallRecord(
                call: CallID(UInt64(i)), caller: "+86\(i)", customer: nil, arrivedAt: Double(i),
                reason: .random,
                agent: AgentID(i % 5), connectedAt: Double(i) + 1, endedAt: Double(i) + 60, ending: .served)
        }
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for i in stride(from: t, to: 2000, by: 4) { writer.append(.inboundCall(calls[i])) }
                }
            }
        }
        try writer.close()
        #expect(try store.inboundCalls() == calls)
    }

    @Test("a binding written in one run is recognised by a router started on a fresh store of the same file")
    func bindingSurvivesRestart() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("routing.sqlite").path
            do {
                let store = try store(path: path)
                var directory = Directory()
                try store.fill(&directory)
                #expect(directory.customer(number: "+8613900000001") == nil)
                // The router binds at step 02 and creates a customer at 021; the run persists both.
                directory.bind(number: "+8613900000001", to: CustomerID(4))
                let created = directory.addCustomer(numbers: ["+8613900000002"], firstAgent: AgentID(3))
                let writer = try store.recordWriter()
                writer.append(
                    .numberBound(NumberBinding("+8613900000001", customer: CustomerID(4), at: 61.5)))
                writer.append(.customerCreated(CreatedCustomer(created, at: 75)))
                try writer.close()
            }
            let reopened = try RoutingStore(path: path)
            var directory = Directory()
            try reopened.fill(&directory)
            #expect(directory.customer(number: "+8613900000001")?.id == CustomerID(4))
            #expect(directory.customer(number: "+8613900000001")?.idNumber == "504")
            #expect(directory.customer(number: "1004")?.id == CustomerID(4))
            #expect(
                directory.customer(number: "+8613900000002")
                    == Customer(id: CustomerID(10), numbers: ["+8613900000002"], firstAgent: AgentID(3)))
            #expect(
                try reopened.runBindings() == [
                    NumberBinding(number: "+8613900000001", customer: CustomerID(4), at: 61.5),
                    NumberBinding(number: "+8613900000002", customer: CustomerID(10), at: 75),
                ])
        }
    }

    @Test("a number bound to another customer moves to the new one; binding it again changes nothing")
    func bindingMoves() throws {
        let store = try store()
        let writer = try store.recordWriter(batchSize: 1)
        writer.append(.numberBound(NumberBinding(number: "1002", customer: CustomerID(7), at: 5)))
        writer.append(.numberBound(NumberBinding(number: "1002", customer: CustomerID(7), at: 9)))
        writer.append(.numberBound(NumberBinding(number: "1000", customer: CustomerID(0), at: 9)))
        try writer.close()
        let customers = try store.customers()
        #expect(customers[2].numbers.isEmpty)
        #expect(customers[7].numbers == ["1007", "1002"])
        #expect(customers[0].numbers == ["1000"])
        #expect(try store.runBindings() == [NumberBinding(number: "1002", customer: CustomerID(7), at: 5)])
    }

    @Test("a refused record is not swallowed: flush() throws it once, with its count; the others are written")
    func errorsSurface() throws {
        let store = try store()
        let writer = try store.recordWriter(batchSize: 3)
        let task = CallbackTask(
            id: CallbackTaskID(0), customer: CustomerID(1), callerNumber: "1001", businessType: nil,
            owner: AgentID(1), created: 10, deadline: 100, priority: 0)
        // Refused: a task never created, a customer id already taken, a customer the store lacks.
        writer.append(.callback(.reminded(CallbackTaskID(3), agent: AgentID(1), priority: 1, at: 5)))
        writer.append(.callback(.created(task)))
        writer.append(.customerCreated(CreatedCustomer(Customer(id: CustomerID(2), numbers: ["777"]), at: 6)))
        writer.append(.numberBound(NumberBinding(number: "778", customer: CustomerID(99), at: 7)))
        writer.append(.callback(.done(CallbackTaskID(0), at: 50)))
        let error = #expect(throws: StoreError.self) { try writer.flush() }
        #expect(
            error?.message
                == "3 routing records were not written to the store; the first: callback#3 reminded at 5.0 s: "
                + "the store has no callback#3; write its `created` event first")
        #expect(
            try store.callbackTasks() == [
                StoredCallbackTask(
                    task: {
                        var t = task; t.state = .done; return t
                    }(), doneAt: 50)
            ])
        #expect(try store.callbackHistory().map(\.event) == [.created, .assigned, .done])
        #expect(try store.customers().count == 10)
        #expect(try store.customers()[2].numbers == ["1002"])  // the refused customer left nothing behind
        try writer.flush()  // reported once

        writer.append(.customerCreated(CreatedCustomer(Customer(id: CustomerID(3), numbers: []), at: 1)))
        let taken = #expect(throws: StoreError.self) { try writer.flush() }
        #expect(
            taken?.message.hasSuffix(
                "the store already has customer#3; fill the router's directory from this store so that new customers get new ids"
            ) == true)

        // A NaN time is refused by the schema, and reported by close().
        writer.append(
            .inboundCall(
                InboundCallRecord(
                    call: CallID(1), caller: nil, customer: nil, arrivedAt: .nan, reason: nil, agent: nil,
                    connectedAt: nil, endedAt: 3, ending: .abandonedInQueue)))
        #expect(throws: StoreError.self) { try writer.close() }

        // Appending after close writes nothing, and says so.
        writer.append(.callback(.expired(CallbackTaskID(0), at: 60)))
        let late = #expect(throws: StoreError.self) { try writer.close() }
        #expect(late?.message.contains("callback#0 expired at 60.0 s was appended after close()") == true)
        #expect(try store.inboundCalls().isEmpty)
        #expect(try store.callbackTasks().map(\.task.state) == [.done])
    }

    @Test("bad writer arguments are refused")
    func badArguments() throws {
        let error = #expect(throws: StoreError.self) {
            try RoutingStore.inMemory().recordWriter(batchSize: 0)
        }
        #expect(error?.message.contains("batch size of 0") == true)
    }
}
