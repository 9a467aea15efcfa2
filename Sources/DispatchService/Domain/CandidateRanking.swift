import Foundation

/// An available driver near a request, with what ranking needs to know.
struct Candidate: Sendable, Equatable {
    var driverID: UUID
    var distanceMeters: Double
    var offersReceived: Int
    var offersAccepted: Int
    /// When the driver last became free; longer idle drivers go first among equals.
    var idleSince: Date
}

/// Orders candidates for one request: nearest radius step first, then pickup ETA (in buckets), then
/// acceptance rate, then idle time.
enum CandidateRanking {
    /// The candidates inside the smallest radius step that holds any; none when even the largest is empty.
    static func firstNonEmptyStep(_ candidates: [Candidate], steps: [Double]) -> [Candidate] {
        for radius in steps.sorted() {
            let inside = candidates.filter { $0.distanceMeters <= radius }
            if !inside.isEmpty { return inside }
        }
        return []
    }

    /// Acceptance rate with a uniform prior, so a new driver (0 of 0) counts as 50 %, not 0 % or 100 %.
    static func acceptanceRate(_ candidate: Candidate) -> Double {
        Double(candidate.offersAccepted + 1) / Double(candidate.offersReceived + 2)
    }

    /// The candidates of the first non-empty radius step, best first.
    static func rank(_ candidates: [Candidate], policy: MatchingPolicy) -> [Candidate] {
        let bucket = max(1, policy.etaBucketSeconds)
        return firstNonEmptyStep(candidates, steps: policy.radiusStepsMeters).sorted { a, b in
            let etaA = policy.pickupEtaSeconds(distanceMeters: a.distanceMeters) / bucket
            let etaB = policy.pickupEtaSeconds(distanceMeters: b.distanceMeters) / bucket
            if etaA != etaB { return etaA < etaB }
            let rateA = acceptanceRate(a)
            let rateB = acceptanceRate(b)
            if rateA != rateB { return rateA > rateB }
            if a.idleSince != b.idleSince { return a.idleSince < b.idleSince }
            if a.distanceMeters != b.distanceMeters { return a.distanceMeters < b.distanceMeters }
            return a.driverID.uuidString < b.driverID.uuidString
        }
    }
}
