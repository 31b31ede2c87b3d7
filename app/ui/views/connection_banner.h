#pragma once
// A strip above the conversation while the client is not connected: "Connecting…",
// "Reconnecting in 5 s", and "Offline — messages will be sent when you reconnect" while the
// outbox holds messages; and, after the server ended the session because this device connected
// again elsewhere, why it stopped with a "Use here" button.
#include "core/net/connection.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QPushButton;

namespace tidings::client {
class Account;
class Messaging;
} // namespace tidings::client

namespace tidings::ui {

class ConnectionBanner : public QWidget {
    Q_OBJECT
public:
    //! Shows `connection`'s state while `account` exists; mentions what `messaging` has queued.
    ConnectionBanner(client::Connection *connection, client::Messaging *messaging,
                     const client::Account *account, QWidget *parent = nullptr);
    QString text() const;
    //! Recomputes the text (e.g. after something was queued in the outbox).
    void refresh();
    //! The session was ended for `why` and is not retried: says so, with "Use here" (or
    //! `action`) if `offerUseHere` (starting again can help), until the connection starts again.
    void showStopped(const QString &why, bool offerUseHere = true, const QString &action = {});
    bool offersUseHere() const;

signals:
    void useHereRequested();

private:
    void onState(client::Connection::State state);

    client::Connection *m_connection;
    client::Messaging *m_messaging;
    const client::Account *m_account;
    QLabel *m_label;
    QPushButton *m_useHere;
    QString m_stopped;
    bool m_offerUseHere = true;
    QTimer m_tick;
    QElapsedTimer m_since;
    int m_delayMs = 0;
};

} // namespace tidings::ui
