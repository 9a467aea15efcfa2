import Foundation
import IntegrationEvents

/// What a payment does as its trip ends and as the gateway answers. Each method returns the ledger
/// entries the change caused; gateway work it needs is appended to `operations`.
extension Payment {
    /// The trip was completed with `fare`: the passenger owes it, the driver and the platform earn
    /// it; a card pays from the hold (and charges any rest at once), cash is recorded as collected.
    /// A payment that already ended is left as it is (a redelivered event).
    public mutating func complete(driver: UUID, fare: Int64, commission: Commission, now: Date, lease: TimeInterval) throws(PaymentsError)
        -> [JournalEntry]
    {
        guard state.isOpen else { return [] }
        driverID = driver
        let (passenger, currency, subject) = (passengerID, currencyCode, name)
        return try end(.fare, amount: fare, now: now, lease: lease) { amount throws(LedgerError) in
            try Bookkeeping.tripFare(
                passenger: passenger, driver: driver, amount: amount, commission: commission.of(amount), currencyCode: currency,
                subject: subject, at: now)
        }
    }

    /// The trip was cancelled (or found no driver): a fee is charged like a fare, otherwise the hold is released.
    public mutating func cancel(fee: Int64, driver: UUID?, commission: Commission, now: Date, lease: TimeInterval) throws(PaymentsError)
        -> [JournalEntry]
    {
        guard state.isOpen else { return [] }
        driverID = driver
        guard fee > 0 else {
            if state == .declined {
                state = .voided
                endTime = now
                touch(now)
                return []
            }
            return try end(nil, amount: 0, now: now, lease: lease) { _ throws(LedgerError) in nil }
        }
        let (passenger, currency, subject) = (passengerID, currencyCode, name)
        return try end(.cancellationFee, amount: fee, now: now, lease: lease) { amount throws(LedgerError) in
            try Bookkeeping.cancellationFee(
                passenger: passenger, driver: driver, amount: amount, commission: commission.of(amount), currencyCode: currency,
                subject: subject, at: now)
        }
    }

    private mutating func end(
        _ charge: Charge?, amount: Int64, now: Date, lease: TimeInterval,
        _ booking: (Int64) throws(LedgerError) -> JournalEntry?
    ) throws(PaymentsError) -> [JournalEntry] {
        guard amount >= 0 else { throw .invalidField(field: "amount", message: "amount must not be negative") }
        var entries: [JournalEntry] = []
        do {
            if amount > 0, let entry = try booking(amount) { entries.append(entry) }
        } catch {
            throw .invalidField(field: "amount", message: "the amount cannot be booked: \(error)")
        }
        self.charge = amount > 0 ? charge : nil
        owed = amount
        endTime = now
        touch(now)
        if methodKind == .cash {
            if charge == .fare, amount > 0, let driverID {
                do {
                    entries.append(
                        try Bookkeeping.cashCollected(
                            passenger: passengerID, driver: driverID, amount: amount, currencyCode: currencyCode, subject: name, at: now))
                } catch {
                    throw .invalidField(field: "amount", message: "the amount cannot be booked: \(error)")
                }
                cashCollected = amount
            }
            state = outstanding > 0 ? .unpaid : (amount > 0 ? .settled : .voided)
            return entries
        }
        if amount == 0 {
            state = .voided
            if holdActive { request(.release, key: "RELEASE", amount: 0, now: now, lease: lease) }
            return entries
        }
        state = .settling
        if holdActive, let hold {
            let captured = min(amount, hold.amount)
            request(.capture, key: "CAPTURE", amount: captured, now: now, lease: lease)
            if amount > captured { request(.charge, key: "CHARGE", amount: amount - captured, now: now, lease: lease) }
        } else {
            // No usable hold (it lapsed, or its answer is still unknown and will be released when it comes).
            request(.charge, key: "CHARGE", amount: amount, now: now, lease: lease)
        }
        return entries
    }

    /// A tip on a completed card trip, charged at once; one per trip.
    public mutating func addTip(_ amount: Int64, now: Date, window: TimeInterval, lease: TimeInterval) throws(PaymentsError) {
        guard charge == .fare, let endTime, let driverID = driverID, driverID != passengerID else {
            throw .failedPrecondition(reason: "TRIP_NOT_COMPLETED", message: "only a completed trip can be tipped")
        }
        guard methodKind == .card else {
            throw .failedPrecondition(reason: "TIP_NEEDS_CARD", message: "a cash trip's tip is given in cash")
        }
        guard now.timeIntervalSince(endTime) <= window else {
            throw .failedPrecondition(reason: "TIP_WINDOW_CLOSED", message: "the time to tip this trip has passed")
        }
        // A declined tip does not count: the passenger may try again once the card has funds.
        guard !operations.contains(where: { $0.kind == .tip && $0.state != .failed }) else {
            throw .failedPrecondition(reason: "ALREADY_TIPPED", message: "this trip was already tipped")
        }
        guard amount > 0, amount <= max(owed, Self.smallTripTipCap(currencyCode)) else {
            throw .invalidField(field: "amount", message: "a tip must be more than zero and at most the fare")
        }
        let attempt = operations.filter { $0.kind == .tip }.count
        request(.tip, key: attempt == 0 ? "TIP" : "TIP/\(attempt)", amount: amount, now: now, lease: lease)
        touch(now)
    }

