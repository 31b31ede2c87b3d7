#include "core/devices/devices.h"

#include "core/account/account.h"
#include "core/e2e/e2e_engine.h"
#include "core/keys/keys.h"
#include "core/logging.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

#include <QSet>
#include <QTimer>

namespace tidings::client {

Devices::Devices(Requester *requests, const Account *account, Keys *keys, QObject *parent)
    : QObject(parent)
    , m_requests(requests)
    , m_account(account)
    , m_keys(keys) {
    connect(m_keys, &Keys::keysUploaded, this, &Devices::listThisDevice);
    connect(m_keys, &Keys::accountKeyOutdated, this, &Devices::listThisDevice);
    connect(m_keys, &Keys::accountKeyPending, this, [this] {
        resumeRotation([this](Status s) {
            if (!s)
                qCWarning(lcClient) << "recovery not resumed:" << s.error().toString();
            else if (m_keys->hasAccountKey())
                listThisDevice();
        });
    });
}

void Devices::list(DevicesHandler done) {
    Frame f;
    f.mutable_devices_request();
    m_requests->call<wire::DevicesResponse>(
        std::move(f), Retry::AfterReconnect,
        [this, done = std::move(done)](Result<wire::DevicesResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            const AccountSettings &me = m_account->settings();
            e2e::E2eEngine *engine = m_keys->engine();
            QList<DeviceInfo> out;
            for (const auto &d : r->devices()) {
                DeviceInfo info = deviceFromWire(d);
                if (engine)
                    info.fingerprint = info.deviceId == me.deviceId
                                           ? engine->myFingerprint()
                                           : engine->fingerprint({me.userId, info.deviceId});
                out.append(info);
            }
            done(out);
        });
}

void Devices::revoke(quint64 deviceId, StatusHandler done) {
    Frame f;
    f.mutable_revoke_device_request()->set_device_id(deviceId);
    // The revoked device leaves my signed list too (the server already stopped counting it).
    callThenRepublish(std::move(f), std::move(done));
}

void Devices::callThenRepublish(Frame frame, StatusHandler done) {
    m_requests->callOk(std::move(frame), [this, done = std::move(done)](Status s) {
        if (!s || !m_keys->hasAccountKey()) {
            done(s);
            return;
        }
        publishDeviceList([done](Status p) {
            if (!p)
                qCWarning(lcClient) << "device list not republished:" << p.error().toString();
            done({});
        });
    });
}

void Devices::changePassword(const QString &current, const QString &replacement,
                             StatusHandler done) {
    Frame f;
    auto *req = f.mutable_change_password_request();
    req->set_old_password(current.toStdString());
    req->set_new_password(replacement.toStdString());
    // Not retried after a reconnect: the answer to a change that committed could be lost, and a
    // retry would then fail on the old password and be reported as wrong. The devices it logged
    // out leave my signed list.
    callThenRepublish(std::move(f), std::move(done));
}

void Devices::listThisDevice() {
    publishDeviceList([this](Status p) {
        if (!p) {
            qCWarning(lcClient) << "device list not published:" << p.error().toString();
            return;
        }
        emit encryptionReady();
    });
}

void Devices::publishDeviceList(StatusHandler done) {
    // A rotation left unfinished (a crash, a lost answer) is settled before anything else: a
    // device holding a key the server may have pinned publishes nothing else until then.
    resumeRotation([this, done](Status resumed) {
        if (!resumed) {
            done(resumed);
            return;
        }
        publishSettled(done);
    });
}

void Devices::publishSettled(StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine || !engine->hasAccountKey()) {
        done(encryptionNotEnabled());
        return;
    }
    // My list = the devices of my last accepted list that the server still has (not revoked),
    // plus this one. Published only when that differs from what is published.
    Frame listReq;
    listReq.mutable_device_list_request()->set_user_id(m_account->userId());
    listReq.mutable_device_list_request()->set_known_account_key(
        engine->accountKey().toStdString());
    m_requests->call<wire::DeviceListResponse>(
        std::move(listReq), Retry::AfterReconnect,
        [this, engine, done](Result<wire::DeviceListResponse> r) {
            if (!r) {
                done(r.error());
                return;
            }
            if (!r->signed_list().empty() &&
                r->account_key() != engine->accountKey().toStdString()) {
                // Another of my devices handed the account key on: take it up, then look again.
                if (std::exchange(m_tookUpKey, true)) {
                    m_tookUpKey = false;
                    done(Error{ErrorCode::IdentityMismatch,
                               QStringLiteral("my device list is signed by a key this device "
                                              "could not take up")});
                    return;
                }
                takeUpAccountKey([this, done](Result<bool> taken) {
                    if (!taken || !*taken) {
                        m_tookUpKey = false;
                        done(taken ? Status(Error{ErrorCode::IdentityMismatch,
                                                  QStringLiteral("no handoff of the new account "
                                                                 "key for this device")})
                                   : Status(taken.error()));
                        return;
                    }
                    publishDeviceList([this, done](Status s) {
                        m_tookUpKey = false;
                        done(s);
                    });
                });
                return;
            }
            if (!r->signed_list().empty()) {
                if (auto a = engine->acceptDeviceList(*r); !a)
                    qCWarning(lcClient)
                        << "my published device list does not verify:" << a.error().toString();
            }
            publishWanted(done);
        });
}

