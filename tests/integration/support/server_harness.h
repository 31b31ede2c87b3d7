#pragma once
// Runs the real Server in-process against a fresh database of a PgFixture.
#include "server.h"

#include <QTemporaryDir>
#include <QUrl>

#include <atomic>
#include <memory>

namespace tidings::test {

class PgFixture;

class ServerHarness {
public:
    //! On `conninfo`'s database (e.g. one a test restored a backup into), else a fresh one.
    explicit ServerHarness(PgFixture &pg, server::ServerConfig base = {}, QString conninfo = {});
    ~ServerHarness();

    //! Starts (or restarts) the server on the same database; false on failure.
    bool start(QString *error = nullptr);
    void stop();
    QUrl url() const;
    server::Server *server() const { return m_server.get(); }
    //! The configuration the next start() uses. The harness allows unencrypted sends (most
    //! tests send plain bytes) and unlimited registrations; a test of those limits sets them.
    server::ServerConfig &config() { return m_config; }
    const QString &conninfo() const { return m_conninfo; }

    //! Moves the server's clock (milliseconds added to the real time).
    void shiftClock(qint64 ms) { *m_offset += ms; }
    //! The server's data directory (its media store is in DATA/media); kept across restarts.
    QString dataDir() const { return m_config.dataDir; }
    //! http://127.0.0.1:PORT, the base of the media endpoints (/media/v1/...).
    QUrl httpUrl() const;

private:
    QTemporaryDir m_dataDir; //!< used unless the config names one
    server::ServerConfig m_config;
    QString m_conninfo;
    std::unique_ptr<server::Server> m_server;
    std::shared_ptr<std::atomic<qint64>> m_offset = std::make_shared<std::atomic<qint64>>(0);
    quint16 m_port = 0;
};

} // namespace tidings::test
