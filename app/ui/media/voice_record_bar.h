#pragma once
// What the composer shows while a voice note records: a red dot and the time, the live
// waveform, and what to do next ("release to send, slide left or Esc to cancel"; once locked
// for hands-free: Cancel, and Send in the composer). RecordButton is the microphone button:
// hold to record, release to send, slide left to cancel, slide up or click to lock;
// Space/Enter starts a locked recording from the keyboard and sends it.
#include <QToolButton>
#include <QWidget>

class QLabel;
class QPushButton;

namespace tidings::ui {

class VoiceRecorder;

class RecordButton : public QToolButton {
    Q_OBJECT
public:
    explicit RecordButton(QWidget *parent = nullptr);

signals:
    void holdStarted();
    //! The pointer moved by `delta` since the press.
    void holdMoved(QPoint delta);
    void holdEnded();
    //! Space or Enter.
    void keyActivated();

protected:
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    QPoint m_pressAt;
    bool m_holding = false;
};

class LevelView;

class VoiceRecordBar : public QWidget {
    Q_OBJECT
public:
    explicit VoiceRecordBar(QWidget *parent = nullptr);
    void setRecorder(VoiceRecorder *recorder);
    void setLocked(bool locked);
    //! 0..1 of the way to cancelling by sliding.
    void setSlide(double fraction);
    QString hint() const;
    QPushButton *cancelButton() const { return m_cancel; }

signals:
    void cancelRequested();

private:
    void tick();

    VoiceRecorder *m_recorder = nullptr;
    QLabel *m_time;
    LevelView *m_levels;
    QLabel *m_hint;
    QPushButton *m_cancel;
    bool m_locked = false;
};

} // namespace tidings::ui
