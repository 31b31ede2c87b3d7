#include "cluster/cluster_codec.h"

#include "protocol/codec.h"

namespace tidings::server {

void toCluster(const Push &push, wire::ClusterPush *out) {
    std::visit(
        [out](const auto &body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, wire::Message>)
                *out->mutable_message() = body;
            else if constexpr (std::is_same_v<T, wire::ReceiptPush>)
                *out->mutable_receipt() = body;
            else if constexpr (std::is_same_v<T, wire::TypingPush>)
                *out->mutable_typing() = body;
            else if constexpr (std::is_same_v<T, wire::PresencePush>)
                *out->mutable_presence() = body;
            else if constexpr (std::is_same_v<T, wire::KeysResponse>)
                *out->mutable_keys() = body;
            else if constexpr (std::is_same_v<T, wire::LinkRelayPush>)
                *out->mutable_link_relay() = body;
            else if constexpr (std::is_same_v<T, wire::AccountKeyPush>)
                *out->mutable_account_key() = body;
            else
                static_assert(sizeof(T) == 0, "a Push alternative the cluster cannot carry");
        },
        push);
}

std::optional<Push> pushFromCluster(const wire::ClusterPush &in) {
    switch (in.body_case()) {
    case wire::ClusterPush::kMessage:
        return Push{in.message()};
    case wire::ClusterPush::kReceipt:
        return Push{in.receipt()};
    case wire::ClusterPush::kTyping:
        return Push{in.typing()};
    case wire::ClusterPush::kPresence:
        return Push{in.presence()};
    case wire::ClusterPush::kKeys:
        return Push{in.keys()};
    case wire::ClusterPush::kLinkRelay:
        return Push{in.link_relay()};
    case wire::ClusterPush::kAccountKey:
        return Push{in.account_key()};
    case wire::ClusterPush::kDisconnect:
    case wire::ClusterPush::kDrain:
    case wire::ClusterPush::BODY_NOT_SET:
        break;
    }
    return std::nullopt;
}

void toCluster(const Error &error, wire::Error *out) {
    out->set_code(protocol::toWire(error.code));
    out->set_detail(error.detail.toStdString());
    out->set_retry_after_ms(error.retryAfterMs);
}

Error errorFromCluster(const wire::Error &in) {
    return Error{protocol::fromWire(in.code()), QString::fromStdString(in.detail()),
                 in.retry_after_ms()};
}

} // namespace tidings::server
