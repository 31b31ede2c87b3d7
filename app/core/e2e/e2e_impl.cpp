// Helpers shared by the parts of E2eEngine: own keys, peers, device identities, sessions.
#include "core/e2e/e2e_engine_p.h"

#include <QDateTime>

Q_LOGGING_CATEGORY(lcE2e, "tidings.e2e")

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {
constexpr int kMaxSessionsPerDevice = 5; // one active + 4 inactive (design section 4)

Error notReady(const char *what) {
    return Error{ErrorCode::Usage, QStringLiteral("e2e: ") + QLatin1String(what), 0};
}
} // namespace

Result<ParsedEnvelope> parseEnvelope(const QByteArray &payload) {
    if (payload.size() < 2)
        return makeError(CryptoError::Malformed, QStringLiteral("envelope too short"));
    const auto kind = std::uint8_t(payload.at(0));
    if (kind != std::uint8_t(EnvelopeKind::PreKey) && kind != std::uint8_t(EnvelopeKind::Ratchet))
        return makeError(CryptoError::UnsupportedVersion, QStringLiteral("envelope kind"));
    return ParsedEnvelope{EnvelopeKind(kind), payload.mid(1)};
}

QByteArray groupIdBytes(quint64 groupId) {
    QByteArray out;
    crypto::appendU64(out, groupId);
    return out;
}

Error storageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

qint64 E2eEngine::Impl::nowMs() const {
    return clock ? clock() : QDateTime::currentMSecsSinceEpoch();
}

Status E2eEngine::Impl::requireOpen() const {
    if (!opened)
        return notReady("engine not open");
    return {};
}

Status E2eEngine::Impl::requireKeys() const {
    if (!opened)
        return notReady("engine not open");
    if (!keys)
        return notReady("no device keys (ensureDeviceKeys first)");
    return {};
}

Status E2eEngine::Impl::loadOwn() {
    auto user = store.ownValue(QStringLiteral("user_id"));
    auto device = store.ownValue(QStringLiteral("device_id"));
    if (!user)
        return user.error();
    if (!device)
        return device.error();
    if (user->isEmpty())
        return {};
    userId = user->toULongLong();
    deviceId = device->toULongLong();
    auto secret = store.ownSecret(QStringLiteral("device_keys"));
    if (!secret)
        return secret.error();
    if (secret->size() != kSignSecretSize + kKeySize)
        return storageError(QStringLiteral("device keys damaged"));
    auto dsk = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(secret->data(), kKeySize));
    auto dik =
        X25519KeyPair::fromSecret(SecretBytes::fromRaw(secret->data() + kSignSecretSize, kKeySize));
    if (!dsk)
        return dsk.error();
    if (!dik)
        return dik.error();
    DeviceKeys k;
    k.userId = userId;
    k.deviceId = deviceId;
    k.dsk = std::move(*dsk);
    k.dik = std::move(*dik);
    keys = std::move(k);

    auto aikSecret = store.ownSecret(QStringLiteral("aik"));
    if (!aikSecret)
        return aikSecret.error();
    if (!aikSecret->isEmpty()) {
        auto pair = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(aikSecret->data(), kKeySize));
        if (!pair)
            return pair.error();
        aik = std::move(*pair);
    }
    return {};
}

Status E2eEngine::Impl::saveDeviceKeys() const {
    SecretWriter w;
    w.putRaw(keys->dsk.secretKey);
    w.putRaw(keys->dik.secretKey);
    SecretBytes blob = w.take();
    if (w.failed())
        return makeError(CryptoError::Internal);
    if (auto s = store.setOwnValue(QStringLiteral("user_id"), QByteArray::number(userId)); !s)
        return s;
    if (auto s = store.setOwnValue(QStringLiteral("device_id"), QByteArray::number(deviceId)); !s)
        return s;
    return store.setOwnSecret(QStringLiteral("device_keys"), blob);
}

Status E2eEngine::Impl::saveAik() const {
    if (auto s = store.setOwnSecret(QStringLiteral("aik"), aik->secretKey); !s)
        return s;
    return pinOwnAik();
}

Status E2eEngine::Impl::pinOwnAik() const {
    // My own AIK is pinned for my user id: a list for me signed by another key is an identity
    // change, as for anyone else.
    return store.pinAccountKey(userId, aik->publicKey);
}

