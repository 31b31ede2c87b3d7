#include "server_harness.h"

#include "pg_fixture.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

namespace tidings::test {

ServerHarness::ServerHarness(PgFixture &pg, server::ServerConfig base, QString conninfo)
    : m_config(std::move(base))
    , m_conninfo(conninfo.isEmpty() ? pg.createDatabase() : std::move(conninfo)) {
    m_config.databaseConninfo = m_conninfo;
    m_config.cheapPasswordHashing = true;
    m_config.allowUnencrypted = true;
    m_config.registrationsPerHour = 0;
    if (m_config.dataDir.isEmpty())
        m_config.dataDir = m_dataDir.path();
    auto offset = m_offset;
    m_config.clock = [offset] { return QDateTime::currentMSecsSinceEpoch() + offset->load(); };
}

ServerHarness::~ServerHarness() {
    stop();
}

bool ServerHarness::start(QString *error) {
    stop();
    m_config.port = m_port; // a restart keeps the port so clients can reconnect
    m_server = std::make_unique<server::Server>(m_config);
    QSignalSpy started(m_server.get(), &server::Server::started);
    QSignalSpy failed(m_server.get(), &server::Server::failed);
    m_server->start();
    (void)QTest::qWaitFor([&] { return started.count() > 0 || failed.count() > 0; }, 30000);
    if (started.isEmpty()) {
        if (error)
            *error = failed.isEmpty() ? QStringLiteral("timeout") : failed.at(0).at(0).toString();
        return false;
    }
    m_port = m_server->port();
    return true;
}

void ServerHarness::stop() {
    if (!m_server)
        return;
    m_server->stop();
    m_server.reset();
    // Sessions closed above were handed to deleteLater: delete them now, and let the clients
    // see their sockets close.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
}

QUrl ServerHarness::httpUrl() const {
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port));
}

QUrl ServerHarness::url() const {
    return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port));
}

} // namespace tidings::test
