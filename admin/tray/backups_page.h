#pragma once
// The backups page: back up now (online, the server keeps serving), the daily backup and how
// many archives it keeps, the archives in DATA/backups, and restoring one into an empty folder
// (tidingsd --restore; the server on the current data directory is not touched). A tray app that
// runs its own server can switch to the restored folder.
#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QLabel;
class QProcess;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace tidings::admin {

class AdminClient;

class BackupsPage : public QWidget {
    Q_OBJECT
public:
    //! `tidingsd`: the program that restores; `managed`: the tray app runs the server itself.
    BackupsPage(AdminClient *client, QString tidingsd, bool managed, QWidget *parent = nullptr);

    void refresh();
    //! Restores `archive` into the empty folder `dir` (what "Restore…" does after its dialogs).
    void restore(const QString &archive, const QString &dir);

    QPushButton *backupButton() const { return m_backup; }
    QPushButton *restoreButton() const { return m_restore; }
    QPushButton *switchButton() const { return m_switch; }
    QCheckBox *dailyBox() const { return m_daily; }
    QSpinBox *hourBox() const { return m_hour; }
    QSpinBox *keepBox() const { return m_keep; }
    QPushButton *applyButton() const { return m_apply; }
    QTableWidget *archivesTable() const { return m_archives; }
    QString message() const;
    bool busy() const;

signals:
    //! The admin chose to run the server on a restored data directory.
    void useDataDir(const QString &dir);

private:
    void backupNow();
    void poll();
    void showStatus(const QJsonObject &status);
    void applySchedule();
    void chooseRestore();
    QString selectedArchive() const;

    AdminClient *m_client;
    QString m_tidingsd;
    bool m_managed;
    QPushButton *m_backup;
    QLabel *m_progress;
    QCheckBox *m_daily;
    QSpinBox *m_hour;
    QSpinBox *m_keep;
    QPushButton *m_apply;
    QTableWidget *m_archives;
    QPushButton *m_showFolder;
    QPushButton *m_restore;
    QPushButton *m_switch;
    QLabel *m_message;
    QTimer *m_poll;
    QProcess *m_restoring = nullptr;
    QString m_folder;   //!< DATA/backups
    QString m_restored; //!< the folder the last restore filled
};

} // namespace tidings::admin
