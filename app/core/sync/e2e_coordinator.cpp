#include "core/sync/e2e_coordinator.h"
#include "core/sync/e2e_coordinator_p.h"

#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/outbox_store.h"
#include "core/store/storage.h"
#include "core/sync/wire_convert.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QUuid>

#include <memory>

namespace tidings::client {

using detail::Join;

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

QByteArray E2eCoordinator::encodePrepared(const PreparedSend &prepared) {
    // u32 count, then count × (u32 length, SendRequest); the message is the last one.
    QByteArray out;
    auto put = [&out](const wire::SendRequest &r) {
        const std::string bytes = r.SerializeAsString();
        const quint32 n = quint32(bytes.size());
        const char len[4] = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
        out.append(len, 4).append(bytes.data(), qsizetype(bytes.size()));
    };
    const quint32 count = quint32(prepared.before.size() + 1);
    const char head[4] = {char(count >> 24), char(count >> 16), char(count >> 8), char(count)};
    out.append(head, 4);
    for (const auto &r : prepared.before)
        put(r);
    put(prepared.message);
    return out;
}

std::optional<PreparedSend> E2eCoordinator::decodePrepared(const QByteArray &bytes) {
    qsizetype at = 0;
    auto u32 = [&](quint32 &v) {
        if (bytes.size() - at < 4)
            return false;
        const auto *p = reinterpret_cast<const uchar *>(bytes.constData() + at);
        v = quint32(p[0]) << 24 | quint32(p[1]) << 16 | quint32(p[2]) << 8 | quint32(p[3]);
        at += 4;
        return true;
    };
    quint32 count = 0;
    if (!u32(count) || count == 0 || count > 64)
        return std::nullopt;
    QList<wire::SendRequest> all;
    for (quint32 i = 0; i < count; ++i) {
        quint32 n = 0;
        if (!u32(n) || qsizetype(n) > bytes.size() - at)
            return std::nullopt;
        wire::SendRequest r;
        if (!r.ParseFromArray(bytes.constData() + at, int(n)))
            return std::nullopt;
        at += n;
        all.append(std::move(r));
    }
    if (at != bytes.size())
        return std::nullopt;
    PreparedSend out;
    out.message = all.takeLast();
    out.before = std::move(all);
    return out;
}

E2eCoordinator::E2eCoordinator(e2e::E2eEngine *engine, Storage *store, FrameSink *sink,
                               QObject *parent)
    : QObject(parent)
    , m_engine(engine)
    , m_store(store)
    , m_sink(sink) {}

void E2eCoordinator::onAuthenticated() {
    ++m_session;
    m_listFetched.clear();
    m_serverCurrent.clear();
    m_resendAsked.clear();
}

void E2eCoordinator::onDisconnected() {
    ++m_session;
    // Pending prepares fail as network errors: their entries stay in the outbox.
    auto pending = std::exchange(m_prepares, {});
    m_preparing = false;
    for (auto &p : pending)
        p.done(Error{ErrorCode::Network, QStringLiteral("disconnected")});
}

// --- sending ---------------------------------------------------------------------------------

void E2eCoordinator::prepareSend(const OutboxEntry &entry, PrepareDone done) {
    // One at a time, in order: messages leave in the order they were written even when the first
    // one waits for keys.
    m_prepares.push_back(PendingPrepare{entry, std::move(done)});
    if (!m_preparing)
        processNext();
}

void E2eCoordinator::processNext() {
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
    auto users = memberUsers(entry.conversationId);
    if (!users && users.error().code == ErrorCode::NoSuchConversation &&
        !m_prepares.front().infoFetched) {
        // A group this device has not synced yet: ask the server who is in it (a non-member
        // hears NOT_MEMBER, as for any send).
        m_prepares.front().infoFetched = true;
        fetchConversation(entry.conversationId, [this](Status s) {
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
    const quint64 session = m_session;
    fetchMissingLists(*users, [=, this](Status s) {
        if (session != m_session)
            return;
        if (!s) {
            finishPrepare(s.error());
            return;
        }
        fetchMissingSessions(*users, [=, this](Status s2) {
            if (session != m_session)
                return;
            if (!s2) {
                finishPrepare(s2.error());
                return;
            }
            auto prepared = encryptFor(entry, *users);
            if (prepared) {
                if (auto s3 = m_store->outbox().setPrepared(entry.clientMessageId,
                                                            encodePrepared(*prepared));
                    !s3)
                    qCWarning(lcSync) << "prepared frames not kept:" << s3.error().toString();
            }
            finishPrepare(std::move(prepared));
        });
    });
}

void E2eCoordinator::finishPrepare(Result<PreparedSend> result) {
    if (m_prepares.empty())
        return;
    PendingPrepare p = std::move(m_prepares.front());
    m_prepares.pop_front();
    p.done(std::move(result));
    processNext();
}

Result<QList<quint64>> E2eCoordinator::memberUsers(quint64 conversationId) const {
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv)
        return conv.error();
    if (!conv->has_value())
        return Error{ErrorCode::NoSuchConversation, QStringLiteral("unknown conversation")};
    const ConversationRecord &c = **conv;
    if (c.kind == ConversationKind::Unknown)
        return Error{ErrorCode::NoSuchConversation,
                     QStringLiteral("the conversation is not known yet")};
    QList<quint64> users{m_me.userId};
    if (c.kind == ConversationKind::Direct) {
        if (c.peerUserId == 0)
            return Error{ErrorCode::Internal, QStringLiteral("the peer is not known yet")};
        if (c.peerUserId != m_me.userId)
            users.append(c.peerUserId);
        return users;
    }
    auto members = m_store->conversations().members(conversationId);
    if (!members)
        return members.error();
    for (const MemberRecord &m : *members) {
        if (m.userId != m_me.userId)
            users.append(m.userId);
    }
    return users;
}

QList<DeviceAddress> E2eCoordinator::targetsFor(quint64 conversationId,
                                                const QList<quint64> &users) const {
    static const QHash<quint64, QSet<quint64>> kNone;
    const auto narrowing = m_serverCurrent.constFind(conversationId);
    const auto &current = narrowing == m_serverCurrent.constEnd() ? kNone : *narrowing;
    QList<DeviceAddress> out;
    for (quint64 u : users) {
        const auto server = current.constFind(u);
        for (const DeviceAddress &d : m_engine->currentDevices(u)) {
            if (d.userId == m_me.userId && d.deviceId == m_me.deviceId)
                continue;
            // Narrowed to what the server last called current: a revoked device drops out before
            // its owner signs a new list. Never widened: only signed devices get keys.
            if (server != current.constEnd() && !server->contains(d.deviceId))
                continue;
            out.append(d);
        }
    }
    return out;
}

Result<PreparedSend> E2eCoordinator::encryptFor(const OutboxEntry &entry,
                                                const QList<quint64> &users) {
    auto conv = m_store->conversations().conversation(entry.conversationId);
    if (!conv)
        return conv.error();
    const bool group = conv->has_value() && (*conv)->isGroup();
    const QList<DeviceAddress> targets = targetsFor(entry.conversationId, users);
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

    PreparedSend out;
    wire::SendRequest &msg = out.message;
    msg.set_conversation_id(entry.conversationId);
    msg.set_client_message_id(entry.clientMessageId.toStdString());
    msg.set_device_digest(protocol::bytesToStd(e2e::E2eEngine::deviceDigest(targets)));
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

void E2eCoordinator::fetchConversation(quint64 conversationId, std::function<void(Status)> done) {
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    m_sink->request(std::move(f), [=, this](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kConversationInfo) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to group info")});
            return;
        }
        ConversationInfo info = conversationInfoFromWire(r->conversation_info());
        info.id = conversationId;
        done(m_store->conversations().applyConversationInfo(info, m_me.userId));
    });
}

void E2eCoordinator::fetchMissingLists(QList<quint64> users, std::function<void(Status)> done) {
    QList<quint64> missing;
    for (quint64 u : users) {
        if (!m_listFetched.contains(u) && m_engine->currentDevices(u).isEmpty())
            missing.append(u);
    }
    if (missing.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<Join>();
    join->pending = int(missing.size());
    join->done = std::move(done);
    for (quint64 u : missing)
        refreshDeviceList(u, [join](Status s) { join->finish(s); });
}

void E2eCoordinator::refreshDeviceList(quint64 userId, std::function<void(Status)> done) {
    Frame f;
    f.mutable_device_list_request()->set_user_id(userId);
    m_sink->request(std::move(f), [=, this](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kDeviceListResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to a device list")});
            return;
        }
        m_listFetched.insert(userId, QDateTime::currentMSecsSinceEpoch());
        if (r->device_list_response().signed_list().empty()) {
            done({}); // no keys published: no devices to encrypt for
            return;
        }
        auto update = m_engine->acceptDeviceList(r->device_list_response());
        if (!update) {
            // A list that does not verify (bad signature, rollback) is ignored: the old one stays.
            qCWarning(lcSync) << "device list of user" << userId
                              << "rejected:" << update.error().toString();
            done({});
            return;
        }
        if (update->identityChanged)
            emit identityChanged(userId);
        done({});
    });
}

void E2eCoordinator::ensureSessions(const QList<quint64> &userIds,
                                    std::function<void(Status)> done) {
    fetchMissingLists(userIds, [=, this](Status s) {
        if (!s) {
            done(s);
            return;
        }
        fetchMissingSessions(userIds, done);
    });
}

void E2eCoordinator::fetchMissingSessions(QList<quint64> users, std::function<void(Status)> done) {
    QHash<quint64, QList<quint64>> perUser;
    // Not narrowed: a session with a device the server does not list yet costs nothing.
    for (const DeviceAddress &d : targetsFor(0, users)) {
        if (!m_engine->hasSession(d))
            perUser[d.userId].append(d.deviceId);
    }
    if (perUser.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<Join>();
    join->pending = int(perUser.size());
    join->done = std::move(done);
    for (auto it = perUser.cbegin(); it != perUser.cend(); ++it) {
        Frame f;
        auto *req = f.mutable_fetch_bundles_request();
        req->set_user_id(it.key());
        for (quint64 device : it.value())
            req->add_device_ids(device);
        m_sink->request(std::move(f), [=, this](Result<Frame> r) {
            if (!r) {
                join->finish(r.error());
                return;
            }
            if (r->body_case() != Frame::kBundlesResponse) {
                join->finish(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
                return;
            }
            auto accepted = m_engine->acceptBundles(r->bundles_response());
            if (!accepted)
                qCWarning(lcSync) << "bundles rejected:" << accepted.error().toString();
            join->finish(accepted);
        });
    }
}

void E2eCoordinator::reconcile(quint64 conversationId, const wire::StaleDevices &stale,
                               std::function<void(Status)> done) {
    // The server names users my copy of the member list lacks (e.g. a group I learned of from
    // its creation event alone): refresh the members first, from the server as always.
    auto users = memberUsers(conversationId);
    bool unknownUser = !users;
    for (const auto *list : {&stale.current(), &stale.missing()}) {
        for (const auto &d : *list)
            unknownUser = unknownUser || (users && !users->contains(d.user_id()));
    }
    if (unknownUser) {
        fetchConversation(conversationId, [=, this](Status s) {
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

void E2eCoordinator::applyStale(quint64 conversationId, const wire::StaleDevices &stale,
                                std::function<void(Status)> done) {
    auto users = memberUsers(conversationId);
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
    // What the server calls current, per member (members it does not name have none).
    auto &current = m_serverCurrent[conversationId];
    for (quint64 u : *users)
        current[u].clear();
    for (const auto &d : stale.current())
        current[d.user_id()].insert(d.device_id());
    current[m_me.userId].insert(m_me.deviceId);
    QSet<quint64> refetch;
    for (const auto &d : stale.missing())
        refetch.insert(d.user_id());
    for (const auto &d : stale.extra())
        refetch.insert(d.user_id());
    for (const auto &d : stale.current()) {
        bool known = false;
        for (const DeviceAddress &a : m_engine->currentDevices(d.user_id()))
            known = known || a.deviceId == d.device_id();
        if (!known)
            refetch.insert(d.user_id());
    }
    if (refetch.isEmpty()) {
        done({});
        return;
    }
    auto join = std::make_shared<Join>();
    join->pending = int(refetch.size());
    join->done = std::move(done);
    for (quint64 u : refetch)
        refreshDeviceList(u, [join](Status s) { join->finish(s); });
}

} // namespace tidings::client
