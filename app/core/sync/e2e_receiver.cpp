#include "core/sync/e2e_receiver.h"

#include "core/groups/group_state_verifier.h"
#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/group_state_store.h"
#include "core/store/message_store.h"
#include "core/store/recipient_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"
#include "core/sync/group_state_sync.h"
#include "core/sync/payload_codec.h"
#include "core/sync/peer_key_fetcher.h"
#include "core/sync/request_join.h"
#include "core/sync/send_targets.h"
#include "crypto/crypto_error.h"
#include "protocol/codec.h"

#include <QDateTime>
#include <QUuid>

#include <memory>

namespace tidings::client {

using e2e::DeviceAddress;

namespace {

//! A message from a device its owner's list does not name refetches that list at most this often.
constexpr qint64 kListRefetchMs = 10'000;

bool isMemberGone(const IncomingMessage &in) {
    return in.event &&
           (in.event->check == EventCheck::Unsigned || in.event->check == EventCheck::Verified) &&
           (in.event->kind == SystemEventKind::MemberRemoved ||
            in.event->kind == SystemEventKind::MemberLeft);
}

//! An envelope-only send addressed to other devices, pushed as a stub: nothing to open.
bool isStub(const wire::Message &m) {
    return m.envelope().empty() && m.payload().empty();
}

QString newControlId(const char *prefix) {
    return QLatin1String(prefix) + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

E2eReceiver::E2eReceiver(e2e::E2eEngine *engine, Storage *store, SendTargets &targets,
                         PeerKeyFetcher &keys, GroupStateVerifier &verifier,
                         GroupStateSync &groupSync, const AccountSettings &me)
    : m_engine(engine)
    , m_store(store)
    , m_targets(targets)
    , m_keys(keys)
    , m_verifier(verifier)
    , m_groupSync(groupSync)
    , m_me(me) {}

std::function<Status()> E2eReceiver::openEvent(const wire::Message &message, IncomingMessage &in) {
    auto verdict = m_verifier.check(in.conversationId, in.seq, message.system_event());
    if (!verdict) {
        // The store failed: so does storing this event, which is then delivered again.
        return [error = verdict.error()]() -> Status { return error; };
    }
    in.event->check = verdict->check;
    in.event->refusal = verdict->refusal;
    if (verdict->change && verdict->check != EventCheck::Refused) {
        // The line says what the admin signed, not what the server wrote beside it.
        const quint64 conversationId = in.conversationId;
        GroupStateVerifier::describe(*verdict->change, *in.event, [&](quint64 userId) {
            auto members = m_store->conversations().members(conversationId);
            if (members) {
                for (const MemberRecord &m : *members) {
                    if (m.userId == userId)
                        return m.username;
                }
            }
            return QString();
        });
    }
    return verdict->commit;
}

void E2eReceiver::prepareOpen(const google::protobuf::RepeatedPtrField<wire::Message> &messages,
                              std::function<void(bool proceed)> done) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSet<quint64> users;
    for (const auto &m : messages) {
        if (!m.encrypted() || m.has_system_event() || isStub(m))
            continue;
        const DeviceAddress sender{m.sender_user_id(), m.sender_device_id()};
        if (sender.userId == m_me.userId && sender.deviceId == m_me.deviceId)
            continue;
        if (m_engine->currentDevices(sender.userId).contains(sender))
            continue;
        const auto fetched = m_keys.fetchedAt(sender.userId);
        if (fetched && now - *fetched < kListRefetchMs)
            continue;
        users.insert(sender.userId);
    }
    if (users.isEmpty()) {
        done(true);
        return;
    }
    auto join = std::make_shared<RequestJoin>();
    join->pending = int(users.size());
    // A lost connection drops the batch (unacked, it comes again); any other failure lets the
    // messages through, and a sender that cannot be verified is stored as undecryptable.
    join->done = [done](Status s) { done(s.ok()); };
    for (quint64 u : users)
        m_keys.refreshDeviceList(u, [join](Status s) {
            if (!s)
                qCInfo(lcSync) << "device list fetch failed:" << s.error().toString();
            const bool transport = !s && (s.error().code == ErrorCode::Network ||
                                          s.error().code == ErrorCode::Timeout);
            join->finish(transport ? s : Status());
        });
}

std::function<Status()> E2eReceiver::open(const wire::Message &message, IncomingMessage &in) {
    if (in.senderUserId == m_me.userId && in.senderDeviceId == m_me.deviceId) {
        // My own send, seen again in a history page: the outbox row has the text, or it was a
        // control send (hidden).
        auto own = m_store->messages().messageByClientId(in.clientMessageId, m_me.userId);
        in.hidden = !(own && own->has_value());
        return {};
    }
    if (auto known = m_store->messages().messageByClientId(in.clientMessageId, in.senderUserId);
        known && known->has_value() && (*known)->seq == in.seq &&
        (*known)->conversationId == in.conversationId) {
        // Delivered again (our ack was lost): stored already, and its message key is gone, so
        // decrypting again would only fail. The store skips the duplicate.
        return {};
    }
    if (!message.encrypted()) {
        // With end-to-end encryption on, a plaintext message can only come from a tool or a
        // server that injects content: shown as undecryptable, never as text.
        qCWarning(lcSync) << "unencrypted message in conversation" << in.conversationId << "seq"
                          << in.seq;
        in.undecryptable = true;
        return {};
    }
    if (isStub(message)) {
        in.hidden = true; // addressed to other devices only
        return {};
    }
    // The verified head of the group (0: none), read once for both checks below.
    quint64 verifiedVersion = 0;
    if (auto verified = m_store->groupStates().state(in.conversationId);
        verified && verified->has_value()) {
        verifiedVersion = (*verified)->version;
        // A group with signed state takes keys and messages only from the members its admins
        // signed in, under the key they recorded: what anyone else sends (a member the server
        // added) is never opened, so no sender key of theirs is kept.
        const auto &members = (*verified)->members;
        const auto member = members.constFind(in.senderUserId);
        if (in.senderUserId != m_me.userId &&
            (member == members.cend() ||
             !m_engine->succeeds(in.senderUserId, member->aik,
                                 m_engine->pinnedAccountKey(in.senderUserId)))) {
            qCWarning(lcSync) << "conversation" << in.conversationId << "seq" << in.seq
                              << "from user" << in.senderUserId
                              << "who is not a verified member with that key: not opened";
            in.undecryptable = true;
            in.tampered = true;
            return {};
        }
    }
    auto decrypted = m_engine->decrypt(message, m_me.userId, m_me.deviceId);
    if (!decrypted &&
        crypto::cryptoErrorOf(decrypted.error()) == crypto::CryptoError::ContextMismatch) {
        // Written for another conversation or message, and moved here: shown as altered, never
        // as text. Nothing was committed, so the genuine copy still opens where it belongs.
        qCWarning(lcSync) << "conversation" << in.conversationId << "seq" << in.seq
                          << "carries a body bound to another message: shown as tampered";
        in.undecryptable = true;
        in.tampered = true;
        return {};
    }
    if (!decrypted) {
        qCWarning(lcSync) << "could not decrypt conversation" << in.conversationId << "seq"
                          << in.seq << "from device" << in.senderDeviceId << ":"
                          << decrypted.error().toString();
        in.undecryptable = true;
        return {};
    }
    std::function<Status()> commit = decrypted->commit;
    const wire::E2eBody *body = decrypted->group      ? &*decrypted->group
                                : decrypted->pairwise ? &*decrypted->pairwise
                                                      : nullptr;
    if (!body || !body->has_content()) {
        in.hidden = true; // a distribution or a resend request
        if (decrypted->pairwise && decrypted->pairwise->resend_request_seq() != 0)
            m_resendRequests.insert({in.conversationId, in.seq}, *decrypted->pairwise);
        return commit;
    }
    const auto &content = body->content();
    if (content.resend_of_seq() != 0) {
        // The text of a message this device could not decrypt: fill it in, keep this seq hidden.
        in.hidden = true;
        const quint64 conversation = in.conversationId;
        const quint64 original = content.resend_of_seq();
        const quint64 sender = in.senderUserId;
        const QString text = QString::fromStdString(content.text());
        const qint64 sentAt = content.sent_at_ms();
        Storage *store = m_store;
        return [commit, store, conversation, original, sender, text, sentAt]() -> Status {
            if (commit) {
                if (auto s = commit(); !s)
                    return s;
            }
            return store->messages().replaceUndecryptable(conversation, original, sender, text,
                                                          sentAt);
        };
    }
    if (decrypted->group && verifiedVersion != 0 && body->context().group_state_version() != 0)
        compareHeads(in.conversationId, verifiedVersion, in.senderUserId, body->context());
    MessageContent decoded = contentFromWire(content);
    in.text = std::move(decoded.text);
    in.sentAtMs = decoded.sentAtMs;
    in.attachments = std::move(decoded.attachments);
    in.invalidAttachments = decoded.invalidAttachments;
    return commit;
}

void E2eReceiver::compareHeads(quint64 conversationId, quint64 head, quint64 senderUserId,
                               const wire::BodyContext &c) {
    GroupStateStore &states = m_store->groupStates();
    const quint64 theirs = c.group_state_version();
    if (theirs > head) {
        m_groupSync.sync(conversationId, [conversationId](Status s) {
            if (!s)
                qCInfo(lcSync) << "group" << conversationId
                               << "log not synced:" << s.error().toString();
        });
        return;
    }
    auto mine = states.logHash(conversationId, theirs);
    if (!mine || mine->isEmpty() || *mine == protocol::bytesFromStd(c.group_state_hash()))
        return;
    qCWarning(lcSync) << "group" << conversationId << "user" << senderUserId
                      << "sees another member list at version" << theirs;
    if (auto s = states.setForkSeen(conversationId); !s)
        qCWarning(lcSync) << "fork not kept:" << s.error().toString();
    if (auto n = m_store->securityNotices().addOnce(conversationId, SecurityNotice::kGroupForked,
                                                    senderUserId, {},
                                                    QDateTime::currentMSecsSinceEpoch());
        !n)
        qCWarning(lcSync) << "notice not stored:" << n.error().toString();
}

void E2eReceiver::afterStored(const wire::Message &message, const IncomingMessage &in) {
    if (isMemberGone(in)) {
        // Lazy rekey: my next send in this group uses a new sender key the removed member lacks.
        if (auto s = m_engine->markRotationNeeded(in.conversationId); !s)
            qCWarning(lcSync) << "rotation mark failed:" << s.error().toString();
        return;
    }
    if (in.event || (in.senderUserId == m_me.userId && in.senderDeviceId == m_me.deviceId))
        return;
    if (in.undecryptable && !in.tampered && message.encrypted()) {
        requestResend(message);
        return;
    }
    if (!in.hidden || message.envelope().empty())
        return;
    // A hidden pairwise message may be a resend request: its message key is gone after open(),
    // which therefore kept the request for us.
    const auto it = m_resendRequests.find({in.conversationId, in.seq});
    if (it == m_resendRequests.end())
        return;
    const wire::E2eBody request = it.value();
    m_resendRequests.erase(it);
    answerResend(message, request);
}

void E2eReceiver::requestResend(const wire::Message &message) {
    const QPair<quint64, quint64> key{message.conversation_id(), message.seq()};
    if (m_resendAsked.contains(key) || message.sender_device_id() == 0)
        return;
    m_resendAsked.insert(key);
    wire::E2eBody body;
    body.set_resend_request_seq(message.seq());
    body.set_resend_request_client_id(message.client_message_id());
    sendControlTo(message.conversation_id(),
                  DeviceAddress{message.sender_user_id(), message.sender_device_id()},
                  std::move(body));
}

void E2eReceiver::answerResend(const wire::Message &message, const wire::E2eBody &request) {
    const QString clientId = QString::fromStdString(request.resend_request_client_id());
    auto mine = m_store->messages().messageByClientId(clientId, m_me.userId);
    if (!mine || !mine->has_value())
        return;
    const MessageRecord &m = **mine;
    const DeviceAddress requester{message.sender_user_id(), message.sender_device_id()};
    // Only a device the message was encrypted for gets it again: the server knows every seq and
    // client id, and a device it added later (a new group member, a device linked to a
    // contact's account) must not collect what was written before it existed. Checked before
    // anything is sent to it, the sender key included.
    auto recipient = m_store->recipients().wasEncryptedFor(
        clientId, DeviceAddress{m_me.userId, m_me.deviceId}, requester);
    if (!recipient || !*recipient) {
        qCInfo(lcSync) << "resend request refused: device" << requester.deviceId
                       << "was not a recipient of that message";
        return;
    }
    const QString answered =
        QStringLiteral("%1/%2/%3").arg(requester.userId).arg(requester.deviceId).arg(clientId);
    if (m_resendAnswered.contains(answered))
        return;
    if (!takeResendBudget(requester)) {
        qCInfo(lcSync) << "resend request refused: device" << requester.deviceId << "asked for"
                       << "more than" << m_resendsPerMinute << "a minute";
        return;
    }
    m_resendAnswered.insert(answered);
    auto conv = m_store->conversations().conversation(message.conversation_id());
    if (conv && conv->has_value() && (*conv)->isGroup()) {
        // It could not read my group message: my sender key may not have reached it.
        if (auto r = m_engine->resendDistribution(message.conversation_id(), requester); !r)
            qCWarning(lcSync) << "distribution not re-queued:" << r.error().toString();
    }
    // Only a content message this device sent, at the seq asked about, in that conversation.
    // (Its seq may still be 0 here: the server's ack can arrive after the request does.)
    const quint64 seq = request.resend_request_seq();
    if (m.conversationId != message.conversation_id() || (m.seq != 0 && m.seq != seq) ||
        m.senderDeviceId != m_me.deviceId || m.event || m.text.isEmpty())
        return;
    wire::E2eBody body;
    auto *content = body.mutable_content();
    content->set_text(m.text.toStdString());
    content->set_sent_at_ms(m.sentAtMs);
    content->set_resend_of_seq(seq);
    sendControlTo(m.conversationId,
                  DeviceAddress{message.sender_user_id(), message.sender_device_id()},
                  std::move(body));
}

bool E2eReceiver::takeResendBudget(DeviceAddress requester) {
    constexpr qint64 kWindowMs = 60'000;
    if (!m_resendClock.isValid())
        m_resendClock.start();
    const qint64 now = m_resendClock.elapsed();
    auto &times = m_resendTimes[qMakePair(requester.userId, requester.deviceId)];
    while (!times.empty() && now - times.front() >= kWindowMs)
        times.pop_front();
    if (int(times.size()) >= m_resendsPerMinute)
        return false;
    times.push_back(now);
    return true;
}

void E2eReceiver::sendControlTo(quint64 conversationId, DeviceAddress device, wire::E2eBody body,
                                bool infoFetched) {
    if (!m_sendControl)
        return;
    auto users = m_targets.memberUsers(conversationId);
    if (!users && users.error().code == ErrorCode::NoSuchConversation && !infoFetched) {
        // The conversation's kind or members are not known here yet (e.g. its info request was
        // cut off by a disconnect): ask the server, then try once more.
        m_targets.fetchConversation(conversationId, [=, this](Status s) {
            if (!s) {
                qCInfo(lcSync) << "control message not sent:" << s.error().toString();
                return;
            }
            sendControlTo(conversationId, device, body, true);
        });
        return;
    }
    if (!users || !users->contains(device.userId)) {
        qCInfo(lcSync) << "control message not sent: not a member of conversation"
                       << conversationId;
        return;
    }
    const QList<quint64> members = *users;
    m_keys.ensureSessions(members, [=, this](Status s) {
        if (!s) {
            qCInfo(lcSync) << "control message not sent:" << s.error().toString();
            return;
        }
        const QList<DeviceAddress> targets = m_targets.devicesFor(conversationId, members);
        if (!targets.contains(device))
            return;
        const QString controlId = newControlId("c-");
        wire::E2eBody bound = body;
        auto *context = bound.mutable_context();
        context->set_conversation_id(conversationId);
        context->set_sender_user_id(m_me.userId);
        context->set_sender_device_id(m_me.deviceId);
        context->set_client_message_id(controlId.toStdString());
        auto envelopes = m_engine->encryptPairwise({device}, bound);
        if (!envelopes) {
            qCWarning(lcSync) << "control message not encrypted:" << envelopes.error().toString();
            return;
        }
        wire::SendRequest req;
        req.set_conversation_id(conversationId);
        req.set_client_message_id(controlId.toStdString());
        req.set_device_digest(protocol::bytesToStd(e2e::E2eEngine::deviceDigest(targets)));
        for (auto &e : *envelopes)
            *req.add_envelopes() = std::move(e);
        m_sendControl(req);
    });
}

} // namespace tidings::client
