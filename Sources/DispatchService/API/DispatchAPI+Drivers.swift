import CurbsideCore
import Foundation
import OpenAPIRuntime

extension DispatchAPI {
    func goOnline(_ input: Operations.GoOnline.Input) async throws -> Operations.GoOnline.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            guard case .json(let body) = input.body else { throw AIPError.invalidArgument("a JSON body is required") }
            let vehicle = try DispatchMapping.vehicleID(inName: body.vehicle, driver: driver)
            let location = try LocationReport.coordinate(
                latitude: body.location.latitude, longitude: body.location.longitude, field: "location")
            let view = try await availability.goOnline(driver, vehicleID: vehicle, location: location, caller: caller, logger: logger)
            return .ok(.init(body: .json(DispatchMapping.availability(view))))
        }
    }

    func goOffline(_ input: Operations.GoOffline.Input) async throws -> Operations.GoOffline.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            return .ok(.init(body: .json(DispatchMapping.availability(try await availability.goOffline(driver, caller: caller, logger: logger)))))
        }
    }

    func getAvailability(_ input: Operations.GetAvailability.Input) async throws -> Operations.GetAvailability.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            return .ok(.init(body: .json(DispatchMapping.availability(try await availability.get(driver, caller: caller, logger: logger)))))
        }
    }

    func listOffers(_ input: Operations.ListOffers.Input) async throws -> Operations.ListOffers.Output {
        try await DispatchErrorMapping.translating {
            let caller = try caller()
            let driver = try DispatchMapping.userID(input.path.driver, caller: caller, field: "driver")
            let open = try await offers.openOffers(driver: driver, caller: caller, logger: logger)
            return .ok(.init(body: .json(.init(offers: open.map(DispatchMapping.offer)))))
        }
    }

    func listTripOffers(_ input: Operations.ListTripOffers.Input) async throws -> Operations.ListTripOffers.Output {
        try await DispatchErrorMapping.translating {
            let trip = try DispatchMapping.uuid(input.path.trip, field: "trip")
            let made = try await offers.offers(trip: trip, caller: try caller(), logger: logger)
            return .ok(.init(body: .json(.init(offers: made.map(DispatchMapping.offer)))))
        }
    }

    func acceptOffer(_ input: Operations.AcceptOffer.Input) async throws -> Operations.AcceptOffer.Output {
        try await DispatchErrorMapping.translating {
            let offer = try DispatchMapping.uuid(input.path.offer, field: "offer")
            return .ok(.init(body: .json(DispatchMapping.offer(try await offers.accept(offer, caller: try caller(), logger: logger)))))
        }
    }

    func declineOffer(_ input: Operations.DeclineOffer.Input) async throws -> Operations.DeclineOffer.Output {
        try await DispatchErrorMapping.translating {
            let offer = try DispatchMapping.uuid(input.path.offer, field: "offer")
            return .ok(.init(body: .json(DispatchMapping.offer(try await offers.decline(offer, caller: try caller(), logger: logger)))))
        }
    }
}
