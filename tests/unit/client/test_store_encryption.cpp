// The local store encrypted at rest: no plaintext word of a message (or outbox payload) in the
// SQLite file or its WAL after storing and searching; a wrong master key is a typed error;
// secure_delete on every connection; blind-token search (case and diacritics folded, whole
// words); a plaintext store is encrypted in place; the master key in the SecretStore.
#include "core/secrets/master_key.h"
#include "core/secrets/secret_store.h"
#include "core/store/local_store.h"
#include "core/store/view_store.h"
#include "crypto/secret_bytes.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;
using crypto::SecretBytes;

namespace {
//! QVERIFY2 evaluates its message even when the check passes: never touch error() of a success.
template <typename R> QByteArray errorOf(const R &r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 7;

// Words that occur nowhere else in a fresh store (no schema name, no username).
const QStringList kSecretWords = {u"Quokka"_qs,       u"zanzibar"_qs,  u"Marmalade"_qs,
                                  u"périphérique"_qs, u"xylophone"_qs, u"outboxonly"_qs};

IncomingMessage fromBob(quint64 seq, const QString &text) {
    IncomingMessage m;
    m.conversationId = kConv;
    m.seq = seq;
    m.senderUserId = 2;
    m.senderDeviceId = 22;
    m.senderUsername = QStringLiteral("bob");
    m.clientMessageId = QStringLiteral("bob-%1").arg(seq);
    m.text = text;
    m.serverTimeMs = 1000 + qint64(seq);
    return m;
}

SecretBytes key(char fill) {
    QByteArray raw(32, fill);
    return SecretBytes::fromRaw(raw.constData(), 32);
}

QByteArray fileBytes(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

//! Plaintext words found in the database file, its WAL and shared memory.
QStringList leakedWords(const QString &path, const QStringList &words) {
    const QByteArray all =
        fileBytes(path) + fileBytes(path + u"-wal"_qs) + fileBytes(path + u"-shm"_qs);
    QStringList found;
    for (const QString &w : words) {
        for (const QString &form : {w, w.toLower(), w.toUpper()}) {
            if (all.contains(form.toUtf8()) ||
                all.contains(
                    QByteArray(reinterpret_cast<const char *>(form.utf16()), form.size() * 2))) {
                found.append(form);
                break;
            }
        }
    }
    return found;
}
} // namespace

class TestStoreEncryption : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(QStringLiteral("c%1.sqlite").arg(++m_n)); }

    std::unique_ptr<LocalStore> openStore(const QString &path, const SecretBytes &k) {
        auto s = LocalStore::open(path, k);
        if (!s.ok())
            qFatal("open failed: %s", qPrintable(s.error().toString()));
        auto store = std::move(*s);
        if (!store->saveAccount(kMe).ok())
            qFatal("saveAccount failed");
        return store;
    }

private slots:
    void noPlaintextInTheFileOrWal() {
        const QString path = freshPath();
        const SecretBytes k = key('k');
        {
            auto store = openStore(path, k);
            QVERIFY(store->isEncrypted());
            QVERIFY(store
                        ->storeIncoming({fromBob(1, u"The Quokka ate marmalade in Zanzibar"_qs),
                                         fromBob(2, u"périphérique and xylophone"_qs)},
                                        5000, kMe)
                        .ok());
            QVERIFY(store
                        ->enqueueOutgoing({OutgoingDraft{u"c1"_qs, kConv, u"zanzibar again"_qs, 10,
                                                         QByteArray("outboxonly payload")}},
                                          kMe)
                        .ok());
            auto view = ViewStore::open(path, kMe.userId, k);
            QVERIFY2(view.ok(), errorOf(view).constData());
            // Reads decrypt; search finds whole words regardless of case and diacritics.
            auto rows = *(*view)->latest(kConv, 10);
            QCOMPARE(rows.size(), 3);
            QCOMPARE(rows.at(0).text, u"The Quokka ate marmalade in Zanzibar"_qs);
            QCOMPARE(rows.at(2).text, u"zanzibar again"_qs);
            auto hits = *(*view)->search(u"ZANZIBAR"_qs, 10);
            QCOMPARE(hits.size(), 2);
            QCOMPARE(hits.at(0).message.text, u"zanzibar again"_qs); // newest first
            QCOMPARE(hits.at(1).highlighted,
                     QStringLiteral("The Quokka ate marmalade in %1Zanzibar%2")
                         .arg(ViewStore::kMatchOpen, ViewStore::kMatchClose));
            QCOMPARE((*view)->search(u"peripherique"_qs, 10)->size(), 1);
            QCOMPARE((*view)->search(u"quokka marmalade"_qs, 10)->size(), 1);
            QCOMPARE((*view)->search(u"quokka xylophone"_qs, 10)->size(), 0);
            QCOMPARE((*view)->search(u"quok"_qs, 10)->size(), 0); // no prefixes when encrypted
            QCOMPARE((*view)->chatSummary(kConv)->lastMessage->text, u"zanzibar again"_qs);
            QCOMPARE(store->outbox()->at(0).payload, QByteArray("outboxonly payload"));
            QCOMPARE(store->history(kConv, 10)->at(1).text, u"périphérique and xylophone"_qs);
            // While both connections are open (the WAL holds the newest pages).
            QCOMPARE(leakedWords(path, kSecretWords), QStringList());
        }
        QCOMPARE(leakedWords(path, kSecretWords), QStringList());
        // The control: the same data in a plaintext store does leak (the scan works).
        const QString plainPath = freshPath();
        auto plain = LocalStore::open(plainPath);
        QVERIFY(plain.ok());
        QVERIFY((*plain)->storeIncoming({fromBob(1, u"The Quokka ate"_qs)}, 5000, kMe).ok());
        QVERIFY(!leakedWords(plainPath, kSecretWords).isEmpty());
    }

