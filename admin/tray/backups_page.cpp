#include "backups_page.h"

#include "../admin_client.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

namespace tidings::admin {

namespace {
constexpr int kPollMs = 500;
} // namespace

BackupsPage::BackupsPage(AdminClient *client, QString tidingsd, bool managed, QWidget *parent)
    : QWidget(parent)
    , m_client(client)
    , m_tidingsd(std::move(tidingsd))
    , m_managed(managed)
    , m_backup(new QPushButton(tr("Back up now")))
    , m_progress(new QLabel)
    , m_daily(new QCheckBox(tr("Back up every day at")))
    , m_hour(new QSpinBox)
    , m_keep(new QSpinBox)
    , m_apply(new QPushButton(tr("Apply")))
    , m_archives(new QTableWidget(0, 3))
    , m_showFolder(new QPushButton(tr("Show folder")))
    , m_restore(new QPushButton(tr("Restore…")))
    , m_switch(new QPushButton(tr("Run the server on the restored data")))
    , m_message(new QLabel)
    , m_poll(new QTimer(this))
    , m_folder(QDir(client->dataDir()).filePath(QStringLiteral("backups"))) {
    auto *layout = new QVBoxLayout(this);

    auto *now = new QGroupBox(tr("Back up"));
    auto *nv = new QVBoxLayout(now);
    auto *intro =
        new QLabel(tr("A backup holds the database, every media file and the server's settings and "
                      "certificate, in one archive. The server keeps serving while it is made."));
    intro->setWordWrap(true);
    nv->addWidget(intro);
    auto *nowRow = new QHBoxLayout;
    nowRow->addWidget(m_backup);
    m_progress->setObjectName(QStringLiteral("backupProgress"));
    nowRow->addWidget(m_progress, 1);
    nv->addLayout(nowRow);
    layout->addWidget(now);

    auto *daily = new QGroupBox(tr("Daily backup"));
    auto *dv = new QHBoxLayout(daily);
    m_hour->setRange(0, 23);
    m_hour->setSuffix(QStringLiteral(":00"));
    m_hour->setAccessibleName(tr("Hour of the daily backup"));
    m_keep->setRange(1, 365);
    m_keep->setPrefix(tr("keep the newest "));
    m_keep->setAccessibleName(tr("Backups to keep"));
    dv->addWidget(m_daily);
    dv->addWidget(m_hour);
    dv->addWidget(m_keep);
    dv->addStretch(1);
    dv->addWidget(m_apply);
    layout->addWidget(daily);

    auto *archives = new QGroupBox(tr("Backups in %1").arg(QDir::toNativeSeparators(m_folder)));
    auto *av = new QVBoxLayout(archives);
    m_archives->setHorizontalHeaderLabels({tr("Archive"), tr("Size"), tr("Made")});
    m_archives->verticalHeader()->hide();
    m_archives->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_archives->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_archives->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_archives->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_archives->setSelectionMode(QAbstractItemView::SingleSelection);
    m_archives->setEditTriggers(QAbstractItemView::NoEditTriggers);
    av->addWidget(m_archives, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_showFolder);
    buttons->addStretch(1);
    buttons->addWidget(m_switch);
    buttons->addWidget(m_restore);
    av->addLayout(buttons);
    layout->addWidget(archives, 1);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setObjectName(QStringLiteral("backupsMessage"));
    layout->addWidget(m_message);

    m_switch->setVisible(false);
    connect(m_backup, &QPushButton::clicked, this, &BackupsPage::backupNow);
    connect(m_apply, &QPushButton::clicked, this, &BackupsPage::applySchedule);
    connect(m_daily, &QCheckBox::toggled, m_hour, &QWidget::setEnabled);
    connect(m_restore, &QPushButton::clicked, this, &BackupsPage::chooseRestore);
    connect(m_showFolder, &QPushButton::clicked, this,
            [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_folder)); });
    connect(m_switch, &QPushButton::clicked, this, [this] { emit useDataDir(m_restored); });
    connect(m_poll, &QTimer::timeout, this, &BackupsPage::poll);
}

QString BackupsPage::message() const {
    return m_message->text();
}

bool BackupsPage::busy() const {
    return m_poll->isActive() || m_restoring;
}

void BackupsPage::refresh() {
    QPointer<BackupsPage> self(this);
    m_client->call(QStringLiteral("settings.get"), {}, [self](Result<QJsonValue> r) {
        if (!self || !r)
            return;
        const QJsonObject s = r->toObject();
        const int hour = s.value("backup_hour").toInt(-1);
        self->m_daily->setChecked(hour >= 0);
        self->m_hour->setEnabled(hour >= 0);
        self->m_hour->setValue(hour >= 0 ? hour : 3);
        self->m_keep->setValue(s.value("backup_keep").toInt(7));
    });
    m_client->call(QStringLiteral("backups.list"), {}, [self](Result<QJsonValue> r) {
        if (!self || !r)
            return;
        const QJsonArray list = r->toArray();
        self->m_archives->setRowCount(int(list.size()));
        for (int i = 0; i < list.size(); ++i) {
            const QJsonObject o = list[i].toObject();
            const QStringList cells{
                o.value("name").toString(),
                QLocale().formattedDataSize(qint64(o.value("bytes").toDouble())),
                QLocale().toString(
                    QDateTime::fromString(o.value("created_at").toString(), Qt::ISODate)
                        .toLocalTime(),
                    QLocale::ShortFormat)};
            for (int c = 0; c < cells.size(); ++c) {
                auto *item = new QTableWidgetItem(cells[c]);
                item->setData(Qt::UserRole, o.value("path").toString());
                self->m_archives->setItem(i, c, item);
            }
        }
        if (!list.isEmpty() && self->m_archives->selectedItems().isEmpty())
            self->m_archives->selectRow(0);
    });
    poll();
}

