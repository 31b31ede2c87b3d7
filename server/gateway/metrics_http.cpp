#include "gateway/metrics_http.h"

#include "core/metrics.h"
#include "db/pg_connection.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

#include <QPointer>
#include <QTimer>

#include <memory>

namespace tidings::server {

namespace {

// One statement for every storage figure, on a reader connection. The backlog is counted up to a
// cap: past a million undelivered entries the exact figure is not worth a long scan each scrape.
constexpr const char *kStorageSql =
    "SELECT pg_database_size(current_database()),"
    " (SELECT coalesce(sum(size), 0) FROM media_blobs WHERE ready),"
    " (SELECT count(*) FROM media_blobs WHERE ready),"
    " (SELECT count(*) FROM (SELECT 1 FROM inbox i LEFT JOIN receipts r"
    "   ON r.conversation_id = i.conversation_id AND r.device_id = i.device_id"
    "   WHERE i.seq > coalesce(r.delivered_seq, 0) LIMIT 1000000) b),"
    " (SELECT count(*) FROM users)";

} // namespace

double MetricsHttp::overPool(const std::function<double(const PgConnection &)> &each) const {
    double sum = 0;
    for (int i = 0; i < m_pool.connectionCount(); ++i)
        sum += each(*m_pool.connectionAt(i));
    return sum;
}

MetricsHttp::MetricsHttp(Metrics &metrics, PgPool &pool, std::function<int()> sessions)
    : m_metrics(metrics)
    , m_pool(pool)
    , m_sessions(std::move(sessions))
    , m_timeout(std::make_unique<QTimer>()) {
    static_assert(kBacklogCap == 1'000'000, "kStorageSql's LIMIT");
    m_up.start();
    m_timeout->setSingleShot(true);
    QObject::connect(m_timeout.get(), &QTimer::timeout, [this] { answerWaiting(); });
    using K = Metrics::Kind;
    m_metrics.addValue("tidings_devices_connected", K::Gauge,
                       "Devices connected and signed in right now.",
                       [this] { return double(m_sessions()); });
    m_metrics.addValue("tidings_uptime_seconds", K::Gauge, "Seconds since the server started.",
                       [this] { return double(m_up.elapsed() / 1000); });
    m_metrics.addValue("tidings_db_connections", K::Gauge, "Database connections of the pool.",
                       [this] { return double(m_pool.connectionCount()); });
    m_metrics.addValue(
        "tidings_db_connections_up", K::Gauge,
        "Database connections of the pool that are connected.",
        [this] { return overPool([](const PgConnection &c) { return c.isReady() ? 1.0 : 0.0; }); });
    m_metrics.addValue(
        "tidings_db_queue_depth", K::Gauge,
        "Statements queued or in flight on the database connections.",
        [this] { return overPool([](const PgConnection &c) { return double(c.pending()); }); });
    m_metrics.addValue("tidings_db_failed_statements_total", K::Counter,
                       "Database statements that failed, were rolled back or never ran.", [this] {
                           return overPool(
                               [](const PgConnection &c) { return double(c.failedStatements()); });
                       });
    m_metrics.addValue("tidings_db_connections_lost_total", K::Counter,
                       "Times an established database connection broke.", [this] {
                           return overPool(
                               [](const PgConnection &c) { return double(c.connectionsLost()); });
                       });
    m_metrics.addValue("tidings_database_bytes", K::Gauge, "Size of the database on disk.",
                       [this] { return m_storage.databaseBytes; });
    m_metrics.addValue("tidings_media_bytes", K::Gauge, "Bytes of media stored (encrypted blobs).",
                       [this] { return m_storage.mediaBytes; });
    m_metrics.addValue("tidings_media_blobs", K::Gauge, "Media blobs stored.",
                       [this] { return m_storage.mediaBlobs; });
    m_metrics.addValue("tidings_inbox_backlog", K::Gauge,
                       "Messages waiting in inboxes for devices that are not connected (counted "
                       "up to 1000000).",
                       [this] { return m_storage.inboxBacklog; });
    m_metrics.addValue("tidings_users", K::Gauge, "Accounts on this server.",
                       [this] { return m_storage.users; });
    // The process figures are read once per scrape, by the first of them.
    auto process = std::make_shared<ProcessStats>();
    m_metrics.addValue("process_cpu_seconds_total", K::Counter,
                       "User and system CPU time spent, in seconds.", [process] {
                           *process = ProcessStats::read();
                           return process->cpuSeconds;
                       });
    m_metrics.addValue("process_resident_memory_bytes", K::Gauge, "Resident memory size.",
                       [process] { return process->residentBytes; });
    m_metrics.addValue("process_virtual_memory_bytes", K::Gauge, "Virtual memory size.",
                       [process] { return process->virtualBytes; });
    m_metrics.addValue("process_open_fds", K::Gauge, "Open file descriptors.",
                       [process] { return process->openFds; });
    m_metrics.addValue("process_start_time_seconds", K::Gauge,
                       "Start time of the process since the epoch, in seconds.",
                       [process] { return process->startTimeSeconds; });
}

MetricsHttp::~MetricsHttp() = default;

bool MetricsHttp::addRoutes(http::HttpServer &server) {
    return server.route("GET", "/metrics", 0, [this](http::HttpExchange *ex) { serve(ex); });
}

void MetricsHttp::serve(http::HttpExchange *exchange) {
    QPointer<http::HttpExchange> guard(exchange);
    withStorage([this, guard](const StorageFigures &) {
        if (!guard)
            return;
        guard->respond(200, m_metrics.render(), "text/plain; version=0.0.4; charset=utf-8",
                       {{"cache-control", "no-store"}});
    });
}

void MetricsHttp::withStorage(std::function<void(const StorageFigures &)> done, bool force) {
    if (!force && m_storage.known && m_storageAge.isValid() &&
        m_storageAge.elapsed() < kStorageMaxAgeMs)
        return done(m_storage);
    m_waiting.push_back(std::move(done));
    // Whichever comes first answers everyone waiting: the statement, or the timeout (with the
    // figures last known; a slow statement still updates them when it answers).
    if (!m_timeout->isActive())
        m_timeout->start(kTimeoutMs);
    if (m_refreshing)
        return;
    m_refreshing = true;
    m_pool.reader()->exec(PgQuery{kStorageSql, {}, {}}, [this](PgResult r) {
        m_refreshing = false;
        if (r.ok() && r.rows() == 1) {
            m_storage.databaseBytes = double(r.int64(0, 0));
            m_storage.mediaBytes = double(r.int64(0, 1));
            m_storage.mediaBlobs = double(r.int64(0, 2));
            m_storage.inboxBacklog = double(r.int64(0, 3));
            m_storage.users = double(r.int64(0, 4));
            m_storage.known = true;
            m_storageAge.start();
        }
        answerWaiting();
    });
}

void MetricsHttp::answerWaiting() {
    m_timeout->stop();
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (auto &w : waiting)
        w(m_storage);
}

} // namespace tidings::server
