#include "core/e2e/pairwise_sessions.h"
#include "core/e2e/e2e_support.h"

#include "core/e2e/device_directory.h"
#include "core/e2e/envelope.h"
#include "core/e2e/identity_verification.h"
#include "core/e2e/own_keys.h"
#include "core/store/key_store.h"

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
constexpr int kMaxSessionsPerDevice = 5; // one active + 4 inactive (design section 4)

} // namespace

PairwiseSessions::PairwiseSessions(KeyStore &store, const OwnKeys &own, DeviceDirectory &devices,
                                   const IdentityVerification &verification)
    : m_store(store)
    , m_own(own)
    , m_devices(devices)
    , m_verification(verification) {}

bool PairwiseSessions::hasSession(DeviceAddress device) const {
    auto has = m_store.hasSession(device.userId, device.deviceId);
    return has && *has;
}

Result<std::vector<PairwiseSessions::SessionRow>>
PairwiseSessions::sessions(DeviceAddress a, bool activeOnly) const {
    auto stored = m_store.sessions(a.userId, a.deviceId, activeOnly);
    if (!stored)
        return stored.error();
    std::vector<SessionRow> out;
    for (KeyStore::Session &s : *stored) {
        auto state = RatchetSession::deserialize(s.state);
        if (!state)
            return state.error();
        SessionRow row;
        row.sid = s.sid;
        row.rank = s.rank;
        row.state = std::move(*state);
        row.pending = s.pending;
        row.inbound = s.inbound;
        row.sealed = s.sealed;
        out.push_back(std::move(row));
    }
    return out;
}

Status PairwiseSessions::saveSession(DeviceAddress a, const QByteArray &sid,
                                     const RatchetSession &s, const QByteArray &pending,
                                     const QByteArray &inbound, bool makeActive) const {
    return m_store.saveSession(a.userId, a.deviceId, sid, s.serialize(), pending, inbound,
                               makeActive, kMaxSessionsPerDevice);
}

Status PairwiseSessions::acceptBundles(const wire::BundlesResponse &bundles) {
    if (auto s = m_own.requireKeys(); !s)
        return s;
    if (bundles.has_device_list() && !bundles.device_list().signed_list().empty())
        if (auto r = m_devices.acceptDeviceList(bundles.device_list()); !r)
            return r.error();
    return m_store.transaction([&]() -> Status {
        for (const wire::DeviceBundle &b : bundles.bundles()) {
            const DeviceAddress a{b.user_id(), b.device_id()};
            if (m_own.isMe(a))
                continue;
            auto listed = m_devices.identity(a, true);
            if (!listed)
                return makeError(CryptoError::IdentityMismatch,
                                 QStringLiteral("device %1:%2 is not in the verified list")
                                     .arg(a.userId)
                                     .arg(a.deviceId));
            auto p = m_store.peer(a.userId);
            if (!p)
                return p.error();
            PreKeyBundle bundle;
            bundle.identity =
                DeviceIdentity{a.userId, a.deviceId, qba(b.signing_key()), qba(b.identity_key())};
            if (!(bundle.identity == *listed))
                return makeError(CryptoError::IdentityMismatch,
                                 QStringLiteral("bundle keys of %1:%2 differ from the list")
                                     .arg(a.userId)
                                     .arg(a.deviceId));
            bundle.bindingSignature = qba(b.binding_signature());
            bundle.spkId = b.signed_prekey().key_id();
            bundle.spk = qba(b.signed_prekey().public_key());
            bundle.spkSignature = qba(b.signed_prekey().signature());
            if (b.has_one_time_prekey() && !b.one_time_prekey().public_key().empty()) {
                bundle.opkId = b.one_time_prekey().key_id();
                bundle.opk = qba(b.one_time_prekey().public_key());
            }
            // A device still bound to a key its user handed on (it has not taken up the new one
            // yet) is accepted when that key is in the user's verified chain: the device is in
            // the current list, which the new key signed.
            QByteArray boundTo = p->aik;
            if (const QByteArray claimed = qba(b.account_key());
                !claimed.isEmpty() && claimed != p->aik) {
                auto reaches = m_store.chainReaches(a.userId, claimed, p->aik);
                if (!reaches)
                    return reaches.error();
                if (*reaches)
                    boundTo = claimed;
            }
            auto x = x3dhInitiate(m_own.deviceKeys(), bundle, boundTo);
            if (!x)
                return x.error();
            auto session = RatchetSession::initInitiator(x->sharedKey, x->associatedData,
                                                         x->responderRatchetKey);
            if (!session)
                return session.error();
            QByteArray pending;
            appendU32(pending, x->spkId);
            pending.append(char(x->opkId ? 1 : 0));
            appendU32(pending, x->opkId.value_or(0));
            pending.append(x->ephemeralPublic);
            if (auto s = saveSession(a, randomPublicBytes(16), *session, pending, {}, true); !s)
                return s;
        }
        return {};
    });
}

