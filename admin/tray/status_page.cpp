#include "status_page.h"

#include "../server_supervisor.h"

#include <QApplication>
#include <QClipboard>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::admin {

namespace {

QString duration(qint64 s) {
    if (s < 3600)
        return StatusPage::tr("%1 min").arg(s / 60);
    if (s < 86400)
        return StatusPage::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return StatusPage::tr("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

} // namespace

QString StatusPage::bytes(double n) {
    return QLocale().formattedDataSize(qint64(n), 1, QLocale::DataSizeTraditionalFormat);
}

StatusPage::StatusPage(ServerSupervisor *supervisor, QWidget *parent)
    : QWidget(parent)
    , m_supervisor(supervisor)
    , m_state(new QLabel)
    , m_copyFingerprint(new QPushButton(tr("Copy"))) {
    auto *layout = new QVBoxLayout(this);
    QFont big = m_state->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_state->setFont(big);
    m_state->setObjectName(QStringLiteral("serverState"));
    m_state->setWordWrap(true);
    layout->addWidget(m_state);

    auto *form = new QFormLayout;
    const QList<std::pair<QString, QString>> fields{
        {"address", tr("Address:")},
        {"fingerprint", tr("Certificate:")},
        {"uptime", tr("Running for:")},
        {"devices", tr("Devices connected:")},
        {"rate", tr("Messages per second:")},
        {"stored", tr("Messages stored:")},
        {"users", tr("Accounts:")},
        {"registration", tr("Registration:")},
        {"database", tr("Database:")},
        {"media", tr("Media:")},
        {"disk", tr("Free disk space:")},
        {"backlog", tr("Messages waiting for offline devices:")},
        {"version", tr("Version:")},
    };
    for (const auto &[key, label] : fields) {
        auto *value = new QLabel(QStringLiteral("—"));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setObjectName(key);
        m_fields.insert(key, value);
        if (key == QLatin1String("fingerprint")) {
            auto *row = new QHBoxLayout;
            value->setWordWrap(true);
            row->addWidget(value, 1);
            row->addWidget(m_copyFingerprint);
            form->addRow(label, row);
        } else {
            form->addRow(label, value);
        }
    }
    m_copyFingerprint->setAccessibleName(tr("Copy the certificate fingerprint"));
    m_copyFingerprint->hide();
    connect(m_copyFingerprint, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_fingerprint); });
    layout->addLayout(form);

    if (m_supervisor) {
        auto *buttons = new QHBoxLayout;
        m_start = new QPushButton(tr("Start"));
        m_stop = new QPushButton(tr("Stop"));
        m_restart = new QPushButton(tr("Restart"));
        for (QPushButton *b : {m_start, m_stop, m_restart})
            buttons->addWidget(b);
        buttons->addStretch(1);
        layout->addLayout(buttons);
        connect(m_start, &QPushButton::clicked, m_supervisor, &ServerSupervisor::start);
        connect(m_stop, &QPushButton::clicked, m_supervisor, &ServerSupervisor::stop);
        connect(m_restart, &QPushButton::clicked, m_supervisor, &ServerSupervisor::restart);
        connect(m_supervisor, &ServerSupervisor::stateChanged, this, [this] {
            refreshButtons();
            setStatus({}, m_why);
        });
    }
    layout->addStretch(1);
    refreshButtons();
    setStatus({}, tr("Waiting for the server…"));
}

void StatusPage::refreshButtons() {
    if (!m_supervisor)
        return;
    using S = ServerSupervisor::State;
    const S s = m_supervisor->state();
    m_start->setEnabled(s == S::Stopped || s == S::Restarting);
    m_stop->setEnabled(s != S::Stopped && s != S::Stopping);
    m_restart->setEnabled(s == S::Running || s == S::Starting);
}

QString StatusPage::stateText() const {
    return m_state->text();
}

QString StatusPage::fieldText(const QString &key) const {
    return m_fields.value(key) ? m_fields.value(key)->text() : QString();
}

void StatusPage::setStatus(const QJsonObject &s, const QString &why) {
    using S = ServerSupervisor::State;
    m_why = why;
    if (!s.isEmpty()) {
        m_answering = true;
        const bool tls = s.value("tls").toBool();
        const QString address =
            m_supervisor && !m_supervisor->listenUrl().isEmpty()
                ? m_supervisor->listenUrl()
                : QStringLiteral("%1://%2:%3")
                      .arg(tls ? "wss" : "ws",
                           s.value("host").toString().contains(QLatin1Char(':'))
                               ? QLatin1Char('[') + s.value("host").toString() + QLatin1Char(']')
                               : s.value("host").toString())
                      .arg(s.value("port").toInt());
        m_fields["address"]->setText(address);
        m_fingerprint = s.value("tls_sha256").toString();
        m_fields["fingerprint"]->setText(tls ? m_fingerprint : tr("none (plain ws://)"));
        m_copyFingerprint->setVisible(!m_fingerprint.isEmpty());
        m_fields["uptime"]->setText(duration(qint64(s.value("uptime_s").toDouble())));
        m_fields["devices"]->setText(QString::number(s.value("devices_connected").toInt()));
        m_fields["rate"]->setText(
            QLocale().toString(s.value("messages_per_second").toDouble(), 'f', 1));
        m_fields["stored"]->setText(
            QLocale().toString(qint64(s.value("messages_stored_total").toDouble())));
        m_fields["users"]->setText(QLocale().toString(qint64(s.value("users").toDouble())));
        const QString reg = s.value("registration").toString();
        m_fields["registration"]->setText(reg == QLatin1String("open")     ? tr("open to anyone")
                                          : reg == QLatin1String("invite") ? tr("by invitation")
                                                                           : tr("closed"));
        m_fields["database"]->setText(bytes(s.value("database_bytes").toDouble()));
        m_fields["media"]->setText(bytes(s.value("media_bytes").toDouble()));
        m_fields["disk"]->setText(tr("%1 of %2")
                                      .arg(bytes(s.value("disk_free_bytes").toDouble()),
                                           bytes(s.value("disk_total_bytes").toDouble())));
        m_fields["backlog"]->setText(
            QLocale().toString(qint64(s.value("inbox_backlog").toDouble())));
        m_fields["version"]->setText(s.value("version").toString());
    } else {
        m_answering = false;
    }
    QString state;
    const S sv = m_supervisor ? m_supervisor->state() : S::Running;
    if (m_supervisor && sv == S::Stopped)
        state = tr("Stopped");
    else if (m_supervisor && sv == S::Starting)
        state = tr("Starting…");
    else if (m_supervisor && sv == S::Stopping)
        state = tr("Stopping…");
    else if (m_supervisor && sv == S::Restarting)
        state = tr("The server stopped unexpectedly; starting it again in %n s", nullptr,
                   qMax(1, m_supervisor->restartInMs() / 1000));
    else if (m_answering)
        state = tr("Running");
    else
        state = tr("Not answering: %1").arg(why);
    m_state->setText(state);
}

} // namespace tidings::admin
