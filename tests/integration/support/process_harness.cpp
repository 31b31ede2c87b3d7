#include "process_harness.h"

#include <QJsonDocument>
#include <QTcpServer>
#include <QTest>

#include <csignal>

namespace tidings::test {

namespace {
QString bin(const char *var) {
    return QString::fromLocal8Bit(qgetenv(var));
}

quint16 freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}
} // namespace

ProcessHarness::ProcessHarness(QString databaseConninfo, QStringList serverArgs)
    : m_db(std::move(databaseConninfo))
    , m_serverArgs(std::move(serverArgs))
    , m_port(freePort()) {}

ProcessHarness::~ProcessHarness() {
    stopServer();
}

bool ProcessHarness::binariesKnown() {
    return !bin("TIDINGSD_BIN").isEmpty() && !bin("TIDINGS_CLI_BIN").isEmpty();
}

QString ProcessHarness::url() const {
    const bool tls = m_serverArgs.contains(QStringLiteral("--tls-cert"));
    return QStringLiteral("%1://127.0.0.1:%2").arg(tls ? "wss" : "ws").arg(m_port);
}

bool ProcessHarness::startServer() {
    m_server = std::make_unique<QProcess>();
    m_server->start(bin("TIDINGSD_BIN"),
                    QStringList{"--data-dir", m_tmp.filePath("server"), "--listen",
                                QStringLiteral("127.0.0.1:%1").arg(m_port), "--database-url", m_db,
                                "--registrations-per-hour", "0"} +
                        m_serverArgs);
    if (!m_server->waitForStarted(5000))
        return false;
    return QTest::qWaitFor(
               [&] {
                   return m_server->state() != QProcess::Running ||
                          m_server->peek(4096).contains("tidingsd listening on ");
               },
               30000) &&
           m_server->state() == QProcess::Running;
}

QString ProcessHarness::certificateFingerprint() const {
    if (!m_server)
        return {};
    const QByteArray out = m_server->peek(8192);
    const QByteArray marker = "tidingsd certificate SHA-256 ";
    const qsizetype at = out.indexOf(marker);
    if (at < 0)
        return {};
    const qsizetype end = out.indexOf('\n', at);
    return QString::fromLatin1(out.mid(at + marker.size(), end - at - marker.size())).trimmed();
}

qint64 ProcessHarness::serverPid() const {
    return m_server && m_server->state() == QProcess::Running ? m_server->processId() : 0;
}

void ProcessHarness::killServer() {
    if (!m_server)
        return;
    ::kill(pid_t(m_server->processId()), SIGKILL);
    m_server->waitForFinished(5000);
}

void ProcessHarness::stopServer() {
    if (!m_server || m_server->state() != QProcess::Running)
        return;
    m_server->terminate();
    m_server->waitForFinished(10000);
}

QList<QJsonObject> ProcessHarness::Run::lines() const {
    QList<QJsonObject> out;
    for (const QByteArray &l : this->out.split('\n'))
        if (!l.trimmed().isEmpty())
            out << QJsonDocument::fromJson(l).object();
    return out;
}

std::unique_ptr<QProcess> ProcessHarness::startCli(const QString &profile, const QStringList &args,
                                                   const QString &logRules) {
    auto p = std::make_unique<QProcess>();
    if (!logRules.isEmpty()) {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_LOGGING_RULES"), logRules);
        p->setProcessEnvironment(env);
    }
    p->start(bin("TIDINGS_CLI_BIN"), QStringList{"--profile", m_tmp.filePath(profile)} + args);
    p->waitForStarted(5000);
    return p;
}

ProcessHarness::Run ProcessHarness::cli(const QString &profile, const QStringList &args,
                                        const QByteArray &stdinData, int timeoutMs) {
    Run run;
    auto p = startCli(profile, args);
    if (p->state() != QProcess::Running && p->exitStatus() != QProcess::NormalExit)
        return run;
    if (!stdinData.isEmpty())
        p->write(stdinData);
    p->closeWriteChannel();
    if (!p->waitForFinished(timeoutMs)) {
        p->kill();
        p->waitForFinished();
        run.exitCode = -2;
        return run;
    }
    run.exitCode = p->exitCode();
    run.out = p->readAllStandardOutput();
    run.err = p->readAllStandardError();
    // TIDINGS_TEST_CLI_LOG=1 shows every run's stderr (e.g. with QT_LOGGING_RULES), not only
    // the failed ones.
    if (run.exitCode != 0 || qEnvironmentVariableIsSet("TIDINGS_TEST_CLI_LOG"))
        qInfo("cli %s -> %d: %s", qPrintable(args.join(' ')), run.exitCode, run.err.constData());
    return run;
}

} // namespace tidings::test