void Devices::publishWanted(StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    list([this, engine, done](Result<QList<DeviceInfo>> all) {
        if (!all) {
            done(all.error());
            return;
        }
        const AccountSettings &me = m_account->settings();
        QSet<quint64> live;
        for (const DeviceInfo &d : *all)
            live.insert(d.deviceId);
        const auto listed = engine->currentDevices(me.userId);
        QList<e2e::DeviceAddress> wanted{{me.userId, me.deviceId}};
        bool dropping = false;
        for (const auto &d : listed) {
            if (d.deviceId == me.deviceId)
                continue;
            if (live.contains(d.deviceId))
                wanted.append(d);
            else
                dropping = true;
        }
        std::sort(wanted.begin(), wanted.end());
        auto sortedListed = listed;
        std::sort(sortedListed.begin(), sortedListed.end());
        if (wanted == sortedListed) {
            done({});
            return;
        }
        if (dropping) {
            // A device that held my account key left: the key goes with it.
            rotate(wanted, done);
            return;
        }
        auto publish = engine->signDeviceList(wanted);
        if (!publish) {
            done(publish.error());
            return;
        }
        Frame f;
        *f.mutable_publish_device_list_request() = *publish;
        m_requests->callOk(std::move(f), done);
    });
}

// --- linking ---------------------------------------------------------------------------------

namespace {
//! How long an existing device waits for the new device to answer a link code.
constexpr int kLinkWaitMs = 10 * 60 * 1000;
//! How long a new device waits for the grant after its hello was relayed.
constexpr int kGrantWaitMs = 60'000;
} // namespace

void Devices::createLinkCode(CodeHandler codeReady, StatusHandler linked) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine || !engine->hasAccountKey()) {
        codeReady(Error{ErrorCode::Usage, QStringLiteral("this device holds no account key")});
        return;
    }
    auto code = engine->createLinkCode(m_account->deviceId());
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

void Devices::linkDevice(const QString &code, StatusHandler done) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine) {
        done(encryptionNotEnabled());
        return;
    }
    if (engine->hasAccountKey()) {
        done(Error{ErrorCode::Usage, QStringLiteral("this device is linked already")});
        return;
    }
    auto hello = engine->linkHello(code, m_account->userId(), m_account->deviceId());
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
    m_requests->callOk(std::move(f), [this](Status s) {
        if (!s) {
            if (auto waiting = std::exchange(m_linkWaitingGrant, {}))
                waiting(s.error().code == ErrorCode::NoSuchDevice
                            ? Error{ErrorCode::NoSuchDevice,
                                    QStringLiteral("the device showing the code is not online")}
                            : s.error());
        }
    });
    QTimer::singleShot(kGrantWaitMs, this, [this] {
        if (auto waiting = std::exchange(m_linkWaitingGrant, {}))
            waiting(Error{ErrorCode::Timeout, QStringLiteral("the other device did not answer")});
    });
}

void Devices::handleLinkRelay(const wire::LinkRelayPush &push) {
    e2e::E2eEngine *engine = m_keys->engine();
    if (!engine)
        return;
    const QByteArray blob = protocol::bytesFromStd(push.blob());
    if (m_linkWaitingGrant && push.from_device_id() == m_linkPeerDevice) {
        StatusHandler done = std::exchange(m_linkWaitingGrant, {});
        if (auto s = engine->acceptLinkGrant(blob); !s) {
            done(s);
            return;
        }
        finishLinking(std::move(done));
        return;
    }
    if (!m_linkWaitingHello)
        return; // nobody asked: ignore
    auto grant = engine->answerLinkHello(push.from_device_id(), blob);
    if (!grant) {
        qCWarning(lcClient) << "link hello refused:" << grant.error().toString();
        return; // a wrong code does not end the wait: the user may type it again
    }
    StatusHandler done = std::exchange(m_linkWaitingHello, {});
    Frame f;
    auto *relay = f.mutable_link_relay_request();
    relay->set_device_id(grant->newDevice.deviceId);
    relay->set_blob(protocol::bytesToStd(grant->blob));
    m_requests->callOk(std::move(f), std::move(done));
}

void Devices::finishLinking(StatusHandler done) {
    // Linked: publish my keys and add myself to my device list.
    auto request =
        m_keys->engine()->ensureDeviceKeys(m_account->userId(), m_account->deviceId(), false);
    if (!request) {
        done(request.error());
        return;
    }
    m_keys->uploadKeys(*request, [this, done](Status s) {
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
}

} // namespace tidings::client
