import CRdKafka
import Logging

/// Counters every client keeps: errors librdkafka reported and recovered from on
/// its own (broker down, connection reset, ...), so callers can export them.
public struct ClientErrorCounters: Sendable, Equatable {
    /// Errors delivered to the error callback that were not fatal; librdkafka retries these.
    public var transientErrors = 0
    /// The most recent transient error, for diagnostics.
    public var lastTransientError: KafkaError?
}

/// State shared with librdkafka's C callbacks through the `opaque` pointer.
///
/// C callbacks cannot capture context, so each client passes an unretained pointer to
/// its context object; `ClientHandle` keeps the context alive until after
/// `rd_kafka_destroy` returns, so no callback can see a freed object. Subclasses add
/// role-specific state (delivery reports, rebalances).
class ClientContext: @unchecked Sendable {
    let logger: Logger
    let counters = Locked(ClientErrorCounters())
    let fatalError = Locked<KafkaError?>(nil)

    init(logger: Logger) { self.logger = logger }

    /// Installs the callbacks shared by every client type on `conf`.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, text in
            guard let client, let opaque = rd_kafka_opaque(client) else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let facility = facility.map { String(cString: $0) } ?? "-"
            let text = text.map { String(cString: $0) } ?? ""
            context.logger.log(level: Logger.Level(syslogLevel: level), "\(text)",
                               metadata: ["librdkafka.facility": "\(facility)"])
        }
        rd_kafka_conf_set_error_cb(conf) { client, code, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.handleError(client: client, code: rd_kafka_resp_err_t(rawValue: code),
                                reason: reason.map { String(cString: $0) } ?? "")
        }
    }

    /// Fatal errors stop the client (recorded so its operations fail from then on);
    /// anything else is counted and logged, and librdkafka keeps retrying.
    func handleError(client: OpaquePointer?, code: rd_kafka_resp_err_t, reason: String) {
        if code == RD_KAFKA_RESP_ERR__FATAL, let client {
            var text = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(client, &text, text.count)
            let error = KafkaError(code: underlying, message: String(errorBuffer: text), isFatal: true)
            fatalError.withLock { $0 = $0 ?? error }
            logger.critical("librdkafka fatal error, stopping the client: \(error)")
            return
        }
        let error = KafkaError(code: code, message: reason)
        counters.withLock {
            $0.transientErrors += 1
            $0.lastTransientError = error
        }
        logger.warning("librdkafka transient error (retrying): \(error)")
    }

    /// Throws the fatal error if one was raised.
    func checkNotFatal() throws {
        if let error = fatalError.current { throw error }
    }
}

/// Owns an `rd_kafka_t` and destroys it exactly once, before its callback context.
final class ClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: ClientContext

    /// Creates a client of `type`. The configuration is validated here, so bad
    /// property names and values fail with librdkafka's message.
    init(type: rd_kafka_type_t, config: KafkaConfig, context: ClientContext,
         configure: (OpaquePointer) -> Void = { _ in }) throws {
        let conf = try config.makeNative()
        context.install(on: conf)
        configure(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let pointer = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // not consumed on failure
            throw KafkaError(code: .invalidArgument, message: String(errorBuffer: errorText))
        }
        self.pointer = pointer
        self.context = context
    }

    /// Set when the consumer group must not be left on destroy (see `KafkaConsumer.close`).
    let skipConsumerClose = Locked(false)

    deinit {
        rd_kafka_destroy_flags(pointer, skipConsumerClose.current ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0)
        withExtendedLifetime(context) {}
    }

    /// Raises a fatal error as librdkafka would (its test hook), to exercise fatal handling.
    func triggerFatalError(_ code: KafkaError.Code, reason: String) {
        rd_kafka_test_fatal_error(pointer, rd_kafka_resp_err_t(rawValue: code.rawValue), reason)
    }

    /// Cluster metadata (brokers, topics, partitions) as this client sees it.
    func metadata(timeout: Duration) throws -> ClusterMetadata {
        var raw: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check(rd_kafka_metadata(pointer, 1, nil, &raw, Int32(timeout.milliseconds)),
                             "metadata request")
        guard let raw else { throw KafkaError(code: .state, message: "metadata request returned nothing") }
        defer { rd_kafka_metadata_destroy(raw) }
        return ClusterMetadata(raw.pointee)
    }
}

extension Logger.Level {
    /// librdkafka logs with syslog levels (0 emergency ... 7 debug).
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
