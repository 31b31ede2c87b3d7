#include "services/device_directory.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "server_logging.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <algorithm>

namespace tidings::server {

QByteArray DeviceDirectory::digest(const QList<DeviceRef> &sortedDevices) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const auto &[user, device] : sortedDevices) {
        char buf[16];
        qToBigEndian<quint64>(user, buf);
        qToBigEndian<quint64>(device, buf + 8);
        hash.addData(QByteArrayView(buf, 16));
    }
    return hash.result();
}

void DeviceDirectory::invalidateUser(quint64 userId) {
    m_devices.remove(userId);
    ++m_generation;
}

void DeviceDirectory::withCurrentDevices(const QList<quint64> &users,
                                         std::function<void(Result<QList<DeviceRef>>)> cb) {
    std::vector<quint64> missing;
    for (quint64 u : users)
        if (!m_devices.contains(u))
            missing.push_back(u);
    auto collect = [this, users](const QHash<quint64, QList<quint64>> &loaded) {
        QList<DeviceRef> out;
        for (quint64 u : users) {
            const auto it = m_devices.constFind(u);
            const QList<quint64> &devs = it != m_devices.cend() ? *it : loaded.value(u);
            for (quint64 d : devs)
                out.append({u, d});
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    };
    if (missing.empty()) {
        cb(collect({}));
        return;
    }
    const quint64 generation = m_generation;
    m_pool->any()->exec(
        PgQuery{"SELECT l.user_id, dv.id FROM device_lists l "
                "CROSS JOIN LATERAL unnest(l.devices) AS x(id) "
                "JOIN devices dv ON dv.id = x.id AND dv.user_id = l.user_id "
                " AND dv.revoked_at IS NULL "
                "WHERE l.user_id = ANY ($1::bigint[]) ORDER BY 1, 2",
                {},
                {}}
            .arg(pgarray::ints(missing)),
        [this, missing, generation, cb, collect](PgResult r) {
            if (!r.ok()) {
                qCWarning(lcMessaging) << "database error:" << r.error().detail;
                return cb(Error{ErrorCode::Internal, QStringLiteral("database error, try again")});
            }
            QHash<quint64, QList<quint64>> loaded;
            for (quint64 u : missing)
                loaded.insert(u, {});
            for (int i = 0; i < r.rows(); ++i)
                loaded[quint64(r.int64(i, 0))].append(quint64(r.int64(i, 1)));
            // A crude bound on memory: start over rather than grow without limit.
            if (m_devices.size() > kMaxCachedUsers)
                m_devices.clear();
            if (generation == m_generation)
                for (auto it = loaded.cbegin(); it != loaded.cend(); ++it)
                    m_devices.insert(it.key(), it.value());
            cb(collect(loaded));
        });
}

} // namespace tidings::server
