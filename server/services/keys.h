#pragma once
// The end-to-end key directory: device identities and prekeys (UploadKeys, FetchBundles),
// signed device lists (PublishDeviceList, DeviceList) and the device-linking relay. The server
// only stores and hands out public keys; it checks what it can check without trusting anyone:
// signatures, that a device publishes keys for itself, pinned account keys and list versions.
//
// Key work for one user runs on the pool connection of that user id, so uploads, fetches and
// list publications of one user are ordered.
#include "protocol/codec.h"
#include "server_config.h"

#include <QHash>
#include <QObject>

#include <deque>

namespace tidings::server {

class PgPool;
class Router;
class Session;
class DeviceDirectory;

class KeyService : public QObject {
    Q_OBJECT
public:
    KeyService(const ServerConfig &config, PgPool *pool, Router *router, DeviceDirectory *directory,
               QObject *parent = nullptr);

    void uploadKeys(Session *session, quint64 requestId, const wire::UploadKeysRequest &req);
    void fetchBundles(Session *session, quint64 requestId, const wire::FetchBundlesRequest &req);
    void publishDeviceList(Session *session, quint64 requestId,
                           const wire::PublishDeviceListRequest &req);
    void deviceList(Session *session, quint64 requestId, const wire::DeviceListRequest &req);
    void linkRelay(Session *session, quint64 requestId, const wire::LinkRelayRequest &req);

    //! A device was revoked (its prekeys are deleted with it): it is no longer current.
    void deviceRevoked(quint64 userId, quint64 deviceId);
    //! Drops rate-limit windows that are over (called by the gateway's heartbeat timer).
    void pruneRateLimits();

private:
    //! Counts one bundle fetch of `deviceId`; the refusal when over the per-minute budget.
    std::optional<Error> takeFetchBudget(quint64 deviceId);
    void pushRefill(quint64 userId, quint64 deviceId, int stock);

    ServerConfig m_config;
    PgPool *m_pool;
    Router *m_router;
    DeviceDirectory *m_directory;
    QHash<quint64, std::deque<qint64>> m_fetches; //!< requesting device → fetch times (ms)
};

} // namespace tidings::server
