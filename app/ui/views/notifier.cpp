#include "notifier.h"

#include "chat_events.h"
#include "look.h"
#include "media/media_port.h"
#include "models/chat_list_model.h"

#include <QApplication>
#include <QIcon>
#include <QMenu>
#include <QPainter>
#include <QSystemTrayIcon>
#include <QWidget>

namespace tidings::ui {

Notifier::Notifier(ChatEvents *events, ChatListModel *chats, QWidget *window)
    : QObject(window)
    , m_chats(chats)
    , m_window(window) {
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(this);
        auto *menu = new QMenu(window);
        menu->addAction(tr("Open Tidings"), this, [this] {
            m_window->showNormal();
            m_window->raise();
            m_window->activateWindow();
        });
        menu->addAction(tr("Quit"), window, &QWidget::close);
        m_tray->setContextMenu(menu);
        connect(m_tray, &QSystemTrayIcon::activated, this,
                [this](QSystemTrayIcon::ActivationReason reason) {
                    if (reason == QSystemTrayIcon::Trigger)
                        emit openChat(0);
                });
        connect(m_tray, &QSystemTrayIcon::messageClicked, this,
                &Notifier::activateLastNotification);
        m_tray->show();
    }
    connect(events, &ChatEvents::incoming, this, &Notifier::onIncoming);
    connect(chats, &QAbstractItemModel::dataChanged, this, &Notifier::updateIcon);
    connect(chats, &QAbstractItemModel::modelReset, this, &Notifier::updateIcon);
    connect(chats, &QAbstractItemModel::rowsInserted, this, &Notifier::updateIcon);
    updateIcon();
}

QString Notifier::toolTip() const {
    const int unread = m_chats->totalUnread();
    return unread > 0 ? tr("Tidings — %n unread", nullptr, unread) : tr("Tidings");
}

void Notifier::updateIcon() {
    const int unread = m_chats->totalUnread();
    if (unread == m_unread)
        return;
    m_unread = unread;
    QPixmap pm(64, 64);
    pm.fill(Qt::transparent);
    {
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        QIcon(QStringLiteral(":/icons/tidings.svg")).paint(&p, pm.rect());
        if (unread > 0) {
            const QRect badge(28, 0, 36, 30);
            p.setPen(Qt::NoPen);
            p.setBrush(QColor(0xd9, 0x3a, 0x3a));
            p.drawRoundedRect(badge, 15, 15);
            QFont f = p.font();
            f.setBold(true);
            f.setPixelSize(unread > 99 ? 15 : 20);
            p.setFont(f);
            p.setPen(Qt::white);
            p.drawText(badge, Qt::AlignCenter,
                       unread > 99 ? QStringLiteral("99+") : QString::number(unread));
        }
    }
    const QIcon icon(pm);
    m_window->setWindowIcon(icon);
    if (m_tray) {
        m_tray->setIcon(icon);
        m_tray->setToolTip(toolTip());
    }
}

void Notifier::onIncoming(quint64 conversationId, const client::MessageRecord &message) {
    if (!m_enabled || m_window->isActiveWindow() || m_chats->isMuted(conversationId) ||
        message.event)
        return;
    m_lastConversation = conversationId;
    ++m_shown;
    const QString title = m_chats->titleOf(conversationId);
    const bool group = m_chats->isGroup(conversationId);
    const QString text = messagePreview(message);
    const QString body = group ? tr("%1: %2").arg(message.senderUsername, text) : text;
    const QString heading = title.isEmpty() ? message.senderUsername : title;
    if (m_tray)
        m_tray->showMessage(heading, body.left(200), QIcon(QStringLiteral(":/icons/tidings.svg")),
                            5000);
    QApplication::alert(m_window);
    emit notified(conversationId, heading, body.left(200));
}

} // namespace tidings::ui
