#pragma once
// What every feature-module test starts from: the sealed Storage the app uses (a temp file,
// a random master key), an in-memory token store, a FakeSocket instead of a connection, the
// shared Requester, and the Account module over them with `me` saved. No socket, no server.
#include "core/account/account.h"
#include "core/net/requester.h"
#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/storage.h"
#include "crypto/secret_bytes.h"
#include "fake_sink.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace tidings::client::test {

inline const AccountSettings kMe{
    QStringLiteral("ws://127.0.0.1:1"), 1, 11, QStringLiteral("alice"), {}};

//! An answer frame with `body` set by `fill`, e.g. answer([](Frame &f) { f.mutable_ok(); }).
template <typename Fill> Frame answer(Fill fill) {
    Frame f;
    fill(f);
    return f;
}
inline Frame okAnswer() {
    return answer([](Frame &f) { f.mutable_ok(); });
}

struct ModuleFixture {
    QTemporaryDir dir;
    crypto::SecretBytes masterKey = crypto::SecretBytes::random(32);
    std::unique_ptr<Storage> store;
    MemorySecretStore secrets;
    FakeSocket socket;
    Requester requests{&socket};
    std::unique_ptr<Account> account;

    //! Opens the store, saves `me` (unless its userId is 0) and builds the Account module.
    bool open(const AccountSettings &me = kMe) {
        auto s = Storage::open(dir.filePath(QStringLiteral("client.sqlite")), masterKey);
        if (!s)
            return false;
        store = std::move(*s);
        if (me.userId != 0 && !store->accounts().saveAccount(me))
            return false;
        account = std::make_unique<Account>(&store->accounts(), &secrets, &socket, &requests);
        return true;
    }

    using Request = Recorder<SocketControl>::Request;
    //! Takes the requests sent so far; true when there was exactly one (into `out`).
    bool takeOne(Request &out) {
        auto all = socket.takeRequests();
        if (all.size() != 1) {
            qWarning() << "expected one request, got" << all.size();
            return false;
        }
        out = all.first();
        return true;
    }
};

} // namespace tidings::client::test
