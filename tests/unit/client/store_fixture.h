#pragma once
// What the store tests share: the sealed storage the app uses, opened with a fixed test master
// key (the app's comes from the keychain), an account, and message builders.
#include "core/store/account_store.h"
#include "core/store/database.h"
#include "core/store/records.h"
#include "core/store/storage.h"
#include "crypto/secret_bytes.h"

#include <QFile>
#include <QHash>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QVariant>

#include <memory>

//! Inside a lambda returning Status: returns the error of a failed Status or Result.
#define RETURN_ON_ERROR(expr)                                                                      \
    do {                                                                                           \
        if (auto _r = (expr); !_r)                                                                 \
            return _r.error();                                                                     \
    } while (0)

namespace tidings::client::test {

using crypto::SecretBytes;

//! The master key every store test opens with.
inline SecretBytes testMasterKey() {
    static const char raw[] = "tidings unit tests: master key!!";
    static_assert(sizeof(raw) - 1 == 32);
    return SecretBytes::fromRaw(raw, 32);
}

//! A key made of one repeated byte (tests that need two different keys).
inline SecretBytes keyOf(char fill) {
    const QByteArray raw(32, fill);
    return SecretBytes::fromRaw(raw.constData(), 32);
}

inline const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 7;
constexpr quint64 kGroup = 40;

//! QVERIFY2 evaluates its message even when the check passes: never touch error() of a success.
template <typename R> QByteArray errorOf(const R &r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

inline IncomingMessage fromBob(quint64 seq, const QString &text = QString()) {
    IncomingMessage m;
    m.conversationId = kConv;
    m.seq = seq;
    m.senderUserId = 2;
    m.senderDeviceId = 22;
    m.senderUsername = QStringLiteral("bob");
    m.clientMessageId = QStringLiteral("bob-%1").arg(seq);
    m.text = text.isEmpty() ? QStringLiteral("m%1").arg(seq) : text;
    m.serverTimeMs = 1000 + qint64(seq);
    m.sentAtMs = 900 + qint64(seq);
    return m;
}

inline IncomingMessage inGroup(IncomingMessage m) {
    m.conversationId = kGroup;
    return m;
}

inline IncomingMessage groupEvent(quint64 seq, SystemEventKind kind, quint64 actor, quint64 target,
                                  const QString &name = QString()) {
    static const QHash<quint64, QString> names = {
        {1, QStringLiteral("alice")}, {2, QStringLiteral("bob")}, {3, QStringLiteral("carol")}};
    IncomingMessage m;
    m.conversationId = kGroup;
    m.seq = seq;
    m.senderUserId = actor;
    m.senderDeviceId = actor * 11;
    m.senderUsername = names.value(actor);
    m.clientMessageId = QString(); // the server's events carry no client id
    m.serverTimeMs = 1000 + qint64(seq);
    SystemEvent e;
    e.kind = kind;
    e.actorUserId = actor;
    e.actorUsername = names.value(actor);
    e.targetUserId = target;
    e.targetUsername = names.value(target);
    e.name = name;
    m.event = e;
    return m;
}

inline OutgoingDraft draft(const QString &id, const QString &text, quint64 conversation = kConv) {
    return OutgoingDraft{id, conversation, text, 123, text.toUtf8()};
}

inline QList<quint64> seqs(const QList<MessageRecord> &rows) {
    QList<quint64> out;
    for (const auto &r : rows)
        out.append(r.seq);
    return out;
}

inline QStringList memberNames(const QList<MemberRecord> &members) {
    QStringList out;
    for (const auto &m : members)
        out.append(m.username + (m.role == MemberRole::Admin ? QStringLiteral("*") : QString()));
    return out;
}

inline QByteArray fileBytes(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

//! One value of a query on the store's connection (-1 when it fails).
inline QVariant scalar(Database &db, const QString &sql) {
    QSqlQuery q = db.query();
    if (!q.exec(sql) || !q.next())
        return QVariant(-1);
    return q.value(0);
}

//! Fresh files in a temporary directory, opened as the app opens them.
class StoreFiles {
public:
    QString freshPath() { return m_dir.filePath(QStringLiteral("s%1.sqlite").arg(++m_n)); }

    //! Opens `path` with the test key and saves kMe as the account (fatal on failure).
    std::unique_ptr<Storage> open(const QString &path) {
        auto s = Storage::open(path, testMasterKey());
        if (!s.ok())
            qFatal("open failed: %s", qPrintable(s.error().toString()));
        auto storage = std::move(*s);
        if (!storage->accounts().saveAccount(kMe).ok())
            qFatal("saveAccount failed");
        return storage;
    }
    std::unique_ptr<Storage> open() { return open(freshPath()); }

private:
    QTemporaryDir m_dir;
    int m_n = 0;
};

} // namespace tidings::client::test
