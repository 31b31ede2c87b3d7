#include "group_info_panel.h"

#include "chat_events.h"
#include "dialogs/safety_number_dialog.h"

#include "core/account/account.h"
#include "core/groups/groups.h"

#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
constexpr int kAdminRole = Qt::UserRole + 1;
constexpr int kUsernameRole = Qt::UserRole + 2;
} // namespace

GroupInfoPanel::GroupInfoPanel(client::Groups *groups, client::Keys *keys,
                               const client::Account *account, ChatEvents *events, QWidget *parent)
    : QWidget(parent)
    , m_groups(groups)
    , m_keys(keys)
    , m_account(account)
    , m_name(new QLabel)
    , m_count(new QLabel)
    , m_members(new QListWidget)
    , m_rename(new QPushButton(tr("Rename…")))
    , m_add(new QPushButton(tr("Add member…")))
    , m_remove(new QPushButton(tr("Remove")))
    , m_admin(new QPushButton(tr("Make admin")))
    , m_leave(new QPushButton(tr("Leave group")))
    , m_error(new QLabel) {
    setObjectName(QStringLiteral("groupInfoPanel"));
    setAccessibleName(tr("Group info"));
    setMinimumWidth(240);
    setMaximumWidth(340);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 14, 14, 14);
    QFont f = m_name->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_name->setFont(f);
    m_name->setWordWrap(true);
    m_name->setAccessibleName(tr("Group name"));
    layout->addWidget(m_name);
    m_count->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_count);
    layout->addWidget(m_rename);
    m_members->setAccessibleName(tr("Members"));
    m_members->setFrameShape(QFrame::NoFrame);
    m_members->setContextMenuPolicy(Qt::CustomContextMenu);
    layout->addWidget(m_members, 1);
    auto *row = new QHBoxLayout;
    row->addWidget(m_add);
    row->addWidget(m_remove);
    layout->addLayout(row);
    layout->addWidget(m_admin);
    layout->addWidget(m_leave);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d93a3a"));
    m_error->hide();
    layout->addWidget(m_error);
    for (auto *b : {m_rename, m_add, m_remove, m_admin, m_leave})
        b->setAccessibleName(b->text().remove(QStringLiteral("…")));

    connect(m_members, &QListWidget::currentRowChanged, this, &GroupInfoPanel::updateButtons);
    connect(m_members, &QListWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QString username = selectedUsername();
        if (username.isEmpty() || username == m_account->settings().username)
            return;
        QMenu menu(this);
        menu.addAction(tr("Verify security code…"), this,
                       [this, username] { verifyMember(username); });
        menu.exec(m_members->viewport()->mapToGlobal(pos));
    });
    connect(events, &ChatEvents::chatChanged, this, [this](quint64 id) {
        if (id == m_conversationId && isVisible())
            reload();
    });
    connect(m_rename, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename group"), tr("New name:"),
                                                   QLineEdit::Normal, m_name->text(), &ok);
        if (ok && !name.trimmed().isEmpty())
            rename(name.trimmed());
    });
    connect(m_add, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString user = QInputDialog::getText(this, tr("Add member"), tr("Username:"),
                                                   QLineEdit::Normal, QString(), &ok);
        if (ok && !user.trimmed().isEmpty())
            addMember(user.trimmed());
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (!selectedUsername().isEmpty())
            removeMember(selectedUsername());
    });
    connect(m_admin, &QPushButton::clicked, this, [this] {
        if (!selectedUsername().isEmpty())
            setAdmin(selectedUsername(), !selectedIsAdmin());
    });
    connect(m_leave, &QPushButton::clicked, this, [this] {
        if (QMessageBox::question(this, tr("Leave group"),
                                  tr("Leave “%1”? You keep the history.").arg(m_name->text())) ==
            QMessageBox::Yes)
            leave();
    });
}

