#pragma once
// E2eEngine's private state and the helpers its parts share (not installed, not public API).
#include "core/e2e/e2e_engine.h"
#include "core/store/key_store.h"
#include "crypto/device_list.h"
#include "crypto/sender_keys.h"
#include "crypto/session.h"

#include <QLoggingCategory>

#include <vector>

Q_DECLARE_LOGGING_CATEGORY(lcE2e)

namespace tidings::client::e2e {

//! First byte of Envelope.payload: what follows (the crypto formats both start with 01).
enum class EnvelopeKind : std::uint8_t { PreKey = 1, Ratchet = 2 };
struct ParsedEnvelope {
    EnvelopeKind kind = EnvelopeKind::Ratchet;
    QByteArray inner;
};
//! The engine's only own wire format: u8 kind ‖ PreKeyMessage or ratchet message (fuzz it).
Result<ParsedEnvelope> parseEnvelope(const QByteArray &payload);
QByteArray groupIdBytes(quint64 groupId);
Error storageError(const QString &what);

struct E2eEngine::Impl {
    explicit Impl(KeyStore &keys)
        : store(keys) {}

    KeyStore &store;
    std::function<qint64()> clock;
    bool opened = false;
    quint64 userId = 0;
    quint64 deviceId = 0;
    std::optional<crypto::DeviceKeys> keys;
    std::optional<crypto::Ed25519KeyPair> aik;

    struct LinkCode {
        SecretBytes secret;
        qint64 expiresMs = 0;
        bool used = false;
    };
    std::optional<LinkCode> linkCode; //!< existing device: the outstanding code
    struct PendingLink {
        SecretBytes secret;
        quint64 target = 0;
    };
    std::optional<PendingLink> pendingLink; //!< new device: waiting for the grant

    qint64 nowMs() const;
    Status requireOpen() const;
    Status requireKeys() const;

    Status loadOwn();
    Status saveDeviceKeys() const;
    Status saveAik() const;
    Result<crypto::PreKeyStore> loadPrekeys() const;
    Status savePrekeys(const crypto::PreKeyStore &store) const;
    //! Identity fields (+ binding once the AIK is held).
    wire::UploadKeysRequest identityUpload() const;

    using Peer = KeyStore::Peer;
    Result<Peer> peer(quint64 user) const { return store.peer(user); }
    Status pinOwnAik() const;
    std::optional<crypto::DeviceIdentity> identity(DeviceAddress a, bool listedOnly) const;
    Status rememberIdentity(const crypto::DeviceIdentity &id) const;
    //! Drops sessions, sender-key states and distribution marks of one device.
    Status forgetDevice(DeviceAddress a) const;
    //! A verified peer whose AIK changed and the change is not acknowledged.
    bool sendingBlocked(quint64 user) const;

    struct SessionRow {
        QByteArray sid;
        qint64 rank = 0;
        crypto::RatchetSession state;
        QByteArray pending;
        QByteArray inbound;
        QByteArray sealed; //!< the stored blob, for decrypt()'s compare-and-swap commit
    };
    //! Highest rank (active) first.
    Result<std::vector<SessionRow>> sessions(DeviceAddress a, bool activeOnly = false) const;
    //! Insert or update; makeActive gives it the highest rank; keeps at most 5 per device.
    Status saveSession(DeviceAddress a, const QByteArray &sid, const crypto::RatchetSession &s,
                       const QByteArray &pending, const QByteArray &inbound, bool makeActive) const;
    //! The stored (sealed) column value, empty when the row does not exist.
    Result<QByteArray> storedSession(DeviceAddress a, const QByteArray &sid) const;
    //! Encrypts with the active session and stores it (the caller's transaction).
    Result<wire::Envelope> encryptFor(DeviceAddress a, const crypto::SecretBytes &plaintext) const;
};

} // namespace tidings::client::e2e
