#pragma once
// Several E2eEngines (= devices) in one process with a fake key directory standing in for the
// server; frames are passed by hand.
#include "core/e2e/e2e_engine.h"
#include "core/store/database.h"
#include "core/store/key_store.h"
#include "crypto/primitives.h"

#include <QHash>
#include <QSqlQuery>
#include <QTest>

#include <memory>

namespace e2etest {

using tidings::client::e2e::DeviceAddress;
using tidings::client::e2e::E2eEngine;
using tidings::crypto::SecretBytes;
namespace wire = tidings::wire;

inline QByteArray qba(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}
inline std::string str(const QByteArray &b) {
    return std::string(b.constData(), size_t(b.size()));
}

//! The key directory part of the server: lists, identities, SPKs and OPKs handed out once.
struct FakeServer {
    QHash<quint64, wire::DeviceListResponse> lists;
    QHash<DeviceAddress, wire::UploadKeysRequest> keys; //!< OPKs accumulate in one_time_prekeys

    void upload(DeviceAddress a, const wire::UploadKeysRequest &r) {
        wire::UploadKeysRequest &k = keys[a];
        k.set_signing_key(r.signing_key());
        k.set_identity_key(r.identity_key());
        if (!r.account_key().empty()) {
            k.set_account_key(r.account_key());
            k.set_binding_signature(r.binding_signature());
        }
        if (r.has_signed_prekey())
            *k.mutable_signed_prekey() = r.signed_prekey();
        for (const auto &o : r.one_time_prekeys())
            *k.add_one_time_prekeys() = o;
    }
    void publish(quint64 user, const wire::PublishDeviceListRequest &r) {
        wire::DeviceListResponse l;
        l.set_user_id(user);
        l.set_signed_list(r.signed_list());
        l.set_account_key(r.account_key());
        lists[user] = l;
    }
    wire::DeviceListResponse list(quint64 user) const { return lists.value(user); }
    //! Bundles for the given devices of `user`, each taking (and deleting) one OPK if any.
    wire::BundlesResponse bundles(quint64 user, const QList<quint64> &devices,
                                  bool withOpk = true) {
        wire::BundlesResponse out;
        *out.mutable_device_list() = lists.value(user);
        for (quint64 dev : devices) {
            wire::UploadKeysRequest &k = keys[DeviceAddress{user, dev}];
            auto *b = out.add_bundles();
            b->set_user_id(user);
            b->set_device_id(dev);
            b->set_signing_key(k.signing_key());
            b->set_identity_key(k.identity_key());
            b->set_binding_signature(k.binding_signature());
            *b->mutable_signed_prekey() = k.signed_prekey();
            if (withOpk && k.one_time_prekeys_size() > 0) {
                *b->mutable_one_time_prekey() = k.one_time_prekeys(0);
                k.mutable_one_time_prekeys()->DeleteSubrange(0, 1);
            }
        }
        return out;
    }
};

//! One device: its own client database (file or memory), key store and engine.
struct Device {
    DeviceAddress addr;
    QByteArray masterKey; // test only: a real client keeps it in SecretBytes
    std::unique_ptr<tidings::client::Database> database;
    std::unique_ptr<tidings::client::KeyStore> keys;
    std::unique_ptr<E2eEngine> engine;

    Device(quint64 user, quint64 device, const QString &dbPath = QStringLiteral(":memory:"))
        : addr{user, device}
        , masterKey(tidings::crypto::randomPublicBytes(32)) {
        auto db = tidings::client::Database::open(dbPath, key());
        if (!db)
            qFatal("cannot open test database: %s", qPrintable(db.error().toString()));
        database = std::move(*db);
        reopen();
    }
    ~Device() {
        engine.reset();
        keys.reset();
        database.reset();
    }
    SecretBytes key() const {
        return SecretBytes::fromRaw(masterKey.constData(), size_t(masterKey.size()));
    }
    //! Destroys the engine (as a crash would) and opens a new one on the same database.
    void reopen() {
        engine.reset();
        keys = std::make_unique<tidings::client::KeyStore>(*database, key());
        engine = std::make_unique<E2eEngine>(*keys);
        auto s = engine->open();
        if (!s)
            qFatal("open: %s", qPrintable(s.error().toString()));
    }
    QSqlQuery query() const { return database->query(); }
    E2eEngine *operator->() { return engine.get(); }
};

inline wire::E2eBody textBody(const QString &text) {
    wire::E2eBody b;
    b.mutable_content()->set_text(text.toStdString());
    return b;
}

inline wire::Message messageFrom(const Device &from, quint64 conversation,
                                 const QByteArray &envelope, const QByteArray &payload = {},
                                 quint64 seq = 0) {
    wire::Message m;
    m.set_conversation_id(conversation);
    m.set_seq(seq);
    m.set_sender_user_id(from.addr.userId);
    m.set_sender_device_id(from.addr.deviceId);
    m.set_envelope(str(envelope));
    m.set_payload(str(payload));
    m.set_encrypted(true);
    return m;
}

inline QString textOf(const std::optional<wire::E2eBody> &b) {
    return b ? QString::fromStdString(b->content().text()) : QStringLiteral("<none>");
}

template <typename R> auto must(R r, const char *what) {
    if (!r)
        qFatal("%s: %s", what, qPrintable(r.error().toString()));
    return std::move(*r);
}

inline void must(const tidings::Status &s, const char *what) {
    if (!s)
        qFatal("%s: %s", what, qPrintable(s.error().toString()));
}

//! First device of a new account: device keys, the AIK, and a published list of itself.
inline void setUpFirstDevice(FakeServer &server, Device &d) {
    // A reinstall (the user published lists before): the new identity's list continues the
    // version, as contacts' clients require of a key change no succession vouches for.
    if (server.lists.contains(d.addr.userId))
        must(d->acceptDeviceList(server.list(d.addr.userId)), "the previous list");
    server.upload(d.addr, must(d->ensureDeviceKeys(d.addr.userId, d.addr.deviceId, true), "keys"));
    server.publish(d.addr.userId, must(d->signDeviceList({d.addr}), "sign list"));
}

//! `from` fetches `to`'s bundle (X3DH); `to` learns `from`'s list (to accept its messages).
inline void introduce(FakeServer &server, Device &from, Device &to, bool withOpk = true) {
    auto s = from->acceptBundles(server.bundles(to.addr.userId, {to.addr.deviceId}, withOpk));
    if (!s)
        qFatal("acceptBundles: %s", qPrintable(s.error().toString()));
    if (server.lists.contains(from.addr.userId))
        must(to->acceptDeviceList(server.list(from.addr.userId)), "accept list");
}

//! Encrypts one text for `to` and returns the Message `to` would receive.
inline wire::Message sendText(Device &from, Device &to, const QString &text, quint64 conv = 7) {
    auto envs = must(from->encryptPairwise({to.addr}, textBody(text)), "encrypt");
    return messageFrom(from, conv, qba(envs.at(0).payload()));
}

} // namespace e2etest
