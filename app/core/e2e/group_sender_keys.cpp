#include "core/e2e/group_sender_keys.h"
#include "core/e2e/e2e_support.h"

#include "core/e2e/envelope.h"
#include "core/e2e/own_keys.h"
#include "core/e2e/pairwise_sessions.h"
#include "core/store/key_store.h"

#include <QSet>

#include <sodium.h>

#include <algorithm>

namespace tidings::client::e2e {

using namespace tidings::crypto;

QByteArray groupIdBytes(quint64 groupId) {
    QByteArray out;
    crypto::appendU64(out, groupId);
    return out;
}

GroupSenderKeys::GroupSenderKeys(KeyStore &store, const OwnKeys &own,
                                 const PairwiseSessions &pairwise)
    : m_store(store)
    , m_own(own)
    , m_pairwise(pairwise) {}

Status GroupSenderKeys::markRotationNeeded(quint64 groupId) {
    if (auto s = m_own.requireOpen(); !s)
        return s;
    return m_store.markRotationNeeded(groupId);
}

Status GroupSenderKeys::resendDistribution(quint64 groupId, DeviceAddress device) {
    if (auto s = m_own.requireOpen(); !s)
        return s;
    return m_store.clearDistribution(groupId, device.userId, device.deviceId);
}

Result<GroupSend> GroupSenderKeys::encryptGroup(quint64 groupId,
                                                const QList<DeviceAddress> &memberDevices,
                                                const wire::E2eBody &body) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    auto plaintext = serializeBody(body);
    if (!plaintext)
        return plaintext.error();
    QSet<DeviceAddress> members;
    for (const DeviceAddress &a : memberDevices)
        if (!m_own.isMe(a))
            members.insert(a);
    GroupSend out;
    Status st = m_store.transaction([&]() -> Status {
        auto stored = m_store.senderKey(groupId);
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
        auto sent = m_store.distributionHolders(groupId, sender.distId());
        if (!sent)
            return sent.error();
        for (const auto &[user, device] : *sent)
            holders.insert(DeviceAddress{user, device});
        for (const DeviceAddress &h : holders)
            rotate = rotate || !members.contains(h);
        if (rotate) {
            sender.rotate();
            holders.clear();
            if (auto s = m_store.clearDistributions(groupId); !s)
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
                auto env = m_pairwise.encryptFor(a, *distPlain);
                if (!env)
                    return env.error();
                out.distributions.append(std::move(*env));
                if (auto s =
                        m_store.markDistributed(groupId, sender.distId(), a.userId, a.deviceId);
                    !s)
                    return s;
            }
        }
        auto ct = sender.encrypt(*plaintext);
        if (!ct)
            return ct.error();
        out.payload = *ct;
        return m_store.saveSenderKey(groupId, sender.serialize());
    });
    if (!st)
        return st.error();
    return out;
}

Status GroupSenderKeys::takeDistribution(DeviceAddress from, quint64 groupId, wire::E2eBody &body,
                                         std::vector<ReceiverWrite> &writes) const {
    if (body.sender_key_distribution().empty())
        return {};
    std::string *field = body.mutable_sender_key_distribution();
    auto dist = SenderKeyDistribution::parse(BytesView(field->data(), field->size()));
    sodium_memzero(field->data(), field->size());
    body.clear_sender_key_distribution();
    if (!dist)
        return undecryptable(dist.error(), QStringLiteral("sender key distribution"));
    if (dist->groupId != groupIdBytes(groupId))
        return makeError(CryptoError::Malformed,
                         QStringLiteral("distribution for another conversation"));
    auto have = m_store.hasReceiverKey(from.userId, from.deviceId, dist->distId);
    if (!have)
        return have.error();
    if (*have)
        return {};
    auto rx = SenderKeyReceiver::fromDistribution(*dist);
    if (!rx)
        return undecryptable(rx.error(), QStringLiteral("sender key distribution"));
    writes.push_back({dist->distId, std::move(*rx), {}});
    return {};
}

Result<SecretBytes> GroupSenderKeys::open(DeviceAddress from, quint64 groupId,
                                          const QByteArray &payload, qint64 nowSecs,
                                          std::vector<ReceiverWrite> &writes) const {
    auto distId = senderKeyMessageDistId(payload);
    if (!distId)
        return undecryptable(distId.error(), QStringLiteral("group message"));
    std::optional<SenderKeyReceiver> rx;
    QByteArray rxSealed;
    ReceiverWrite *fresh = nullptr;
    for (auto &w : writes)
        if (w.distId == *distId)
            fresh = &w;
    if (!fresh) {
        // Looked up under the sender's own address: a member cannot use another's key.
        auto stored = m_store.receiverKey(from.userId, from.deviceId, *distId);
        if (!stored)
            return stored.error();
        if (!stored->has_value() || (*stored)->groupId != groupId)
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
    if (fresh)
        fresh->state = std::move(dec->state);
    else
        writes.push_back({*distId, std::move(dec->state), rxSealed});
    return std::move(dec->plaintext);
}

Status GroupSenderKeys::checkUnchanged(DeviceAddress from, const ReceiverWrite &write) const {
    auto now = m_store.sealedReceiverKey(from.userId, from.deviceId, write.distId);
    if (!now)
        return now.error();
    if (*now != write.expected)
        return makeError(CryptoError::Replay,
                         QStringLiteral("state changed since decrypt: decrypt again"));
    return {};
}

Status GroupSenderKeys::commit(DeviceAddress from, quint64 groupId,
                               const ReceiverWrite &write) const {
    return m_store.saveReceiverKey(from.userId, from.deviceId, write.distId, groupId,
                                   write.state.serialize());
}

} // namespace tidings::client::e2e
