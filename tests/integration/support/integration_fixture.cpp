#include "integration_fixture.h"

namespace tidings::test {

QString IntegrationFixture::startDatabase() {
    return m_pg.start();
}

QString IntegrationFixture::start(server::ServerConfig config) {
    if (QString e = startDatabase(); !e.isEmpty())
        return e;
    m_server = std::make_unique<ServerHarness>(m_pg, std::move(config));
    QString error;
    if (!m_server->start(&error))
        return QStringLiteral("server: ") + error;
    return {};
}

QString IntegrationFixture::sql(const QString &query) {
    return sqlColumn(query).value(0);
}

QStringList IntegrationFixture::sqlColumn(const QString &query) {
    return m_pg.query(m_server->conninfo(), query);
}

bool IntegrationFixture::restartServer(QString *error) {
    return m_server->start(error);
}

std::unique_ptr<ServerHarness> IntegrationFixture::freshServer(server::ServerConfig config,
                                                               QString *error) {
    auto h = std::make_unique<ServerHarness>(m_pg, std::move(config));
    if (!h->start(error))
        return nullptr;
    return h;
}

std::unique_ptr<ProcessHarness> IntegrationFixture::processServer(const QStringList &serverArgs) {
    if (!ProcessHarness::binariesKnown()) {
        qWarning("TIDINGSD_BIN and TIDINGS_CLI_BIN are not set: run through ctest");
        return nullptr;
    }
    auto p = std::make_unique<ProcessHarness>(m_pg.createDatabase(), serverArgs);
    if (!p->startServer()) {
        qWarning("tidingsd did not start");
        return nullptr;
    }
    return p;
}

QString IntegrationFixture::uniqueName(const QString &prefix) {
    return prefix + QString::number(++m_names);
}

std::unique_ptr<RawClient> IntegrationFixture::connect() {
    auto c = std::make_unique<RawClient>(url());
    if (!c->connectNow()) {
        qWarning("cannot connect to %s", qPrintable(url().toString()));
        return nullptr;
    }
    return c;
}

std::unique_ptr<RawClient> IntegrationFixture::registerUser(const QString &name) {
    return RawClient::registered(url(), name);
}

std::unique_ptr<RawClient> IntegrationFixture::newUser(const QString &prefix) {
    return registerUser(uniqueName(prefix));
}

std::unique_ptr<RawClient> IntegrationFixture::newDevice(const QString &username) {
    return RawClient::loggedIn(url(), username);
}

std::unique_ptr<RawClient> IntegrationFixture::reconnect(const QByteArray &token) {
    return RawClient::authenticated(url(), token);
}

} // namespace tidings::test
