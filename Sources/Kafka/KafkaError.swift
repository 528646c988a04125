import CRdKafka

/// A librdkafka error: its code, the code's symbolic name and a readable message.
///
/// Every failure of the Kafka layer is a `KafkaError`, so callers can switch on
/// `code` (compare with the `KafkaError.Code` constants) and log `description`.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The raw `rd_kafka_resp_err_t` value.
    public let code: Int32
    /// librdkafka's symbolic name, e.g. `_TRANSPORT` or `UNKNOWN_TOPIC_OR_PART`.
    public let name: String
    public let message: String
    /// A fatal error leaves the client unusable (e.g. an idempotent producer that lost
    /// its sequence guarantees); the client must be closed and recreated.
    public let isFatal: Bool
    /// librdkafka says retrying the same operation may succeed.
    public let isRetriable: Bool
    /// The current transaction must be aborted before the producer can continue.
    public let transactionRequiresAbort: Bool

    public init(code: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false,
                isRetriable: Bool = false, transactionRequiresAbort: Bool = false) {
        self.code = code.rawValue
        name = String(cString: rd_kafka_err2name(code))
        self.message = message ?? String(cString: rd_kafka_err2str(code))
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.transactionRequiresAbort = transactionRequiresAbort
    }

    public init(code: Code, message: String? = nil) {
        self.init(code: rd_kafka_resp_err_t(rawValue: code.rawValue), message: message)
    }

    /// Takes ownership of (and destroys) an `rd_kafka_error_t`, as returned by the
    /// transactional and some consumer APIs.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(code: rd_kafka_error_code(error),
                  message: String(cString: rd_kafka_error_string(error)),
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    /// Throws when `error` is not `RD_KAFKA_RESP_ERR_NO_ERROR`; `context` says what failed.
    static func check(_ error: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws {
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError(code: error, message: "\(context()): \(String(cString: rd_kafka_err2str(error)))")
    }

    /// Throws (and destroys) a non-nil `rd_kafka_error_t`.
    static func check(_ error: OpaquePointer?) throws {
        if let error { throw KafkaError(consuming: error) }
    }

    public var description: String { "Kafka error \(name): \(message)" }

    public static func == (lhs: KafkaError, rhs: KafkaError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }
}

extension KafkaError {
    /// The error codes callers commonly need, without importing the C module.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ error: rd_kafka_resp_err_t) { rawValue = error.rawValue }

        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// The broker connection failed or was closed.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// A produced message could not be delivered within `message.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        public static let purgedQueue = Code(RD_KAFKA_RESP_ERR__PURGE_QUEUE)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        public static let leaderNotAvailable = Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
        public static let requestTimedOut = Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// The client is closed (or closing) and cannot perform the operation.
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
    }

    public var errorCode: Code { Code(rawValue: code) }
}
