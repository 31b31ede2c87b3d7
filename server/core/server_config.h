#pragma once
// Everything tidingsd can be told at start. Plain data: the Server turns it into objects.
#include <QHostAddress>
#include <QString>

#include <functional>

namespace tidings::server {

struct ServerConfig {
    QString databaseConninfo; //!< libpq connection string or URL
    QHostAddress host = QHostAddress::LocalHost;
    quint16 port = 0; //!< 0 picks a free port
    int poolSize = 4;
    int retentionDays = 0;       //!< history retention; 0 keeps history forever
    int inboxDays = 30;          //!< undelivered inbox entries expire after this
    int idleTimeoutMs = 60000;   //!< a connection silent this long is dropped
    int authTimeoutMs = 10000;   //!< a connection must authenticate within this
    int heartbeatCheckMs = 5000; //!< granularity of the idle check (one timer for all)
    int maintenanceIntervalMs = 3600 * 1000;
    //! Argon2id cost. Production uses libsodium's "interactive" limits; tests may lower it.
    bool cheapPasswordHashing = false;
    int loginFailuresPerMinute = 5; //!< per username and per peer address
    //! Outbound bytes queued on one connection past which the server stops reading its
    //! requests (a reader that falls behind is paused until its socket drains) ...
    qint64 sendPauseBytes = 4 * 1024 * 1024;
    //! ... and past which it is dropped. Nothing acknowledged is lost: undelivered messages stay
    //! in the device's inbox and are drained when it reconnects.
    qint64 sendDropBytes = 32 * 1024 * 1024;
    //! Conversations whose member lists are cached (least recently used ones are evicted).
    int membershipCacheSize = 100'000;
    //! Users whose current end-to-end devices are cached.
    int deviceCacheSize = 200'000;
    //! Milliseconds since the epoch; empty: the system clock. Tests move time with it.
    std::function<qint64()> clock;
};

} // namespace tidings::server
