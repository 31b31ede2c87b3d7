#include "core/store/account_store.h"

#include "core/store/database.h"
#include "core/store/store_p.h"

#include <QSqlQuery>
#include <QVariant>

namespace tidings::client {

Result<AccountSettings> AccountStore::account() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT key, value FROM settings"));
    TIDINGS_TRY(m_db.exec(q));
    AccountSettings a;
    while (q.next()) {
        const QString key = q.value(0).toString();
        const QString value = q.value(1).toString();
        if (key == u"server_url")
            a.serverUrl = value;
        else if (key == u"user_id")
            a.userId = value.toULongLong();
        else if (key == u"device_id")
            a.deviceId = value.toULongLong();
        else if (key == u"username")
            a.username = value;
        else if (key == u"display_name")
            a.displayName = value;
        else if (key == u"allow_insecure")
            a.allowInsecure = value == u"1";
        else if (key == u"server_cert_sha256")
            a.serverCertificate = value;
    }
    return a;
}

Result<quint64> AccountStore::myUserId() const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT value FROM settings WHERE key = 'user_id'"));
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toULongLong() : quint64(0);
}

Status AccountStore::saveAccount(const AccountSettings &account) {
    auto previous = this->account();
    if (!previous)
        return previous.error();
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    // Another user's cache must not leak into this account.
    if (previous->userId != 0 && previous->userId != account.userId)
        TIDINGS_TRY(m_db.clearAccountData());
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)"));
    const std::pair<const char *, QString> rows[] = {
        {"server_url", account.serverUrl},
        {"user_id", QString::number(account.userId)},
        {"device_id", QString::number(account.deviceId)},
        {"username", account.username},
        {"display_name", account.displayName},
        {"allow_insecure", account.allowInsecure ? QStringLiteral("1") : QStringLiteral("0")},
        {"server_cert_sha256", account.serverCertificate},
    };
    for (const auto &[key, value] : rows) {
        q.bindValue(0, QString::fromLatin1(key));
        q.bindValue(1, detail::nn(value));
        TIDINGS_TRY(m_db.exec(q));
    }
    if (account.userId != 0)
        TIDINGS_TRY(rememberDisplayName(account.userId, account.displayName));
    return txn->commit();
}

Status AccountStore::rememberDisplayName(quint64 userId, const QString &name) {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("INSERT INTO users(user_id, display_name) VALUES (?, ?)"
                             " ON CONFLICT(user_id) DO UPDATE SET display_name ="
                             " excluded.display_name"));
    q.addBindValue(userId);
    q.addBindValue(detail::nn(name));
    return m_db.exec(q);
}

Status AccountStore::setDisplayName(quint64 userId, const QString &name) {
    if (userId == 0)
        return Error{ErrorCode::NoSuchUser, QStringLiteral("no user id")};
    auto txn = m_db.begin();
    if (!txn)
        return txn.error();
    TIDINGS_TRY(rememberDisplayName(userId, name));
    // Mine is also the account's.
    QSqlQuery mine = m_db.query();
    mine.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO settings(key, value) SELECT 'display_name', ? FROM settings"
        " WHERE key = 'user_id' AND CAST(value AS INTEGER) = ?"));
    mine.addBindValue(detail::nn(name));
    mine.addBindValue(userId);
    TIDINGS_TRY(m_db.exec(mine));
    return txn->commit();
}

Result<QString> AccountStore::displayName(quint64 userId) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT display_name FROM users WHERE user_id = ?"));
    q.addBindValue(userId);
    TIDINGS_TRY(m_db.exec(q));
    return q.next() ? q.value(0).toString() : QString();
}

} // namespace tidings::client
