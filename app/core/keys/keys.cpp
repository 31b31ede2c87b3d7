#include "core/keys/keys.h"

#include "core/account/account.h"
#include "core/e2e/e2e_engine.h"
#include "core/logging.h"
#include "core/messaging/messaging.h"
#include "core/store/conversation_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"
#include "core/sync/e2e_coordinator.h"
#include "core/sync/sync_engine.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>

namespace tidings::client {

namespace {
//! One-time prekeys a device keeps on the server (the server asks for more below 20).
constexpr int kPrekeyStock = 100;
} // namespace

Error encryptionNotEnabled() {
    return Error{ErrorCode::Usage, QStringLiteral("end-to-end encryption is not enabled")};
}

Keys::Keys(Storage *store, SyncEngine *sync, Requester *requests, const Account *account,
           Messaging *messaging, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sync(sync)
    , m_requests(requests)
    , m_account(account)
    , m_messaging(messaging) {}

Keys::~Keys() = default;

Status Keys::enable() {
    if (m_engine)
        return {};
    auto engine = std::make_unique<e2e::E2eEngine>(m_store->keys());
    if (auto s = engine->open(); !s)
        return s;
    m_engine = std::move(engine);
    m_e2e = new E2eCoordinator(m_engine.get(), m_store, m_requests->sink(), this);
    m_e2e->setAccount(m_account->settings());
    m_e2e->setControlSender([this](const wire::SendRequest &r) { m_sync->sendControl(r); });
    m_e2e->setResendsPerMinute(m_resendsPerMinute);
    connect(m_e2e, &E2eCoordinator::identityChanged, this, [this](quint64 userId, int change) {
        recordIdentityChange(userId, change);
        emit identityChanged(userId);
    });
    m_sync->setCrypto(m_e2e);
    return {};
}

bool Keys::hasAccountKey() const {
    return m_engine && m_engine->hasAccountKey();
}

Status Keys::createDeviceKeys(const AccountSettings &account, bool registering) {
    if (!m_engine)
        return {};
    if (auto keys = m_engine->ensureDeviceKeys(account.userId, account.deviceId, registering);
        !keys)
        return keys.error();
    m_e2e->setAccount(account);
    return {};
}

void Keys::onAccountChanged() {
    if (m_e2e)
        m_e2e->setAccount(m_account->settings());
}

void Keys::onSessionStarting() {
    if (!m_e2e)
        return;
    m_e2e->setAccount(m_account->settings());
    m_e2e->onAuthenticated();
}

void Keys::onDisconnected() {
    if (m_e2e)
        m_e2e->onDisconnected();
}

void Keys::setUpKeys() {
    const AccountSettings &me = m_account->settings();
    if (!m_engine || me.deviceId == 0)
        return;
    if (!m_engine->hasDeviceKeys()) {
        // A profile from before encryption: keys now; the account key only by linking.
        if (auto keys = m_engine->ensureDeviceKeys(me.userId, me.deviceId, false); !keys) {
            qCWarning(lcClient) << "device keys not created:" << keys.error().toString();
            return;
        }
    }
    if (!m_engine->hasAccountKey()) {
        if (!m_engine->pendingAccountKey().isEmpty())
            emit accountKeyPending(); // a recovery whose answer was lost
        else
            qCInfo(lcClient) << "this device is not linked yet: no keys published";
        return;
    }
    auto request = m_engine->ensureDeviceKeys(me.userId, me.deviceId, false);
    if (!request) {
        qCWarning(lcClient) << "device keys unavailable:" << request.error().toString();
        return;
    }
    uploadKeys(*request, [this](Status s) {
        if (!s) {
            qCWarning(lcClient) << "key upload failed:" << s.error().toString();
            // Bound to a key my account handed on since (a rotation happened while this device
            // was away, or it took a key up and never rebound): the new one is taken up first.
            if (s.error().code == ErrorCode::IdentityMismatch)
                emit accountKeyOutdated();
            return;
        }
        if (auto rotated = m_engine->rotateSignedPrekeyIfDue(QDateTime::currentMSecsSinceEpoch());
            rotated && rotated->has_value())
            uploadKeys(**rotated, [](Status) {});
        emit keysUploaded();
    });
}

void Keys::uploadKeys(const wire::UploadKeysRequest &request, StatusHandler done) {
    Frame f;
    *f.mutable_upload_keys_request() = request;
    m_requests->call<wire::KeysResponse>(
        std::move(f), Retry::No, [this, done = std::move(done)](Result<wire::KeysResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            handleKeysPush(*r);
            done({});
        });
}

void Keys::handleKeysPush(const wire::KeysResponse &keys) {
    if (!m_engine || !keys.refill() || !m_engine->hasAccountKey())
        return;
    const int missing = kPrekeyStock - int(keys.one_time_prekeys());
    if (missing <= 0)
        return;
    auto request = m_engine->refillPrekeys(std::min(missing, limits::kMaxOneTimePrekeysPerUpload));
    if (!request) {
        qCWarning(lcClient) << "prekey refill failed:" << request.error().toString();
        return;
    }
    Frame f;
    *f.mutable_upload_keys_request() = *request;
    m_requests->call<wire::KeysResponse>(std::move(f), Retry::No, [](Result<wire::KeysResponse> r) {
        if (!r)
            qCWarning(lcClient) << "prekey refill not uploaded:" << r.error().toString();
    });
}

void Keys::rotateSenderKey(quint64 conversationId) {
    if (!m_engine)
        return;
    if (auto r = m_engine->markRotationNeeded(conversationId); !r)
        qCWarning(lcClient) << "sender key rotation not marked:" << r.error().toString();
}

// --- verification ------------------------------------------------------------------------------

void Keys::resolveUser(const QString &username, std::function<void(Result<quint64>)> done) {
    const QString name = protocol::normalizeUsername(username);
    if (name == m_account->settings().username) {
        done(m_account->userId());
        return;
    }
    auto conv = m_store->conversations().conversationWithPeer(name);
    if (conv && conv->has_value() && (*conv)->peerUserId != 0) {
        done((*conv)->peerUserId);
        return;
    }
    m_messaging->openDirect(name, [done](Result<ConversationRecord> c) {
        if (!c)
            done(c.error());
        else
            done(c->peerUserId);
    });
}

void Keys::safetyNumber(const QString &username, SafetyHandler done) {
    if (!m_engine) {
        done(encryptionNotEnabled());
        return;
    }
    resolveUser(username, [this, username, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        const quint64 userId = *user;
        m_requests->whenAuthenticated([this, userId, username, done] {
            m_e2e->refreshDeviceList(userId, [this, userId, username, done](Status s) {
                if (!s) {
                    done(s.error());
                    return;
                }
                auto digits = m_engine->safetyNumber(userId);
                if (!digits) {
                    done(digits.error());
                    return;
                }
                auto qr = m_engine->safetyQrPayload(userId);
                if (!qr) {
                    done(qr.error());
                    return;
                }
                SafetyNumberInfo info;
                info.userId = userId;
                info.username = protocol::normalizeUsername(username);
                info.digits = *digits;
                info.qrPayload = *qr;
                info.verified = m_engine->isVerified(userId);
                info.identityChanged = m_engine->identityChanged(userId);
                done(info);
            });
        });
    });
}

void Keys::setVerified(const QString &username, bool verified, StatusHandler done) {
    if (!m_engine) {
        done(encryptionNotEnabled());
        return;
    }
    resolveUser(username, [this, verified, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        const Status s = m_engine->setVerified(*user, verified);
        if (s && verified)
            identitySettled(*user); // verifying the new code settles its change too
        done(s);
    });
}

void Keys::acknowledgeIdentityChange(const QString &username, StatusHandler done) {
    if (!m_engine) {
        done(encryptionNotEnabled());
        return;
    }
    resolveUser(username, [this, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        done(acknowledgeIdentityChange(*user));
    });
}

Status Keys::acknowledgeIdentityChange(quint64 userId) {
    if (!m_engine)
        return encryptionNotEnabled();
    if (auto s = m_engine->acknowledgeIdentityChange(userId); !s)
        return s;
    identitySettled(userId);
    return {};
}

void Keys::identitySettled(quint64 userId) {
    emit identityAcknowledged(userId);
    // What waited for this acknowledgement goes out now.
    m_sync->releaseIdentityHolds();
}

bool Keys::identityChangePending(quint64 userId) const {
    return m_engine && m_engine->identityChanged(userId);
}

QSet<quint64> Keys::pendingIdentityChanges() const {
    return m_engine ? m_engine->changedIdentities() : QSet<quint64>();
}

bool Keys::holdsOnIdentityChange() const {
    return m_engine && m_engine->holdOnIdentityChange();
}

Status Keys::setHoldOnIdentityChange(bool hold) {
    if (!m_engine)
        return encryptionNotEnabled();
    if (auto s = m_engine->setHoldOnIdentityChange(hold); !s)
        return s;
    if (!hold)
        m_sync->releaseIdentityHolds();
    return {};
}

void Keys::recordIdentityChange(quint64 userId, int change) {
    // Loud and lasting: a notice in every conversation with them, in this device's history,
    // saying how it changed (a removed device, a recovery, or no continuity at all).
    int kind = SecurityNotice::kKeyChanged;
    if (change == int(e2e::KeyChange::Succeeded))
        kind = SecurityNotice::kKeySucceeded;
    else if (change == int(e2e::KeyChange::Recovered))
        kind = SecurityNotice::kKeyRecovered;
    auto added =
        m_store->securityNotices().add(userId, {}, QDateTime::currentMSecsSinceEpoch(), kind);
    if (!added) {
        qCWarning(lcClient) << "security notice not stored:" << added.error().toString();
        return;
    }
    if (!added->isEmpty())
        emit securityNoticesAdded(*added);
}

} // namespace tidings::client
