import CurbsideCore
import Foundation
import IntegrationEvents
import Logging
import OpenAPIRuntime
import ServiceLifecycle

/// The notifications service as the platform hosts it: devices, the inbox, the event receiver that
/// turns ride events into notifications, and the worker that pushes them.
public struct NotificationsModule: ServiceModule {
    public let name = ServiceName.notifications
    public let document: OpenAPIDocument
    public let databases: ServiceDatabases
    public let eventRouting: EventRouting
    public let settings: NotificationsSettings
    public let devices: DeviceService
    public let inbox: InboxService
    /// Sends the pushes owed; runs in every instance.
    public let pushWorker: PushWorker
    /// Deletes notifications past their retention; runs in every instance.
    public let maintenance: NotificationsMaintenance
    /// Each user's notifications as a resumable live stream (the live channel's core).
    public let stream: StreamHub
    /// The operator's promotions (admins).
    public let promotions: PromotionService
    /// Sends promotions a chunk of recipients at a time; runs in every instance.
    public let promotionSender: PromotionSender
    /// What pushes go through: FCM with credentials, else a recorder (the local default).
    public let sender: any PushSender
    let receiver: NotificationsEventReceiver
    let liveChannel: LiveChannel

    /// The service's migrations, applied by `curbside migrate`.
    public static let migrations = NotificationsMigrations.all

    /// The OpenAPI document shipped with the service.
    public static func loadDocument() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("the notifications OpenAPI document is missing from the bundle")
        }
        return try OpenAPIDocument(contentsOf: url)
    }

    /// - Parameters:
    ///   - sender: overrides the sender chosen from the settings (FCM when
    ///     `notifications.fcm_credentials_file` is set, else one that records what it would send).
    ///   - clock: the time source (tests move it).
    public init(
        platform: Platform, routing: EventRouting = .curbside, sender: (any PushSender)? = nil,
        clock: NotificationsClock = NotificationsClock()
    ) throws {
        let settings = NotificationsSettings(platform.settings.config)
        self.settings = settings
        document = try Self.loadDocument()
        eventRouting = routing
        databases = ServiceDatabases(service: .notifications, settings: platform.settings.database, logger: platform.logger)
        var logger = platform.logger
        logger[metadataKey: "service"] = "notifications"
        let database = databases.platform
        if let sender {
            self.sender = sender
        } else if let file = settings.fcmCredentialsFile {
            let json = try Data(contentsOf: URL(fileURLWithPath: file))
            self.sender = try FCMSender(
                serviceAccountJSON: json, baseURL: settings.fcmBaseURL ?? FCMSender.defaultBaseURL,
                maxConcurrentSends: settings.fcmMaxConcurrentSends, logger: logger)
        } else {
            self.sender = RecordingPushSender()
        }
        let deviceStore = DeviceStore()
        let notifications = NotificationStore()
        let preferences = PreferenceStore()
        devices = DeviceService(devices: deviceStore, database: database, clock: clock)
        inbox = InboxService(
            notifications: notifications, preferences: preferences, database: database, pageTokens: platform.pageTokens, clock: clock)
        pushWorker = PushWorker(
            queue: PushQueue(), devices: deviceStore, sender: self.sender, database: database, clock: clock, settings: settings,
            logger: logger)
        let connection = platform.settings.database
        stream = StreamHub(
            notifications: notifications, database: database,
            listener: DatabaseCredentials(settings: connection).configuration(
                service: .notifications, role: .platform, host: connection.host, port: connection.port),
            bufferLimit: settings.streamBufferLimit, pollInterval: settings.streamPollInterval,
            slowClientGrace: settings.streamSlowClientGrace, logger: logger)
        liveChannel = LiveChannel(tokens: platform.tokens, hub: stream, heartbeat: settings.streamHeartbeat)
        maintenance = NotificationsMaintenance(database: database, settings: settings, clock: clock, logger: logger)
        let notifier = Notifier(recorder: NotificationRecorder(), devices: deviceStore, preferences: preferences)
        receiver = NotificationsEventReceiver(notifier: notifier, database: database, clock: clock, logger: logger)
        let promotionStore = PromotionStore()
        promotions = PromotionService(promotions: promotionStore, database: database, pageTokens: platform.pageTokens, clock: clock)
        promotionSender = PromotionSender(
            promotions: promotionStore, notifier: notifier, database: database, clock: clock, chunkSize: settings.promotionChunkSize,
            pollInterval: settings.promotionPollInterval, logger: logger)
    }

    public func registerRoutes(on transport: GuardedTransport) throws {
        try NotificationsAPI(devices: devices, inbox: inbox, promotions: promotions).registerHandlers(
            on: transport,
            configuration: Configuration(
                dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
    }

    public var backgroundServices: [any Service] { [pushWorker, stream, maintenance, promotionSender] }

    public var eventReceivers: [String: any EventReceiver] { [EventRouting.notifications: receiver] }

    public var webSocketEndpoints: [any WebSocketEndpoint] { [liveChannel] }
}