    void wrongKeyIsATypedError() {
        const QString path = freshPath();
        {
            auto store = openStore(path, key('a'));
            QVERIFY(store->storeIncoming({fromBob(1, u"quokka"_qs)}, 5000, kMe).ok());
        }
        auto wrong = LocalStore::open(path, key('b'));
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.error().code, ErrorCode::BadCredentials);
        auto keyless = LocalStore::open(path);
        QVERIFY(!keyless.ok());
        QCOMPARE(keyless.error().code, ErrorCode::BadCredentials);
        auto wrongView = ViewStore::open(path, kMe.userId, key('b'));
        QVERIFY(!wrongView.ok());
        QCOMPARE(wrongView.error().code, ErrorCode::BadCredentials);
        auto keylessView = ViewStore::open(path, kMe.userId);
        QVERIFY(!keylessView.ok());
        QCOMPARE(keylessView.error().code, ErrorCode::BadCredentials);
        auto shortKey = LocalStore::open(path, SecretBytes::random(16));
        QVERIFY(!shortKey.ok());
        // The right key still reads everything.
        auto right = LocalStore::open(path, key('a'));
        QVERIFY(right.ok());
        QCOMPARE((*right)->history(kConv, 10)->at(0).text, u"quokka"_qs);
    }

    void aMovedBodyDoesNotDecrypt() {
        const QString path = freshPath();
        auto store = openStore(path, key('a'));
        QVERIFY(
            store->storeIncoming({fromBob(1, u"one"_qs), fromBob(2, u"two"_qs)}, 5000, kMe).ok());
        // Someone with file access swaps two sealed bodies: the AD binds each to its row.
        QSqlQuery q(QSqlDatabase::database(store->connectionName()));
        QVERIFY(q.exec(u"UPDATE messages SET body = (SELECT body FROM messages WHERE seq = 2)"
                       " WHERE seq = 1"_qs));
        auto rows = store->history(kConv, 10);
        QVERIFY(!rows.ok());
        QCOMPARE(rows.error().code, ErrorCode::Storage);
    }

    void secureDeleteOnEveryConnection() {
        const QString path = freshPath();
        const SecretBytes k = key('k');
        auto store = openStore(path, k);
        auto view = ViewStore::open(path, kMe.userId, k);
        QVERIFY(view.ok());
        QSqlQuery q(QSqlDatabase::database(store->connectionName()));
        QVERIFY(q.exec(u"PRAGMA secure_delete"_qs) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        // The ViewStore's connection: found by its name prefix (the store keeps it private).
        int checked = 0;
        for (const QString &name : QSqlDatabase::connectionNames()) {
            if (!name.startsWith(u"tidings-view-"_qs))
                continue;
            QSqlQuery v(QSqlDatabase::database(name));
            QVERIFY(v.exec(u"PRAGMA secure_delete"_qs) && v.next());
            QCOMPARE(v.value(0).toInt(), 1);
            ++checked;
        }
        QVERIFY(checked >= 1);
    }

    void plaintextStoreIsEncryptedInPlace() {
        const QString path = freshPath();
        {
            auto plain = LocalStore::open(path);
            QVERIFY(plain.ok());
            QVERIFY((*plain)->saveAccount(kMe).ok());
            QVERIFY((*plain)
                        ->storeIncoming(
                            {fromBob(1, u"Quokka marmalade"_qs), fromBob(2, u"xylophone"_qs)}, 5000,
                            kMe)
                        .ok());
            QVERIFY((*plain)
                        ->enqueueOutgoing({OutgoingDraft{u"c1"_qs, kConv, u"zanzibar"_qs, 10,
                                                         QByteArray("outboxonly")}},
                                          kMe)
                        .ok());
            auto view = ViewStore::open(path, kMe.userId); // builds the plaintext FTS index
            QVERIFY(view.ok());
            QCOMPARE((*view)->search(u"quok"_qs, 10)->size(), 1);
        }
        QVERIFY(!leakedWords(path, kSecretWords).isEmpty());
        const SecretBytes k = key('z');
        {
            auto store = LocalStore::open(path, k);
            QVERIFY2(store.ok(), errorOf(store).constData());
            auto rows = *(*store)->history(kConv, 10);
            QCOMPARE(rows.size(), 3);
            QCOMPARE(rows.at(0).text, u"Quokka marmalade"_qs);
            QCOMPARE(rows.at(2).text, u"zanzibar"_qs);
            QCOMPARE((*store)->outbox()->at(0).payload, QByteArray("outboxonly"));
            auto view = ViewStore::open(path, kMe.userId, k);
            QVERIFY(view.ok());
            QCOMPARE((*view)->search(u"marmalade"_qs, 10)->size(), 1);
            QCOMPARE((*view)->search(u"zanzibar"_qs, 10)->size(), 1);
        }
        QCOMPARE(leakedWords(path, kSecretWords), QStringList());
    }

    void searchFollowsPlaceholdersAndAccountChanges() {
        const QString path = freshPath();
        const SecretBytes k = key('s');
        auto store = openStore(path, k);
        IncomingMessage bad = fromBob(1, u"quokka"_qs);
        bad.undecryptable = true;
        IncomingMessage control = fromBob(2, u"quokka control"_qs);
        control.hidden = true;
        QVERIFY(store->storeIncoming({bad, control}, 5000, kMe).ok());
        auto view = ViewStore::open(path, kMe.userId, k);
        QVERIFY(view.ok());
        QVERIFY((*view)->search(u"quokka"_qs, 10)->isEmpty()); // neither is searchable
        QVERIFY(store->replaceUndecryptable(kConv, 1, 2, u"a quokka after all"_qs, 5).ok());
        auto hits = *(*view)->search(u"quokka"_qs, 10);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.at(0).message.text, u"a quokka after all"_qs);
        QVERIFY(!hits.at(0).message.undecryptable);
        // Another account: the cache and its index are emptied.
        QVERIFY(store->saveAccount(AccountSettings{u"ws://x"_qs, 9, 99, u"zed"_qs, {}}).ok());
        QVERIFY((*view)->search(u"quokka"_qs, 10)->isEmpty());
        QVERIFY(store->storeIncoming({fromBob(1, u"quokka again"_qs)}, 5000, kMe).ok());
        QCOMPARE((*view)->search(u"quokka"_qs, 10)->size(), 1);
        QCOMPARE(leakedWords(path, kSecretWords), QStringList());
    }

    void masterKeyIsCreatedOnceAndKept() {
        MemorySecretStore secrets;
        auto first = loadOrCreateMasterKey(secrets);
        QVERIFY(first.ok());
        QCOMPARE(int(first->size()), kMasterKeySize);
        QCOMPARE(secrets.read(kMasterKeyKey)->size(), kMasterKeySize);
        auto again = loadOrCreateMasterKey(secrets);
        QVERIFY(again.ok());
        QVERIFY(again->equals(*first));
        // Another store gets another key.
        MemorySecretStore other;
        QVERIFY(!loadOrCreateMasterKey(other)->equals(*first));
        // A damaged entry is an error, never silently replaced.
        QVERIFY(secrets.write(kMasterKeyKey, QByteArray(5, 'x')).ok());
        auto damaged = loadOrCreateMasterKey(secrets);
        QVERIFY(!damaged.ok());
        QCOMPARE(damaged.error().code, ErrorCode::Storage);
    }

    void masterKeyInAFileSecretStoreIs0600() {
        const QString path = m_dir.filePath(u"secrets"_qs);
        SecretBytes created;
        {
            FileSecretStore secrets(path);
            auto k = loadOrCreateMasterKey(secrets);
            QVERIFY(k.ok());
            created = std::move(*k);
        }
        QCOMPARE(QFile(path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                              QFileDevice::WriteGroup | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        FileSecretStore reopened(path);
        auto k = loadOrCreateMasterKey(reopened);
        QVERIFY(k.ok());
        QVERIFY(k->equals(created));
        // It opens a store.
        auto store = LocalStore::open(freshPath(), *k);
        QVERIFY(store.ok());
    }
};

QTEST_GUILESS_MAIN(TestStoreEncryption)
#include "test_store_encryption.moc"
