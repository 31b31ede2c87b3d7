// SyncEngine's encrypted send path: an outbox entry is prepared by the MessageCrypto (which may
// fetch keys first), its control sends go out one after the other, then the message. A stale
// device set is reconciled and the same entry prepared again, with the same client message id.
#include "core/logging.h"
#include "core/store/storage.h"
#include "core/sync/message_crypto.h"
#include "core/sync/sync_engine.h"

#include <QDateTime>

namespace tidings::client {

namespace {
//! STALE_DEVICES answers in a row before a send is given up (each one fetched the new lists).
constexpr int kMaxStaleAttempts = 3;
} // namespace

void SyncEngine::sendEncrypted(const OutboxEntry &entry, int attempt) {
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

void SyncEngine::sendPrepared(const OutboxEntry &entry, int attempt, quint64 session,
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

void SyncEngine::onEncryptedFailure(const OutboxEntry &entry, int attempt, quint64 session,
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

void SyncEngine::sendControl(const wire::SendRequest &request) {
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

void SyncEngine::storeOwnControl(quint64 conversationId, const wire::SendRequest &req,
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
    storeBatch({in}, {});
}

} // namespace tidings::client
