#include "attach_sheet.h"

#include "media/image_cache.h"

#include "core/media/file_naming.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
constexpr int kThumb = 56;

QIcon fileIcon(Attachment::Kind kind, const QPalette &palette) {
    QPixmap pm(kThumb, kThumb);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(palette.color(QPalette::AlternateBase));
    p.drawRoundedRect(QRectF(pm.rect()), 8, 8);
    const QString icon = kind == Attachment::Kind::Voice || kind == Attachment::Kind::Audio
                             ? QStringLiteral(":/icons/mic.svg")
                         : kind == Attachment::Kind::Video ? QStringLiteral(":/icons/play.svg")
                                                           : QStringLiteral(":/icons/file.svg");
    QIcon(icon).paint(&p, pm.rect().adjusted(14, 14, -14, -14));
    return QIcon(pm);
}
} // namespace

Attachment::Kind AttachSheet::kindOf(const QString &path) {
    using K = client::media::AttachmentKind;
    switch (client::media::kindForMimeType(client::media::detectMimeType(path))) {
    case K::Image:
        return Attachment::Kind::Image;
    case K::Video:
        return Attachment::Kind::Video;
    case K::Audio:
        return Attachment::Kind::Audio;
    case K::Voice:
        return Attachment::Kind::Voice;
    case K::File:
        break;
    }
    return Attachment::Kind::File;
}

AttachSheet::AttachSheet(const QStringList &paths, const QString &chatTitle, QWidget *parent)
    : QDialog(parent)
    , m_cache(new ImageCache(32ll << 20, this))
    , m_list(new QListWidget)
    , m_asFiles(new QCheckBox(tr("Send photos and videos as files (original quality)")))
    , m_caption(new QLineEdit)
    , m_title(new QLabel)
    , m_summary(new QLabel)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel)) {
    setObjectName(QStringLiteral("attachSheet"));
    setWindowTitle(chatTitle.isEmpty() ? tr("Send files") : tr("Send to %1").arg(chatTitle));
    setAccessibleName(tr("Files to send"));
    resize(520, 460);
    auto *layout = new QVBoxLayout(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_title->setFont(bold);
    m_title->setText(windowTitle());
    layout->addWidget(m_title);
    m_summary->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_summary);
    m_list->setAccessibleName(tr("Files"));
    m_list->setIconSize(QSize(kThumb, kThumb));
    m_list->setSpacing(3);
    m_list->setUniformItemSizes(true);
    m_list->installEventFilter(this);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_asFiles);
    m_caption->setPlaceholderText(tr("Add a caption…"));
    m_caption->setAccessibleName(tr("Caption"));
    layout->addWidget(m_caption);
    m_send = m_buttons->addButton(tr("Send"), QDialogButtonBox::AcceptRole);
    m_send->setDefault(true);
    layout->addWidget(m_buttons);

    bool anyVisual = false;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        if (!info.isFile()) {
            m_refused.append(tr("%1: not a file").arg(info.fileName()));
            continue;
        }
        if (info.size() == 0) {
            m_refused.append(tr("%1: the file is empty").arg(info.fileName()));
            continue;
        }
        Entry e{info.absoluteFilePath(), kindOf(path)};
        anyVisual =
            anyVisual || e.kind == Attachment::Kind::Image || e.kind == Attachment::Kind::Video;
        m_entries.append(e);
        auto *item = new QListWidgetItem(QStringLiteral("%1\n%2").arg(
            client::media::safeFileName(info.fileName()),
            tr("%1 · %2").arg(kindLabel(e.kind), formatBytes(quint64(info.size())))));
        item->setData(Qt::AccessibleTextRole, tr("%1, %2, %3")
                                                  .arg(info.fileName(), kindLabel(e.kind),
                                                       formatBytes(quint64(info.size()))));
        item->setIcon(fileIcon(e.kind, palette()));
        m_list->addItem(item);
    }
    m_asFiles->setVisible(anyVisual);
    m_summary->setWordWrap(true);
    m_summary->setAccessibleName(tr("Summary"));
    updateSummary();
    if (m_list->count() > 0)
        m_list->setCurrentRow(0);
    m_caption->setFocus();

    connect(m_cache, &ImageCache::ready, this, &AttachSheet::updateIcons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (m_entries.isEmpty())
            return;
        emit sendRequested(files(), caption());
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateIcons();
}

QString AttachSheet::summary() const {
    quint64 total = 0;
    for (const Entry &e : m_entries)
        total += quint64(QFileInfo(e.path).size());
    // English has no numerus forms without a translation: one file is said on its own.
    const int n = int(m_entries.size());
    QString text = n == 1 ? tr("1 file, %1").arg(formatBytes(total))
                          : tr("%n files, %1", nullptr, n).arg(formatBytes(total));
    if (!m_refused.isEmpty())
        text += QStringLiteral("\n") + tr("Left out: %1").arg(m_refused.join(QStringLiteral("; ")));
    return text;
}

void AttachSheet::updateSummary() {
    m_summary->setText(summary());
    m_send->setEnabled(!m_entries.isEmpty());
}

void AttachSheet::removeFile(int row) {
    if (row < 0 || row >= m_entries.size())
        return;
    m_entries.removeAt(row);
    delete m_list->takeItem(row);
    updateSummary();
}

bool AttachSheet::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_list && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if ((key == Qt::Key_Delete || key == Qt::Key_Backspace) && m_list->currentRow() >= 0) {
            removeFile(m_list->currentRow());
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void AttachSheet::updateIcons() {
    const qreal dpr = devicePixelRatioF();
    const QSize size = QSize(kThumb, kThumb) * dpr;
    for (int i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).kind != Attachment::Kind::Image)
            continue;
        QImage thumb = m_cache->image(m_entries.at(i).path, size);
        if (thumb.isNull())
            continue;
        thumb.setDevicePixelRatio(dpr);
        m_list->item(i)->setIcon(QIcon(QPixmap::fromImage(thumb)));
    }
}

QList<OutgoingMedia> AttachSheet::files() const {
    QList<OutgoingMedia> out;
    for (const Entry &e : m_entries) {
        OutgoingMedia m;
        m.path = e.path;
        m.kind = e.kind;
        m.asFile = m_asFiles->isChecked() &&
                   (e.kind == Attachment::Kind::Image || e.kind == Attachment::Kind::Video);
        if (m.asFile)
            m.kind = Attachment::Kind::File;
        out.append(m);
    }
    return out;
}

QString AttachSheet::caption() const {
    return m_caption->text().trimmed();
}

void AttachSheet::setCaption(const QString &caption) {
    m_caption->setText(caption);
}

} // namespace tidings::ui
