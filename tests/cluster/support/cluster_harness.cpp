#include "cluster_harness.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTest>

#include <csignal>

namespace tidings::test {

namespace {

quint16 clusterFreePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

QString findTool(const QString &name) {
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin")});
    return path;
}

void stopProcess(QProcess *p, int signal, int waitMs) {
    if (!p || p->state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(p->processId()), signal);
    if (!p->waitForFinished(waitMs)) {
        p->kill();
        p->waitForFinished(5000);
    }
}

} // namespace

ClusterHarness::ClusterHarness(Options options)
    : m_options(std::move(options)) {
    for (int i = 0; i < m_options.nodes; ++i) {
        m_nodePorts.push_back(clusterFreePort());
        m_nodes.emplace_back();
    }
    for (int i = 0; i < m_options.natsServers; ++i) {
        m_natsPorts.push_back(clusterFreePort());
        m_natsClusterPorts.push_back(clusterFreePort());
        m_natsMonitorPorts.push_back(clusterFreePort());
        m_nats.emplace_back();
    }
    m_haproxyPort = clusterFreePort();
    // TIDINGS_TEST_KEEP=1 keeps the logs (and databases' files) for a look afterwards.
    if (qEnvironmentVariableIsSet("TIDINGS_TEST_KEEP")) {
        m_dir.setAutoRemove(false);
        qInfo("cluster harness files in %s", qPrintable(m_dir.path()));
    }
}

ClusterHarness::~ClusterHarness() {
    // Clients first go with the balancer, then the nodes (SIGTERM would drain: SIGKILL, the
    // data is thrown away anyway), then the bus.
    stopProcess(m_haproxy.get(), SIGKILL, 5000);
    for (auto &n : m_nodes)
        stopProcess(n.get(), SIGKILL, 5000);
    for (auto &n : m_nats)
        stopProcess(n.get(), SIGKILL, 5000);
}

QString ClusterHarness::missingTools() {
    QStringList missing;
    if (findTool(QStringLiteral("nats-server")).isEmpty())
        missing << QStringLiteral("nats-server");
    if (findTool(QStringLiteral("haproxy")).isEmpty())
        missing << QStringLiteral("haproxy");
    if (qEnvironmentVariableIsEmpty("TIDINGSD_BIN"))
        missing << QStringLiteral("TIDINGSD_BIN");
    return missing.join(QStringLiteral(", "));
}

QString ClusterHarness::start() {
    if (const QString missing = missingTools(); !missing.isEmpty())
        return QStringLiteral("missing: ") + missing;
    if (const QString e = m_pg.start(); !e.isEmpty())
        return QStringLiteral("PostgreSQL: ") + e;
    m_db = m_pg.createDatabase();
    for (int i = 0; i < m_options.natsServers; ++i)
        if (!startNats(i))
            return QStringLiteral("nats-%1 did not start:\n%2")
                .arg(i)
                .arg(logTail(QStringLiteral("nats-%1").arg(i)));
    if (m_options.natsServers > 1 && !waitNatsCluster(30000))
        return QStringLiteral("the NATS servers did not form a cluster");
    // One node first: it migrates the database; the others then start on a migrated one.
    for (int i = 0; i < m_options.nodes; ++i)
        if (!startNode(i))
            return QStringLiteral("node-%1 did not start:\n%2")
                .arg(i)
                .arg(logTail(QStringLiteral("node-%1").arg(i)));
    if (m_options.haproxy) {
        if (const QString e = startHaproxy(); !e.isEmpty())
            return e;
        for (int i = 0; i < m_options.nodes; ++i)
            if (!waitBackend(i, true, 20000))
                return QStringLiteral("haproxy does not see node-%1 up:\n%2")
                    .arg(i)
                    .arg(logTail(QStringLiteral("haproxy")));
    }
    return {};
}

QUrl ClusterHarness::url() const {
    return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_haproxyPort));
}

QUrl ClusterHarness::nodeUrl(int node) const {
    return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_nodePorts[std::size_t(node)]));
}

QString ClusterHarness::natsUrls() const {
    QStringList urls;
    for (quint16 p : m_natsPorts)
        urls << QStringLiteral("nats://127.0.0.1:%1").arg(p);
    return urls.join(QLatin1Char(','));
}

