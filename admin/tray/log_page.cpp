#include "log_page.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace tidings::admin {

LogPage::LogPage(QWidget *parent)
    : QWidget(parent)
    , m_filter(new QLineEdit)
    , m_view(new QPlainTextEdit)
    , m_follow(new QCheckBox(tr("Follow"))) {
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_filter->setPlaceholderText(tr("Show only lines containing…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter the log"));
    top->addWidget(m_filter, 1);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest line in view"));
    top->addWidget(m_follow);
    layout->addLayout(top);
    m_view->setReadOnly(true);
    m_view->setMaximumBlockCount(kMaxLines);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setAccessibleName(tr("Server log"));
    layout->addWidget(m_view, 1);
    connect(m_filter, &QLineEdit::textChanged, this, &LogPage::rebuild);
    // Scrolling up stops following; back at the bottom, it follows again.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int v) { m_follow->setChecked(v == m_view->verticalScrollBar()->maximum()); });
}

bool LogPage::matches(const QString &line) const {
    const QString f = m_filter->text().trimmed();
    return f.isEmpty() || line.contains(f, Qt::CaseInsensitive);
}

void LogPage::setLines(const QStringList &lines) {
    m_lines = lines.mid(qMax(0, int(lines.size()) - kMaxLines));
    rebuild();
}

void LogPage::appendLine(const QString &line) {
    m_lines.append(line);
    if (m_lines.size() > kMaxLines)
        m_lines.removeFirst();
    if (!matches(line))
        return;
    const bool follow = m_follow->isChecked();
    QScrollBar *bar = m_view->verticalScrollBar();
    const int keep = bar->value();
    m_view->appendPlainText(line);
    if (follow)
        bar->setValue(bar->maximum());
    else
        bar->setValue(keep);
}

void LogPage::rebuild() {
    QStringList shown;
    for (const QString &l : m_lines)
        if (matches(l))
            shown << l;
    m_view->setPlainText(shown.join(QLatin1Char('\n')));
    m_follow->setChecked(true);
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

QStringList LogPage::shownLines() const {
    const QString text = m_view->toPlainText();
    return text.isEmpty() ? QStringList() : text.split(QLatin1Char('\n'));
}

} // namespace tidings::admin
