#include "gateway/health_http.h"

#include "db/pg_connection.h"
#include "http/http_exchange.h"
#include "http/http_server.h"

#include <QJsonObject>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace tidings::server {

HealthHttp::HealthHttp(PgPool &pool, std::function<int()> sessions, QString version)
    : m_pool(pool)
    , m_sessions(std::move(sessions))
    , m_version(std::move(version)) {
    m_up.start();
}

bool HealthHttp::addRoutes(http::HttpServer &server) {
    return server.route("GET", "/healthz", 0, [this](http::HttpExchange *ex) {
        const http::Headers noStore{{"cache-control", "no-store"}};
        const auto unavailable = [noStore](http::HttpExchange *e, const QString &why) {
            e->respondJson(503,
                           {{QStringLiteral("status"), QStringLiteral("unavailable")},
                            {QStringLiteral("reason"), why}},
                           noStore);
        };
        for (int i = 0; i < m_pool.connectionCount(); ++i) {
            if (!m_pool.connectionAt(i)->isReady())
                return unavailable(ex, QStringLiteral("database connection %1 of %2 is down")
                                           .arg(i + 1)
                                           .arg(m_pool.connectionCount()));
        }
        // Up is not enough: the database must answer (a hung disk, a stuck lock).
        QPointer<http::HttpExchange> guard(ex);
        auto answered = std::make_shared<bool>(false);
        auto *timer = new QTimer(ex);
        timer->setSingleShot(true);
        QObject::connect(timer, &QTimer::timeout, ex, [guard, answered, unavailable] {
            if (!guard || std::exchange(*answered, true))
                return;
            unavailable(guard,
                        QStringLiteral("the database did not answer within %1 ms").arg(kTimeoutMs));
        });
        timer->start(kTimeoutMs);
        m_pool.any()->exec(PgQuery{"SELECT 1", {}, {}}, [this, guard, answered, unavailable,
                                                         noStore](PgResult r) {
            if (!guard || std::exchange(*answered, true))
                return;
            if (!r.ok())
                return unavailable(guard, QStringLiteral("the database refused a query"));
            guard->respondJson(200,
                               {{QStringLiteral("status"), QStringLiteral("ok")},
                                {QStringLiteral("version"), m_version},
                                {QStringLiteral("uptime_s"), double(m_up.elapsed() / 1000)},
                                {QStringLiteral("devices_connected"), m_sessions()},
                                {QStringLiteral("database_connections"), m_pool.connectionCount()}},
                               noStore);
        });
    });
}

} // namespace tidings::server
