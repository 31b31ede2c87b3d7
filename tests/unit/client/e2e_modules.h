#pragma once
// One encrypted device's keys and devices modules for a unit test: a ModuleFixture, the sync
// engine and messaging module they lean on, and Keys (enabled over the fixture's Storage, whose
// KeyStore seals with its master key, with device keys made as at register or login) and Devices
// over them. Still no socket, no server:
// a test plays the server by answering the FakeSocket's requests.
#include "core/devices/devices.h"
#include "core/e2e/e2e_engine.h"
#include "core/keys/keys.h"
#include "core/messaging/messaging.h"
#include "core/sync/sync_engine.h"
#include "module_fixture.h"

namespace tidings::client::test {

struct E2eModules {
    ModuleFixture f;
    SyncEngine *sync = nullptr;
    std::unique_ptr<Messaging> messaging;
    std::unique_ptr<Keys> keys;
    std::unique_ptr<Devices> devices;

    //! `registering`: the device that creates the account (it holds the account key); otherwise
    //! a device that logged in and is not linked yet. `encrypted` false: Keys stays disabled.
    bool open(const AccountSettings &me, bool registering, bool encrypted = true) {
        if (!f.open(me))
            return false;
        sync = new SyncEngine(f.store.get(), &f.socket);
        sync->setAccount(me);
        messaging = std::make_unique<Messaging>(f.store.get(), sync, &f.requests, f.account.get());
        sync->setParent(messaging.get());
        keys = std::make_unique<Keys>(f.store.get(), sync, &f.requests, f.account.get(),
                                      messaging.get());
        devices = std::make_unique<Devices>(&f.requests, f.account.get(), keys.get());
        if (!encrypted)
            return true;
        return keys->enable().ok() && keys->createDeviceKeys(me, registering).ok();
    }
    ~E2eModules() {
        devices.reset();
        keys.reset();
        messaging.reset();
    }

    //! Answers the one pending request with `frame`; false when not exactly one is pending or
    //! it is not of `expected` kind.
    bool answerOne(Frame::BodyCase expected, const Frame &frame, Frame *request = nullptr) {
        ModuleFixture::Request req;
        if (!f.takeOne(req))
            return false;
        if (req.frame.body_case() != expected) {
            qWarning() << "unexpected request" << int(req.frame.body_case());
            return false;
        }
        if (request)
            *request = req.frame;
        req.handler(frame);
        return true;
    }
};

//! What the server answers for a user's signed device list, from that user's publish request.
inline Frame deviceListAnswer(quint64 userId, const wire::PublishDeviceListRequest &published) {
    return answer([&](Frame &fr) {
        auto *r = fr.mutable_device_list_response();
        r->set_user_id(userId);
        r->set_signed_list(published.signed_list());
        r->set_account_key(published.account_key());
    });
}

inline Frame devicesAnswer(std::initializer_list<quint64> ids, quint64 current) {
    return answer([&](Frame &fr) {
        for (quint64 id : ids) {
            auto *d = fr.mutable_devices_response()->add_devices();
            d->set_device_id(id);
            d->set_name("device " + std::to_string(id));
            d->set_current(id == current);
            d->set_online(id == current);
        }
    });
}

} // namespace tidings::client::test
