#include "new_chat_dialog.h"

#include "chat_events.h"

#include "core/groups/groups.h"
#include "core/messaging/messaging.h"
#include "core/net/connection.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace tidings::ui {

NewChatDialog::NewChatDialog(client::Messaging *messaging, client::Groups *groups,
                             ChatEvents *events, const client::Connection *connection, Mode mode,
                             QWidget *parent)
    : QDialog(parent)
    , m_messaging(messaging)
    , m_groups(groups)
    , m_events(events)
    , m_connection(connection)
    , m_mode(mode)
    , m_name(new QLineEdit)
    , m_error(new QLabel) {
    const bool group = mode == Mode::Group;
    setWindowTitle(group ? tr("New group") : tr("New chat"));
    setAccessibleName(windowTitle());
    setMinimumWidth(380);
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    if (group) {
        m_name->setPlaceholderText(tr("e.g. Weekend trip"));
        m_name->setAccessibleName(tr("Group name"));
        form->addRow(tr("&Name:"), m_name);
        m_members = new QLineEdit;
        m_members->setPlaceholderText(tr("usernames, separated by commas"));
        m_members->setAccessibleName(tr("Members"));
        form->addRow(tr("&Members:"), m_members);
    } else {
        m_name->setPlaceholderText(tr("their username"));
        m_name->setAccessibleName(tr("Username"));
        form->addRow(tr("&Username:"), m_name);
    }
    layout->addLayout(form);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d93a3a"));
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(group ? tr("Create group") : tr("Start chat"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &NewChatDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString NewChatDialog::errorText() const {
    return m_error->isVisible() ? m_error->text() : QString();
}

void NewChatDialog::fail(const Error &error) {
    m_ok->setEnabled(true);
    QString text;
    switch (error.code) {
    case ErrorCode::NoSuchUser:
        text = tr("There is no user with that name.");
        break;
    case ErrorCode::InvalidUsername:
        text = tr("That is not a valid username.");
        break;
    case ErrorCode::Forbidden:
        text = tr("You cannot start a chat with this user.");
        break;
    case ErrorCode::GroupFull:
        text = tr("A group holds at most 500 members.");
        break;
    default:
        text = tr("That did not work: %1").arg(error.detail);
    }
    m_error->setText(text);
    m_error->show();
}

void NewChatDialog::submit() {
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        return;
    m_error->setText(m_connection->isAuthenticated() ? tr("Working…")
                                                     : tr("Waiting for the connection…"));
    m_error->show();
    m_ok->setEnabled(false);
    QPointer<NewChatDialog> self(this);
    if (m_mode == Mode::Direct) {
        m_messaging->openDirect(name, [self](Result<client::ConversationRecord> r) {
            if (!self)
                return;
            if (!r)
                return self->fail(r.error());
            self->m_conversationId = r->id;
            self->m_events->announce(r->id);
            emit self->chatReady(r->id);
            self->accept();
        });
        return;
    }
    const QStringList members =
        m_members->text().split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    m_groups->create(name, members, [self](Result<client::ConversationInfo> r) {
        if (!self)
            return;
        if (!r)
            return self->fail(r.error());
        self->m_conversationId = r->id;
        self->m_events->announce(r->id);
        emit self->chatReady(r->id);
        self->accept();
    });
}

} // namespace tidings::ui
