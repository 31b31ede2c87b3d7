#pragma once
// Turns SIGTERM/SIGINT (terminate) and SIGHUP (reload) into Qt signals: the handler only writes a
// byte to a socketpair, the event loop reads it (the only async-signal-safe way to reach Qt code).
#include <QObject>

class QSocketNotifier;

namespace tidings::server {

class UnixSignals : public QObject {
    Q_OBJECT
public:
    explicit UnixSignals(QObject *parent = nullptr);
    ~UnixSignals() override;

signals:
    void terminate(int signal);
    //! SIGHUP: reload what can change at run time (the TLS certificate).
    void reload();

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace tidings::server
