#include "composer.h"

#include "media/voice_record_bar.h"
#include "media/voice_recorder.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QStackedWidget>
#include <QTextBlock>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace tidings::ui {

namespace {
QStringList localFiles(const QMimeData *source) {
    QStringList files;
    if (!source->hasUrls())
        return files;
    for (const QUrl &url : source->urls())
        if (url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile())
            files.append(url.toLocalFile());
    return files;
}
} // namespace

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

bool ComposerEdit::canInsertFromMimeData(const QMimeData *source) const {
    return source->hasImage() || !localFiles(source).isEmpty() ||
           QPlainTextEdit::canInsertFromMimeData(source);
}

void ComposerEdit::insertFromMimeData(const QMimeData *source) {
    // Files and pictures become attachments (through the preview sheet), never their paths.
    const QStringList files = localFiles(source);
    if (!files.isEmpty()) {
        emit filesPasted(files);
        return;
    }
    if (source->hasImage()) {
        const QImage image = qvariant_cast<QImage>(source->imageData());
        if (!image.isNull()) {
            emit imagePasted(image);
            return;
        }
    }
    QPlainTextEdit::insertFromMimeData(source);
}

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_edit(new ComposerEdit(this))
    , m_attach(new QToolButton(this))
    , m_stack(new QStackedWidget(this))
    , m_bar(new VoiceRecordBar(this))
    , m_mic(new RecordButton(this))
    , m_send(new QToolButton(this))
    , m_error(new QLabel(this))
    , m_recorder(nullptr) {
    setObjectName(QStringLiteral("composer"));
    setAutoFillBackground(true);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(12, 8, 12, 8);
    outer->setSpacing(4);
    auto *layout = new QHBoxLayout;
    layout->setSpacing(8);
    m_attach->setIcon(QIcon(QStringLiteral(":/icons/attach.svg")));
    m_attach->setIconSize(QSize(22, 22));
    m_attach->setAutoRaise(true);
    m_attach->setToolTip(tr("Attach files"));
    m_attach->setAccessibleName(tr("Attach files"));
    layout->addWidget(m_attach, 0, Qt::AlignBottom);
    m_stack->addWidget(m_edit);
    m_stack->addWidget(m_bar);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_mic, 0, Qt::AlignBottom);
    m_send->setIcon(QIcon(QStringLiteral(":/icons/send.svg")));
    m_send->setIconSize(QSize(22, 22));
    m_send->setAutoRaise(true);
    m_send->setToolTip(tr("Send (Enter)"));
    m_send->setAccessibleName(tr("Send"));
    m_send->setEnabled(false);
    layout->addWidget(m_send, 0, Qt::AlignBottom);
    outer->addLayout(layout);
    m_error->setWordWrap(true);
    m_error->setAccessibleName(tr("Composer error"));
    m_error->setStyleSheet(QStringLiteral("color: #d93a3a"));
    m_error->hide();
    outer->addWidget(m_error);
    setRecordingDirectory(QDir::temp().filePath(QStringLiteral("tidings-voice")));
    m_stack->setMaximumHeight(m_edit->sizeHint().height() * 6);

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
    m_errorTimer.setSingleShot(true);
    m_errorTimer.setInterval(8000);
    connect(&m_errorTimer, &QTimer::timeout, m_error, &QLabel::hide);
    connect(m_edit, &ComposerEdit::sendRequested, this, &Composer::send);
    connect(m_edit, &ComposerEdit::imagePasted, this, &Composer::imagePasted);
    connect(m_edit, &ComposerEdit::filesPasted, this, &Composer::filesPasted);
    connect(m_send, &QToolButton::clicked, this, &Composer::send);
    connect(m_attach, &QToolButton::clicked, this, &Composer::attachRequested);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &Composer::onTextChanged);
    connect(m_mic, &RecordButton::holdStarted, this, &Composer::onHoldStarted);
    connect(m_mic, &RecordButton::holdMoved, this, &Composer::onHoldMoved);
    connect(m_mic, &RecordButton::holdEnded, this, &Composer::onHoldEnded);
    connect(m_mic, &RecordButton::keyActivated, this, [this] {
        if (isRecording())
            finishRecording();
        else
            startRecording(true);
    });
    connect(m_bar, &VoiceRecordBar::cancelRequested, this, &Composer::cancelRecording);
    // Tab as laid out: attach, the editor, the microphone, send.
    setTabOrder(m_attach, m_edit);
    setTabOrder(m_edit, m_mic);
    setTabOrder(m_mic, m_send);
}

