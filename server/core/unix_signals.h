#pragma once
// Turns SIGTERM/SIGINT into a Qt signal: the handler only writes a byte to a socketpair, the
// event loop reads it (the only async-signal-safe way to reach Qt code).
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

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace tidings::server
