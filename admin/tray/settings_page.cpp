#include "settings_page.h"

#include "../admin_client.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tidings::admin {

SettingsPage::SettingsPage(AdminClient *client, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_registration(new QComboBox)
    , m_retention(new QSpinBox)
    , m_mediaRetention(new QSpinBox)
    , m_apply(new QPushButton(tr("Apply")))
    , m_uses(new QSpinBox)
    , m_days(new QSpinBox)
    , m_note(new QLineEdit)
    , m_createInvite(new QPushButton(tr("Create invite code")))
    , m_code(new QLineEdit)
    , m_copyCode(new QPushButton(tr("Copy")))
    , m_invites(new QTableWidget(0, 4))
    , m_revoke(new QPushButton(tr("Revoke")))
    , m_message(new QLabel) {
    auto *layout = new QVBoxLayout(this);

    auto *server = new QGroupBox(tr("Server"));
    auto *form = new QFormLayout(server);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    m_registration->addItem(tr("Open: anyone who reaches the server"), QStringLiteral("open"));
    m_registration->addItem(tr("By invitation: with an invite code"), QStringLiteral("invite"));
    m_registration->addItem(tr("Closed: only accounts you create"), QStringLiteral("closed"));
    m_registration->setAccessibleName(tr("Who may create an account"));
    form->addRow(tr("New accounts:"), m_registration);
    m_retention->setRange(0, 36500);
    m_retention->setSpecialValueText(tr("forever"));
    m_retention->setSuffix(tr(" days"));
    m_retention->setAccessibleName(tr("Keep history for"));
    form->addRow(tr("Keep history:"), m_retention);
    m_mediaRetention->setRange(0, 36500);
    m_mediaRetention->setSpecialValueText(tr("while a message shows it"));
    m_mediaRetention->setSuffix(tr(" days after last sent"));
    m_mediaRetention->setAccessibleName(tr("Keep photos and files for"));
    form->addRow(tr("Keep photos and files:"), m_mediaRetention);
    auto *applyRow = new QHBoxLayout;
    applyRow->addStretch(1);
    applyRow->addWidget(m_apply);
    form->addRow(applyRow);
    layout->addWidget(server);

    auto *invites = new QGroupBox(tr("Invite codes"));
    auto *iv = new QVBoxLayout(invites);
    auto *make = new QHBoxLayout;
    m_uses->setRange(1, 1000);
    m_uses->setPrefix(tr("for "));
    m_uses->setSuffix(tr(" account(s)"));
    m_days->setRange(1, 365);
    m_days->setValue(7);
    m_days->setPrefix(tr("valid "));
    m_days->setSuffix(tr(" days"));
    m_note->setPlaceholderText(tr("Who it is for (optional)"));
    make->addWidget(m_uses);
    make->addWidget(m_days);
    make->addWidget(m_note, 1);
    make->addWidget(m_createInvite);
    iv->addLayout(make);
    auto *codeRow = new QHBoxLayout;
    m_code->setReadOnly(true);
    m_code->setPlaceholderText(tr("A new code shows here once: copy it and hand it over"));
    m_code->setAccessibleName(tr("New invite code"));
    QFont mono = m_code->font();
    mono.setFamily(QStringLiteral("monospace"));
    m_code->setFont(mono);
    codeRow->addWidget(m_code, 1);
    codeRow->addWidget(m_copyCode);
    iv->addLayout(codeRow);
    m_invites->setHorizontalHeaderLabels({tr("Id"), tr("For"), tr("Uses left"), tr("Expires")});
    m_invites->verticalHeader()->hide();
    m_invites->horizontalHeader()->setStretchLastSection(true);
    m_invites->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_invites->setSelectionMode(QAbstractItemView::SingleSelection);
    m_invites->setEditTriggers(QAbstractItemView::NoEditTriggers);
    iv->addWidget(m_invites, 1);
    auto *revokeRow = new QHBoxLayout;
    revokeRow->addStretch(1);
    revokeRow->addWidget(m_revoke);
    iv->addLayout(revokeRow);
    layout->addWidget(invites, 1);
    m_message->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("settingsMessage"));
    layout->addWidget(m_message);

    m_copyCode->setEnabled(false);
    m_revoke->setEnabled(false);
    connect(m_apply, &QPushButton::clicked, this, &SettingsPage::apply);
    connect(m_createInvite, &QPushButton::clicked, this, &SettingsPage::createInvite);
    connect(m_revoke, &QPushButton::clicked, this, &SettingsPage::revokeInvite);
    connect(m_copyCode, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_code->text()); });
    connect(m_invites, &QTableWidget::itemSelectionChanged, this,
            [this] { m_revoke->setEnabled(!m_invites->selectedItems().isEmpty()); });
}

