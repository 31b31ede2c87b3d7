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
    return u64Key(groupId);
}

Error storageError(const QString &what) {
    return Error{ErrorCode::Storage, QStringLiteral("e2e storage: ") + what, 0};
}

QByteArray u64Key(quint64 a) {
    QByteArray out;
    crypto::appendU64(out, a);
    return out;
}

QByteArray u64Key(quint64 a, quint64 b) {
    QByteArray out;
    crypto::appendU64(out, a);
    crypto::appendU64(out, b);
    return out;
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
    auto q = store.exec(QStringLiteral("INSERT INTO e2e_peers (user_id, aik) VALUES (?, ?) "
                                       "ON CONFLICT(user_id) DO UPDATE SET aik = excluded.aik"),
                        {QVariant::fromValue(userId), aik->publicKey});
    if (!q)
        return q.error();
    return {};
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

Result<E2eEngine::Impl::Peer> E2eEngine::Impl::peer(quint64 user) const {
    auto q = store.exec(QStringLiteral("SELECT aik, list_version, list_blob, verified_aik, changed "
                                       "FROM e2e_peers WHERE user_id = ?"),
                        {QVariant::fromValue(user)});
    if (!q)
        return q.error();
    Peer p;
    if (!q->next())
        return p;
    p.exists = true;
    p.aik = q->value(0).toByteArray();
    p.listVersion = q->value(1).toULongLong();
    p.listBlob = q->value(2).toByteArray();
    p.verifiedAik = q->value(3).toByteArray();
    p.changed = q->value(4).toInt() != 0;
    return p;
}

std::optional<DeviceIdentity> E2eEngine::Impl::identity(DeviceAddress a, bool listedOnly) const {
    if (keys && a.userId == userId && a.deviceId == deviceId && !listedOnly)
        return keys->identity();
    auto q = store.exec(QStringLiteral("SELECT dsk, dik, listed FROM e2e_devices "
                                       "WHERE user_id = ? AND device_id = ?"),
                        {QVariant::fromValue(a.userId), QVariant::fromValue(a.deviceId)});
    if (!q || !q->next())
        return std::nullopt;
    if (listedOnly && q->value(2).toInt() == 0)
        return std::nullopt;
    return DeviceIdentity{a.userId, a.deviceId, q->value(0).toByteArray(),
                          q->value(1).toByteArray()};
}

Status E2eEngine::Impl::rememberIdentity(const DeviceIdentity &id) const {
    auto q = store.exec(
        QStringLiteral("INSERT INTO e2e_devices (user_id, device_id, dsk, dik) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(user_id, device_id) DO UPDATE SET dsk = excluded.dsk, "
                       "dik = excluded.dik, listed = CASE WHEN dsk = excluded.dsk AND "
                       "dik = excluded.dik THEN listed ELSE 0 END"),
        {QVariant::fromValue(id.userId), QVariant::fromValue(id.deviceId), id.dsk, id.dik});
    if (!q)
        return q.error();
    return {};
}

Status E2eEngine::Impl::forgetDevice(DeviceAddress a) const {
    for (const char *table : {"e2e_sessions", "e2e_group_in", "e2e_group_sent"}) {
        auto q = store.exec(QStringLiteral("DELETE FROM %1 WHERE user_id = ? AND device_id = ?")
                                .arg(QLatin1String(table)),
                            {QVariant::fromValue(a.userId), QVariant::fromValue(a.deviceId)});
        if (!q)
            return q.error();
    }
    return {};
}

bool E2eEngine::Impl::sendingBlocked(quint64 user) const {
    auto p = peer(user);
    return p && p->exists && p->changed && !p->verifiedAik.isEmpty();
}

Result<std::vector<E2eEngine::Impl::SessionRow>> E2eEngine::Impl::sessions(DeviceAddress a,
                                                                           bool activeOnly) const {
    auto q =
        store.exec(QStringLiteral("SELECT sid, rank, state, pending, inbound FROM e2e_sessions "
                                  "WHERE user_id = ? AND device_id = ? ORDER BY rank DESC%1")
                       .arg(activeOnly ? QStringLiteral(" LIMIT 1") : QString()),
                   {QVariant::fromValue(a.userId), QVariant::fromValue(a.deviceId)});
    if (!q)
        return q.error();
    std::vector<SessionRow> out;
    while (q->next()) {
        SessionRow row;
        row.sid = q->value(0).toByteArray();
        row.rank = q->value(1).toLongLong();
        row.sealed = q->value(2).toByteArray();
        auto blob =
            store.unseal("e2e_sessions", u64Key(a.userId, a.deviceId) + row.sid, row.sealed);
        if (!blob)
            return storageError(QStringLiteral("session state does not open"));
        auto state = RatchetSession::deserialize(*blob);
        if (!state)
            return state.error();
        row.state = std::move(*state);
        row.pending = q->value(3).toByteArray();
        row.inbound = q->value(4).toByteArray();
        out.push_back(std::move(row));
    }
    return out;
}

Result<QByteArray> E2eEngine::Impl::storedSession(DeviceAddress a, const QByteArray &sid) const {
    auto q = store.exec(QStringLiteral("SELECT state FROM e2e_sessions WHERE user_id = ? AND "
                                       "device_id = ? AND sid = ?"),
                        {QVariant::fromValue(a.userId), QVariant::fromValue(a.deviceId), sid});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toByteArray() : QByteArray();
}

Status E2eEngine::Impl::saveSession(DeviceAddress a, const QByteArray &sid, const RatchetSession &s,
                                    const QByteArray &pending, const QByteArray &inbound,
                                    bool makeActive) const {
    const QVariant user = QVariant::fromValue(a.userId);
    const QVariant device = QVariant::fromValue(a.deviceId);
    const QByteArray sealed =
        store.seal("e2e_sessions", u64Key(a.userId, a.deviceId) + sid, s.serialize());
    if (sealed.isEmpty())
        return makeError(CryptoError::Internal, QStringLiteral("seal session"));
    qint64 maxRank = 0; // only needed to make it the active one
    if (makeActive) {
        auto top = store.exec(QStringLiteral("SELECT COALESCE(MAX(rank), 0) FROM e2e_sessions "
                                             "WHERE user_id = ? AND device_id = ?"),
                              {user, device});
        if (!top)
            return top.error();
        maxRank = top->next() ? top->value(0).toLongLong() : 0;
    }
    auto q = store.exec(
        QStringLiteral(
            "INSERT INTO e2e_sessions (user_id, device_id, sid, rank, state, pending, inbound) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, device_id, sid) DO UPDATE SET "
            "state = excluded.state, pending = excluded.pending, inbound = excluded.inbound, "
            "rank = CASE WHEN ? THEN excluded.rank ELSE rank END"),
        {user, device, sid, maxRank + 1, sealed, pending.isEmpty() ? QVariant() : pending,
         inbound.isEmpty() ? QVariant() : inbound, makeActive ? 1 : 0});
    if (!q)
        return q.error();
    if (!makeActive) // the set of sessions did not change
        return {};
    auto prune = store.exec(
        QStringLiteral(
            "DELETE FROM e2e_sessions WHERE user_id = ? AND device_id = ? AND sid NOT IN "
            "(SELECT sid FROM e2e_sessions WHERE user_id = ? AND device_id = ? "
            "ORDER BY rank DESC LIMIT %1)")
            .arg(kMaxSessionsPerDevice),
        {user, device, user, device});
    if (!prune)
        return prune.error();
    return {};
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
