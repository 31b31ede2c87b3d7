#include "core/sync/payload_codec.h"

#include "proto/tidings.pb.h"
#include "protocol/limits.h"

namespace tidings::client {

QByteArray encodePayload(const MessageContent &content) {
    wire::Content c;
    c.set_text(content.text.toStdString());
    c.set_sent_at_ms(content.sentAtMs);
    QByteArray out(qsizetype(c.ByteSizeLong()), Qt::Uninitialized);
    c.SerializeToArray(out.data(), int(out.size()));
    return out;
}

Result<MessageContent> decodePayload(const QByteArray &payload) {
    if (size_t(payload.size()) > limits::kMaxPayloadBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("payload larger than 64 KiB")};
    wire::Content c;
    if (!c.ParseFromArray(payload.constData(), int(payload.size())))
        return Error{ErrorCode::BadFrame, QStringLiteral("undecodable message content")};
    return MessageContent{QString::fromStdString(c.text()), c.sent_at_ms()};
}

} // namespace tidings::client
