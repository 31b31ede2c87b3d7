#pragma once
#include <QDateTime>
#include <QHostAddress>
#include <QString>

#include <functional>

namespace tidings::server {

//! Milliseconds since the epoch. Injected so tests can move time (expiry, retention).
using Clock = std::function<qint64()>;

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
    Clock clock;                    //!< empty: the system clock

    //! The one place the server asks what time it is.
    qint64 nowMs() const { return clock ? clock() : QDateTime::currentMSecsSinceEpoch(); }
};

} // namespace tidings::server
