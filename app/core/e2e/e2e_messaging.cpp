// E2eEngine: pairwise and group encryption, and decryption on copies of the state.
#include "core/e2e/e2e_engine_p.h"

#include <QSet>

#include <sodium.h>

#include <algorithm>
#include <memory>

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
QByteArray qba(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}

//! Serializes straight into guarded memory: a body may carry a sender key.
Result<SecretBytes> serializeBody(const wire::E2eBody &body) {
    const size_t n = body.ByteSizeLong();
    SecretBytes out(n == 0 ? 1 : n);
    if (!out.valid() || !body.SerializeToArray(out.data(), int(n)))
        return makeError(CryptoError::Internal, QStringLiteral("serialize body"));
    if (n == 0)
        out.resize(0);
    return out;
}

Result<wire::E2eBody> parseBody(const SecretBytes &plaintext) {
    wire::E2eBody body;
    if (!body.ParseFromArray(plaintext.data(), int(plaintext.size())))
        return makeError(CryptoError::Malformed, QStringLiteral("E2eBody does not parse"));
    return body;
}

Error undecryptable(const Error &e, const QString &what) {
    Error out = e;
    out.detail = what + QStringLiteral(": ") + e.detail;
    return out;
}
} // namespace

Result<QList<wire::Envelope>> E2eEngine::encryptPairwise(const QList<DeviceAddress> &targets,
                                                         const wire::E2eBody &body) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    auto plaintext = serializeBody(body);
    if (!plaintext)
        return plaintext.error();
    QList<wire::Envelope> out;
    Status st = d->store.transaction([&]() -> Status {
        for (const DeviceAddress &a : targets) {
            auto env = d->encryptFor(a, *plaintext);
            if (!env)
                return env.error();
            out.append(std::move(*env));
        }
        return {};
    });
    if (!st)
        return st.error();
    return out;
}

Status E2eEngine::markRotationNeeded(quint64 groupId) {
    if (auto s = d->requireOpen(); !s)
        return s;
    return d->store.markRotationNeeded(groupId);
}

Status E2eEngine::resendDistribution(quint64 groupId, DeviceAddress device) {
    if (auto s = d->requireOpen(); !s)
        return s;
    return d->store.clearDistribution(groupId, device.userId, device.deviceId);
}

Result<GroupSend> E2eEngine::encryptGroup(quint64 groupId,
                                          const QList<DeviceAddress> &memberDevices,
                                          const wire::E2eBody &body) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    auto plaintext = serializeBody(body);
    if (!plaintext)
        return plaintext.error();
    QSet<DeviceAddress> members;
    for (const DeviceAddress &a : memberDevices)
        if (!(a.userId == d->userId && a.deviceId == d->deviceId))
            members.insert(a);
    GroupSend out;
    Status st = d->store.transaction([&]() -> Status {
        auto stored = d->store.senderKey(groupId);
        if (!stored)
            return stored.error();
        SenderKeySender sender;
        bool rotate = false;
        if (stored->has_value()) {
            auto s = SenderKeySender::deserialize((*stored)->state);
            if (!s)
                return s.error();
            sender = std::move(*s);
            rotate = (*stored)->rotate;
        } else {
            sender = SenderKeySender::create(groupIdBytes(groupId));
        }
        // Who holds the current key. Anyone of them no longer a member forces a rotation too,
        // even if the caller forgot markRotationNeeded(): a removed device must not read on.
        QSet<DeviceAddress> holders;
        auto sent = d->store.distributionHolders(groupId, sender.distId());
        if (!sent)
            return sent.error();
        for (const auto &[user, device] : *sent)
            holders.insert(DeviceAddress{user, device});
        for (const DeviceAddress &h : holders)
            rotate = rotate || !members.contains(h);
        if (rotate) {
            sender.rotate();
            holders.clear();
            if (auto s = d->store.clearDistributions(groupId); !s)
                return s;
        }
        // Distributions first, at the iteration this message uses, so a receiver can read it.
        QList<DeviceAddress> need;
        for (const DeviceAddress &a : members)
            if (!holders.contains(a))
                need.append(a);
        std::sort(need.begin(), need.end());
        if (!need.isEmpty()) {
            wire::E2eBody dist;
            SecretBytes distBytes = sender.distribution().serialize();
            dist.set_sender_key_distribution(distBytes.constChar(), distBytes.size());
            auto distPlain = serializeBody(dist);
            // Wipe the protobuf's copy of the chain key now (std::string does not on its own).
            std::string *field = dist.mutable_sender_key_distribution();
            sodium_memzero(field->data(), field->size());
            if (!distPlain)
                return distPlain.error();
            for (const DeviceAddress &a : need) {
                auto env = d->encryptFor(a, *distPlain);
                if (!env)
                    return env.error();
                out.distributions.append(std::move(*env));
                if (auto s =
                        d->store.markDistributed(groupId, sender.distId(), a.userId, a.deviceId);
                    !s)
                    return s;
            }
        }
        auto ct = sender.encrypt(*plaintext);
        if (!ct)
            return ct.error();
        out.payload = *ct;
        return d->store.saveSenderKey(groupId, sender.serialize());
    });
    if (!st)
        return st.error();
    return out;
}

