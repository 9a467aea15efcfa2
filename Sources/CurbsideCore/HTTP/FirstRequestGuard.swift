import HummingbirdCore
import Logging
import NIOCore

/// Watches a new connection until its first request is under way: closes it when the server
/// starts to stop, or when it is not under way `timeout` after the connection opened.
///
/// Why: with the WebSocket upgrade, a connection waits for its first request in the upgrade
/// negotiation, where neither the server's quiescing nor task cancellation reaches it. One
/// connection that opened and never sent a request (a client's pooled spare, a port scanner,
/// a slow-loris) kept a stopping server waiting until the process was killed. It also bounds
/// how long a client may take over its first head (`http.header_timeout_seconds`), as
/// ``RequestBodyDeadline`` bounds each body.
///
/// "Under way" is when the head has passed, for a plain request: from there the HTTP handlers own
/// the connection, and a stop lets the request finish. A request that asks for an upgrade stays in
/// the negotiation after its head until the server answers it (101, or a refusal), and waits there
/// for the request's end: a head announcing a body that never came held a stop for ever just the
/// same. So for those the guard stays until the first byte of the answer, under the same deadline.
///
/// The handler sits first in the pipeline and only looks at the head's bytes (line ends, and
/// whether a line names the `Upgrade` header); once the request is under way it removes itself.
final class FirstRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private static let upgradeHeader = Array("upgrade:".utf8)
    private static let webSocket = Array("websocket".utf8)

    private let timeout: TimeAmount
    /// Whether the server upgrades to WebSockets (otherwise an `Upgrade` header is nothing to wait for).
    private let upgrades: Bool
    private var deadline: Scheduled<Void>?
    /// Whether the bytes so far end at the start of a line (after "\n", or "\n\r"): a "\n" there
    /// ends the head (the blank line; bare "\n" line ends are accepted as parsers accept them).
    private var atLineStart = false
    /// How many bytes of the current line so far match `upgrade:` (case-insensitively), or -1
    /// once it cannot be that header.
    private var headerMatched = 0
    /// How many bytes of `websocket` the `Upgrade` header's value ends with so far.
    private var valueMatched = 0
    /// The head asks for a WebSocket (other upgrades, such as curl's `h2c`, are plain requests here).
    private var upgradeRequested = false
    private var headComplete = false

    init(timeout: TimeAmount, upgrades: Bool) {
        self.timeout = timeout
        self.upgrades = upgrades
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.handler.endConnection(context: loopBound.value.context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !headComplete else { return context.fireChannelRead(data) }
        let buffer = unwrapInboundIn(data)
        for byte in buffer.readableBytesView {
            scan(byte)
            if headComplete { break }
        }
        context.fireChannelRead(data)
        if headComplete, !(upgrades && upgradeRequested) { stepAside(context: context) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        // The server has begun to answer the upgrade request: the negotiation has decided.
        if headComplete { stepAside(context: context) }
    }

    private func scan(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\n") where atLineStart:
            headComplete = true
        case UInt8(ascii: "\n"):
            atLineStart = true
            headerMatched = 0
            valueMatched = 0
        case UInt8(ascii: "\r") where atLineStart:
            break
        default:
            atLineStart = false
            let lowercased = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            if headerMatched == Self.upgradeHeader.count {
                // In the Upgrade header's value: look for `websocket` ('w' occurs only at its start).
                valueMatched = lowercased == Self.webSocket[valueMatched] ? valueMatched + 1 : (lowercased == Self.webSocket[0] ? 1 : 0)
                if valueMatched == Self.webSocket.count {
                    upgradeRequested = true
                    valueMatched = 0
                }
            } else if headerMatched >= 0 {
                headerMatched = lowercased == Self.upgradeHeader[headerMatched] ? headerMatched + 1 : -1
            }
        }
    }

    private func stepAside(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // No request under way yet (or an upgrade not yet answered): nothing is lost by closing now.
            endConnection(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Ends the connection as if the client had hung up: the upgrade negotiation ends quietly on
    /// "input closed" (it closes the connection itself), where a plain close fails it with an
    /// error that Hummingbird logs at error level, once per such connection at every stop.
    private func endConnection(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }
}

/// A server child channel whose connections start with a ``FirstRequestGuard``, and are closed
/// when their handling is cancelled (the end of a stop's grace period).
///
/// Why the close: Hummingbird's server cancels its connections' tasks at the end of the grace, but
/// a task waiting on the connection's event loop (the upgrade negotiation's result, a write to a
/// client that stopped reading) does not see the cancellation; closing the connection ends every
/// such wait, where otherwise the cancellation ran out too and the process was ended by SIGILL.
struct FirstRequestGuarded<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let timeout: TimeAmount
    /// Whether `inner` negotiates WebSocket upgrades.
    var upgrades = false

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(FirstRequestGuard(timeout: timeout, upgrades: upgrades), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await withTaskCancellationHandler {
            await inner.handle(value: value, logger: logger)
        } onCancel: {
            value.channel.close(promise: nil)
        }
    }
}