QString SettingsPage::lastInviteCode() const {
    return m_code->text();
}

QString SettingsPage::message() const {
    return m_message->text();
}

void SettingsPage::refresh() {
    QPointer<SettingsPage> self(this);
    m_client->call(QStringLiteral("settings.get"), {}, [self](Result<QJsonValue> r) {
        if (!self || !r)
            return;
        const QJsonObject s = r->toObject();
        self->m_registration->setCurrentIndex(
            self->m_registration->findData(s.value("registration").toString()));
        self->m_retention->setValue(s.value("retention_days").toInt());
        self->m_mediaRetention->setValue(s.value("media_retention_days").toInt());
    });
    m_client->call(QStringLiteral("invites.list"), {}, [self](Result<QJsonValue> r) {
        if (!self || !r)
            return;
        const QJsonArray list = r->toArray();
        self->m_invites->setRowCount(int(list.size()));
        for (int i = 0; i < list.size(); ++i) {
            const QJsonObject o = list[i].toObject();
            const QStringList cells{
                QString::number(o.value("id").toInt()), o.value("note").toString(),
                QString::number(o.value("uses_left").toInt()),
                QLocale().toString(
                    QDateTime::fromMSecsSinceEpoch(qint64(o.value("expires_ms").toDouble())),
                    QLocale::ShortFormat)};
            for (int c = 0; c < cells.size(); ++c)
                self->m_invites->setItem(i, c, new QTableWidgetItem(cells[c]));
        }
    });
}

void SettingsPage::apply() {
    QPointer<SettingsPage> self(this);
    m_client->call(QStringLiteral("settings.set"),
                   {{"registration", m_registration->currentData().toString()},
                    {"retention_days", m_retention->value()},
                    {"media_retention_days", m_mediaRetention->value()}},
                   [self](Result<QJsonValue> r) {
                       if (!self)
                           return;
                       self->m_message->setText(r ? tr("Saved.") : r.error().detail);
                       self->refresh();
                   });
}

void SettingsPage::createInvite() {
    QPointer<SettingsPage> self(this);
    m_client->call(QStringLiteral("invites.create"),
                   {{"uses", m_uses->value()}, {"days", m_days->value()}, {"note", m_note->text()}},
                   [self](Result<QJsonValue> r) {
                       if (!self)
                           return;
                       if (!r) {
                           self->m_message->setText(r.error().detail);
                           return;
                       }
                       self->m_code->setText(r->toObject().value("code").toString());
                       self->m_copyCode->setEnabled(true);
                       self->m_note->clear();
                       self->m_message->setText(
                           tr("The code is shown only now: copy it and hand it over."));
                       self->refresh();
                   });
}

void SettingsPage::revokeInvite() {
    const QList<QTableWidgetItem *> items = m_invites->selectedItems();
    if (items.isEmpty())
        return;
    const int id = m_invites->item(items.first()->row(), 0)->text().toInt();
    QPointer<SettingsPage> self(this);
    m_client->call(QStringLiteral("invites.revoke"), {{"id", id}}, [self](Result<QJsonValue> r) {
        if (!self)
            return;
        self->m_message->setText(r ? tr("The invite code no longer works.") : r.error().detail);
        self->refresh();
    });
}

} // namespace tidings::admin
