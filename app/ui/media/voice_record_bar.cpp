#include "voice_record_bar.h"

#include "look.h"
#include "media/audio_playback.h"
#include "media/media_port.h"
#include "media/voice_recorder.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QTimer>

namespace tidings::ui {

RecordButton::RecordButton(QWidget *parent)
    : QToolButton(parent) {
    setIcon(QIcon(QStringLiteral(":/icons/mic.svg")));
    setIconSize(QSize(22, 22));
    setAutoRaise(true);
    setAccessibleName(tr("Record a voice message"));
    setToolTip(tr("Hold to record a voice message, release to send. Click or press Space to "
                  "record hands-free."));
}

void RecordButton::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return;
    m_pressAt = event->globalPosition().toPoint();
    m_holding = true;
    setDown(true);
    emit holdStarted();
}

void RecordButton::mouseMoveEvent(QMouseEvent *event) {
    if (m_holding)
        emit holdMoved(event->globalPosition().toPoint() - m_pressAt);
}

void RecordButton::mouseReleaseEvent(QMouseEvent *event) {
    if (!m_holding || event->button() != Qt::LeftButton)
        return;
    m_holding = false;
    setDown(false);
    emit holdEnded();
}

void RecordButton::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Space || event->key() == Qt::Key_Return ||
        event->key() == Qt::Key_Enter) {
        emit keyActivated();
        return;
    }
    QToolButton::keyPressEvent(event);
}

//! The newest levels as bars, scrolling left as the note grows.
class LevelView : public QWidget {
public:
    explicit LevelView(QWidget *parent)
        : QWidget(parent) {
        setMinimumSize(80, 26);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    VoiceRecorder *recorder = nullptr;

protected:
    void paintEvent(QPaintEvent *) override {
        if (!recorder)
            return;
        QPainter p(this);
        const Colors c = Colors::from(palette());
        const int bars = qMax(1, int(width() / 4.0));
        const QList<float> &levels = recorder->levels();
        QByteArray peaks(bars, '\0');
        for (int i = 0; i < bars; ++i) {
            const qsizetype at = levels.size() - bars + i;
            if (at >= 0)
                peaks[i] = char(quint8(qBound(0.0f, levels.at(at) * 1.6f, 1.0f) * 255));
        }
        paintWaveform(&p, QRectF(rect()).adjusted(0, 2, 0, -2), peaks, 1.0, c.accent, c.accent);
    }
};

VoiceRecordBar::VoiceRecordBar(QWidget *parent)
    : QWidget(parent)
    , m_time(new QLabel)
    , m_levels(new LevelView(this))
    , m_hint(new QLabel)
    , m_cancel(new QPushButton(tr("Cancel"))) {
    setObjectName(QStringLiteral("voiceRecordBar"));
    setAccessibleName(tr("Recording a voice message"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 0, 0, 0);
    layout->setSpacing(10);
    auto *dot = new QLabel;
    dot->setFixedSize(10, 10);
    dot->setStyleSheet(QStringLiteral("background: #e0413b; border-radius: 5px;"));
    layout->addWidget(dot);
    m_time->setAccessibleName(tr("Recording time"));
    m_time->setMinimumWidth(m_time->fontMetrics().horizontalAdvance(QStringLiteral("00:00")) + 4);
    layout->addWidget(m_time);
    layout->addWidget(m_levels, 1);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_hint);
    m_cancel->setAccessibleName(tr("Cancel the voice message"));
    layout->addWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, this, &VoiceRecordBar::cancelRequested);
    auto *timer = new QTimer(this);
    timer->setInterval(200);
    connect(timer, &QTimer::timeout, this, &VoiceRecordBar::tick);
    timer->start();
    setLocked(false);
}

void VoiceRecordBar::setRecorder(VoiceRecorder *recorder) {
    m_recorder = recorder;
    m_levels->recorder = recorder;
    connect(recorder, &VoiceRecorder::levelsChanged, m_levels, qOverload<>(&QWidget::update));
    tick();
}

void VoiceRecordBar::setLocked(bool locked) {
    m_locked = locked;
    m_cancel->setVisible(locked);
    m_hint->setText(locked ? tr("Hands-free: Send when done, Esc cancels")
                           : tr("Release to send · slide left or Esc to cancel"));
}

void VoiceRecordBar::setSlide(double fraction) {
    QPalette p = m_hint->palette();
    p.setColor(QPalette::WindowText, fraction > 0.5 ? QColor(0xe0, 0x41, 0x3b)
                                                    : palette().color(QPalette::PlaceholderText));
    m_hint->setPalette(p);
    m_hint->setForegroundRole(fraction > 0.5 ? QPalette::WindowText : QPalette::PlaceholderText);
}

QString VoiceRecordBar::hint() const {
    return m_hint->text();
}

void VoiceRecordBar::tick() {
    if (!m_recorder || !isVisible())
        return;
    m_time->setText(formatDuration(m_recorder->elapsedMs()));
    m_levels->update();
}

} // namespace tidings::ui
