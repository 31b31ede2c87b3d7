#pragma once
// The one place where message content becomes SendRequest.payload and back. End-to-end
// encryption will wrap these two functions (per conversation session) without touching the
// sync logic, which only ever sees opaque payload bytes and decoded MessageContent.
#include "protocol/result.h"

#include <QByteArray>
#include <QString>

namespace tidings::client {

struct MessageContent {
    QString text;
    qint64 sentAtMs = 0;
};

QByteArray encodePayload(const MessageContent &content);
Result<MessageContent> decodePayload(const QByteArray &payload);

} // namespace tidings::client
