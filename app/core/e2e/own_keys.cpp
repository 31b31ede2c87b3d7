#include "core/e2e/own_keys.h"
#include "core/e2e/e2e_support.h"

#include "core/store/key_store.h"

namespace tidings::client::e2e {

using namespace tidings::crypto;

namespace {

void addSignedPrekey(wire::UploadKeysRequest &r, const SignedPreKey &spk) {
    auto *w = r.mutable_signed_prekey();
    w->set_key_id(spk.id);
    w->set_public_key(std_(spk.key.publicKey));
    w->set_signature(std_(spk.signature));
}

void addOneTimePrekeys(wire::UploadKeysRequest &r,
                       const QList<std::pair<quint32, QByteArray>> &opks) {
    for (const auto &[id, pub] : opks) {
        auto *o = r.add_one_time_prekeys();
        o->set_key_id(id);
        o->set_public_key(std_(pub));
    }
}
} // namespace

OwnKeys::OwnKeys(KeyStore &store, const Clock &clock)
    : m_store(store)
    , m_clock(clock) {}

Status OwnKeys::open() {
    if (!ensureSodium())
        return makeError(CryptoError::Internal, QStringLiteral("libsodium init"));
    if (!m_store.valid())
        return usageError(QStringLiteral("master key missing or too short"));
    if (auto s = load(); !s)
        return s;
    m_opened = true;
    return {};
}

Status OwnKeys::requireOpen() const {
    if (!m_opened)
        return usageError(QStringLiteral("engine not open"));
    return {};
}

Status OwnKeys::requireKeys() const {
    if (!m_opened)
        return usageError(QStringLiteral("engine not open"));
    if (!m_keys)
        return usageError(QStringLiteral("no device keys (ensureDeviceKeys first)"));
    return {};
}

QByteArray OwnKeys::accountPublicKey() const {
    return m_aik ? m_aik->publicKey : QByteArray();
}

Status OwnKeys::load() {
    auto user = m_store.ownValue(QStringLiteral("user_id"));
    auto device = m_store.ownValue(QStringLiteral("device_id"));
    if (!user)
        return user.error();
    if (!device)
        return device.error();
    if (user->isEmpty())
        return {};
    m_userId = user->toULongLong();
    m_deviceId = device->toULongLong();
    auto secret = m_store.ownSecret(QStringLiteral("device_keys"));
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
    k.userId = m_userId;
    k.deviceId = m_deviceId;
    k.dsk = std::move(*dsk);
    k.dik = std::move(*dik);
    m_keys = std::move(k);

    auto aikSecret = m_store.ownSecret(QStringLiteral("aik"));
    if (!aikSecret)
        return aikSecret.error();
    if (!aikSecret->isEmpty()) {
        auto pair = Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(aikSecret->data(), kKeySize));
        if (!pair)
            return pair.error();
        m_aik = std::move(*pair);
    }
    return {};
}

Status OwnKeys::saveDeviceKeys() const {
    SecretWriter w;
    w.putRaw(m_keys->dsk.secretKey);
    w.putRaw(m_keys->dik.secretKey);
    SecretBytes blob = w.take();
    if (w.failed())
        return makeError(CryptoError::Internal);
    if (auto s = m_store.setOwnValue(QStringLiteral("user_id"), QByteArray::number(m_userId)); !s)
        return s;
    if (auto s = m_store.setOwnValue(QStringLiteral("device_id"), QByteArray::number(m_deviceId));
        !s)
        return s;
    return m_store.setOwnSecret(QStringLiteral("device_keys"), blob);
}

Status OwnKeys::saveAik() const {
    if (auto s = m_store.setOwnSecret(QStringLiteral("aik"), m_aik->secretKey); !s)
        return s;
    // My own AIK is pinned for my user id: a list for me signed by another key is an identity
    // change, as for anyone else.
    return m_store.pinAccountKey(m_userId, m_aik->publicKey);
}

Result<PreKeyStore> OwnKeys::loadPrekeys() const {
    auto blob = m_store.ownSecret(QStringLiteral("prekeys"));
    if (!blob)
        return blob.error();
    if (blob->isEmpty())
        return PreKeyStore();
    return PreKeyStore::deserialize(*blob);
}

Status OwnKeys::savePrekeys(const PreKeyStore &prekeys) const {
    return m_store.setOwnSecret(QStringLiteral("prekeys"), prekeys.serialize());
}

