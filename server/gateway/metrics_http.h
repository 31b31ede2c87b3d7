#pragma once
// GET /metrics (issue 13): the Metrics counters plus what is read when scraped — connected
// devices, the database pool (queue depth, connections up, failed statements), the process (CPU,
// memory, open files) and the storage figures (database size, media bytes, inbox backlog), which
// come from one SQL statement at most every kStorageMaxAgeMs. docs/OPERATIONS.md lists every
// metric; docs/grafana-tidings.json is a dashboard that reads them.
#include <QElapsedTimer>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace tidings::http {
class HttpServer;
class HttpExchange;
} // namespace tidings::http

namespace tidings::server {

class Metrics;
class PgConnection;
class PgPool;

//! The figures the storage statement reads (also the admin API's status).
struct StorageFigures {
    double databaseBytes = 0;
    double mediaBytes = 0; //!< stored blobs (ciphertext)
    double mediaBlobs = 0;
    double inboxBacklog = 0; //!< undelivered inbox entries, counted up to kBacklogCap
    double users = 0;
    bool known = false; //!< false until the statement answered once
};

class MetricsHttp {
public:
    static constexpr int kStorageMaxAgeMs = 15000;
    static constexpr int kTimeoutMs = 2000;
    static constexpr int kBacklogCap = 1'000'000;

    //! Registers the scrape-time values on `metrics`; everything must outlive this object.
    MetricsHttp(Metrics &metrics, PgPool &pool, std::function<int()> sessions);
    ~MetricsHttp();
    //! GET /metrics on `server`.
    bool addRoutes(http::HttpServer &server);
    //! Refreshes the storage figures if they are older than kStorageMaxAgeMs (or `force`), then
    //! calls `done` (within kTimeoutMs; with the last known figures if the database is slow).
    void withStorage(std::function<void(const StorageFigures &)> done, bool force = false);
    const StorageFigures &storage() const { return m_storage; }

private:
    void serve(http::HttpExchange *exchange);
    void answerWaiting();
    //! `each` summed over every connection of the pool.
    double overPool(const std::function<double(const PgConnection &)> &each) const;

    Metrics &m_metrics;
    PgPool &m_pool;
    std::function<int()> m_sessions;
    std::unique_ptr<QTimer> m_timeout;
    StorageFigures m_storage;
    QElapsedTimer m_storageAge;
    QElapsedTimer m_up;
    bool m_refreshing = false;
    std::vector<std::function<void(const StorageFigures &)>> m_waiting;
};

} // namespace tidings::server
