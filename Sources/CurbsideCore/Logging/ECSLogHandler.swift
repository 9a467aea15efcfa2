import Foundation
import Logging
import NIOConcurrencyHelpers

/// A swift-log handler writing one Elastic Common Schema JSON object per line, the form
/// Elasticsearch (and Filebeat) ingest as is. Each line also goes to an optional ``LogLineSink``
/// such as the Elasticsearch shipper.
public struct ECSLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let serviceName: String
    let sinks: [any LogLineSink]

    public init(label: String, serviceName: String, level: Logger.Level, sinks: [any LogLineSink]) {
        self.label = label
        self.serviceName = serviceName
        self.logLevel = level
        self.sinks = sinks
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = Self.render(
            level: event.level, message: "\(event.message)",
            metadata: metadata.merging(event.metadata ?? [:]) { _, new in new },
            label: label, serviceName: serviceName, source: event.source, date: Date())
        for sink in sinks { sink.write(line) }
    }

    /// Fields whose values are numbers in ECS.
    static let numericFields: Set<String> = ["http.response.status_code", "event.duration", "http.request.body.bytes"]

    /// One ECS document as a JSON line (without the newline).
    public static func render(
        level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, serviceName: String,
        source: String, date: Date
    ) -> String {
        var document: [String: Any] = [
            "@timestamp": Timestamp.format(date),
            "log.level": level.rawValue,
            "log.logger": label,
            "message": message,
            "ecs.version": "8.11.0",
            "service.name": serviceName,
        ]
        for (key, value) in metadata {
            let text = "\(value)"
            if numericFields.contains(key), let number = Int64(text) {
                document[key] = number
            } else {
                document[key] = text
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Somewhere finished log lines go. `write` must never block for long or throw.
public protocol LogLineSink: Sendable {
    func write(_ line: String)
}

/// Standard output, one line at a time (the lock keeps concurrent lines from interleaving).
public struct StandardOutputSink: LogLineSink {
    private static let lock = NIOLock()

    public init() {}

    public func write(_ line: String) {
        Self.lock.withLock {
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
