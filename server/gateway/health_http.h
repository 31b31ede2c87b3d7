#pragma once
// GET /healthz on the server's one port (issue 13): 200 {"status":"ok", ...} when the server
// serves and every database connection of the pool is up and answers; 503 {"status":
// "unavailable","reason":...} otherwise, so a load balancer or the admin's tray app can tell.
// It reads nothing but the pool's state and one `SELECT 1`, and answers within 2 s whatever the
// database does.
#include <QElapsedTimer>
#include <QString>

#include <functional>

namespace tidings::http {
class HttpServer;
}

namespace tidings::server {

class PgPool;

class HealthHttp {
public:
    //! `pool` must outlive this object; `sessions` counts the connected devices.
    HealthHttp(PgPool &pool, std::function<int()> sessions, QString version);
    bool addRoutes(http::HttpServer &server);

    static constexpr int kTimeoutMs = 2000;

private:
    PgPool &m_pool;
    std::function<int()> m_sessions;
    QString m_version;
    QElapsedTimer m_up;
};

} // namespace tidings::server
