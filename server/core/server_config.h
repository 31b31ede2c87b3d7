#pragma once
// Everything tidingsd can be told at start. Plain data: the Server turns it into objects.
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <functional>

#include <sys/types.h>

namespace tidings::server {

//! One database connection per two cores, at least 1 and at most 4.
int defaultPoolSize();

struct ServerConfig {
    QString databaseConninfo; //!< libpq connection string or URL
    QHostAddress host = QHostAddress::LocalHost;
    quint16 port = 0; //!< 0 picks a free port
    //! Database connections; 0: one per two cores, 1 to 4 (defaultPoolSize()). Each connection
    //! is a shard with its own group commit: on 2 cores one connection gives bigger batches and
    //! fewer commits (1:1 at 5,000 msg/s p50/p99 1.9/6.2 ms with 1, 5.6/14.9 ms with 4), at some
    //! throughput flat out (25.4k msg/s with 1, 33.5k with 4). docs/PERFORMANCE.md.
    int poolSize = 0;
    int retentionDays = 0;     //!< history retention; 0 keeps history forever
    int inboxDays = 30;        //!< undelivered inbox entries expire after this
    int idleTimeoutMs = 60000; //!< a connection silent this long is dropped
    int authTimeoutMs = 10000; //!< a connection must authenticate within this
    //! Granularity of the idle check and of the check for connections that do not read (one
    //! timer for all; a pass over 10,000 sessions costs well under a millisecond).
    int heartbeatCheckMs = 1000;
    int maintenanceIntervalMs = 3600 * 1000;
    int backupCheckMs = 60 * 1000;   //!< how often the daily backup's schedule is looked at
    int adminIdleMs = 5 * 60 * 1000; //!< an admin API connection silent this long is closed
    //! Members of this group may use the admin API too (token 0640, socket 0660, both this
    //! group's); empty: only the server's account.
    QString adminGroup;
    //! open, invite or closed: the first value (the admin API's setting wins once made).
    QString registration = QStringLiteral("open");
    //! Where pg_dump is (backups); empty: beside the embedded PostgreSQL's, else on PATH.
    QString pgBinDir;
    //! Argon2id cost. Production uses libsodium's "interactive" limits; tests may lower it.
    bool cheapPasswordHashing = false;
    int loginFailuresPerMinute = 5; //!< per username and per peer address
    //! Accounts one peer address may register an hour; 0: no limit (benchmarks register
    //! thousands from one address).
    int registrationsPerHour = 10;
    //! Password hashes waiting or running at once; past this, logins and registrations are
    //! answered RATE_LIMITED at once instead of queueing (two hashing threads).
    int maxQueuedPasswordHashes = 64;
    //! Device tokens: unused this many days, a token stops working (the device logs in again);
    //! one in use is renewed once a day.
    int tokenLifetimeDays = 90;
    //! Sends without end-to-end encryption (no device digest) are refused with NOT_ENCRYPTED
    //! unless this is set: only for load tools and tests that send plain bytes.
    bool allowUnencrypted = false;
    //! Outbound bytes queued on one connection past which the server stops reading its
    //! requests (a reader that falls behind is paused until its socket drains) ...
    qint64 sendPauseBytes = 4 * 1024 * 1024;
    //! ... and past which it is dropped. Nothing acknowledged is lost: undelivered messages stay
    //! in the device's inbox and are drained when it reconnects.
    qint64 sendDropBytes = 32 * 1024 * 1024;
    //! Per connection (gateway/admission.h): requests inside the services at once, and their
    //! bytes; reads (history, lists, bundles) have their own, smaller bound. Past these a
    //! connection's requests wait their turn, and past `maxWaitingRequestBytes` waiting it is
    //! dropped. The desktop client keeps at most 128 sends in flight, so it never waits.
    int maxRequestsInFlight = 256;
    qint64 maxRequestBytesInFlight = 16 * 1024 * 1024;
    int maxReadsInFlight = 4;
    qint64 maxWaitingRequestBytes = 16 * 1024 * 1024;
    //! Conversations whose member lists are cached (least recently used ones are evicted).
    int membershipCacheSize = 100'000;
    //! Users whose current end-to-end devices are cached.
    int deviceCacheSize = 200'000;
    //! Milliseconds since the epoch; empty: the system clock. Tests move time with it.
    std::function<qint64()> clock;

    // Media (the local blob store in DATA/media and its HTTP endpoints on the same port).
    //! The server's data directory; empty: no media store (token requests are refused).
    QString dataDir;
    quint64 mediaMaxBytes = quint64(2) << 30;    //!< the largest file (blob) an upload may be
    quint64 mediaQuotaBytes = quint64(10) << 30; //!< per user: stored blobs + unfinished uploads
    //! Blobs last referenced longer ago are collected even if messages still point to them;
    //! 0: kept while a message can reach them (see retentionDays for history).
    int mediaRetentionDays = 0;
    quint32 mediaChunkBytes =
        4 * 1024 * 1024;               //!< the largest chunk (≤ limits::kMaxMediaChunkBytes)
    int mediaRequestsPerMinute = 3000; //!< HTTP requests per user
    int mediaDownloadsPerUser = 8;     //!< downloads of one user streaming at once
    //! Connections one peer address may hold that are not WebSockets: waiting for their first
    //! request head, or HTTP.
    int maxConnectionsPerIp = 256;
    //! WebSocket connections one peer address may hold, signed in or not (0: no limit). An
    //! office behind one NAT address shares it; load tools on loopback turn it off.
    int maxSessionsPerIp = 1000;
    //! Native TLS (gateway/tls.h): PEM certificate chain and key; both empty: plain ws://.
    QString tlsCertFile;
    QString tlsKeyFile;
    //! GET /metrics (Prometheus text): on the server's own port (where anyone who reaches the
    //! server can read it), and/or on a separate plain-HTTP listener meant for a private
    //! address (metricsPort -1: none; 0 picks a free port).
    bool metricsOnMainPort = false;
    QHostAddress metricsHost = QHostAddress::LocalHost;
    int metricsPort = -1;
    //! Connections waiting for their first request head, all peers together.
    int maxWaitingConnections = 1024;
    // A cluster (issue 14; docs/ARCHITECTURE.md "Many nodes"): empty natsServers runs one
    // node on its own, as always.
    //! nats://HOST:PORT of the NATS servers of the cluster (any one of them is enough to join).
    QStringList natsServers;
    //! This node's name on the bus, unique in the cluster.
    QString nodeId;
    //! SIGTERM: the connected clients are told to reconnect elsewhere, spread over this long,
    //! and the process exits when they have gone (or this plus a grace has passed).
    int drainWindowMs = 10000;

    //! Test seams: the blob store's data writes (inject ENOSPC), and the free space it sees.
    std::function<ssize_t(int fd, const void *data, size_t size)> mediaWrite;
    std::function<quint64()> mediaFreeBytes;
};

} // namespace tidings::server
