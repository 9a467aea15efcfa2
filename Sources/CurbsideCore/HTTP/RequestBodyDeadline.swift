import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds how long a request's body may take to arrive (slow-loris): when the end of a request has
/// not arrived `timeout` after its head, the client gets 408 `REQUEST_TIMEOUT` and the connection
/// is closed.
///
/// A channel handler rather than a middleware: the deadline is one timer on the connection's event
/// loop, set at the head and cancelled at the end, where a middleware racing the body against a
/// sleeping task cost two tasks and a dispatch timer per request.
final class RequestBodyDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let timedOut = AIPError(
        .deadlineExceeded, reason: "REQUEST_TIMEOUT", message: "the request body did not arrive in time", httpCode: 408)

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    /// The application has begun its answer: a 408 can no longer be sent, only the connection closed.
    private var answering = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                loopBound.value.handler.expire(context: loopBound.value.context)
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: answering = true
        case .end: answering = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func expire(context: ChannelHandlerContext) {
        deadline = nil
        if !answering {
            let error = Self.timedOut
            var head = HTTPResponse(status: .init(code: error.httpCode))
            head.headerFields[.contentType] = "application/json; charset=utf-8"
            head.headerFields[.connection] = "close"
            let body = error.body
            head.headerFields[.contentLength] = String(body.count)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }
}
