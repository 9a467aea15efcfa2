import CurbsideCore
import Foundation
import IntegrationEvents

/// Placeholder: the trips service is being built (issue 4).
enum TripsPlaceholder {}