Result<wire::Envelope> PairwiseSessions::encryptFor(DeviceAddress a,
                                                    const SecretBytes &plaintext) const {
    if (m_verification.sendingBlocked(a.userId))
        return makeError(CryptoError::IdentityHeld,
                         QStringLiteral("the security code of user %1 changed: acknowledge first")
                             .arg(a.userId));
    auto rows = sessions(a, true);
    if (!rows)
        return rows.error();
    if (rows->empty())
        return makeError(CryptoError::NoSession,
                         QStringLiteral("no session with %1:%2").arg(a.userId).arg(a.deviceId));
    SessionRow &row = rows->front();
    auto ct = row.state.encrypt(plaintext);
    if (!ct)
        return ct.error();
    QByteArray payload;
    if (row.pending.isEmpty()) {
        payload = makeEnvelope(EnvelopeKind::Ratchet, *ct);
    } else {
        // Unacknowledged: every message repeats the X3DH parameters so whichever arrives first
        // creates the session on the other side (pending = u32 spk ‖ u8 has_opk ‖ u32 opk ‖ EK).
        ByteReader r(row.pending);
        PreKeyMessage m;
        m.initiator = m_own.deviceKeys().identity();
        m.spkId = r.getU32();
        const bool hasOpk = r.getU8() != 0;
        const quint32 opk = r.getU32();
        m.ephemeral = r.getRaw(kKeySize);
        if (!r.ok())
            return storageError(QStringLiteral("pending session parameters damaged"));
        if (hasOpk)
            m.opkId = opk;
        m.ratchetMessage = *ct;
        payload = makeEnvelope(EnvelopeKind::PreKey, m.encode());
    }
    if (auto s = saveSession(a, row.sid, row.state, row.pending, row.inbound, false); !s)
        return s.error();
    wire::Envelope env;
    env.set_user_id(a.userId);
    env.set_device_id(a.deviceId);
    env.set_payload(payload.toStdString());
    return env;
}

Result<QList<wire::Envelope>> PairwiseSessions::encryptPairwise(const QList<DeviceAddress> &targets,
                                                                const wire::E2eBody &body) {
    if (auto s = m_own.requireKeys(); !s)
        return s.error();
    auto plaintext = serializeBody(body);
    if (!plaintext)
        return plaintext.error();
    QList<wire::Envelope> out;
    Status st = m_store.transaction([&]() -> Status {
        for (const DeviceAddress &a : targets) {
            auto env = encryptFor(a, *plaintext);
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

Result<PairwiseSessions::Opened> PairwiseSessions::open(DeviceAddress from,
                                                        const DeviceIdentity &sender,
                                                        const QByteArray &envelope,
                                                        qint64 nowSecs) const {
    auto env = parseEnvelope(envelope);
    if (!env)
        return undecryptable(env.error(), QStringLiteral("envelope"));
    auto rows = sessions(from);
    if (!rows)
        return rows.error();
    QByteArray ratchetMessage = env->inner;
    if (env->kind == EnvelopeKind::PreKey) {
        auto pkm = PreKeyMessage::decode(env->inner);
        if (!pkm)
            return undecryptable(pkm.error(), QStringLiteral("prekey message"));
        if (!(pkm->initiator == sender))
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
            auto stored = m_own.storedPrekeys();
            if (!stored)
                return stored.error();
            auto pk = m_own.loadPrekeys();
            if (!pk)
                return pk.error();
            auto in = acceptPreKeyMessage(m_own.deviceKeys(), *pk, env->inner, nowSecs);
            if (!in)
                return undecryptable(in.error(), QStringLiteral("prekey message"));
            return Opened{std::move(in->plaintext), Write{randomPublicBytes(16),
                                                          std::move(in->session),
                                                          tag,
                                                          {},
                                                          std::move(*pk),
                                                          *stored}};
        }
    }
    // Active session first; any other one that decrypts becomes active (design §4).
    std::optional<Error> firstError;
    for (auto &row : *rows) {
        auto dec = row.state.decryptOnCopy(ratchetMessage, nowSecs);
        if (!dec) {
            if (!firstError)
                firstError = dec.error();
            continue;
        }
        // A reply decrypted: the peer has our first message, stop repeating X3DH.
        return Opened{std::move(dec->plaintext),
                      Write{row.sid, std::move(dec->state), row.inbound, row.sealed, {}, {}}};
    }
    if (firstError)
        return undecryptable(*firstError, QStringLiteral("envelope"));
    return makeError(CryptoError::NoSession,
                     QStringLiteral("no session with %1:%2").arg(from.userId).arg(from.deviceId));
}

Status PairwiseSessions::checkUnchanged(DeviceAddress from, const Write &write) const {
    const Error stale = makeError(CryptoError::Replay,
                                  QStringLiteral("state changed since decrypt: decrypt again"));
    if (write.prekeys) {
        auto now = m_own.storedPrekeys();
        if (!now)
            return now.error();
        if (*now != write.expectedPrekeys)
            return stale;
    }
    auto now = m_store.sealedSession(from.userId, from.deviceId, write.sid);
    if (!now)
        return now.error();
    if (*now != write.expected)
        return stale;
    return {};
}

Status PairwiseSessions::commit(DeviceAddress from, const Write &write) const {
    if (write.prekeys)
        if (auto s = m_own.savePrekeys(*write.prekeys); !s)
            return s;
    return saveSession(from, write.sid, write.state, {}, write.inbound, true);
}

} // namespace tidings::client::e2e
