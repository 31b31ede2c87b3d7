#include "core/sync/send_preparer.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/store/outbox_store.h"
#include "core/store/recipient_store.h"
#include "core/store/storage.h"
#include "core/sync/group_state_sync.h"
#include "core/sync/peer_key_fetcher.h"
#include "core/sync/prepared_frames.h"
#include "core/sync/request_join.h"
#include "core/sync/send_targets.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <memory>

namespace tidings::client {

using e2e::DeviceAddress;

namespace {

//! Distributions that fit into the message's own send; more go out as control sends first.
constexpr qsizetype kMaxInlineEnvelopeBytes = 48 * 1024;
constexpr int kMaxEnvelopesPerControlSend = 200;

//! A session that went missing between fetching a bundle and encrypting (a device list accepted
//! meanwhile drops the sessions it no longer vouches for): try again, the next attempt fetches it.
Error retryIfNoSession(const Error &error) {
    if (crypto::cryptoErrorOf(error) == crypto::CryptoError::NoSession)
        return Error{ErrorCode::Internal, QStringLiteral("setting up a session, will retry")};
    return error;
}

} // namespace

SendPreparer::SendPreparer(e2e::E2eEngine *engine, Storage *store, SendTargets &targets,
                           PeerKeyFetcher &keys, GroupStateSync &groupSync,
                           const AccountSettings &me)
    : m_engine(engine)
    , m_store(store)
    , m_targets(targets)
    , m_keys(keys)
    , m_groupSync(groupSync)
    , m_me(me) {}

void SendPreparer::onDisconnected() {
    ++m_session;
    auto pending = std::exchange(m_prepares, {});
    m_preparing = false;
    for (auto &p : pending)
        p.done(Error{ErrorCode::Network, QStringLiteral("disconnected")});
}

QByteArray SendPreparer::encodePrepared(const PreparedSend &prepared) {
    return encodePreparedSend(prepared);
}

std::optional<PreparedSend> SendPreparer::decodePrepared(const QByteArray &bytes) {
    return decodePreparedSend(bytes);
}

void SendPreparer::prepareSend(const OutboxEntry &entry, MessageCrypto::PrepareDone done) {
    // One at a time, in order: messages leave in the order they were written even when the first
    // one waits for keys.
    m_prepares.push_back(PendingPrepare{entry, std::move(done)});
    if (!m_preparing)
        processNext();
}

void SendPreparer::processNext() {
    if (m_prepares.empty()) {
        m_preparing = false;
        return;
    }
    m_preparing = true;
    const OutboxEntry entry = m_prepares.front().entry;
    // Sent before (a reconnect or a restart since): the same bytes again, so the server's
    // de-duplication sees one message and no message key is spent twice.
    if (auto prepared = m_store->outbox().prepared(entry.clientMessageId);
        prepared && !prepared->isEmpty()) {
        if (auto again = decodePrepared(*prepared)) {
            finishPrepare(std::move(*again));
            return;
        }
    }
    if (!m_engine->hasAccountKey()) {
        // Nobody would accept it: this device is in no signed device list yet.
        finishPrepare(Error{ErrorCode::Forbidden,
                            QStringLiteral("this device is not linked yet: link it with a code "
                                           "from one of your other devices")});
        return;
    }
    auto users = m_targets.memberUsers(entry.conversationId);
    if (!users && users.error().code == ErrorCode::NoSuchConversation &&
        !m_prepares.front().infoFetched) {
        // A group this device has not synced yet: ask the server who is in it (a non-member
        // hears NOT_MEMBER, as for any send).
        m_prepares.front().infoFetched = true;
        m_targets.fetchConversation(entry.conversationId, [this](Status s) {
            if (!s)
                finishPrepare(s.error());
            else
                processNext();
        });
        return;
    }
    if (!users) {
        finishPrepare(users.error());
        return;
    }
    if (auto conv = m_store->conversations().conversation(entry.conversationId);
        conv && conv->has_value() && (*conv)->isGroup() &&
        !m_targets.hasVerifiedState(entry.conversationId) &&
        !m_groupSync.checked(entry.conversationId) && !m_prepares.front().stateSynced) {
        // A group this device holds no signed state of (it was added to this device before
        // the group's first change reached it, or the group predates signing): ask for the log
        // once a session. A group with a log is then sent to by its signed members only.
        m_prepares.front().stateSynced = true;
        const quint64 session = m_session;
        m_groupSync.sync(entry.conversationId, [this, session](Status s) {
            if (session != m_session)
                return;
            if (!s &&
                (s.error().code == ErrorCode::Network || s.error().code == ErrorCode::Timeout)) {
                finishPrepare(s.error());
                return;
            }
            processNext();
        });
        return;
    }
    const quint64 session = m_session;
    const QList<quint64> members = std::move(*users);
    m_keys.ensureSessions(members, [=, this](Status s) {
        if (session != m_session)
            return;
        if (!s) {
            finishPrepare(s.error());
            return;
        }
        auto prepared = encrypt(entry, members);
        if (prepared) {
            // Kept before the message can leave (and before its frames, which a restart would
            // send again as they are): only these devices may ask for it again.
            const e2e::DeviceAddress me{m_me.userId, m_me.deviceId};
            if (auto kept =
                    m_store->recipients().record(entry.clientMessageId, me, prepared->recipients);
                !kept) {
                finishPrepare(kept.error());
                return;
            }
            if (auto s3 =
                    m_store->outbox().setPrepared(entry.clientMessageId, encodePrepared(*prepared));
                !s3)
                qCWarning(lcSync) << "prepared frames not kept:" << s3.error().toString();
        }
        finishPrepare(std::move(prepared));
    });
}

void SendPreparer::finishPrepare(Result<PreparedSend> result) {
    if (m_prepares.empty())
        return;
    PendingPrepare p = std::move(m_prepares.front());
    m_prepares.pop_front();
    p.done(std::move(result));
    processNext();
}

Result<PreparedSend> SendPreparer::encrypt(const OutboxEntry &entry, const QList<quint64> &users) {
    auto conv = m_store->conversations().conversation(entry.conversationId);
    if (!conv)
        return conv.error();
    const bool group = conv->has_value() && (*conv)->isGroup();
    const QList<DeviceAddress> targets = m_targets.devicesFor(entry.conversationId, users);
    if (lcSync().isDebugEnabled()) {
        QStringList list;
        for (const DeviceAddress &d : targets)
            list << QStringLiteral("%1/%2").arg(d.userId).arg(d.deviceId);
        qCDebug(lcSync) << "encrypting for" << list.join(u' ');
    }
    if (!group) {
        bool peerHasDevice = false;
        for (const DeviceAddress &d : targets)
            peerHasDevice = peerHasDevice || d.userId != m_me.userId;
        if (!peerHasDevice && users.size() > 1)
            return Error{ErrorCode::NoKeys,
                         QStringLiteral("%1 has no device with end-to-end keys yet")
                             .arg((*conv)->peerUsername)};
    }
    wire::E2eBody body;
    if (!body.mutable_content()->ParseFromArray(entry.payload.constData(),
                                                int(entry.payload.size())))
        return Error{ErrorCode::Storage, QStringLiteral("undecodable outbox entry")};
    // Bound to this message inside the encryption: the receiver refuses it anywhere else.
    auto *context = body.mutable_context();
    context->set_conversation_id(entry.conversationId);
    context->set_sender_user_id(m_me.userId);
    context->set_sender_device_id(m_me.deviceId);
    context->set_client_message_id(entry.clientMessageId.toStdString());
    if (group) {
        // My verified head of the group's signed state: members compare it with theirs, so a
        // server that shows members different histories is caught at the next message.
        if (auto verified = m_store->groupStates().state(entry.conversationId);
            verified && verified->has_value()) {
            context->set_group_state_version((*verified)->version);
            context->set_group_state_hash(protocol::bytesToStd((*verified)->headHash));
        }
    }

    PreparedSend out;
    out.recipients = targets;
    wire::SendRequest &msg = out.message;
    msg.set_conversation_id(entry.conversationId);
    msg.set_client_message_id(entry.clientMessageId.toStdString());
    // The server checks the digest over every device it counts; devices of users no admin
    // signed in are named there, and get nothing else.
    msg.set_device_digest(protocol::bytesToStd(
        e2e::E2eEngine::deviceDigest(targets + m_targets.serverOnly(entry.conversationId))));
    // The server keeps the blobs a message points to while the message exists.
    for (const auto &a : body.content().attachments())
        msg.add_attachment_blob_ids(a.blob_id());
    if (!group) {
        auto envelopes = m_engine->encryptPairwise(targets, body);
        if (!envelopes)
            return retryIfNoSession(envelopes.error());
        for (auto &e : *envelopes)
            *msg.add_envelopes() = std::move(e);
        return out;
    }
    auto sent = m_engine->encryptGroup(entry.conversationId, targets, body);
    if (!sent)
        return retryIfNoSession(sent.error());
    // The engine counts these devices as served; should the send be refused, they are not.
    auto &pending = m_unconfirmedDistributions[entry.conversationId];
    for (const auto &e : sent->distributions)
        pending.insert(DeviceAddress{e.user_id(), e.device_id()});
    msg.set_payload(protocol::bytesToStd(sent->payload));
    qsizetype bytes = 0;
    for (const auto &e : sent->distributions)
        bytes += qsizetype(e.payload().size());
    if (bytes <= kMaxInlineEnvelopeBytes &&
        sent->distributions.size() <= limits::kMaxEnvelopesPerSend) {
        for (auto &e : sent->distributions)
            *msg.add_envelopes() = std::move(e);
        return out;
    }
    // A big group's first message: the distributions go ahead in control sends of bounded size
    // (each below the frame limit), then the message itself carries one ciphertext.
    wire::SendRequest *chunk = nullptr;
    qsizetype chunkBytes = 0;
    for (auto &e : sent->distributions) {
        const qsizetype size = qsizetype(e.payload().size());
        if (!chunk || chunk->envelopes_size() >= kMaxEnvelopesPerControlSend ||
            chunkBytes + size > kMaxInlineEnvelopeBytes) {
            out.before.append(wire::SendRequest{});
            chunk = &out.before.last();
            chunk->set_conversation_id(entry.conversationId);
            chunk->set_client_message_id(QStringLiteral("%1.k%2")
                                             .arg(entry.clientMessageId)
                                             .arg(out.before.size())
                                             .toStdString());
            chunk->set_device_digest(msg.device_digest());
            chunkBytes = 0;
        }
        chunkBytes += size;
        *chunk->add_envelopes() = std::move(e);
    }
    return out;
}

void SendPreparer::reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                             std::function<void(Status)> done) {
    // The server names users my copy of the member list lacks (e.g. a group I learned of from
    // its creation event alone): refresh the members first, from the server as always.
    auto users = m_targets.memberUsers(conversationId);
    bool unknownUser = !users;
    for (const auto *list : {&stale.current(), &stale.missing()}) {
        for (const auto &d : *list)
            unknownUser = unknownUser || (users && !users->contains(d.user_id()));
    }
    if (unknownUser && m_targets.hasVerifiedState(conversationId)) {
        // Signed state: the server's list is not the truth. A change not verified yet may add
        // them (the log first); whoever is still unknown after it gets no keys (applyStale).
        m_groupSync.sync(conversationId, [=, this](Status synced) {
            if (!synced)
                qCInfo(lcSync) << "group log not synced:" << synced.error().toString();
            m_targets.fetchConversation(conversationId, [=, this](Status s) {
                if (!s)
                    qCInfo(lcSync) << "group info not fetched:" << s.error().toString();
                applyStale(conversationId, stale, done);
            });
        });
        return;
    }
    if (unknownUser) {
        m_targets.fetchConversation(conversationId, [=, this](Status s) {
            if (!s) {
                done(s);
                return;
            }
            applyStale(conversationId, stale, done);
        });
        return;
    }
    applyStale(conversationId, stale, std::move(done));
}

void SendPreparer::applyStale(quint64 conversationId, const wire::StaleDevices &stale,
                              std::function<void(Status)> done) {
    auto users = m_targets.memberUsers(conversationId);
    if (!users) {
        done(users.error());
        return;
    }
    // What was encrypted for the old device set must be encrypted again.
    if (auto cleared = m_store->outbox().clearPrepared(conversationId); !cleared) {
        done(cleared);
        return;
    }
    // The refused send's sender-key distributions never arrived: send them again.
    for (const DeviceAddress &d : m_unconfirmedDistributions.take(conversationId)) {
        if (auto r = m_engine->resendDistribution(conversationId, d); !r)
            qCWarning(lcSync) << "distribution not re-queued:" << r.error().toString();
    }
    const QSet<quint64> refetch = m_targets.applyStale(conversationId, *users, stale);
    if (refetch.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(refetch.size());
    join->done = std::move(done);
    for (quint64 u : refetch)
        m_keys.refreshDeviceList(u, [join](Status s) { join->finish(s); });
}

} // namespace tidings::client
