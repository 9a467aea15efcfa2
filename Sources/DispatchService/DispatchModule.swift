import CurbsideCore
import Foundation
import IntegrationEvents

/// Placeholder: the dispatch service is being built (issue 4).
enum DispatchPlaceholder {}
