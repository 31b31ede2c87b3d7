// Client: end-to-end keys (upload, refill, my signed device list), device linking, safety numbers
// and profiles. The message path itself is E2eCoordinator's.
#include "core/client.h"
#include "core/e2e/e2e_engine.h"
#include "core/logging.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/storage.h"
#include "core/sync/e2e_coordinator.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QDateTime>
#include <QTimer>

namespace tidings::client {

namespace {
//! One-time prekeys a device keeps on the server (the server asks for more below 20).
constexpr int kPrekeyStock = 100;
//! How long an existing device waits for the new device to answer a link code.
constexpr int kLinkWaitMs = 10 * 60 * 1000;

Error unexpected() {
    return Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")};
}
Error notEncrypted() {
    return Error{ErrorCode::Usage, QStringLiteral("end-to-end encryption is not enabled")};
}
} // namespace

Status Client::enableEncryption() {
    if (m_engine)
        return {};
    auto engine = std::make_unique<e2e::E2eEngine>(m_store->keys());
    if (auto s = engine->open(); !s)
        return s;
    m_engine = std::move(engine);
    m_e2e = new E2eCoordinator(m_engine.get(), m_store, m_connection, this);
    m_e2e->setAccount(m_account);
    m_e2e->setControlSender([this](const wire::SendRequest &r) { m_sync->sendControl(r); });
    connect(m_e2e, &E2eCoordinator::identityChanged, this, &Client::identityChanged);
    m_sync->setCrypto(m_e2e);
    return {};
}

bool Client::hasAccountKey() const {
    return m_engine && m_engine->hasAccountKey();
}

void Client::setUpKeys() {
    if (!m_engine || m_account.deviceId == 0)
        return;
    if (!m_engine->hasDeviceKeys()) {
        // A profile from before encryption: keys now; the account key only by linking.
        if (auto keys = m_engine->ensureDeviceKeys(m_account.userId, m_account.deviceId, false);
            !keys) {
            qCWarning(lcClient) << "device keys not created:" << keys.error().toString();
            return;
        }
    }
    if (!m_engine->hasAccountKey()) {
        qCInfo(lcClient) << "this device is not linked yet: no keys published";
        return;
    }
    auto request = m_engine->ensureDeviceKeys(m_account.userId, m_account.deviceId, false);
    if (!request) {
        qCWarning(lcClient) << "device keys unavailable:" << request.error().toString();
        return;
    }
    uploadKeys(*request, [this](Status s) {
        if (!s) {
            qCWarning(lcClient) << "key upload failed:" << s.error().toString();
            return;
        }
        if (auto rotated = m_engine->rotateSignedPrekeyIfDue(QDateTime::currentMSecsSinceEpoch());
            rotated && rotated->has_value())
            uploadKeys(**rotated, [](Status) {});
        publishDeviceList([this](Status p) {
            if (!p) {
                qCWarning(lcClient) << "device list not published:" << p.error().toString();
                return;
            }
            emit encryptionReady();
        });
    });
}

void Client::uploadKeys(const wire::UploadKeysRequest &request, std::function<void(Status)> done) {
    Frame f;
    *f.mutable_upload_keys_request() = request;
    call(std::move(f), false, [this, done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kKeysResponse) {
            done(unexpected());
            return;
        }
        handleKeysPush(r->keys_response());
        done({});
    });
}

void Client::handleKeysPush(const wire::KeysResponse &keys) {
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
    call(std::move(f), false, [](Result<Frame> r) {
        if (!r)
            qCWarning(lcClient) << "prekey refill not uploaded:" << r.error().toString();
    });
}

