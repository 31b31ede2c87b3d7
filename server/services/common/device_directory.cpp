#include "services/common/device_directory.h"

#include <QCryptographicHash>
#include <QtEndian>

#include <algorithm>

namespace tidings::server {

DeviceDirectory::DeviceDirectory(Loader loader, std::size_t capacity)
    : m_loader(std::move(loader))
    , m_devices(capacity) {}

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

void DeviceDirectory::invalidateUser(quint64 userId, bool announce) {
    m_devices.remove(userId);
    ++m_generation;
    if (announce && m_announce)
        m_announce(userId);
}

void DeviceDirectory::withCurrentDevices(const QList<quint64> &users,
                                         std::function<void(Result<QList<DeviceRef>>)> cb) {
    // Copied out of the cache now: a load below may evict entries before it answers.
    Lists known;
    std::vector<quint64> missing;
    for (quint64 u : users) {
        if (const QList<quint64> *devices = m_devices.find(u))
            known.insert(u, *devices);
        else
            missing.push_back(u);
    }
    auto collect = [users](const Lists &lists) {
        QList<DeviceRef> out;
        for (quint64 u : users)
            for (quint64 d : lists.value(u))
                out.append({u, d});
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    };
    if (missing.empty()) {
        cb(collect(known));
        return;
    }
    const quint64 generation = m_generation;
    m_loader(missing, [this, missing, generation, known = std::move(known), cb,
                       collect](Result<Lists> loaded) mutable {
        if (!loaded)
            return cb(loaded.error());
        for (quint64 u : missing) {
            QList<quint64> devices = loaded->value(u);
            std::sort(devices.begin(), devices.end());
            if (generation == m_generation)
                m_devices.insert(u, devices);
            known.insert(u, devices);
        }
        cb(collect(known));
    });
}

} // namespace tidings::server
