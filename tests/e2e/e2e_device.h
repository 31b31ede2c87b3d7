#pragma once
// One encrypted client device in a test: its own SQLite store sealed with its own master key, an
// in-memory token store, and the real Client with end-to-end encryption on.
#include "core/client.h"
#include "core/secrets/secret_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "crypto/secret_bytes.h"
#include "support/pg_fixture.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace tidings::test {

struct E2eDevice {
    QString path;
    crypto::SecretBytes masterKey = crypto::SecretBytes::random(32);
    std::unique_ptr<client::Storage> store;
    client::MemorySecretStore secrets;
    std::unique_ptr<client::Client> client;
    QList<client::MessageRecord> received;
    bool ready = false;
    QString linkCode;

    //! Quick reconnects (the server restarts in some tests).
    static client::Client::Options defaultOptions() {
        client::Client::Options o;
        o.connection.backoffBaseMs = 50;
        o.connection.backoffCapMs = 400;
        return o;
    }

    bool open(const QString &file, const client::Client::Options &o = defaultOptions()) {
        path = file;
        auto s = client::Storage::open(path, masterKey);
        if (!s)
            return false;
        store = std::move(*s);
        client = std::make_unique<client::Client>(store.get(), &secrets, o);
        if (!client->enableEncryption())
            return false;
        QObject::connect(&client->messaging(), &client::Messaging::messagesReceived, client.get(),
                         [this](quint64, const QList<client::MessageRecord> &m) { received += m; });
        QObject::connect(&client->devices(), &client::Devices::encryptionReady, client.get(),
                         [this] { ready = true; });
        return true;
    }

    bool account(const QUrl &url, const QString &name, bool registering) {
        bool done = false, ok = false;
        auto cb = [&](Result<client::AccountSettings> r) {
            done = true;
            ok = r.ok();
            if (!r)
                qWarning() << "account:" << r.error().toString();
        };
        if (registering)
            client->account().registerAccount(url, name, QStringLiteral("password1"),
                                              QStringLiteral("dev"), cb);
        else
            client->account().login(url, name, QStringLiteral("password1"), QStringLiteral("dev2"),
                                    cb);
        return QTest::qWaitFor([&] { return done; }, 20000) && ok;
    }

    quint64 openDirect(const QString &peer) {
        quint64 id = 0;
        bool done = false;
        client->messaging().openDirect(peer, [&](Result<client::ConversationRecord> r) {
            done = true;
            if (r)
                id = r->id;
        });
        if (!QTest::qWaitFor([&] { return done; }, 10000))
            qWarning("openDirect: no answer within 10 s");
        return id;
    }

    bool hasText(const QString &text) const {
        for (const auto &m : received)
            if (m.text == text)
                return true;
        return false;
    }
    //! The locally stored row of `seq` (history includes undecryptable placeholders).
    std::optional<client::MessageRecord> stored(quint64 conversationId, quint64 seq) const {
        auto h = store->messages().history(conversationId, 1000);
        if (!h)
            return std::nullopt;
        for (const auto &m : *h)
            if (m.seq == seq)
                return m;
        return std::nullopt;
    }
    quint64 deviceId() const { return client->account().deviceId(); }
    quint64 userId() const { return client->account().userId(); }
};

//! Creates a group from `owner`'s client (signed when it holds the account key); its id, or 0.
inline quint64 createGroup(E2eDevice &owner, const QString &name, const QStringList &members) {
    quint64 id = 0;
    bool done = false;
    owner.client->groups().create(name, members, [&](Result<client::ConversationInfo> r) {
        done = true;
        if (r)
            id = r->id;
        else
            qWarning() << r.error().toString();
    });
    if (!QTest::qWaitFor([&] { return done; }, 60000))
        qWarning("createGroup: no answer within 60 s");
    return id;
}

//! Every row of every table of the server's database, as text (bytea as hex).
inline QString dumpDatabase(PgFixture &pg, const QString &conninfo) {
    QString out;
    const QStringList tables = pg.query(
        conninfo, QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                 "ORDER BY tablename"));
    for (const QString &t : tables) {
        out += QStringLiteral("== %1\n").arg(t);
        out += pg.query(conninfo, QStringLiteral("SELECT x::text FROM \"%1\" x").arg(t))
                   .join(QLatin1Char('\n'));
        out += QLatin1Char('\n');
    }
    return out;
}

//! True when `plain` occurs in the dump as text or as the hex of its UTF-8 bytes.
inline bool dumpContains(const QString &dump, const QString &plain) {
    return dump.contains(plain) ||
           dump.contains(QString::fromLatin1(plain.toUtf8().toHex()), Qt::CaseInsensitive);
}

} // namespace tidings::test
