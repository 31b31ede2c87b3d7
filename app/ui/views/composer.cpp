#include "composer.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QTextBlock>
#include <QToolButton>

namespace tidings::ui {

ComposerEdit::ComposerEdit(QWidget *parent)
    : QPlainTextEdit(parent) {
    setTabChangesFocus(true);
    setPlaceholderText(tr("Write a message…"));
    setAccessibleName(tr("Message"));
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    connect(this, &QPlainTextEdit::textChanged, this, [this] { updateGeometry(); });
}

QSize ComposerEdit::sizeHint() const {
    const QFontMetrics fm(font());
    const int lines = qBound(1, int(document()->lineCount()), 6);
    const int h = lines * fm.lineSpacing() + int(document()->documentMargin() * 2) +
                  contentsMargins().top() + contentsMargins().bottom() + 4;
    return QSize(200, h);
}

QSize ComposerEdit::minimumSizeHint() const {
    return sizeHint();
}

void ComposerEdit::keyPressEvent(QKeyEvent *event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & (Qt::ShiftModifier | Qt::AltModifier))) {
        emit sendRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new ComposerEdit(this))
    , m_send(new QToolButton(this)) {
    setObjectName(QStringLiteral("composer"));
    setAutoFillBackground(true);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(8);
    layout->addWidget(m_edit, 1);
    m_send->setIcon(QIcon(QStringLiteral(":/icons/send.svg")));
    m_send->setIconSize(QSize(22, 22));
    m_send->setAutoRaise(true);
    m_send->setToolTip(tr("Send (Enter)"));
    m_send->setAccessibleName(tr("Send"));
    m_send->setEnabled(false);
    layout->addWidget(m_send, 0, Qt::AlignBottom);

    m_draftTimer.setSingleShot(true);
    m_draftTimer.setInterval(600);
    connect(&m_draftTimer, &QTimer::timeout, this, [this] { emit draftChanged(text()); });
    // "Stopped typing" a few seconds after the last key; the core throttles the start events.
    m_typingStop.setSingleShot(true);
    m_typingStop.setInterval(4000);
    connect(&m_typingStop, &QTimer::timeout, this, [this] {
        if (m_typing) {
            m_typing = false;
            emit typingChanged(false);
        }
    });
    connect(m_edit, &ComposerEdit::sendRequested, this, &Composer::send);
    connect(m_send, &QToolButton::clicked, this, &Composer::send);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &Composer::onTextChanged);
}

QString Composer::text() const {
    return m_edit->toPlainText();
}

void Composer::setTextSilently(const QString &text) {
    m_silent = true;
    m_draftTimer.stop();
    m_typingStop.stop();
    m_typing = false;
    m_edit->setPlainText(text);
    m_edit->moveCursor(QTextCursor::End);
    m_silent = false;
    m_send->setEnabled(!text.trimmed().isEmpty());
}

void Composer::focusEditor() {
    m_edit->setFocus(Qt::OtherFocusReason);
}

void Composer::onTextChanged() {
    m_send->setEnabled(!text().trimmed().isEmpty());
    if (m_silent)
        return;
    m_draftTimer.start();
    if (text().isEmpty()) {
        m_typingStop.stop();
        if (m_typing) {
            m_typing = false;
            emit typingChanged(false);
        }
        return;
    }
    m_typingStop.start();
    m_typing = true;
    emit typingChanged(true);
}

void Composer::send() {
    const QString t = text().trimmed();
    if (t.isEmpty())
        return;
    setTextSilently(QString());
    emit draftChanged(QString());
    emit typingChanged(false);
    emit sendRequested(t);
}

} // namespace tidings::ui
