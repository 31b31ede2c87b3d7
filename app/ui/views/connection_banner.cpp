#include "connection_banner.h"

#include "core/account/account.h"
#include "core/messaging/messaging.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace tidings::ui {

ConnectionBanner::ConnectionBanner(client::Connection *connection, client::Messaging *messaging,
                                   const client::Account *account, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_messaging(messaging)
    , m_account(account)
    , m_label(new QLabel(this))
    , m_useHere(new QPushButton(tr("Use here"), this)) {
    setObjectName(QStringLiteral("connectionBanner"));
    setAccessibleName(tr("Connection status"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 6, 12, 6);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_useHere);
    m_label->setWordWrap(true);
    m_useHere->setObjectName(QStringLiteral("useHereButton"));
    m_useHere->hide();
    connect(m_useHere, &QPushButton::clicked, this, &ConnectionBanner::useHereRequested);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, QColor(0xf5, 0xc2, 0x42));
    p.setColor(QPalette::WindowText, QColor(0x2a, 0x22, 0x0a));
    setPalette(p);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ConnectionBanner::refresh);
    connect(connection, &client::Connection::stateChanged, this, &ConnectionBanner::onState);
    connect(connection, &client::Connection::reconnectScheduled, this, [this](int delayMs) {
        m_delayMs = delayMs;
        m_since.start();
        m_tick.start();
        refresh();
    });
    onState(connection->state());
}

void ConnectionBanner::onState(client::Connection::State state) {
    if (state != client::Connection::State::WaitingToReconnect)
        m_tick.stop();
    if (state != client::Connection::State::Idle)
        m_stopped.clear(); // started again
    refresh();
}

void ConnectionBanner::showStopped(const QString &why, bool offerUseHere, const QString &action) {
    m_stopped = why;
    m_offerUseHere = offerUseHere;
    m_useHere->setText(action.isEmpty() ? tr("Use here") : action);
    refresh();
}

bool ConnectionBanner::offersUseHere() const {
    return !m_useHere->isHidden();
}

QString ConnectionBanner::text() const {
    return m_label->text();
}

void ConnectionBanner::refresh() {
    using State = client::Connection::State;
    const State state = m_connection->state();
    m_useHere->setVisible(!m_stopped.isEmpty() && m_offerUseHere && state == State::Idle);
    if (!m_account->hasAccount() || state == State::Authenticated) {
        hide();
        return;
    }
    if (!m_stopped.isEmpty() && state == State::Idle) {
        m_label->setText(m_stopped);
        show();
        return;
    }
    auto queued = m_messaging->outboxSize();
    const bool pending = queued && *queued > 0;
    QString text;
    switch (state) {
    case State::Idle:
        text = tr("Offline");
        break;
    case State::Connecting:
    case State::Open:
        text = tr("Connecting…");
        break;
    case State::WaitingToReconnect: {
        const int left = qMax(0, int((m_delayMs - m_since.elapsed() + 999) / 1000));
        text = left > 0 ? tr("Reconnecting in %n s", nullptr, left) : tr("Connecting…");
        break;
    }
    case State::Authenticated:
        break;
    }
    if (pending)
        text = tr("Offline — messages will be sent when you reconnect") + QStringLiteral("  ·  ") +
               text;
    m_label->setText(text);
    show();
}

} // namespace tidings::ui
