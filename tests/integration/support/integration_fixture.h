#pragma once
// The setup every integration test shares, owned by the test object as a member: a throwaway
// PostgreSQL cluster, the real server in-process on a fresh database of it, and raw protocol
// clients for new users, further devices and reconnects. One fixture per test executable; all
// test functions share its server and database, so user names come from uniqueName().
#include "pg_fixture.h"
#include "process_harness.h"
#include "raw_client.h"
#include "server_harness.h"

#include <QString>
#include <QUrl>

#include <memory>

namespace tidings::test {

class IntegrationFixture {
public:
    //! Starts PostgreSQL and a server with `config` (cheap password hashing and a movable clock
    //! are set by ServerHarness). Returns an error text, empty on success.
    QString start(server::ServerConfig config = {});
    //! Starts PostgreSQL only, for tests that run their own servers or processes.
    QString startDatabase();

    PgFixture &pg() { return m_pg; }
    ServerHarness &server() { return *m_server; }
    QUrl url() const { return m_server->url(); }
    QString conninfo() const { return m_server->conninfo(); }

    //! The first column of the first row of `query` on the server's database ("ERROR: …" on
    //! failure, empty without rows).
    QString sql(const QString &query);
    //! The first column of every row.
    QStringList sqlColumn(const QString &query);

    //! Stops the server and starts it again on the same database and port (clients reconnect).
    bool restartServer(QString *error = nullptr);
    //! Moves the server's clock by `ms` (added to the real time).
    void shiftClock(qint64 ms) { m_server->shiftClock(ms); }
    //! Another server on its own fresh database, started; null with the reason in *error.
    std::unique_ptr<ServerHarness> freshServer(server::ServerConfig config = {},
                                               QString *error = nullptr);
    //! tidingsd as a real process on a fresh database (binaries named by CTest), started with
    //! `serverArgs` added to its command line; null if it does not start.
    std::unique_ptr<ProcessHarness> processServer(const QStringList &serverArgs = {});

    //! `prefix` followed by a number unique in this fixture, e.g. "alice3".
    QString uniqueName(const QString &prefix);

    //! A connected client that has not authenticated; null if it cannot connect.
    std::unique_ptr<RawClient> connect();
    //! Registers `name` exactly as given (password RawClient::kPassword); null with the reason
    //! logged.
    std::unique_ptr<RawClient> registerUser(const QString &name);
    //! Registers uniqueName(prefix); the name is in the client's `username`.
    std::unique_ptr<RawClient> newUser(const QString &prefix);
    //! Logs `username` in from a new device (another device of that user).
    std::unique_ptr<RawClient> newDevice(const QString &username);
    //! The device of `token` again, on a new connection.
    std::unique_ptr<RawClient> reconnect(const QByteArray &token);

private:
    PgFixture m_pg;
    std::unique_ptr<ServerHarness> m_server;
    int m_names = 0;
};

} // namespace tidings::test
