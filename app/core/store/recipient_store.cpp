#include "core/store/recipient_store.h"

#include "core/e2e/device_directory.h"
#include "core/store/database.h"
#include "core/store/store_p.h"
#include "crypto/sha256.h"

#include <QSqlQuery>
#include <QVariant>

#include <cstring>

namespace tidings::client {

Status RecipientStore::record(const QString &clientMessageId, const e2e::DeviceAddress &me,
                              const QList<e2e::DeviceAddress> &devices) {
    const QByteArray set = e2e::DeviceDirectory::encodeSet(devices);
    const QByteArray digest = crypto::Sha256::hash(set);
    return m_db.transaction([&]() -> Status {
        QSqlQuery put = m_db.query();
        put.prepare(QStringLiteral(
            "INSERT OR IGNORE INTO e2e_recipient_sets(digest, devices) VALUES (?, ?)"));
        put.addBindValue(digest);
        put.addBindValue(set);
        TIDINGS_TRY(m_db.exec(put));
        QSqlQuery link = m_db.query();
        link.prepare(QStringLiteral("UPDATE messages SET recipients = ? WHERE client_message_id = ?"
                                    " AND sender_user_id = ? AND sender_device_id = ?"));
        link.addBindValue(digest);
        link.addBindValue(clientMessageId);
        link.addBindValue(me.userId);
        link.addBindValue(me.deviceId);
        return m_db.exec(link);
    });
}

Result<bool> RecipientStore::wasEncryptedFor(const QString &clientMessageId,
                                             const e2e::DeviceAddress &me,
                                             const e2e::DeviceAddress &device) const {
    QSqlQuery q = m_db.query();
    q.prepare(QStringLiteral("SELECT s.devices FROM messages m JOIN e2e_recipient_sets s ON"
                             " s.digest = m.recipients WHERE m.client_message_id = ? AND"
                             " m.sender_user_id = ? AND m.sender_device_id = ?"));
    q.addBindValue(clientMessageId);
    q.addBindValue(me.userId);
    q.addBindValue(me.deviceId);
    TIDINGS_TRY(m_db.exec(q));
    if (!q.next())
        return false;
    const QByteArray set = q.value(0).toByteArray();
    const QByteArray wanted = e2e::DeviceDirectory::encodeSet({device});
    // Sorted fixed-size records: a binary search over them.
    const qsizetype n = set.size() / 16;
    qsizetype lo = 0, hi = n;
    while (lo < hi) {
        const qsizetype mid = (lo + hi) / 2;
        const int c = std::memcmp(set.constData() + mid * 16, wanted.constData(), 16);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

} // namespace tidings::client