namespace {
//! What decrypt() will write when the caller commits.
struct PendingWrites {
    struct Session {
        QByteArray sid;
        RatchetSession state;
        QByteArray pending;
        QByteArray inbound;
        QByteArray expected; //!< stored blob at decrypt time (empty: a new row)
    };
    std::optional<Session> session;
    std::optional<PreKeyStore> prekeys;
    QByteArray expectedPrekeys;
    struct Receiver {
        QByteArray distId;
        SenderKeyReceiver state;
        QByteArray expected;
    };
    std::vector<Receiver> receivers;
};
} // namespace

Result<E2eEngine::Decrypted> E2eEngine::decrypt(const wire::Message &message, quint64 myUserId,
                                                quint64 myDeviceId) {
    if (auto s = d->requireKeys(); !s)
        return s.error();
    if (myUserId != d->userId || myDeviceId != d->deviceId)
        return Error{ErrorCode::Usage, QStringLiteral("e2e: message for another device"), 0};
    const DeviceAddress from{message.sender_user_id(), message.sender_device_id()};
    const auto sender = d->identity(from, true);
    if (!sender)
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("sender %1:%2 is not in the sender's verified device list")
                             .arg(from.userId)
                             .arg(from.deviceId));
    const qint64 nowSecs = d->nowMs() / 1000;
    auto writes = std::make_shared<PendingWrites>();
    Decrypted out;

    const QByteArray envelope = qba(message.envelope());
    if (!envelope.isEmpty()) {
        auto env = parseEnvelope(envelope);
        if (!env)
            return undecryptable(env.error(), QStringLiteral("envelope"));
        auto rows = d->sessions(from);
        if (!rows)
            return rows.error();
        SecretBytes plaintext;
        QByteArray ratchetMessage = env->inner;
        bool done = false;
        if (env->kind == EnvelopeKind::PreKey) {
            auto pkm = PreKeyMessage::decode(env->inner);
            if (!pkm)
                return undecryptable(pkm.error(), QStringLiteral("prekey message"));
            if (!(pkm->initiator == *sender))
                return makeError(CryptoError::IdentityMismatch,
                                 QStringLiteral("prekey message identity differs from the list"));
            QByteArray tag;
            appendU32(tag, pkm->spkId);
            tag.append(pkm->ephemeral);
            ratchetMessage = pkm->ratchetMessage;
            // A repeat of a first message whose session exists continues in that session.
            bool known = false;
            for (const auto &row : *rows)
                known = known || row.inbound == tag;
            if (!known) {
                auto stored = d->store.ownValue(QStringLiteral("prekeys"));
                if (!stored)
                    return stored.error();
                writes->expectedPrekeys = *stored;
                auto pk = d->loadPrekeys();
                if (!pk)
                    return pk.error();
                auto in = acceptPreKeyMessage(*d->keys, *pk, env->inner, nowSecs);
                if (!in)
                    return undecryptable(in.error(), QStringLiteral("prekey message"));
                plaintext = std::move(in->plaintext);
                writes->session = PendingWrites::Session{
                    randomPublicBytes(16), std::move(in->session), {}, tag, {}};
                writes->prekeys = std::move(*pk);
                done = true;
            }
        }
        if (!done) {
            // Active session first; any other one that decrypts becomes active (design §4).
            std::optional<Error> firstError;
            for (auto &row : *rows) {
                auto dec = row.state.decryptOnCopy(ratchetMessage, nowSecs);
                if (!dec) {
                    if (!firstError)
                        firstError = dec.error();
                    continue;
                }
                plaintext = std::move(dec->plaintext);
                // A reply decrypted: the peer has our first message, stop repeating X3DH.
                writes->session = PendingWrites::Session{
                    row.sid, std::move(dec->state), {}, row.inbound, row.sealed};
                done = true;
                break;
            }
            if (!done)
                return firstError ? undecryptable(*firstError, QStringLiteral("envelope"))
                                  : makeError(CryptoError::NoSession,
                                              QStringLiteral("no session with %1:%2")
                                                  .arg(from.userId)
                                                  .arg(from.deviceId));
        }
        auto body = parseBody(plaintext);
        if (!body)
            return body.error();
        if (!body->sender_key_distribution().empty()) {
            std::string *field = body->mutable_sender_key_distribution();
            auto dist = SenderKeyDistribution::parse(BytesView(field->data(), field->size()));
            sodium_memzero(field->data(), field->size());
            body->clear_sender_key_distribution();
            if (!dist)
                return undecryptable(dist.error(), QStringLiteral("sender key distribution"));
            if (dist->groupId != groupIdBytes(message.conversation_id()))
                return makeError(CryptoError::Malformed,
                                 QStringLiteral("distribution for another conversation"));
            // An existing state for this dist_id is kept: a repeated distribution must not
            // rewind the chain (which would re-open old messages).
            auto have = d->store.hasReceiverKey(from.userId, from.deviceId, dist->distId);
            if (!have)
                return have.error();
            if (!*have) {
                auto rx = SenderKeyReceiver::fromDistribution(*dist);
                if (!rx)
                    return undecryptable(rx.error(), QStringLiteral("sender key distribution"));
                writes->receivers.push_back({dist->distId, std::move(*rx), {}});
            }
        }
        out.pairwise = std::move(*body);
    }

    const QByteArray payload = qba(message.payload());
    if (message.encrypted() && !payload.isEmpty()) {
        auto distId = senderKeyMessageDistId(payload);
        if (!distId)
            return undecryptable(distId.error(), QStringLiteral("group message"));
        std::optional<SenderKeyReceiver> rx;
        QByteArray rxSealed;
        PendingWrites::Receiver *fresh = nullptr;
        for (auto &r : writes->receivers)
            if (r.distId == *distId)
                fresh = &r;
        if (!fresh) {
            // Looked up under the sender's own address: a member cannot use another's key.
            auto stored = d->store.receiverKey(from.userId, from.deviceId, *distId);
            if (!stored)
                return stored.error();
            if (!stored->has_value() || (*stored)->groupId != message.conversation_id())
                return makeError(CryptoError::NoSession,
                                 QStringLiteral("no sender key of %1:%2 for this message")
                                     .arg(from.userId)
                                     .arg(from.deviceId));
            rxSealed = (*stored)->sealed;
            auto state = SenderKeyReceiver::deserialize((*stored)->state);
            if (!state)
                return state.error();
            rx = std::move(*state);
        }
        const SenderKeyReceiver &use = fresh ? fresh->state : *rx;
        auto dec = use.decryptOnCopy(payload, nowSecs);
        if (!dec)
            return undecryptable(dec.error(), QStringLiteral("group message"));
        auto body = parseBody(dec->plaintext);
        if (!body)
            return body.error();
        body->clear_sender_key_distribution(); // only accepted pairwise
        if (fresh)
            fresh->state = std::move(dec->state);
        else
            writes->receivers.push_back({*distId, std::move(dec->state), rxSealed});
        out.group = std::move(*body);
    }

    Impl *impl = d.get();
    const quint64 groupId = message.conversation_id();
    auto apply = [impl, writes, from, groupId]() -> Status {
        // Compare-and-swap: if another decrypt of this state was committed in between, writing
        // this snapshot would roll the state back (re-opening used keys). Refuse instead; the
        // caller decrypts the message again.
        const Error stale = makeError(CryptoError::Replay,
                                      QStringLiteral("state changed since decrypt: decrypt again"));
        if (writes->prekeys) {
            auto now = impl->store.ownValue(QStringLiteral("prekeys"));
            if (!now)
                return now.error();
            if (*now != writes->expectedPrekeys)
                return stale;
        }
        if (writes->session) {
            auto now = impl->storedSession(from, writes->session->sid);
            if (!now)
                return now.error();
            if (*now != writes->session->expected)
                return stale;
        }
        for (const auto &r : writes->receivers) {
            auto now = impl->store.sealedReceiverKey(from.userId, from.deviceId, r.distId);
            if (!now)
                return now.error();
            if (*now != r.expected)
                return stale;
        }
        if (writes->prekeys)
            if (auto s = impl->savePrekeys(*writes->prekeys); !s)
                return s;
        if (writes->session) {
            const auto &s = *writes->session;
            if (auto st = impl->saveSession(from, s.sid, s.state, s.pending, s.inbound, true); !st)
                return st;
        }
        for (const auto &r : writes->receivers) {
            if (auto s = impl->store.saveReceiverKey(from.userId, from.deviceId, r.distId, groupId,
                                                     r.state.serialize());
                !s)
                return s;
        }
        return {};
    };
    // Atomic even when the caller has no transaction open (a savepoint nests inside one).
    out.commit = [impl, apply]() -> Status { return impl->store.transaction(apply); };
    return out;
}

} // namespace tidings::client::e2e