void Client::publishDeviceList(StatusHandler done) {
    if (!m_engine || !m_engine->hasAccountKey()) {
        done(notEncrypted());
        return;
    }
    // My list = the devices of my last accepted list that the server still has (not revoked),
    // plus this one. Published only when that differs from what is published.
    Frame listReq;
    listReq.mutable_device_list_request()->set_user_id(m_account.userId);
    call(std::move(listReq), true, [this, done](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kDeviceListResponse) {
            done(unexpected());
            return;
        }
        if (!r->device_list_response().signed_list().empty()) {
            if (auto a = m_engine->acceptDeviceList(r->device_list_response()); !a)
                qCWarning(lcClient)
                    << "my published device list does not verify:" << a.error().toString();
        }
        devices([this, done](Result<QList<DeviceInfo>> all) {
            if (!all) {
                done(all.error());
                return;
            }
            QSet<quint64> live;
            for (const DeviceInfo &d : *all)
                live.insert(d.deviceId);
            const auto listed = m_engine->currentDevices(m_account.userId);
            QList<e2e::DeviceAddress> wanted{{m_account.userId, m_account.deviceId}};
            for (const auto &d : listed) {
                if (d.deviceId != m_account.deviceId && live.contains(d.deviceId))
                    wanted.append(d);
            }
            std::sort(wanted.begin(), wanted.end());
            auto sortedListed = listed;
            std::sort(sortedListed.begin(), sortedListed.end());
            if (wanted == sortedListed) {
                done({});
                return;
            }
            auto publish = m_engine->signDeviceList(wanted);
            if (!publish) {
                done(publish.error());
                return;
            }
            Frame f;
            *f.mutable_publish_device_list_request() = *publish;
            okCall(std::move(f), done);
        });
    });
}

// --- linking ---------------------------------------------------------------------------------

void Client::createLinkCode(CodeHandler codeReady, StatusHandler linked) {
    if (!m_engine || !m_engine->hasAccountKey()) {
        codeReady(Error{ErrorCode::Usage, QStringLiteral("this device holds no account key")});
        return;
    }
    auto code = m_engine->createLinkCode(m_account.deviceId);
    if (!code) {
        codeReady(code.error());
        return;
    }
    m_linkWaitingHello = std::move(linked);
    codeReady(*code);
    QTimer::singleShot(kLinkWaitMs, this, [this] {
        if (auto waiting = std::exchange(m_linkWaitingHello, {}))
            waiting(Error{ErrorCode::Timeout, QStringLiteral("no device used the code")});
    });
}

void Client::linkDevice(const QString &code, StatusHandler done) {
    if (!m_engine) {
        done(notEncrypted());
        return;
    }
    if (m_engine->hasAccountKey()) {
        done(Error{ErrorCode::Usage, QStringLiteral("this device is linked already")});
        return;
    }
    auto hello = m_engine->linkHello(code, m_account.userId, m_account.deviceId);
    if (!hello) {
        done(hello.error());
        return;
    }
    m_linkPeerDevice = hello->first;
    m_linkWaitingGrant = std::move(done);
    Frame f;
    auto *relay = f.mutable_link_relay_request();
    relay->set_device_id(hello->first);
    relay->set_blob(protocol::bytesToStd(hello->second));
    okCall(std::move(f), [this](Status s) {
        if (!s) {
            if (auto waiting = std::exchange(m_linkWaitingGrant, {}))
                waiting(s.error().code == ErrorCode::NoSuchDevice
                            ? Error{ErrorCode::NoSuchDevice,
                                    QStringLiteral("the device showing the code is not online")}
                            : s.error());
        }
    });
    QTimer::singleShot(60'000, this, [this] {
        if (auto waiting = std::exchange(m_linkWaitingGrant, {}))
            waiting(Error{ErrorCode::Timeout, QStringLiteral("the other device did not answer")});
    });
}

