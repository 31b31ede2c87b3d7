#include "users_page.h"

#include "../admin_client.h"
#include "users_model.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace tidings::admin {

UsersPage::UsersPage(AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_model(new UsersModel(this))
    , m_table(new QTableView)
    , m_search(new QLineEdit)
    , m_create(new QPushButton(tr("New account…")))
    , m_disable(new QPushButton(tr("Disable")))
    , m_reset(new QPushButton(tr("Reset password…")))
    , m_delete(new QPushButton(tr("Delete…")))
    , m_message(new QLabel)
    , m_searchDelay(new QTimer(this)) {
    auto *layout = new QVBoxLayout(this);
    m_search->setPlaceholderText(tr("Search by username or name"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search accounts"));
    layout->addWidget(m_search);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setAccessibleName(tr("Accounts"));
    layout->addWidget(m_table, 1);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_create, m_disable, m_reset, m_delete})
        buttons->addWidget(b);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("usersMessage"));
    layout->addWidget(m_message);

    m_searchDelay->setSingleShot(true);
    m_searchDelay->setInterval(250);
    connect(m_searchDelay, &QTimer::timeout, this, &UsersPage::refresh);
    connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &UsersPage::selectionChanged);
    connect(m_model, &QAbstractItemModel::modelReset, this, &UsersPage::selectionChanged);
    connect(m_create, &QPushButton::clicked, this, &UsersPage::createUser);
    connect(m_disable, &QPushButton::clicked, this, &UsersPage::toggleDisabled);
    connect(m_reset, &QPushButton::clicked, this, &UsersPage::resetPassword);
    connect(m_delete, &QPushButton::clicked, this, &UsersPage::deleteUser);
    selectionChanged();
}

QString UsersPage::message() const {
    return m_message->text();
}

int UsersPage::selectedRow() const {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
}

void UsersPage::selectionChanged() {
    const int row = selectedRow();
    for (QPushButton *b : {m_disable, m_reset, m_delete})
        b->setEnabled(row >= 0);
    m_disable->setText(row >= 0 && m_model->disabledAt(row) ? tr("Enable") : tr("Disable"));
}

void UsersPage::refresh() {
    const QString keep = m_model->usernameAt(selectedRow());
    QPointer<UsersPage> self(this);
    m_client->call(QStringLiteral("users.list"), {{"search", m_search->text().trimmed()}},
                   [self, keep](Result<QJsonValue> r) {
                       if (!self)
                           return;
                       if (!r) {
                           self->m_message->setText(r.error().detail);
                           return;
                       }
                       self->m_model->setUsers(r->toArray());
                       for (int i = 0; i < self->m_model->rowCount(); ++i)
                           if (self->m_model->usernameAt(i) == keep)
                               self->m_table->selectRow(i);
                   });
}

QString UsersPage::ask(const QString &title, const QString &label, bool password) {
    if (!m_answers.isEmpty())
        return m_answers.takeFirst();
    return QInputDialog::getText(this, title, label,
                                 password ? QLineEdit::Password : QLineEdit::Normal);
}

void UsersPage::run(const QString &command, const QJsonObject &args, const QString &done) {
    QPointer<UsersPage> self(this);
    m_client->call(command, args, [self, done](Result<QJsonValue> r) {
        if (!self)
            return;
        const QString text = r ? done : r.error().detail;
        self->m_message->setText(text);
        emit self->actionDone(text);
        self->refresh();
    });
}

void UsersPage::toggleDisabled() {
    const int row = selectedRow();
    if (row < 0)
        return;
    const QString name = m_model->usernameAt(row);
    const bool disable = !m_model->disabledAt(row);
    run(disable ? QStringLiteral("users.disable") : QStringLiteral("users.enable"),
        {{"username", name}},
        disable ? tr("%1 is disabled: its devices were cut off and cannot log in.").arg(name)
                : tr("%1 is enabled again.").arg(name));
}

void UsersPage::createUser() {
    const QString name = ask(tr("New account"), tr("Username:"), false).trimmed();
    if (name.isEmpty())
        return;
    const QString password =
        ask(tr("New account"), tr("Password for %1 (at least 8 characters):").arg(name), true);
    if (password.isEmpty())
        return;
    run(QStringLiteral("users.create"), {{"username", name}, {"password", password}},
        tr("%1 can log in now.").arg(name));
}

void UsersPage::resetPassword() {
    const int row = selectedRow();
    if (row < 0)
        return;
    const QString name = m_model->usernameAt(row);
    const QString password =
        ask(tr("Reset password"),
            tr("New password for %1. Every device of the account is logged out.").arg(name), true);
    if (password.isEmpty())
        return;
    run(QStringLiteral("users.reset_password"), {{"username", name}, {"password", password}},
        tr("The password of %1 is reset; its devices were logged out.").arg(name));
}

void UsersPage::deleteUser() {
    const int row = selectedRow();
    if (row < 0)
        return;
    const QString name = m_model->usernameAt(row);
    if (m_answers.isEmpty() &&
        QMessageBox::warning(this, tr("Delete account"),
                             tr("Delete the account %1? Its devices are logged out and its "
                                "contacts, groups and keys are gone; messages it sent stay.")
                                 .arg(name),
                             QMessageBox::Cancel | QMessageBox::Yes,
                             QMessageBox::Cancel) != QMessageBox::Yes)
        return;
    if (!m_answers.isEmpty())
        m_answers.takeFirst();
    run(QStringLiteral("users.delete"), {{"username", name}}, tr("%1 is deleted.").arg(name));
}

} // namespace tidings::admin