Result<PreKeyStore> E2eEngine::Impl::loadPrekeys() const {
    auto blob = store.ownSecret(QStringLiteral("prekeys"));
    if (!blob)
        return blob.error();
    if (blob->isEmpty())
        return PreKeyStore();
    return PreKeyStore::deserialize(*blob);
}

Status E2eEngine::Impl::savePrekeys(const PreKeyStore &pk) const {
    return store.setOwnSecret(QStringLiteral("prekeys"), pk.serialize());
}

wire::UploadKeysRequest E2eEngine::Impl::identityUpload() const {
    wire::UploadKeysRequest r;
    r.set_signing_key(keys->dsk.publicKey.toStdString());
    r.set_identity_key(keys->dik.publicKey.toStdString());
    if (aik) {
        r.set_account_key(aik->publicKey.toStdString());
        r.set_binding_signature(signBinding(*keys, aik->publicKey).toStdString());
    }
    return r;
}

std::optional<DeviceIdentity> E2eEngine::Impl::identity(DeviceAddress a, bool listedOnly) const {
    if (keys && a.userId == userId && a.deviceId == deviceId && !listedOnly)
        return keys->identity();
    auto known = store.device(a.userId, a.deviceId);
    if (!known || !known->has_value())
        return std::nullopt;
    if (listedOnly && !(*known)->listed)
        return std::nullopt;
    return DeviceIdentity{a.userId, a.deviceId, (*known)->dsk, (*known)->dik};
}

Status E2eEngine::Impl::rememberIdentity(const DeviceIdentity &id) const {
    return store.rememberDevice(id.userId, id.deviceId, id.dsk, id.dik);
}

Status E2eEngine::Impl::forgetDevice(DeviceAddress a) const {
    return store.forgetDevice(a.userId, a.deviceId);
}

bool E2eEngine::Impl::sendingBlocked(quint64 user) const {
    auto p = peer(user);
    return p && p->exists && p->changed && !p->verifiedAik.isEmpty();
}

Result<std::vector<E2eEngine::Impl::SessionRow>> E2eEngine::Impl::sessions(DeviceAddress a,
                                                                           bool activeOnly) const {
    auto stored = store.sessions(a.userId, a.deviceId, activeOnly);
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

Result<QByteArray> E2eEngine::Impl::storedSession(DeviceAddress a, const QByteArray &sid) const {
    return store.sealedSession(a.userId, a.deviceId, sid);
}

Status E2eEngine::Impl::saveSession(DeviceAddress a, const QByteArray &sid, const RatchetSession &s,
                                    const QByteArray &pending, const QByteArray &inbound,
                                    bool makeActive) const {
    return store.saveSession(a.userId, a.deviceId, sid, s.serialize(), pending, inbound, makeActive,
                             kMaxSessionsPerDevice);
}

Result<wire::Envelope> E2eEngine::Impl::encryptFor(DeviceAddress a,
                                                   const SecretBytes &plaintext) const {
    if (sendingBlocked(a.userId))
        return makeError(CryptoError::IdentityMismatch,
                         QStringLiteral("identity of verified user %1 changed: acknowledge first")
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
        payload.append(char(EnvelopeKind::Ratchet));
        payload.append(*ct);
    } else {
        // Unacknowledged: every message repeats the X3DH parameters so whichever arrives first
        // creates the session on the other side (pending = u32 spk ‖ u8 has_opk ‖ u32 opk ‖ EK).
        ByteReader r(row.pending);
        PreKeyMessage m;
        m.initiator = keys->identity();
        m.spkId = r.getU32();
        const bool hasOpk = r.getU8() != 0;
        const quint32 opk = r.getU32();
        m.ephemeral = r.getRaw(kKeySize);
        if (!r.ok())
            return storageError(QStringLiteral("pending session parameters damaged"));
        if (hasOpk)
            m.opkId = opk;
        m.ratchetMessage = *ct;
        payload.append(char(EnvelopeKind::PreKey));
        payload.append(m.encode());
    }
    if (auto s = saveSession(a, row.sid, row.state, row.pending, row.inbound, false); !s)
        return s.error();
    wire::Envelope env;
    env.set_user_id(a.userId);
    env.set_device_id(a.deviceId);
    env.set_payload(payload.toStdString());
    return env;
}

} // namespace tidings::client::e2e
