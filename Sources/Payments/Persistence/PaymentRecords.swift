import CurbsideCore
import Foundation
import PostgresNIO

/// How payments and their gateway operations are stored.
enum PaymentRecords {
    static let paymentColumns = """
        id, passenger_id, driver_id, method_id, method_kind, card_token, card::text, currency_code, city_id, vehicle_class, state,
        hold_amount, hold::text, hold_active, charge, owed, collected, cash_collected, tip, refunded, decline_reason, create_time,
        update_time, end_time, version
        """

    static let operationColumns = """
        id, payment_id, kind, key, amount, state, reference, parent_id, refund_id, failure_reason, attempts, next_attempt_time,
        create_time
        """

    /// The payment in `row`, with `operations` (all of its own).
    static func payment(_ row: PostgresRow, operations: [GatewayOperation]) throws -> Payment {
        let cells = row.makeRandomAccess()
        guard let kind = PaymentMethod.Kind(rawValue: try cells[4].decode(String.self)) else { throw CorruptRecord(column: "method_kind") }
        guard let state = Payment.State(rawValue: try cells[10].decode(String.self)) else { throw CorruptRecord(column: "state") }
        let charge = try cells[14].decode(String?.self)
        let decline = try cells[20].decode(String?.self)
        return Payment(
            id: try cells[0].decode(UUID.self),
            passengerID: try cells[1].decode(UUID.self),
            driverID: try cells[2].decode(UUID?.self),
            methodID: try cells[3].decode(UUID?.self),
            methodKind: kind,
            cardToken: try cells[5].decode(String?.self),
            card: try StoredJSON.decodeOptional(CardDetails.self, try cells[6].decode(String?.self)),
            currencyCode: try cells[7].decode(String.self),
            cityID: try cells[8].decode(String.self),
            vehicleClass: try cells[9].decode(String.self),
            state: state,
            holdAmount: try cells[11].decode(Int64.self),
            hold: try StoredJSON.decodeOptional(GatewayHold.self, try cells[12].decode(String?.self)),
            holdActive: try cells[13].decode(Bool.self),
            charge: try charge.map {
                guard let value = Payment.Charge(rawValue: $0) else { throw CorruptRecord(column: "charge") }; return value
            },
            owed: try cells[15].decode(Int64.self),
            collected: try cells[16].decode(Int64.self),
            cashCollected: try cells[17].decode(Int64.self),
            tip: try cells[18].decode(Int64.self),
            refunded: try cells[19].decode(Int64.self),
            declineReason: decline.flatMap(DeclineReason.init(rawValue:)),
            operations: operations,
            createTime: try cells[21].decode(Date.self),
            updateTime: try cells[22].decode(Date.self),
            endTime: try cells[23].decode(Date?.self),
            version: try cells[24].decode(Int.self))
    }

    static func operation(_ row: PostgresRow) throws -> GatewayOperation {
        let cells = row.makeRandomAccess()
        guard let kind = GatewayOperation.Kind(rawValue: try cells[2].decode(String.self)) else { throw CorruptRecord(column: "kind") }
        guard let state = GatewayOperation.State(rawValue: try cells[5].decode(String.self)) else { throw CorruptRecord(column: "state") }
        return GatewayOperation(
            id: try cells[0].decode(UUID.self), paymentID: try cells[1].decode(UUID.self), kind: kind, key: try cells[3].decode(String.self),
            amount: try cells[4].decode(Int64.self), state: state, reference: try cells[6].decode(String?.self),
            parentID: try cells[7].decode(UUID?.self), refundID: try cells[8].decode(UUID?.self),
            failureReason: try cells[9].decode(String?.self), attempts: try cells[10].decode(Int.self),
            nextAttemptTime: try cells[11].decode(Date.self), createTime: try cells[12].decode(Date.self))
    }
}
