#pragma once
// Devices revoked while this process runs. The database is the record (a revoked device's token
// is deleted, so its next authentication fails there); this set closes the gaps the database
// cannot see: an authentication answered just after a revocation committed on another
// connection, requests already admitted on a connection of the revoked device, and sends that
// wait in memory (a batch, a paced bulk shard) before they are stored. Each check is one hash
// lookup. Entries are dropped after an hour: by then nothing that started before the revocation
// is still waiting, and the deleted token keeps the device out.
#include <QHash>

#include <functional>

namespace tidings::server {

class RevokedDevices {
public:
    static constexpr qint64 kKeepMs = 60 * 60 * 1000;

    //! A revocation committed here: the other nodes of a cluster are told (setAnnounce).
    void add(quint64 deviceId, qint64 nowMs) {
        m_revokedAt.insert(deviceId, nowMs);
        if (m_announce)
            m_announce(deviceId);
    }
    //! A revocation another node made.
    void addFromPeer(quint64 deviceId, qint64 nowMs) { m_revokedAt.insert(deviceId, nowMs); }
    void setAnnounce(std::function<void(quint64 deviceId)> announce) {
        m_announce = std::move(announce);
    }
    bool contains(quint64 deviceId) const { return m_revokedAt.contains(deviceId); }
    //! Forgets revocations older than kKeepMs (the server's heartbeat).
    void prune(qint64 nowMs);
    int size() const { return int(m_revokedAt.size()); }

private:
    QHash<quint64, qint64> m_revokedAt;
    std::function<void(quint64)> m_announce; //!< device → when it was revoked (Clock::elapsedMs)
};

} // namespace tidings::server
