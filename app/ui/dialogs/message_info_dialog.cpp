#include "message_info_dialog.h"

#include "look.h"
#include "session.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPointer>
#include <QVBoxLayout>

namespace tidings::ui {

MessageInfoDialog::MessageInfoDialog(Session *session,
                                     const client::ConversationRecord &conversation,
                                     const client::MessageRecord &message, QWidget *parent)
    : QDialog(parent)
    , m_summary(new QLabel)
    , m_members(new QListWidget) {
    setWindowTitle(tr("Message info"));
    setAccessibleName(tr("Message info"));
    resize(380, 320);
    auto *layout = new QVBoxLayout(this);
    auto *text = new QLabel(message.text);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(text);
    const qint64 at = message.serverTimeMs > 0 ? message.serverTimeMs : message.sentAtMs;
    auto *when =
        new QLabel(tr("Sent %1 at %2")
                       .arg(dayLabel(QDateTime::fromMSecsSinceEpoch(at).date()), clockTime(at)));
    when->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(when);
    m_summary->setWordWrap(true);
    m_summary->setAccessibleName(tr("Delivery status"));
    layout->addWidget(m_summary);
    m_members->setAccessibleName(tr("Members"));
    layout->addWidget(m_members, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    const quint64 me = session->myUserId();
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
    if (!conversation.isGroup()) {
        const QString who = conversation.peerUsername;
        m_summary->setText(state == client::MessageState::Read ? tr("Read by %1").arg(who)
                           : state == client::MessageState::Delivered
                               ? tr("Delivered to %1, not read yet").arg(who)
                               : tr("Sent, not delivered to %1 yet").arg(who));
        m_members->hide();
        return;
    }
    m_summary->setText(tr("Asking the server…"));
    QPointer<MessageInfoDialog> self(this);
    session->client()->readers(
        conversation.id, message.seq, [self, seq = message.seq](Result<client::ReadersInfo> r) {
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
                const QString state = m.readSeq >= seq        ? tr("read")
                                      : m.deliveredSeq >= seq ? tr("delivered")
                                                              : tr("not delivered yet");
                self->m_members->addItem(tr("%1 — %2").arg(m.username, state));
            }
        });
}

QString MessageInfoDialog::summary() const {
    return m_summary->text();
}

} // namespace tidings::ui