bool ClusterHarness::startNode(int node) {
    const QString name = QStringLiteral("node-%1").arg(node);
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardOutputFile(m_dir.filePath(name + QStringLiteral(".log")), QIODevice::Append);
    // The ready line is looked for again after a restart: a marker line separates the runs.
    {
        QFile f(m_dir.filePath(name + QStringLiteral(".log")));
        if (f.open(QIODevice::Append))
            f.write("==== start ====\n");
    }
    QStringList args{"--data-dir",
                     m_dir.filePath(name),
                     "--listen",
                     QStringLiteral("127.0.0.1:%1").arg(m_nodePorts[std::size_t(node)]),
                     "--database-url",
                     m_db,
                     "--nats",
                     natsUrls(),
                     "--node-id",
                     name,
                     "--registrations-per-hour",
                     "0",
                     "--connections-per-address",
                     "0",
                     "--cheap-password-hashing",
                     "--allow-unencrypted"};
    p->start(QString::fromLocal8Bit(qgetenv("TIDINGSD_BIN")), args + m_options.nodeArgs);
    if (!p->waitForStarted(5000))
        return false;
    const QString logName = name;
    QProcess *raw = p.get();
    m_nodes[std::size_t(node)] = std::move(p);
    // Only the text after the last start marker counts.
    const QString path = m_dir.filePath(logName + QStringLiteral(".log"));
    return QTest::qWaitFor(
               [&] {
                   if (raw->state() == QProcess::NotRunning)
                       return true;
                   QFile f(path);
                   if (!f.open(QIODevice::ReadOnly))
                       return false;
                   const QByteArray all = f.readAll();
                   return all.mid(all.lastIndexOf("==== start ===="))
                       .contains("tidingsd listening on ");
               },
               60000) &&
           raw->state() == QProcess::Running;
}

void ClusterHarness::killNode(int node) {
    stopProcess(m_nodes[std::size_t(node)].get(), SIGKILL, 5000);
}

void ClusterHarness::terminateNode(int node) {
    if (QProcess *p = m_nodes[std::size_t(node)].get(); p && p->state() == QProcess::Running)
        ::kill(pid_t(p->processId()), SIGTERM);
}

int ClusterHarness::waitNodeExit(int node, int timeoutMs) {
    QProcess *p = m_nodes[std::size_t(node)].get();
    if (!p)
        return -1;
    // The event loop runs meanwhile (not waitForFinished): the test's clients see their
    // connections close as the node closes them.
    if (!QTest::qWaitFor([p] { return p->state() == QProcess::NotRunning; }, timeoutMs))
        return -1;
    return p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
}

bool ClusterHarness::nodeRunning(int node) const {
    const QProcess *p = m_nodes[std::size_t(node)].get();
    return p && p->state() == QProcess::Running;
}

qint64 ClusterHarness::nodePid(int node) const {
    return nodeRunning(node) ? m_nodes[std::size_t(node)]->processId() : 0;
}

bool ClusterHarness::startNats(int server) {
    const QString name = QStringLiteral("nats-%1").arg(server);
    QStringList routes;
    for (int i = 0; i < m_options.natsServers; ++i)
        if (i != server)
            routes << QStringLiteral("nats://127.0.0.1:%1").arg(m_natsClusterPorts[std::size_t(i)]);
    QStringList args{"-a", "127.0.0.1",
                     "-p", QString::number(m_natsPorts[std::size_t(server)]),
                     "-m", QString::number(m_natsMonitorPorts[std::size_t(server)]),
                     "-n", name};
    if (m_options.natsServers > 1)
        args << "--cluster"
             << QStringLiteral("nats://127.0.0.1:%1").arg(m_natsClusterPorts[std::size_t(server)])
             << "--cluster_name"
             << "tidings"
             << "--routes" << routes.join(QLatin1Char(','));
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::MergedChannels);
    p->setStandardOutputFile(m_dir.filePath(name + QStringLiteral(".log")), QIODevice::Append);
    p->start(findTool(QStringLiteral("nats-server")), args);
    if (!p->waitForStarted(5000))
        return false;
    QProcess *raw = p.get();
    m_nats[std::size_t(server)] = std::move(p);
    // Ready when its monitoring port answers (the log line is the same on every restart).
    return QTest::qWaitFor(
               [&] {
                   return raw->state() == QProcess::NotRunning ||
                          !natsVarz(server).value(QStringLiteral("server_id")).toString().isEmpty();
               },
               20000) &&
           raw->state() == QProcess::Running;
}

void ClusterHarness::killNats(int server) {
    stopProcess(m_nats[std::size_t(server)].get(), SIGKILL, 5000);
}

QJsonObject ClusterHarness::natsVarz(int server) {
    QNetworkAccessManager nam;
    QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(
        QStringLiteral("http://127.0.0.1:%1/varz").arg(m_natsMonitorPorts[std::size_t(server)]))));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(3000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject o = reply->isFinished() && reply->error() == QNetworkReply::NoError
                              ? QJsonDocument::fromJson(reply->readAll()).object()
                              : QJsonObject();
    reply->abort();
    reply->deleteLater();
    return o;
}