Result<QByteArray> OwnKeys::storedPrekeys() const {
    return m_store.ownValue(QStringLiteral("prekeys"));
}

wire::UploadKeysRequest OwnKeys::identityUpload() const {
    wire::UploadKeysRequest r;
    r.set_signing_key(m_keys->dsk.publicKey.toStdString());
    r.set_identity_key(m_keys->dik.publicKey.toStdString());
    if (m_aik) {
        r.set_account_key(m_aik->publicKey.toStdString());
        r.set_binding_signature(signBinding(*m_keys, m_aik->publicKey).toStdString());
    }
    return r;
}

Result<wire::UploadKeysRequest> OwnKeys::ensureDeviceKeys(quint64 myUserId, quint64 myDeviceId,
                                                          bool createAccountKey) {
    if (auto s = requireOpen(); !s)
        return s.error();
    if (m_keys && (m_userId != myUserId || m_deviceId != myDeviceId))
        return usageError(QStringLiteral("this store holds keys of another device"));
    wire::UploadKeysRequest out;
    Status st = m_store.transaction([&]() -> Status {
        const bool fresh = !m_keys;
        if (fresh) {
            m_userId = myUserId;
            m_deviceId = myDeviceId;
            m_keys = DeviceKeys::generate(myUserId, myDeviceId);
            if (auto s = saveDeviceKeys(); !s)
                return s;
        }
        if (createAccountKey && !m_aik) {
            m_aik = Ed25519KeyPair::generate();
            if (auto s = saveAik(); !s)
                return s;
        }
        auto pk = loadPrekeys();
        if (!pk)
            return pk.error();
        out = identityUpload();
        if (!pk->currentSignedPreKey())
            pk->rotateSignedPreKey(m_keys->dsk, m_clock.nowMs() / 1000);
        // OPKs only on creation: they were uploaded with the first request, and the server asks
        // for more (KeysResponse.refill) when it runs low.
        if (fresh)
            addOneTimePrekeys(out, pk->generateOneTimePreKeys(PreKeyStore::kOpkUploadCount));
        addSignedPrekey(out, *pk->currentSignedPreKey());
        return savePrekeys(*pk);
    });
    if (!st) {
        // Nothing was stored: forget what we generated in memory too.
        (void)load();
        return st.error();
    }
    return out;
}

Result<wire::UploadKeysRequest> OwnKeys::refillPrekeys(int count) {
    if (auto s = requireKeys(); !s)
        return s.error();
    if (count <= 0 || count > PreKeyStore::kOpkUploadCount)
        return usageError(QStringLiteral("refill 1..100 prekeys"));
    wire::UploadKeysRequest out;
    Status st = m_store.transaction([&]() -> Status {
        auto pk = loadPrekeys();
        if (!pk)
            return pk.error();
        out = identityUpload();
        addOneTimePrekeys(out, pk->generateOneTimePreKeys(count));
        return savePrekeys(*pk);
    });
    if (!st)
        return st.error();
    return out;
}

Result<std::optional<wire::UploadKeysRequest>> OwnKeys::rotateSignedPrekeyIfDue(qint64 nowMs) {
    if (auto s = requireKeys(); !s)
        return s.error();
    std::optional<wire::UploadKeysRequest> out;
    Status st = m_store.transaction([&]() -> Status {
        auto pk = loadPrekeys();
        if (!pk)
            return pk.error();
        const qint64 nowSecs = nowMs / 1000;
        pk->expire(nowSecs);
        if (pk->needsRotation(nowSecs)) {
            out = identityUpload();
            addSignedPrekey(*out, pk->rotateSignedPreKey(m_keys->dsk, nowSecs));
        }
        return savePrekeys(*pk);
    });
    if (!st)
        return st.error();
    return out;
}

int OwnKeys::oneTimePrekeyCount() const {
    if (!m_keys)
        return 0;
    auto pk = loadPrekeys();
    return pk ? pk->oneTimePreKeyCount() : 0;
}

Status OwnKeys::adoptAccountKey(Ed25519KeyPair aik) {
    std::optional<Ed25519KeyPair> previous = std::move(m_aik);
    m_aik = std::move(aik);
    Status st = m_store.transaction([&]() -> Status { return saveAik(); });
    if (!st)
        m_aik = std::move(previous);
    return st;
}

} // namespace tidings::client::e2e
