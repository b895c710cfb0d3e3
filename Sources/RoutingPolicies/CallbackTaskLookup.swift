import CallCenter

// MARK: - What each router created, for its driver

extension CascadeRouter: CallbackTaskLookup {
    public func callbackTask(_ id: CallbackTaskID) -> CallbackTask? {
        id.index >= 0 && id.index < tasks.count ? tasks[id.index] : nil
    }
    public func customer(_ id: CustomerID) -> Customer? { directory.customer(id) }
}

extension QueueRouter: CallbackTaskLookup {
    public func callbackTask(_ id: CallbackTaskID) -> CallbackTask? { nil }
    public func customer(_ id: CustomerID) -> Customer? { nil }
}

extension StickyRouter: CallbackTaskLookup {
    public func callbackTask(_ id: CallbackTaskID) -> CallbackTask? { nil }
    public func customer(_ id: CustomerID) -> Customer? { nil }
}

extension LongestIdleRouter: CallbackTaskLookup {
    public func callbackTask(_ id: CallbackTaskID) -> CallbackTask? { nil }
    public func customer(_ id: CustomerID) -> Customer? { nil }
}