bool ClusterHarness::waitNatsCluster(int timeoutMs) {
    return QTest::qWaitFor(
        [&] {
            int running = 0;
            for (const auto &p : m_nats)
                running += p && p->state() == QProcess::Running;
            for (int i = 0; i < m_options.natsServers; ++i) {
                const QProcess *p = m_nats[std::size_t(i)].get();
                if (!p || p->state() != QProcess::Running)
                    continue;
                const QJsonObject v = natsVarz(i);
                if (v.value(QStringLiteral("cluster"))
                        .toObject()
                        .value(QStringLiteral("urls"))
                        .toArray()
                        .isEmpty() &&
                    running > 1)
                    return false;
                // "routes": the number of route connections this server has.
                if (v.value(QStringLiteral("routes")).toInt() < running - 1)
                    return false;
            }
            return true;
        },
        timeoutMs);
}

QString ClusterHarness::startHaproxy() {
    const QString socket = m_dir.filePath(QStringLiteral("haproxy.sock"));
    QString cfg = QStringLiteral("global\n"
                                 "    maxconn 9000\n"
                                 "    stats socket %1 mode 600 level admin\n"
                                 "defaults\n"
                                 "    mode tcp\n"
                                 "    timeout connect 2s\n"
                                 "    timeout client 1h\n"
                                 "    timeout server 1h\n"
                                 "    retries 2\n"
                                 "    option redispatch\n"
                                 "frontend tidings\n"
                                 "    bind 127.0.0.1:%2\n"
                                 "    default_backend nodes\n"
                                 "backend nodes\n"
                                 "    balance leastconn\n"
                                 "    option httpchk GET /healthz\n"
                                 "    default-server inter 300ms fall 2 rise 1 on-marked-down "
                                 "shutdown-sessions\n")
                      .arg(socket)
                      .arg(m_haproxyPort);
    for (int i = 0; i < m_options.nodes; ++i)
        cfg += QStringLiteral("    server node-%1 127.0.0.1:%2 check\n")
                   .arg(i)
                   .arg(m_nodePorts[std::size_t(i)]);
    QFile f(m_dir.filePath(QStringLiteral("haproxy.cfg")));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return QStringLiteral("cannot write haproxy.cfg");
    f.write(cfg.toUtf8());
    f.close();
    m_haproxy = std::make_unique<QProcess>();
    m_haproxy->setProcessChannelMode(QProcess::MergedChannels);
    m_haproxy->setStandardOutputFile(m_dir.filePath(QStringLiteral("haproxy.log")));
    m_haproxy->start(findTool(QStringLiteral("haproxy")), {"-f", f.fileName(), "-db"});
    if (!m_haproxy->waitForStarted(5000))
        return QStringLiteral("haproxy did not start");
    if (!QTest::qWaitFor(
            [&] { return QFile::exists(socket) || m_haproxy->state() != QProcess::Running; },
            10000) ||
        m_haproxy->state() != QProcess::Running)
        return QStringLiteral("haproxy did not start:\n") + logTail(QStringLiteral("haproxy"));
    return {};
}

bool ClusterHarness::waitBackend(int node, bool up, int timeoutMs) {
    const QString socket = m_dir.filePath(QStringLiteral("haproxy.sock"));
    const QByteArray server = "node-" + QByteArray::number(node);
    return QTest::qWaitFor(
        [&] {
            QLocalSocket s;
            s.connectToServer(socket);
            if (!s.waitForConnected(1000))
                return false;
            s.write("show stat\n");
            QByteArray all;
            while (s.waitForReadyRead(1000))
                all += s.readAll();
            // CSV: pxname,svname,...,status (the 18th column).
            for (const QByteArray &line : all.split('\n')) {
                const QList<QByteArray> cols = line.split(',');
                if (cols.size() > 17 && cols[0] == "nodes" && cols[1] == server)
                    return cols[17].startsWith("UP") == up;
            }
            return false;
        },
        timeoutMs);
}

QString ClusterHarness::logTail(const QString &name, int lines) const {
    QFile f(m_dir.filePath(name + QStringLiteral(".log")));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("(no log)");
    const QList<QByteArray> all = f.readAll().split('\n');
    QStringList out;
    for (qsizetype i = std::max<qsizetype>(0, all.size() - lines); i < all.size(); ++i)
        out << QString::fromUtf8(all[i]);
    return out.join(QLatin1Char('\n'));
}

} // namespace tidings::test