Composer::~Composer() = default;

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
    m_send->setEnabled(!text.trimmed().isEmpty() || isRecording());
}

void Composer::focusEditor() {
    m_edit->setFocus(Qt::OtherFocusReason);
}

void Composer::setRecordingDirectory(const QString &directory) {
    if (isRecording())
        return;
    delete m_recorder;
    m_recorder = new VoiceRecorder(directory, this);
    m_bar->setRecorder(m_recorder);
    connect(m_recorder, &VoiceRecorder::finished, this,
            [this](const QString &path, qint64 durationMs, const QByteArray &waveform) {
                showRecording(false);
                emit voiceNoteRecorded(path, durationMs, waveform);
            });
    connect(m_recorder, &VoiceRecorder::cancelled, this, [this] { showRecording(false); });
    connect(m_recorder, &VoiceRecorder::failed, this, [this](const QString &error) {
        showRecording(false);
        showError(error);
    });
}

void Composer::setMediaEnabled(bool enabled) {
    m_attach->setVisible(enabled);
    m_mic->setVisible(enabled);
}

bool Composer::isRecording() const {
    return m_stack->currentWidget() == m_bar;
}

QString Composer::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void Composer::showError(const QString &text) {
    m_error->setText(text);
    m_error->show();
    m_errorTimer.start();
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
    if (isRecording()) {
        finishRecording();
        return;
    }
    const QString t = text().trimmed();
    if (t.isEmpty())
        return;
    setTextSilently(QString());
    emit draftChanged(QString());
    emit typingChanged(false);
    emit sendRequested(t);
}

bool Composer::startRecording(bool locked) {
    if (isRecording())
        return true;
    m_error->hide();
    if (!m_recorder->start()) {
        showError(m_recorder->error());
        return false;
    }
    m_locked = locked;
    m_holdStartedMs = QDateTime::currentMSecsSinceEpoch();
    showRecording(true);
    return true;
}

void Composer::finishRecording() {
    if (!isRecording())
        return;
    m_bar->setEnabled(false); // until the file is complete
    m_recorder->stop();
}

void Composer::cancelRecording() {
    if (isRecording())
        m_recorder->cancel();
}

void Composer::showRecording(bool recording) {
    m_bar->setEnabled(true);
    m_bar->setLocked(m_locked);
    m_bar->setSlide(0);
    m_stack->setCurrentWidget(recording ? static_cast<QWidget *>(m_bar) : m_edit);
    m_attach->setEnabled(!recording);
    m_send->setEnabled(recording || !text().trimmed().isEmpty());
    m_mic->setAccessibleName(recording ? tr("Send the voice message")
                                       : tr("Record a voice message"));
    if (recording && m_locked)
        m_send->setFocus(Qt::OtherFocusReason);
    if (!recording) {
        m_locked = false;
        if (isVisible())
            focusEditor();
    }
}

void Composer::onHoldStarted() {
    if (isRecording()) {
        if (m_locked)
            finishRecording(); // the microphone sends a hands-free note
        return;
    }
    startRecording(false);
}

void Composer::onHoldMoved(QPoint delta) {
    if (!isRecording() || m_locked)
        return;
    m_bar->setSlide(qBound(0.0, -delta.x() / double(kCancelDistance), 1.0));
    if (-delta.x() >= kCancelDistance) {
        cancelRecording();
    } else if (-delta.y() >= kLockDistance) {
        m_locked = true;
        m_bar->setLocked(true);
    }
}

void Composer::onHoldEnded() {
    if (!isRecording() || m_locked)
        return;
    if (QDateTime::currentMSecsSinceEpoch() - m_holdStartedMs < kClickMs) {
        m_locked = true; // a click: hands-free until Send
        m_bar->setLocked(true);
        return;
    }
    finishRecording();
}

void Composer::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Escape && isRecording()) {
        cancelRecording();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace tidings::ui