void GroupInfoPanel::verifyMember(const QString &username) {
    auto *dialog = new SafetyNumberDialog(m_keys, username, QString(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

QString GroupInfoPanel::errorText() const {
    return m_error->isVisible() ? m_error->text() : QString();
}

void GroupInfoPanel::setConversation(quint64 conversationId) {
    m_conversationId = conversationId;
    m_error->hide();
    reload();
    // The local copy may be stale: ask the server, which refreshes it (chatChanged follows).
    m_groups->info(conversationId, [this](Result<client::ConversationInfo> r) {
        if (r && r->id == m_conversationId)
            reload();
    });
}

void GroupInfoPanel::reload() {
    auto group = m_groups->stored(m_conversationId);
    const QString current = selectedUsername();
    m_members->clear();
    m_iAmAdmin = false;
    if (!group || !group->has_value())
        return;
    const client::ConversationRecord &conv = (*group)->conversation;
    const QList<client::MemberRecord> &members = (*group)->members;
    m_name->setText(conv.name);
    m_count->setText(tr("%n members", nullptr, int(members.size())));
    const quint64 me = m_account->userId();
    for (const auto &m : members) {
        const bool admin = m.role == client::MemberRole::Admin;
        const QString name =
            m.displayName.isEmpty() ? m.username : tr("%1 (%2)").arg(m.displayName, m.username);
        QString label = m.userId == me ? tr("%1 (you)").arg(name) : name;
        if (admin)
            label += QStringLiteral("  ·  ") + tr("admin");
        auto *item = new QListWidgetItem(label, m_members);
        item->setData(kAdminRole, admin);
        item->setData(kUsernameRole, m.username);
        if (m.userId == me)
            m_iAmAdmin = admin;
        if (m.username == current)
            m_members->setCurrentItem(item);
    }
    m_leave->setEnabled(conv.isMember);
    updateButtons();
}

QString GroupInfoPanel::selectedUsername() const {
    auto *item = m_members->currentItem();
    return item ? item->data(kUsernameRole).toString() : QString();
}

bool GroupInfoPanel::selectedIsAdmin() const {
    auto *item = m_members->currentItem();
    return item && item->data(kAdminRole).toBool();
}

void GroupInfoPanel::updateButtons() {
    const QString sel = selectedUsername();
    const bool other = !sel.isEmpty() && sel != m_account->settings().username;
    m_rename->setVisible(m_iAmAdmin);
    m_add->setVisible(m_iAmAdmin);
    m_remove->setVisible(m_iAmAdmin);
    m_admin->setVisible(m_iAmAdmin);
    m_remove->setEnabled(other);
    m_admin->setEnabled(other);
    m_admin->setText(selectedIsAdmin() ? tr("Revoke admin") : tr("Make admin"));
}

void GroupInfoPanel::run(int action, const QString &username, const QString &name) {
    m_error->hide();
    m_groups->change(m_conversationId, client::GroupAction(action), username, name,
                     [this, id = m_conversationId](Status s) {
                         if (id != m_conversationId)
                             return;
                         if (!s) {
                             m_error->setText(
                                 s.error().code == ErrorCode::NotAdmin
                                     ? tr("Only admins can do that.")
                                 : s.error().code == ErrorCode::NoSuchUser
                                     ? tr("There is no user with that name.")
                                     : tr("That did not work: %1").arg(s.error().detail));
                             m_error->show();
                             return;
                         }
                         m_groups->info(id, [this](Result<client::ConversationInfo>) {
                             reload();
                             emit changed();
                         });
                     });
}

void GroupInfoPanel::addMember(const QString &username) {
    run(int(client::GroupAction::Add), username, QString());
}

void GroupInfoPanel::removeMember(const QString &username) {
    run(int(client::GroupAction::Remove), username, QString());
}

void GroupInfoPanel::setAdmin(const QString &username, bool admin) {
    run(int(admin ? client::GroupAction::Promote : client::GroupAction::Demote), username,
        QString());
}

void GroupInfoPanel::rename(const QString &name) {
    run(int(client::GroupAction::Rename), QString(), name);
}

void GroupInfoPanel::leave() {
    run(int(client::GroupAction::Leave), QString(), QString());
}

} // namespace tidings::ui