void Client::handleLinkRelay(const wire::LinkRelayPush &push) {
    if (!m_engine)
        return;
    const QByteArray blob = protocol::bytesFromStd(push.blob());
    if (m_linkWaitingGrant && push.from_device_id() == m_linkPeerDevice) {
        StatusHandler done = std::exchange(m_linkWaitingGrant, {});
        if (auto s = m_engine->acceptLinkGrant(blob); !s) {
            done(s);
            return;
        }
        // Linked: publish my keys and add myself to my device list.
        auto request = m_engine->ensureDeviceKeys(m_account.userId, m_account.deviceId, false);
        if (!request) {
            done(request.error());
            return;
        }
        uploadKeys(*request, [this, done](Status s) {
            if (!s) {
                done(s);
                return;
            }
            publishDeviceList([this, done](Status p) {
                if (p)
                    emit encryptionReady();
                done(p);
            });
        });
        return;
    }
    if (!m_linkWaitingHello)
        return; // nobody asked: ignore
    auto grant = m_engine->answerLinkHello(push.from_device_id(), blob);
    if (!grant) {
        qCWarning(lcClient) << "link hello refused:" << grant.error().toString();
        return; // a wrong code does not end the wait: the user may type it again
    }
    StatusHandler done = std::exchange(m_linkWaitingHello, {});
    Frame f;
    auto *relay = f.mutable_link_relay_request();
    relay->set_device_id(grant->newDevice.deviceId);
    relay->set_blob(protocol::bytesToStd(grant->blob));
    okCall(std::move(f), std::move(done));
}

// --- verification ------------------------------------------------------------------------------

void Client::resolveUser(const QString &username, std::function<void(Result<quint64>)> done) {
    const QString name = protocol::normalizeUsername(username);
    if (name == m_account.username) {
        done(m_account.userId);
        return;
    }
    auto conv = m_store->conversations().conversationWithPeer(name);
    if (conv && conv->has_value() && (*conv)->peerUserId != 0) {
        done((*conv)->peerUserId);
        return;
    }
    openDirect(name, [done](Result<ConversationRecord> c) {
        if (!c)
            done(c.error());
        else
            done(c->peerUserId);
    });
}

void Client::safetyNumber(const QString &username, SafetyHandler done) {
    if (!m_engine) {
        done(notEncrypted());
        return;
    }
    resolveUser(username, [this, username, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        const quint64 userId = *user;
        whenAuthenticated([this, userId, username, done] {
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

void Client::setVerified(const QString &username, bool verified, StatusHandler done) {
    if (!m_engine) {
        done(notEncrypted());
        return;
    }
    resolveUser(username, [this, verified, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        done(m_engine->setVerified(*user, verified));
    });
}

void Client::acknowledgeIdentityChange(const QString &username, StatusHandler done) {
    if (!m_engine) {
        done(notEncrypted());
        return;
    }
    resolveUser(username, [this, done](Result<quint64> user) {
        if (!user) {
            done(user.error());
            return;
        }
        done(m_engine->acknowledgeIdentityChange(*user));
    });
}

// --- profiles ----------------------------------------------------------------------------------

void Client::setProfile(const QString &displayName, StatusHandler done) {
    const QString name = displayName.trimmed();
    if (name.toUtf8().size() > limits::kMaxDisplayNameBytes) {
        done(Error{ErrorCode::TooLarge, QStringLiteral("display name longer than 64 bytes")});
        return;
    }
    Frame f;
    f.mutable_set_profile_request()->set_display_name(name.toStdString());
    okCall(std::move(f), [this, name, done](Status s) {
        if (s) {
            m_account.displayName = name;
            if (auto saved = m_store->accounts().saveAccount(m_account); !saved)
                qCWarning(lcClient)
                    << "display name not saved locally:" << saved.error().toString();
        }
        done(s);
    });
}

void Client::profiles(const QStringList &usernames, ProfilesHandler done) {
    Frame f;
    for (const QString &u : usernames)
        f.mutable_profiles_request()->add_usernames(protocol::normalizeUsername(u).toStdString());
    call(std::move(f), true, [this, done](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kProfilesResponse) {
            done(unexpected());
            return;
        }
        QList<ProfileInfo> out;
        for (const auto &p : r->profiles_response().profiles()) {
            ProfileInfo info{p.user_id(), protocol::fromStd(p.username()),
                             protocol::fromStd(p.display_name())};
            if (auto s = m_store->accounts().setDisplayName(info.userId, info.displayName); !s)
                qCWarning(lcClient) << "display name not stored:" << s.error().toString();
            out.append(info);
        }
        done(out);
    });
}

} // namespace tidings::client
