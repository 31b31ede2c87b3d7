#include "message_info_dialog.h"

#include "look.h"
#include "models/message_model.h"

#include "core/groups/groups.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
//! "Today, 14:02", "Yesterday, 09:15", "Monday, 3 June, 18:00"; a dash when unknown.
QString when(qint64 ms) {
    if (ms <= 0)
        return QStringLiteral("—");
    return MessageInfoDialog::tr("%1, %2").arg(dayLabel(QDateTime::fromMSecsSinceEpoch(ms).date()),
                                               clockTime(ms));
}
QString nameOf(const QString &displayName, const QString &username) {
    return displayName.isEmpty() ? username : displayName;
}
} // namespace

MessageInfoDialog::MessageInfoDialog(MessageModel *messages, client::Groups *groups,
                                     const client::MessageRecord &message, QWidget *parent)
    : QDialog(parent)
    , m_summary(new QLabel)
    , m_members(new QTreeWidget) {
    setWindowTitle(tr("Message info"));
    setAccessibleName(tr("Message info"));
    resize(460, 340);
    auto *layout = new QVBoxLayout(this);
    auto *text = new QLabel(MessageModel::displayText(message));
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(text);
    const qint64 at = message.serverTimeMs > 0 ? message.serverTimeMs : message.sentAtMs;
    auto *sent = new QLabel(tr("Sent: %1").arg(when(at)));
    sent->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(sent);
    m_summary->setWordWrap(true);
    m_summary->setAccessibleName(tr("Delivery status"));
    layout->addWidget(m_summary);
    // Who got it and when: one row per recipient, the times of the first receipt covering it.
    m_members->setAccessibleName(tr("Recipients"));
    m_members->setRootIsDecorated(false);
    m_members->setColumnCount(3);
    m_members->setHeaderLabels({tr("Recipient"), tr("Delivered"), tr("Read")});
    m_members->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_members->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_members->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_members->setSelectionMode(QAbstractItemView::NoSelection);
    layout->addWidget(m_members, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    const client::ConversationRecord conversation = messages->conversation();
    const quint64 me = messages->myUserId();
    const bool mine = message.outgoing || message.senderUserId == me;
    const auto state = client::deriveState(message, conversation, me);
    if (!mine) {
        m_summary->setText(tr("From %1").arg(message.senderUsername));
        m_members->hide();
        return;
    }
    if (state == client::MessageState::Pending) {
        m_summary->setText(tr("Waiting to be sent"));
        m_members->hide();
        return;
    }
    if (state == client::MessageState::Failed) {
        m_summary->setText(tr("Not sent: the server refused it"));
        m_members->hide();
        return;
    }
    // Times recorded locally from receipts (0: not yet, or from before this device knew).
    QHash<quint64, client::ReceiptTime> times;
    for (const auto &r : messages->receiptTimes(message.seq))
        times.insert(r.userId, r);
    if (!conversation.isGroup()) {
        const QString who = nameOf(conversation.displayName, conversation.peerUsername);
        m_summary->setText(state == client::MessageState::Read ? tr("Read by %1").arg(who)
                           : state == client::MessageState::Delivered
                               ? tr("Delivered to %1, not read yet").arg(who)
                               : tr("Sent, not delivered to %1 yet").arg(who));
        const auto t = times.value(conversation.peerUserId);
        const bool delivered =
            state == client::MessageState::Delivered || state == client::MessageState::Read;
        addRow(who, delivered ? when(t.deliveredAtMs) : tr("not yet"),
               state == client::MessageState::Read ? when(t.readAtMs) : tr("not yet"));
        return;
    }
    m_summary->setText(tr("Asking the server…"));
    QPointer<MessageInfoDialog> self(this);
    groups->readers(
        conversation.id, message.seq,
        [self, seq = message.seq, times](Result<client::ReadersInfo> r) {
            if (!self)
                return;
            if (!r) {
                self->m_summary->setText(tr("Cannot get the status: %1").arg(r.error().detail));
                return;
            }
            self->m_summary->setText(tr("Read by %1 of %2, delivered to %3 of %2")
                                         .arg(r->read)
                                         .arg(r->recipients)
                                         .arg(r->delivered));
            for (const auto &m : r->members) {
                const auto t = times.value(m.userId);
                self->addRow(nameOf(m.displayName, m.username),
                             m.deliveredSeq >= seq ? when(t.deliveredAtMs) : tr("not yet"),
                             m.readSeq >= seq ? when(t.readAtMs) : tr("not yet"));
            }
        });
}

void MessageInfoDialog::addRow(const QString &who, const QString &delivered, const QString &read) {
    auto *item = new QTreeWidgetItem(m_members, {who, delivered, read});
    item->setData(0, Qt::AccessibleTextRole,
                  tr("%1: delivered %2, read %3").arg(who, delivered, read));
}

QString MessageInfoDialog::summary() const {
    return m_summary->text();
}

int MessageInfoDialog::recipientCount() const {
    return m_members->topLevelItemCount();
}

QStringList MessageInfoDialog::recipientRow(int row) const {
    const QTreeWidgetItem *item = m_members->topLevelItem(row);
    if (!item)
        return {};
    return {item->text(0), item->text(1), item->text(2)};
}

} // namespace tidings::ui
