import HummingbirdCore
import Logging
import NIOCore

/// Watches a new connection until its first request head is complete: closes it when the server
/// starts to stop, or when the head has not arrived `timeout` after the connection opened.
///
/// Why: with the WebSocket upgrade, a connection waits for its first head in the upgrade
/// negotiation, where neither the server's quiescing nor task cancellation reaches it. One
/// connection that opened and never sent a request (a client's pooled spare, a port scanner,
/// a slow-loris) kept a stopping server waiting until the process was killed. It also bounds
/// how long a client may take over its first head (`http.header_timeout_seconds`), as
/// ``RequestBodyDeadline`` bounds each body.
///
/// The handler sits first in the pipeline and only looks for the blank line that ends the head;
/// once it has passed, it removes itself and the HTTP handlers (or the WebSocket) own the connection.
final class FirstRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Whether the bytes so far end at the start of a line (after "\n", or "\n\r"): a "\n" there
    /// ends the head (the blank line; bare "\n" line ends are accepted as parsers accept them).
    private var atLineStart = false
    private var headComplete = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
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
            switch byte {
            case UInt8(ascii: "\n") where atLineStart:
                headComplete = true
            case UInt8(ascii: "\n"):
                atLineStart = true
            case UInt8(ascii: "\r") where atLineStart:
                break
            default:
                atLineStart = false
            }
            if headComplete { break }
        }
        context.fireChannelRead(data)
        if headComplete {
            deadline?.cancel()
            deadline = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, !headComplete {
            // No request to finish yet: nothing is lost by closing now.
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

/// A server child channel whose connections start with a ``FirstRequestGuard``.
struct FirstRequestGuarded<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    let timeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(FirstRequestGuard(timeout: timeout), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
