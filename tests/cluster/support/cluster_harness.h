#pragma once
// A whole cluster on loopback for one test executable (issue 14): a PostgreSQL (PgFixture), a
// cluster of nats-server processes, tidingsd nodes on it and HAProxy in front of them, all
// started by start() and stopped by the destructor (also when a test fails). Each process logs
// to a file in the harness's directory; logTail() shows one when something goes wrong.
#include "support/pg_fixture.h"

#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>
#include <vector>

namespace tidings::test {

class ClusterHarness {
public:
    struct Options {
        int nodes = 3;
        int natsServers = 3;
        bool haproxy = true;
        //! After the harness's own (data dir, listen, database, nats, node id, test limits).
        QStringList nodeArgs;
    };
    explicit ClusterHarness(Options options);
    ~ClusterHarness();

    //! nats-server and haproxy on PATH (or /usr/sbin), tidingsd from TIDINGSD_BIN.
    static QString missingTools();
    //! Starts everything and waits until the NATS servers are one cluster, every node serves
    //! and HAProxy sees them up. Returns an error text, empty on success.
    QString start();

    //! HAProxy's ws:// address (clients), and each node's own.
    QUrl url() const;
    QUrl nodeUrl(int node) const;
    QString natsUrls() const;
    const QString &conninfo() const { return m_db; }
    PgFixture &pg() { return m_pg; }

    bool startNode(int node);     //!< waits for its ready line
    void killNode(int node);      //!< SIGKILL, waits for the exit
    void terminateNode(int node); //!< SIGTERM, does not wait
    //! Waits for a node's process to exit; its exit code, or -1 on timeout or a crash.
    int waitNodeExit(int node, int timeoutMs);
    bool nodeRunning(int node) const;
    qint64 nodePid(int node) const;

    bool startNats(int server);
    void killNats(int server);
    //! GET /varz of a NATS server's monitoring port (in_msgs, out_msgs, in_bytes...).
    QJsonObject natsVarz(int server);
    //! Waits until every running NATS server has a route to every other running one.
    bool waitNatsCluster(int timeoutMs);
    //! Waits until HAProxy's health checks mark the node up (true) or down (false).
    bool waitBackend(int node, bool up, int timeoutMs);

    //! The last lines of a process's log ("node-0", "nats-1", "haproxy").
    QString logTail(const QString &name, int lines = 40) const;

private:
    QString startHaproxy();

    Options m_options;
    QTemporaryDir m_dir;
    PgFixture m_pg;
    QString m_db;
    std::vector<quint16> m_nodePorts, m_natsPorts, m_natsClusterPorts, m_natsMonitorPorts;
    quint16 m_haproxyPort = 0;
    quint16 m_haproxyStatsPort = 0;
    std::vector<std::unique_ptr<QProcess>> m_nodes, m_nats;
    std::unique_ptr<QProcess> m_haproxy;
};

} // namespace tidings::test
