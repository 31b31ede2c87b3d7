#include "server_supervisor.h"

#include <QTimer>

namespace tidings::admin {

ServerSupervisor::ServerSupervisor(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_restartTimer(new QTimer(this))
    , m_killTimer(new QTimer(this))
    , m_backoffMs(m_options.firstBackoffMs) {
    m_restartTimer->setSingleShot(true);
    connect(m_restartTimer, &QTimer::timeout, this, &ServerSupervisor::launch);
    m_killTimer->setSingleShot(true);
    connect(m_killTimer, &QTimer::timeout, this, [this] {
        if (m_process)
            m_process->kill();
    });
}

ServerSupervisor::~ServerSupervisor() {
    // The tray app quitting stops the server it started (a service keeps running on its own).
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_state = State::Stopping;
        m_process->terminate();
        if (!m_process->waitForFinished(m_options.stopTimeoutMs))
            m_process->kill();
        m_process->waitForFinished(2000);
    }
}

qint64 ServerSupervisor::pid() const {
    return m_process ? m_process->processId() : 0;
}

void ServerSupervisor::setState(State s) {
    if (m_state == s)
        return;
    m_state = s;
    emit stateChanged(s);
}

void ServerSupervisor::addLine(const QString &line) {
    m_log.push_back(line);
    while (int(m_log.size()) > m_options.maxLogLines)
        m_log.pop_front();
    emit logLine(line);
}

void ServerSupervisor::start() {
    if (m_state == State::Starting || m_state == State::Running)
        return;
    if (m_state == State::Stopping) { // the old process first
        m_startWhenStopped = true;
        return;
    }
    m_restartTimer->stop();
    m_backoffMs = m_options.firstBackoffMs;
    launch();
}

void ServerSupervisor::launch() {
    m_killTimer->stop();
    m_startWhenStopped = false;
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_url.clear();
    m_fingerprint.clear();
    m_partial.clear();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &ServerSupervisor::onOutput);
    connect(m_process, &QProcess::finished, this, &ServerSupervisor::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            addLine(tr("cannot start %1: %2").arg(m_options.program, m_process->errorString()));
            onFinished(127, QProcess::CrashExit);
        }
    });
    setState(State::Starting);
    m_runTime.start();
    m_process->start(m_options.program, m_options.arguments);
}

void ServerSupervisor::onOutput() {
    m_partial += m_process->readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_partial.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_partial.left(nl)).trimmed();
        m_partial.remove(0, nl + 1);
        static const QString kReady = QStringLiteral("tidingsd listening on ");
        static const QString kCert = QStringLiteral("tidingsd certificate SHA-256 ");
        if (line.startsWith(kReady)) {
            m_url = line.mid(kReady.size());
            setState(State::Running);
        } else if (line.startsWith(kCert)) {
            m_fingerprint = line.mid(kCert.size());
        }
        addLine(line);
    }
}

void ServerSupervisor::stop() {
    m_restartTimer->stop();
    m_startWhenStopped = false;
    if (!m_process || m_process->state() == QProcess::NotRunning) {
        setState(State::Stopped);
        return;
    }
    setState(State::Stopping);
    m_process->terminate();
    m_killTimer->start(m_options.stopTimeoutMs);
}

void ServerSupervisor::restart() {
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return start();
    stop();
    m_startWhenStopped = true; // a stop() before it has exited cancels this
}

void ServerSupervisor::onFinished(int exitCode, QProcess::ExitStatus status) {
    m_killTimer->stop();
    if (!m_partial.isEmpty())
        addLine(QString::fromUtf8(m_partial).trimmed());
    m_partial.clear();
    if (m_state == State::Stopping || m_state == State::Stopped) {
        setState(State::Stopped);
        if (m_startWhenStopped)
            QMetaObject::invokeMethod(this, &ServerSupervisor::start, Qt::QueuedConnection);
        return;
    }
    // Not asked to: restart with backoff. A run that lasted resets it.
    if (m_runTime.elapsed() >= m_options.stableMs)
        m_backoffMs = m_options.firstBackoffMs;
    const int delay = m_backoffMs;
    m_restartInMs = delay;
    m_backoffMs = std::min(m_backoffMs * 2, m_options.maxBackoffMs);
    ++m_crashes;
    const QString last = m_log.empty() ? QString() : m_log.back();
    addLine(status == QProcess::CrashExit
                ? tr("tidingsd stopped unexpectedly; starting it again in %1 s").arg(delay / 1000.0)
                : tr("tidingsd exited with status %1; starting it again in %2 s")
                      .arg(exitCode)
                      .arg(delay / 1000.0));
    setState(State::Restarting);
    m_restartTimer->start(delay);
    emit crashed(exitCode, last, delay);
}

} // namespace tidings::admin
