#include "tray_app.h"

#include "../admin_client.h"
#include "../server_supervisor.h"
#include "admin_window.h"
#include "autostart.h"
#include "backups_page.h"
#include "log_page.h"
#include "status_page.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QPainter>
#include <QPointer>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QSystemTrayIcon>
#include <QTimer>

namespace tidings::admin {

namespace {

//! The tray icon: a speech bubble in the health's colour.
QIcon healthIcon(TrayApp::Health h) {
    const QColor colour = h == TrayApp::Health::Serving   ? QColor(0x2e, 0xa0, 0x43)
                          : h == TrayApp::Health::Stopped ? QColor(0xd9, 0x3a, 0x3a)
                                                          : QColor(0xe0, 0xa4, 0x1b);
    QIcon icon;
    for (int size : {16, 22, 32, 64}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        const qreal m = size * 0.08;
        p.drawRoundedRect(QRectF(m, m, size - 2 * m, size * 0.72), size * 0.2, size * 0.2);
        QPolygonF tail;
        tail << QPointF(size * 0.25, size * 0.7) << QPointF(size * 0.22, size * 0.95)
             << QPointF(size * 0.5, size * 0.7);
        p.drawPolygon(tail);
        p.setBrush(Qt::white);
        const qreal d = size * 0.11;
        for (int i = 0; i < 3; ++i)
            p.drawEllipse(QPointF(size * (0.3 + 0.2 * i), size * 0.44), d, d);
        icon.addPixmap(pm);
    }
    return icon;
}

} // namespace

TrayProfile TrayProfile::load() {
    QSettings s;
    TrayProfile p;
    p.managed = s.value(QStringLiteral("server/managed"), true).toBool();
    p.dataDir = s.value(QStringLiteral("server/data-dir")).toString();
    p.configFile = s.value(QStringLiteral("server/config")).toString();
    p.tidingsd = s.value(QStringLiteral("server/tidingsd")).toString();
    return p;
}

void TrayProfile::save() const {
    QSettings s;
    s.setValue(QStringLiteral("server/managed"), managed);
    s.setValue(QStringLiteral("server/data-dir"), dataDir);
    s.setValue(QStringLiteral("server/config"), configFile);
    s.setValue(QStringLiteral("server/tidingsd"), tidingsd);
}

bool TrayApp::switchDataDir(const QString &dir) {
    const QString conf = QDir(dir).filePath(QStringLiteral("tidingsd.conf"));
    if (!QFileInfo::exists(conf)) {
        notify(tr("Restored data"),
               tr("%1 has no tidingsd.conf: answer the first-run questions again "
                  "(tidings-admin --setup) with that folder.")
                   .arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    m_profile.dataDir = dir;
    m_profile.configFile = conf;
    m_profile.save();
    emit dataDirChanged(dir);
    return true;
}

TrayApp::TrayApp(TrayProfile profile, QObject *parent)
    : QObject(parent)
    , m_profile(std::move(profile))
    , m_client(new AdminClient(m_profile.dataDir, this))
    , m_tray(new QSystemTrayIcon(this))
    , m_menu(new QMenu)
    , m_poll(new QTimer(this))
    , m_pendingRegistration(
          QSettings().value(QStringLiteral("server/pending-registration")).toString()) {
    if (m_profile.managed) {
        ServerSupervisor::Options o;
        o.program = findTidingsd(m_profile.tidingsd);
        // The tray runs one server on its own: its devices have no other node to go to, so a
        // SIGTERM drain (issue 14) would only hold "Stop" and "Restart" for the window (and
        // past the supervisor's kill timeout). It stops at once, as before.
        o.arguments = {QStringLiteral("--config"), m_profile.configFile,
                       QStringLiteral("--drain-window"), QStringLiteral("0")};
        m_supervisor = new ServerSupervisor(o, this);
    }
    m_window = std::make_unique<AdminWindow>(m_client, m_supervisor, m_profile.tidingsd);
    connect(m_window->backupsPage(), &BackupsPage::useDataDir, this, &TrayApp::switchDataDir);

    m_summary = m_menu->addAction(tr("Tidings Server"));
    m_summary->setEnabled(false);
    m_menu->addSeparator();
    m_open = m_menu->addAction(tr("Open Tidings Server…"));
    connect(m_open, &QAction::triggered, this, [this] {
        m_window->show();
        m_window->raise();
        m_window->activateWindow();
    });
    if (m_supervisor) {
        m_start = m_menu->addAction(tr("Start"));
        m_stop = m_menu->addAction(tr("Stop"));
        m_restart = m_menu->addAction(tr("Restart"));
        connect(m_start, &QAction::triggered, m_supervisor, &ServerSupervisor::start);
        connect(m_stop, &QAction::triggered, m_supervisor, &ServerSupervisor::stop);
        connect(m_restart, &QAction::triggered, m_supervisor, &ServerSupervisor::restart);
        connect(m_supervisor, &ServerSupervisor::stateChanged, this, &TrayApp::poll);
        connect(m_supervisor, &ServerSupervisor::crashed, this,
                [this](int, const QString &last, int restartInMs) {
                    notify(tr("The Tidings server stopped unexpectedly"),
                           tr("It is started again in %n s. Its last words: %1", nullptr,
                              qMax(1, restartInMs / 1000))
                               .arg(last));
                });
    }
    m_menu->addSeparator();
    m_copyAddress = m_menu->addAction(tr("Copy the server's address"));
    connect(m_copyAddress, &QAction::triggered, this, [this] {
        const QString url = m_supervisor && !m_supervisor->listenUrl().isEmpty()
                                ? m_supervisor->listenUrl()
                                : m_window->statusPage()->fieldText(QStringLiteral("address"));
        QApplication::clipboard()->setText(url);
    });
    m_copyFingerprint = m_menu->addAction(tr("Copy the certificate fingerprint"));
    connect(m_copyFingerprint, &QAction::triggered, this, [this] {
        QApplication::clipboard()->setText(m_lastStatus.value("tls_sha256").toString());
    });
    m_autostart = m_menu->addAction(tr("Start at login"));
    m_autostart->setCheckable(true);
    m_autostart->setChecked(autostart::isEnabled());
    connect(m_autostart, &QAction::toggled, this, [this](bool on) {
        QString error;
        if (!autostart::setEnabled(on, &error)) {
            notify(tr("Start at login"), error);
            const QSignalBlocker block(m_autostart);
            m_autostart->setChecked(!on);
        }
    });
    m_menu->addSeparator();
    m_quit = m_menu->addAction(tr("Quit"));
    connect(m_quit, &QAction::triggered, qApp, &QCoreApplication::quit);
    m_tray->setContextMenu(m_menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger || r == QSystemTrayIcon::DoubleClick)
            m_open->trigger();
    });

    connect(m_poll, &QTimer::timeout, this, &TrayApp::poll);
    m_poll->start(kPollMs);
    m_tray->setIcon(healthIcon(m_health));
    if (!m_supervisor)
        followJournal();
}

TrayApp::~TrayApp() {
    if (m_journal) {
        m_journal->kill();
        m_journal->waitForFinished(2000);
    }
    delete m_menu;
}

void TrayApp::show() {
    m_tray->show();
    if (m_supervisor)
        m_supervisor->start();
    poll();
}

void TrayApp::followJournal() {
    // A service's output is the journal's: follow it there when there is one.
    const QString journalctl = QStandardPaths::findExecutable(QStringLiteral("journalctl"));
    if (journalctl.isEmpty()) {
        m_window->logPage()->appendLine(
            tr("The server runs as a service; its log is where the service manager keeps it."));
        return;
    }
    m_journal = new QProcess(this);
    connect(m_journal, &QProcess::readyReadStandardOutput, this, [this] {
        while (m_journal->canReadLine())
            m_window->logPage()->appendLine(QString::fromUtf8(m_journal->readLine()).trimmed());
    });
    m_journal->start(journalctl, {QStringLiteral("-u"), QStringLiteral("tidingsd"),
                                  QStringLiteral("-f"), QStringLiteral("-n"), QStringLiteral("500"),
                                  QStringLiteral("-o"), QStringLiteral("cat")});
}

void TrayApp::poll() {
    if (m_supervisor && m_supervisor->state() != ServerSupervisor::State::Running) {
        onStatus({}, tr("the server is not running"));
        return;
    }
    if (m_polling)
        return;
    m_polling = true;
    QPointer<TrayApp> self(this);
    m_client->call(QStringLiteral("status"), {}, [self](Result<QJsonValue> r) {
        if (!self)
            return;
        self->m_polling = false;
        self->onStatus(r ? r->toObject() : QJsonObject{}, r ? QString() : r.error().detail);
    });
}

void TrayApp::onStatus(const QJsonObject &status, const QString &why) {
    m_lastStatus = status;
    // The first-run wizard's answer about registration (read once, at start), applied once the
    // server answers.
    if (!status.isEmpty() && !m_pendingRegistration.isEmpty()) {
        if (status.value("registration").toString() == m_pendingRegistration) {
            QSettings().remove(QStringLiteral("server/pending-registration"));
            m_pendingRegistration.clear();
        } else {
            m_client->call(QStringLiteral("settings.set"),
                           {{"registration", m_pendingRegistration}},
                           [](Result<QJsonValue>) {}); // the next status shows whether it took
        }
    }
    m_window->statusPage()->setStatus(status, why);
    using S = ServerSupervisor::State;
    Health h;
    // Red: stopped, or failing (it exited and waits to be started again).
    if (m_supervisor &&
        (m_supervisor->state() == S::Stopped || m_supervisor->state() == S::Restarting))
        h = Health::Stopped;
    else if (m_supervisor && m_supervisor->state() != S::Running)
        h = Health::Starting;
    else if (status.isEmpty())
        h = m_supervisor ? Health::Degraded : Health::Stopped;
    else
        h = Health::Serving;
    // A disk about to fill up: media is refused then, and the database will stop next.
    if (!status.isEmpty()) {
        const double free = status.value("disk_free_bytes").toDouble();
        const double total = status.value("disk_total_bytes").toDouble();
        if (total > 0 && (free < kLowDiskBytes || free < total * 0.05)) {
            if (h == Health::Serving)
                h = Health::Degraded;
            if (!m_lastDiskNotice.isValid() || m_lastDiskNotice.elapsed() > 3600 * 1000) {
                m_lastDiskNotice.start();
                notify(tr("The server's disk is almost full"),
                       tr("%1 free. New photos and files are refused when it is full; free "
                          "space or move the data directory.")
                           .arg(StatusPage::bytes(free)));
            }
        }
    }
    if (m_start) {
        const S s = m_supervisor->state();
        m_start->setEnabled(s == S::Stopped || s == S::Restarting);
        m_stop->setEnabled(s != S::Stopped && s != S::Stopping);
        m_restart->setEnabled(s == S::Running || s == S::Starting);
    }
    m_copyFingerprint->setEnabled(!status.value("tls_sha256").toString().isEmpty());
    m_summary->setText(m_window->statusPage()->stateText());
    setHealth(h);
}

void TrayApp::setHealth(Health h) {
    if (h == m_health)
        return;
    m_health = h;
    m_tray->setIcon(healthIcon(h));
    m_tray->setToolTip(tr("Tidings Server: %1").arg(m_window->statusPage()->stateText()));
    emit healthChanged(h);
}

void TrayApp::notify(const QString &title, const QString &text) {
    m_lastNotice = title + QStringLiteral(": ") + text;
    if (QSystemTrayIcon::supportsMessages() && m_tray->isVisible())
        m_tray->showMessage(title, text, QSystemTrayIcon::Warning);
    emit noticeShown(title, text);
}

} // namespace tidings::admin