void BackupsPage::backupNow() {
    QPointer<BackupsPage> self(this);
    m_backup->setEnabled(false);
    m_client->call(QStringLiteral("backup.create"), {}, [self](Result<QJsonValue> r) {
        if (!self)
            return;
        if (!r) {
            self->m_backup->setEnabled(true);
            self->m_message->setText(r.error().detail);
            return;
        }
        self->m_message->clear();
        self->showStatus(r->toObject());
    });
}

void BackupsPage::poll() {
    QPointer<BackupsPage> self(this);
    m_client->call(QStringLiteral("backup.status"), {}, [self](Result<QJsonValue> r) {
        if (self && r)
            self->showStatus(r->toObject());
    });
}

void BackupsPage::showStatus(const QJsonObject &s) {
    const bool running = s.value("running").toBool();
    m_backup->setEnabled(!running);
    const QString stage = s.value("stage").toString();
    if (running) {
        if (!m_poll->isActive())
            m_poll->start(kPollMs);
        m_progress->setText(
            stage == QLatin1String("writing the archive")
                ? tr("Writing the archive: %1, %n media file(s)…", nullptr,
                     s.value("media_blobs").toInt())
                      .arg(QLocale().formattedDataSize(qint64(s.value("bytes").toDouble())))
            : stage == QLatin1String("dumping the database") ? tr("Copying the database…")
                                                             : tr("Waiting to begin…"));
        return;
    }
    const bool wasPolling = m_poll->isActive();
    m_poll->stop();
    if (stage == QLatin1String("failed")) {
        m_progress->setText(tr("The last backup failed."));
        m_message->setText(s.value("error").toString());
    } else if (stage == QLatin1String("done")) {
        m_progress->setText(
            tr("Last backup: %1, %2")
                .arg(QLocale().formattedDataSize(qint64(s.value("bytes").toDouble())),
                     QLocale().toString(
                         QDateTime::fromString(s.value("finished_at").toString(), Qt::ISODate)
                             .toLocalTime(),
                         QLocale::ShortFormat)));
    }
    if (wasPolling)
        refresh();
}

void BackupsPage::applySchedule() {
    QPointer<BackupsPage> self(this);
    m_client->call(QStringLiteral("settings.set"),
                   {{"backup_hour", m_daily->isChecked() ? m_hour->value() : -1},
                    {"backup_keep", m_keep->value()}},
                   [self](Result<QJsonValue> r) {
                       if (!self)
                           return;
                       self->m_message->setText(r ? tr("Saved.") : r.error().detail);
                       self->refresh();
                   });
}

QString BackupsPage::selectedArchive() const {
    const QList<QTableWidgetItem *> items = m_archives->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(Qt::UserRole).toString();
}

void BackupsPage::chooseRestore() {
    const QString archive = QFileDialog::getOpenFileName(
        this, tr("Backup to restore"), selectedArchive().isEmpty() ? m_folder : selectedArchive(),
        tr("Tidings backups (*.tar);;All files (*)"));
    if (archive.isEmpty())
        return;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("An empty folder for the restored data"), QDir::homePath());
    if (dir.isEmpty())
        return;
    restore(archive, dir);
}

void BackupsPage::restore(const QString &archive, const QString &dir) {
    if (m_restoring)
        return;
    m_restore->setEnabled(false);
    m_switch->setVisible(false);
    m_message->setText(tr("Restoring %1 into %2…")
                           .arg(QFileInfo(archive).fileName(), QDir::toNativeSeparators(dir)));
    m_restoring = new QProcess(this);
    m_restoring->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_restoring, &QProcess::finished, this, [this, dir](int code, QProcess::ExitStatus st) {
        const QString out = QString::fromLocal8Bit(m_restoring->readAll()).trimmed();
        m_restoring->deleteLater();
        m_restoring = nullptr;
        m_restore->setEnabled(true);
        if (st != QProcess::NormalExit || code != 0) {
            // tidingsd says why in its last line ("tidingsd: … is not empty …").
            m_message->setText(
                tr("The restore failed: %1").arg(out.section(QLatin1Char('\n'), -1)));
            return;
        }
        m_restored = dir;
        m_switch->setVisible(m_managed);
        m_message->setText(
            m_managed ? tr("Restored into %1. The server still runs on its old data until you "
                           "switch to the restored data.")
                            .arg(QDir::toNativeSeparators(dir))
                      : tr("Restored into %1. Point the service at it (data-dir in its config "
                           "file) and restart it.")
                            .arg(QDir::toNativeSeparators(dir)));
    });
    connect(m_restoring, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        m_message->setText(tr("Cannot run %1.").arg(m_tidingsd));
        m_restoring->deleteLater();
        m_restoring = nullptr;
        m_restore->setEnabled(true);
    });
    m_restoring->start(m_tidingsd,
                       {QStringLiteral("--restore"), archive, QStringLiteral("--data-dir"), dir});
}

} // namespace tidings::admin
