import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CurbsideCore

/// A stand-in for Elasticsearch's `_bulk` endpoint whose behaviour each test chooses.
actor BulkStandIn {
    enum Mode: Sendable {
        case accept
        case slow(Duration)
        case fail
        /// Per-item statuses, in order; items beyond the list succeed.
        case itemStatuses([Int])
    }

    var mode: Mode = .accept
    private(set) var received: [String] = []

    func set(_ mode: Mode) { self.mode = mode }

    func handle(_ body: String) async -> (status: HTTPResponse.Status, body: String) {
        let lines = body.split(separator: "\n").map(String.init)
        let documents = stride(from: 1, to: lines.count, by: 2).map { lines[$0] }
        switch mode {
        case .accept:
            received += documents
            return (.ok, #"{"errors":false,"items":[]}"#)
        case .slow(let delay):
            try? await Task.sleep(for: delay)
            received += documents
            return (.ok, #"{"errors":false,"items":[]}"#)
        case .fail:
            return (.serviceUnavailable, "{}")
        case .itemStatuses(let statuses):
            var items: [String] = []
            for (index, document) in documents.enumerated() {
                let status = index < statuses.count ? statuses[index] : 201
                if (200..<300).contains(status) { received.append(document) }
                items.append(#"{"create":{"status":\#(status)}}"#)
            }
            return (.ok, #"{"errors":true,"items":[\#(items.joined(separator: ","))]}"#)
        }
    }

    /// Runs `body` with the stand-in listening on a loopback port.
    static func serve(_ standIn: BulkStandIn, _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/_bulk") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 16 << 20)
            let (status, reply) = await standIn.handle(String(buffer: bytes))
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}

@Suite struct ElasticsearchShipperTests {
    func shipper(_ url: String, capacity: Int = 100, timeout: Duration = .seconds(2)) -> ElasticsearchShipper {
        ElasticsearchShipper(
            configuration: .init(baseURL: url, index: "curbside-logs", capacity: capacity, batchSize: 10, requestTimeout: timeout))
    }

    @Test func linesArriveAsBulkCreateActions() async throws {
        let standIn = BulkStandIn()
        try await BulkStandIn.serve(standIn) { url in
            let shipper = shipper(url)
            for index in 0..<25 { shipper.write(#"{"message":"line \#(index)"}"#) }
            #expect(await shipper.flush())
            #expect(shipper.pending == 0)
            let received = await standIn.received
            #expect(received.count == 25)
            #expect(received.first == #"{"message":"line 0"}"#)
        }
    }

    @Test func anUnreachableServerKeepsLinesBufferedAndWritesNeverBlock() async throws {
        let shipper = shipper("http://127.0.0.1:1", capacity: 50)
        for index in 0..<200 { shipper.write("{\"n\":\(index)}") }
        #expect(shipper.pending == 50)
        #expect(await shipper.flush() == false)
        #expect(shipper.pending == 50)
    }

    @Test func aSlowServerTimesOutAndTheBatchIsKeptForLater() async throws {
        let standIn = BulkStandIn()
        await standIn.set(.slow(.seconds(4)))
        try await BulkStandIn.serve(standIn) { url in
            // Generous enough for a loaded machine to answer the second, fast request in time.
            let shipper = shipper(url, timeout: .milliseconds(1500))
            shipper.write(#"{"message":"slow"}"#)
            #expect(await shipper.flush() == false)
            #expect(shipper.pending == 1)
            await standIn.set(.accept)
            #expect(await shipper.flush())
            #expect(shipper.pending == 0)
        }
    }

    @Test func serverErrorsRetryTheWholeBatch() async throws {
        let standIn = BulkStandIn()
        await standIn.set(.fail)
        try await BulkStandIn.serve(standIn) { url in
            let shipper = shipper(url)
            for index in 0..<3 { shipper.write("{\"n\":\(index)}") }
            #expect(await shipper.flush() == false)
            #expect(shipper.pending == 3)
            await standIn.set(.accept)
            #expect(await shipper.flush())
            #expect(await standIn.received == [#"{"n":0}"#, #"{"n":1}"#, #"{"n":2}"#])
        }
    }

    @Test func perItemErrorsRetryOnlyRetryableItems() async throws {
        let standIn = BulkStandIn()
        await standIn.set(.itemStatuses([201, 429, 400, 503]))
        try await BulkStandIn.serve(standIn) { url in
            let shipper = shipper(url)
            for index in 0..<4 { shipper.write("{\"n\":\(index)}") }
            #expect(await shipper.flush() == false)
            // 429 and 503 wait for another try; the 400 is rejected for good.
            #expect(shipper.pending == 2)
            await standIn.set(.accept)
            #expect(await shipper.flush())
            #expect(Set(await standIn.received) == [#"{"n":0}"#, #"{"n":1}"#, #"{"n":3}"#])
        }
    }
}
