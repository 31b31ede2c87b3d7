#pragma once
// Which devices of which users are "current" for end-to-end encryption: the devices named in a
// user's latest published device list that are not revoked (no list: none). Cached per user
// (bounded, least recently used evicted), because every encrypted send is checked against the
// current devices of all its conversation's members before it is stored; publishing a list and
// revoking a device invalidate.
#include "core/lru_cache.h"
#include "protocol/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <functional>
#include <utility>
#include <vector>

namespace tidings::server {

//! (user_id, device_id), ordered by user then device as the device digest requires.
using DeviceRef = std::pair<quint64, quint64>;

class DeviceDirectory {
public:
    //! user → current device ids (sorted); every asked user present, with no devices if none.
    using Lists = QHash<quint64, QList<quint64>>;
    using Loader =
        std::function<void(const std::vector<quint64> &users, std::function<void(Result<Lists>)>)>;

    DeviceDirectory(Loader loader, std::size_t capacity);

    //! The current devices of every user in `users`, sorted; from the cache where possible,
    //! the rest with one load.
    void withCurrentDevices(const QList<quint64> &users,
                            std::function<void(Result<QList<DeviceRef>>)> cb);
    //! After a change committed here; tells the other nodes of a cluster (setAnnounce) unless
    //! `announce` is false (the change was made on another node).
    void invalidateUser(quint64 userId, bool announce = true);
    void setAnnounce(std::function<void(quint64 userId)> announce) {
        m_announce = std::move(announce);
    }
    //! Forgets every cached list (a cluster node that may have missed announcements).
    void invalidateAll() {
        m_devices.clear();
        ++m_generation;
    }

    //! SHA-256 over the sorted pairs, each as two big-endian u64 (SendRequest.device_digest).
    static QByteArray digest(const QList<DeviceRef> &sortedDevices);

    std::size_t cachedCount() const { return m_devices.size(); }

private:
    Loader m_loader;
    std::function<void(quint64)> m_announce;
    LruCache<quint64, QList<quint64>> m_devices; //!< user → current device ids, sorted
    //! Bumped by every invalidation: a load that started before one is not cached (it may have
    //! read the old list).
    quint64 m_generation = 0;
};

} // namespace tidings::server
