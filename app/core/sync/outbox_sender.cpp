#include "core/sync/outbox_sender.h"

#include "core/logging.h"
#include "core/net/requester.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/storage.h"
#include "core/sync/payload_codec.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QUuid>

namespace tidings::client {

namespace {
//! STALE_DEVICES answers in a row before a send is given up (each one fetched the new lists).
constexpr int kMaxStaleAttempts = 3;
} // namespace

OutboxSender::OutboxSender(Storage *store, FrameSink *sink, const AccountSettings &me,
                           int maxInFlight, int retryDelayMs, Hooks hooks, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sink(sink)
    , m_me(me)
    , m_maxInFlight(maxInFlight)
    , m_retryDelayMs(retryDelayMs)
    , m_hooks(std::move(hooks)) {
    m_ackTimer.setSingleShot(true);
    m_ackTimer.setInterval(0);
    connect(&m_ackTimer, &QTimer::timeout, this, &OutboxSender::flushAcks);
}

void OutboxSender::reset() {
    ++m_session;
    m_inFlight.clear();
    m_queue.clear();
    m_identityHeld.clear(); // the next session loads them from the outbox again
    m_retriesPending = 0;
}

void OutboxSender::releaseIdentityHolds() {
    if (m_identityHeld.isEmpty())
        return;
    const auto held = std::exchange(m_identityHeld, {});
    for (auto it = held.crbegin(); it != held.crend(); ++it)
        m_queue.prepend(*it);
    pump();
}

void OutboxSender::resendOutbox() {
    auto outbox = m_store->outbox().entries();
    if (!outbox) {
        emit storageFailed(outbox.error());
        m_queue.clear();
        return;
    }
    m_queue = std::move(*outbox);
    qCInfo(lcSync) << "session" << m_session << "resending" << m_queue.size() << "message(s)";
    pump();
}

void OutboxSender::confirmed(const QString &clientMessageId) {
    m_queue.removeIf([&](const OutboxEntry &e) { return e.clientMessageId == clientMessageId; });
}

Result<QStringList> OutboxSender::enqueueTexts(quint64 conversationId, const QStringList &texts) {
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

Result<qint64> OutboxSender::enqueueWithAttachments(
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

Status OutboxSender::releaseHeld(const OutgoingDraft &draft) {
    if (size_t(draft.payload.size()) > limits::kMaxPayloadBytes)
        return Error{ErrorCode::TooLarge, QStringLiteral("message larger than 64 KiB")};
    if (auto s = m_store->messages().releaseHeld(draft); !s)
        return s;
    queueStored(draft);
    return {};
}

void OutboxSender::queueStored(const OutgoingDraft &draft) {
    // Only a live session keeps an in-memory queue; otherwise onAuthenticated() loads the outbox.
    if (!m_sink->isAuthenticated())
        return;
    m_queue.append(OutboxEntry{draft.clientMessageId, draft.conversationId, draft.payload,
                               QDateTime::currentMSecsSinceEpoch()});
    pump();
}

void OutboxSender::pump() {
    if (!m_sink->isAuthenticated())
        return;
    while (m_inFlight.size() < m_maxInFlight && !m_queue.isEmpty()) {
        OutboxEntry entry = m_queue.takeFirst();
        if (m_inFlight.contains(entry.clientMessageId))
            continue;
        m_inFlight.insert(entry.clientMessageId);
        if (m_crypto)
            sendEncrypted(entry, 0);
        else
            sendPlain(entry);
    }
}

void OutboxSender::sendPlain(const OutboxEntry &entry) {
    Frame f;
    auto *req = f.mutable_send_request();
    req->set_conversation_id(entry.conversationId);
    req->set_client_message_id(entry.clientMessageId.toStdString());
    req->set_payload(protocol::bytesToStd(entry.payload));
    // The server keeps the blobs a message points to while the message exists.
    for (const QString &blob : attachmentBlobIds(entry.payload))
        req->add_attachment_blob_ids(blob.toStdString());
    const quint64 session = m_session;
    m_sink->request(std::move(f), [this, entry, session](Result<Frame> result) {
        onSendResult(entry, session, std::move(result));
    });
}

void OutboxSender::onSendResult(const OutboxEntry &entry, quint64 session, Result<Frame> result) {
    if (session != m_session)
        return; // a previous socket's answer; that session's outbox was reloaded since
    m_inFlight.remove(entry.clientMessageId);
    if (result && result->body_case() == Frame::kSendAck) {
        const auto &ack = result->send_ack();
        m_acks.append(SendAckRecord{entry.clientMessageId, entry.conversationId, ack.seq(),
                                    ack.server_time_ms(), ack.duplicate()});
        if (!m_ackTimer.isActive())
            m_ackTimer.start();
    } else if (result) {
        qCWarning(lcSync) << "unexpected answer to a send:" << int(result->body_case());
    } else if (isTransport(result.error().code)) {
        // Stays in the outbox; the next session resends it with the same id.
    } else if (isRetryable(result.error().code)) {
        const int delay =
            result.error().retryAfterMs > 0 ? int(result.error().retryAfterMs) : m_retryDelayMs;
        qCInfo(lcSync) << "send will be retried in" << delay << "ms:" << result.error().toString();
        retryLater(entry, session, delay);
    } else if (crypto::cryptoErrorOf(result.error()) == crypto::CryptoError::IdentityHeld) {
        // A contact's key changed and the user has not acknowledged it: the message waits,
        // pending and not failed, until releaseIdentityHolds().
        qCInfo(lcSync) << "send held until a key change is acknowledged";
        m_identityHeld.append(entry);
        emit sendHeld(entry.clientMessageId, entry.conversationId);
    } else if (result.error().code == ErrorCode::NoSuchBlob && m_hooks.blobsGone &&
               m_hooks.blobsGone(entry.clientMessageId)) {
        // A file it points to was collected before the server stored it (an upload that
        // finished long before the send): it is uploaded again and the message sent once more.
        qCInfo(lcSync) << "send refused, its files are uploaded again:"
                       << result.error().toString();
    } else {
        qCWarning(lcSync) << "send refused:" << result.error().toString();
        if (auto s = m_store->messages().markFailed(entry.clientMessageId); !s)
            emit storageFailed(s.error());
        emit sendFailed(entry.clientMessageId, result.error());
    }
    pump();
}

void OutboxSender::retryLater(const OutboxEntry &entry, quint64 session, int delayMs) {
    ++m_retriesPending;
    QTimer::singleShot(delayMs, this, [this, entry, session] {
        if (session != m_session)
            return;
        --m_retriesPending;
        m_queue.prepend(entry);
        pump();
    });
}

void OutboxSender::flushAcks() {
    // Acks stay valid across a reconnect (the server committed them), so no session check.
    const auto acks = std::exchange(m_acks, {});
    if (acks.isEmpty())
        return;
    auto advances = m_store->messages().applySendAcks(acks);
    if (!advances) {
        emit storageFailed(advances.error());
        return;
    }
    for (const auto &a : acks)
        emit messageStored(a.clientMessageId, a.conversationId, a.seq, a.duplicate);
    for (const auto &adv : *advances)
        m_hooks.acksApplied(adv);
}

void OutboxSender::sendEncrypted(const OutboxEntry &entry, int attempt) {
    const quint64 session = m_session;
    m_crypto->prepareSend(entry, [=, this](Result<PreparedSend> prepared) {
        if (session != m_session)
            return; // the entry is reloaded from the outbox by the next session
        if (!prepared) {
            onEncryptedFailure(entry, attempt, session, prepared.error());
            return;
        }
        sendPrepared(entry, attempt, session, std::make_shared<PreparedSend>(std::move(*prepared)),
                     0);
    });
}

void OutboxSender::sendPrepared(const OutboxEntry &entry, int attempt, quint64 session,
                                std::shared_ptr<PreparedSend> prepared, int next) {
    if (next < prepared->before.size()) {
        Frame f;
        *f.mutable_send_request() = prepared->before.at(next);
        m_sink->request(std::move(f), [=, this](Result<Frame> result) {
            if (session != m_session)
                return;
            if (!result) {
                onEncryptedFailure(entry, attempt, session, result.error());
                return;
            }
            if (result->body_case() == Frame::kSendAck)
                storeOwnControl(entry.conversationId, prepared->before.at(next),
                                result->send_ack());
            sendPrepared(entry, attempt, session, prepared, next + 1);
        });
        return;
    }
    Frame f;
    *f.mutable_send_request() = prepared->message;
    m_sink->request(std::move(f), [=, this](Result<Frame> result) {
        if (session != m_session)
            return;
        if (!result && result.error().code == ErrorCode::StaleDevices) {
            onEncryptedFailure(entry, attempt, session, result.error());
            return;
        }
        onSendResult(entry, session, std::move(result));
    });
}

void OutboxSender::onEncryptedFailure(const OutboxEntry &entry, int attempt, quint64 session,
                                      const Error &error) {
    if (error.code == ErrorCode::StaleDevices && attempt < kMaxStaleAttempts) {
        wire::StaleDevices stale;
        if (!stale.ParseFromArray(error.staleDevices.constData(), int(error.staleDevices.size())))
            stale.Clear();
        qCInfo(lcSync) << "device set of conversation" << entry.conversationId
                       << "is stale:" << stale.missing_size() << "missing," << stale.extra_size()
                       << "extra; refreshing device lists";
        if (lcSync().isDebugEnabled()) {
            QStringList current;
            for (const auto &d : stale.current())
                current << QStringLiteral("%1/%2").arg(d.user_id()).arg(d.device_id());
            qCDebug(lcSync) << "server's current devices:" << current.join(u' ');
        }
        m_crypto->reconcile(entry.conversationId, stale, [=, this](Status s) {
            if (session != m_session)
                return;
            if (!s) {
                onSendResult(entry, session, s.error());
                return;
            }
            sendEncrypted(entry, attempt + 1);
        });
        return;
    }
    if (error.code == ErrorCode::StaleDevices)
        qCWarning(lcSync) << "device set still stale after" << attempt << "refreshes";
    onSendResult(entry, session, error);
}

void OutboxSender::sendControl(const wire::SendRequest &request) {
    if (!m_sink->isAuthenticated())
        return;
    Frame f;
    *f.mutable_send_request() = request;
    m_sink->request(std::move(f), [this, request](Result<Frame> result) {
        if (!result) {
            qCInfo(lcSync) << "control message not stored:" << result.error().toString();
            return;
        }
        if (result->body_case() == Frame::kSendAck)
            storeOwnControl(request.conversation_id(), request, result->send_ack());
    });
}

void OutboxSender::storeOwnControl(quint64 conversationId, const wire::SendRequest &req,
                                   const wire::SendAck &ack) {
    if (ack.seq() == 0)
        return;
    IncomingMessage in;
    in.conversationId = conversationId;
    in.seq = ack.seq();
    in.senderUserId = m_me.userId;
    in.senderDeviceId = m_me.deviceId;
    in.senderUsername = m_me.username;
    in.clientMessageId = QString::fromStdString(req.client_message_id());
    in.serverTimeMs = ack.server_time_ms();
    in.hidden = true;
    m_hooks.storeOwnHidden({in});
}

} // namespace tidings::client