    /// The most a tip on a very cheap trip may be, whatever its fare: 20 major units.
    static func smallTripTipCap(_ currencyCode: String) -> Int64 {
        var cap: Int64 = 20
        for _ in 0..<Money.exponent(of: currencyCode) { cap *= 10 }
        return cap
    }

    /// Refunds `amount` of what the card paid, split across the charges that paid it (oldest first).
    public mutating func refund(_ refundID: UUID, amount: Int64, now: Date, lease: TimeInterval) throws(PaymentsError) {
        guard amount > 0 else { throw .invalidField(field: "amount", message: "a refund must be more than zero") }
        let available = refundable
        let total = available.reduce(Int64(0)) { $0 + $1.amount }
        guard amount <= total else { throw .refundExceedsCaptured(refundable: total) }
        var left = amount
        for (index, part) in available.enumerated() where left > 0 {
            let share = min(left, part.amount)
            operations.append(
                GatewayOperation(
                    paymentID: id, kind: .refund, key: "REFUND/\(refundID.uuidString.lowercased())/\(index)", amount: share,
                    parentID: part.operation.id, refundID: refundID, now: now, lease: lease))
            left -= share
        }
        touch(now)
    }

    /// The gateway answered an operation with success. Returns the ledger entries of the money it moved.
    public mutating func succeeded(_ operationID: UUID, reference: String?, hold placed: GatewayHold?, now: Date, lease: TimeInterval)
        throws(PaymentsError) -> [JournalEntry]
    {
        guard let index = operations.firstIndex(where: { $0.id == operationID }), operations[index].state.isOpen else { return [] }
        operations[index].state = .succeeded
        operations[index].reference = reference
        operations[index].attempts += 1
        let operation = operations[index]
        var entries: [JournalEntry] = []
        do {
            switch operation.kind {
            case .authorize:
                hold = placed
                holdActive = true
                if state == .pendingAuthorization {
                    state = .authorized
                } else if operations.contains(where: { $0.key == "CAPTURE" }) == false {
                    // The trip ended while the answer was unknown; its charge went another way.
                    request(.release, key: "RELEASE", amount: 0, now: now, lease: lease)
                }
            case .capture, .charge:
                if operation.kind == .capture { holdActive = false }
                collected += operation.amount
                entries.append(
                    try Bookkeeping.cardPayment(passenger: passengerID, amount: operation.amount, currencyCode: currencyCode, subject: name, at: now))
            case .tip:
                tip += operation.amount
                if let driverID {
                    entries.append(
                        try Bookkeeping.tip(
                            passenger: passengerID, driver: driverID, amount: operation.amount, currencyCode: currencyCode, subject: name, at: now))
                }
                entries.append(
                    try Bookkeeping.cardPayment(passenger: passengerID, amount: operation.amount, currencyCode: currencyCode, subject: name, at: now))
            case .release:
                holdActive = false
            case .refund:
                refunded += operation.amount
                entries.append(try Bookkeeping.refund(amount: operation.amount, currencyCode: currencyCode, subject: name, at: now))
            }
        } catch {
            throw .invalidField(field: "amount", message: "the amount cannot be booked: \(error)")
        }
        finishSettling()
        touch(now)
        return entries
    }

    /// The gateway answered an operation with a definite failure: nothing moved.
    public mutating func failed(_ operationID: UUID, reason: String, decline: DeclineReason?, holdGone: Bool, now: Date, lease: TimeInterval) {
        guard let index = operations.firstIndex(where: { $0.id == operationID }), operations[index].state.isOpen else { return }
        operations[index].state = .failed
        operations[index].failureReason = reason
        operations[index].attempts += 1
        let operation = operations[index]
        switch operation.kind {
        case .authorize:
            if state == .pendingAuthorization {
                state = .declined
                declineReason = decline ?? .cardDeclined
            }
        case .capture where holdGone:
            // The hold lapsed before the trip ended: charge the card at once instead.
            holdActive = false
            request(.charge, key: "CHARGE-AFTER-HOLD", amount: operation.amount, now: now, lease: lease)
        case .release:
            holdActive = false
        case .capture, .charge, .tip, .refund:
            break
        }
        finishSettling()
        touch(now)
    }

    /// The gateway did not answer: the operation stays open and is asked again at `retryTime`.
    public mutating func unanswered(_ operationID: UUID, reason: String, retryTime: Date, now: Date) {
        guard let index = operations.firstIndex(where: { $0.id == operationID }), operations[index].state.isOpen else { return }
        operations[index].state = .unknown
        operations[index].failureReason = reason
        operations[index].attempts += 1
        operations[index].nextAttemptTime = retryTime
        touch(now)
    }

    /// The gateway dropped the hold (it expired uncaptured): it can no longer be captured.
    public mutating func holdLapsed(now: Date) {
        guard holdActive else { return }
        holdActive = false
        touch(now)
    }

    private mutating func finishSettling() {
        guard state == .settling, !operations.contains(where: { $0.state.isOpen && $0.kind != .release }) else { return }
        state = outstanding > 0 ? .unpaid : .settled
    }

    private mutating func request(_ kind: GatewayOperation.Kind, key: String, amount: Int64, now: Date, lease: TimeInterval) {
        guard !operations.contains(where: { $0.key == key }) else { return }
        operations.append(GatewayOperation(paymentID: id, kind: kind, key: key, amount: amount, now: now, lease: lease))
    }

    private mutating func touch(_ now: Date) {
        updateTime = now
        version += 1
    }
}
