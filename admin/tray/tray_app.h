#pragma once
// The tray app (issue 13): a QSystemTrayIcon whose colour says how the server is (green serving,
// yellow starting or degraded, red stopped or failing: it exited and waits for its restart), a menu
// to open the window, start, stop and restart, copy the address and the certificate fingerprint,
// and start at login; desktop notifications when the server stops unexpectedly (it is started again
// with backoff) or the disk fills up. It either runs tidingsd itself ("managed", on the config the
// first-run wizard wrote) or administers one that runs as a service on this machine ("attached").
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include <memory>

class QAction;
class QMenu;
class QProcess;
class QSystemTrayIcon;
class QTimer;

namespace tidings::admin {

class AdminClient;
class AdminWindow;
class ServerSupervisor;

//! What the tray app remembers (QSettings, per user): which server and how it runs.
struct TrayProfile {
    bool managed = true; //!< the tray app runs tidingsd itself
    QString dataDir;     //!< the server's data directory
    QString configFile;  //!< managed: tidingsd's config file (the wizard writes it)
    QString tidingsd;    //!< managed: the tidingsd binary

    bool isComplete() const { return !dataDir.isEmpty() && (!managed || !configFile.isEmpty()); }
    static TrayProfile load();
    void save() const;
};

class TrayApp : public QObject {
    Q_OBJECT
public:
    enum class Health { Serving, Starting, Degraded, Stopped };
    Q_ENUM(Health)

    static constexpr int kPollMs = 2000;
    //! Below this much free space (or 5 % of the disk) the admin is told, at most hourly.
    static constexpr double kLowDiskBytes = 1024.0 * 1024 * 1024;

    explicit TrayApp(TrayProfile profile, QObject *parent = nullptr);
    ~TrayApp() override;

    void show();
    Health health() const { return m_health; }
    QSystemTrayIcon *trayIcon() const { return m_tray; }
    QMenu *menu() const { return m_menu; }
    AdminWindow *window() const { return m_window.get(); }
    ServerSupervisor *supervisor() const { return m_supervisor; }
    AdminClient *client() const { return m_client; }
    QAction *startAction() const { return m_start; }
    QAction *stopAction() const { return m_stop; }
    QAction *restartAction() const { return m_restart; }
    QAction *openAction() const { return m_open; }
    QAction *autostartAction() const { return m_autostart; }
    //! The last notification shown (tests; the tray shows it as a balloon).
    QString lastNotice() const { return m_lastNotice; }

    //! Asks the server for its status now (also every kPollMs).
    void poll();
    //! Runs the server on `dir` (a restored data directory with its tidingsd.conf) from now on:
    //! saves the profile and emits dataDirChanged; tidings-admin then starts itself again.
    bool switchDataDir(const QString &dir);

signals:
    void healthChanged(tidings::admin::TrayApp::Health health);
    void noticeShown(const QString &title, const QString &text);
    void dataDirChanged(const QString &dir);

private:
    void onStatus(const QJsonObject &status, const QString &why);
    void setHealth(Health h);
    void notify(const QString &title, const QString &text);
    void followJournal();

    TrayProfile m_profile;
    AdminClient *m_client;
    ServerSupervisor *m_supervisor = nullptr;
    std::unique_ptr<AdminWindow> m_window;
    QSystemTrayIcon *m_tray;
    QMenu *m_menu;
    QAction *m_summary;
    QAction *m_open;
    QAction *m_start = nullptr;
    QAction *m_stop = nullptr;
    QAction *m_restart = nullptr;
    QAction *m_copyAddress;
    QAction *m_copyFingerprint;
    QAction *m_autostart;
    QAction *m_quit;
    QTimer *m_poll;
    QProcess *m_journal = nullptr;
    Health m_health = Health::Stopped;
    QJsonObject m_lastStatus;
    bool m_polling = false;
    QElapsedTimer m_lastDiskNotice;
    QString m_lastNotice;
    QString m_pendingRegistration; //!< the first-run wizard's answer, until the server has it
};

} // namespace tidings::admin
