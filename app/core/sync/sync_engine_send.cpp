// SyncEngine's way into the outbox: texts, messages with attachments (held while their files
// upload, or sent at once when forwarded), and the release of a held message once its uploads
// finished. Everything is written to the store before anything touches the network.
#include "core/logging.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/sync/payload_codec.h"
#include "core/sync/sync_engine.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QUuid>

namespace tidings::client {

Result<QStringList> SyncEngine::enqueueTexts(quint64 conversationId, const QStringList &texts) {
    if (conversationId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no conversation")};
    QList<OutgoingDraft> drafts;
    QStringList ids;
    drafts.reserve(texts.size());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const QString &text : texts) {
        OutgoingDraft d;
        d.clientMessageId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        d.conversationId = conversationId;
        d.text = text;
        d.sentAtMs = now;
        d.payload = encodePayload(MessageContent{text, now});
        if (size_t(d.payload.size()) > limits::kMaxPayloadBytes)
            return Error{ErrorCode::TooLarge, QStringLiteral("message larger than 64 KiB")};
        ids.append(d.clientMessageId);
        drafts.append(std::move(d));
    }
    if (auto s = m_store->messages().enqueueOutgoing(drafts, m_me); !s)
        return s.error();
    // Only a live session keeps an in-memory queue; otherwise onAuthenticated() loads the outbox.
    if (m_sink->isAuthenticated()) {
        const qint64 created = QDateTime::currentMSecsSinceEpoch();
        for (const auto &d : drafts)
            m_queue.append(OutboxEntry{d.clientMessageId, d.conversationId, d.payload, created});
        pump();
    }
    return ids;
}

Result<qint64> SyncEngine::enqueueWithAttachments(
    const OutgoingDraft &draft, const QList<media::AttachmentDescriptor> &attachments, bool held) {
    if (draft.conversationId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no conversation")};
    if (size_t(draft.payload.size()) > limits::kMaxPayloadBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("message larger than 64 KiB")};
    auto row = m_store->messages().addOutgoing(draft, attachments, held, m_me);
    if (!row)
        return row.error();
    if (!held)
        queueStored(draft);
    return row;
}

Status SyncEngine::releaseHeld(const OutgoingDraft &draft) {
    if (size_t(draft.payload.size()) > limits::kMaxPayloadBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("message larger than 64 KiB")};
    if (auto s = m_store->messages().releaseHeld(draft); !s)
        return s;
    queueStored(draft);
    return {};
}

void SyncEngine::queueStored(const OutgoingDraft &draft) {
    // Only a live session keeps an in-memory queue; otherwise onAuthenticated() loads the outbox.
    if (!m_sink->isAuthenticated())
        return;
    m_queue.append(OutboxEntry{draft.clientMessageId, draft.conversationId, draft.payload,
                               QDateTime::currentMSecsSinceEpoch()});
    pump();
}

} // namespace tidings::client
