#pragma once
// The status page: what the server is doing at a glance (from the admin API's status, polled
// every two seconds), with start, stop and restart when the tray app runs the server itself.
#include <QJsonObject>
#include <QWidget>

class QLabel;
class QPushButton;

namespace tidings::admin {

class ServerSupervisor;

class StatusPage : public QWidget {
    Q_OBJECT
public:
    //! `supervisor` null: the server runs on its own (a service); no start or stop here.
    explicit StatusPage(ServerSupervisor *supervisor, QWidget *parent = nullptr);

    //! The latest status; empty when the server did not answer (`why` says why).
    void setStatus(const QJsonObject &status, const QString &why = {});
    QString stateText() const;
    QString fieldText(const QString &key) const;

    static QString bytes(double n);

private:
    void refreshButtons();

    ServerSupervisor *m_supervisor;
    QLabel *m_state;
    QHash<QString, QLabel *> m_fields;
    QPushButton *m_start = nullptr;
    QPushButton *m_stop = nullptr;
    QPushButton *m_restart = nullptr;
    QPushButton *m_copyFingerprint;
    QString m_fingerprint;
    bool m_answering = false;
    QString m_why;
};

} // namespace tidings::admin
