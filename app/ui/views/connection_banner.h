#pragma once
// A strip above the conversation while the client is not connected: "Connecting…",
// "Reconnecting in 5 s", and "Offline — messages will be sent when you reconnect" while the
// outbox holds messages.
#include "core/net/connection.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QLabel;

namespace tidings::ui {

class Session;

class ConnectionBanner : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionBanner(Session *session, QWidget *parent = nullptr);
    QString text() const;
    //! Recomputes the text (e.g. after something was queued in the outbox).
    void refresh();

private:
    void onState(client::Connection::State state);

    Session *m_session;
    QLabel *m_label;
    QTimer m_tick;
    QElapsedTimer m_since;
    int m_delayMs = 0;
};

} // namespace tidings::ui
