#pragma once
// The message editor: multi-line, Enter sends, Shift+Enter starts a new line, grows with its
// text up to a few lines. Emits draftChanged (debounced) so drafts survive restarts. Beside it
// the attach button (files), and the microphone: hold to record a voice note, release to send,
// slide left or Esc to cancel, click (or Space) to record hands-free. Pasting an image or files
// asks to attach them instead of inserting text.
#include <QImage>
#include <QPlainTextEdit>
#include <QTimer>
#include <QWidget>

class QLabel;
class QStackedWidget;
class QToolButton;

namespace tidings::ui {

class RecordButton;
class VoiceRecordBar;
class VoiceRecorder;

class ComposerEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit ComposerEdit(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void sendRequested();
    void imagePasted(const QImage &image);
    void filesPasted(const QStringList &paths);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;
};

class Composer : public QWidget {
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);
    ~Composer() override;

    QString text() const;
    //! Replaces the text without announcing a draft change (switching chats).
    void setTextSilently(const QString &text);
    ComposerEdit *editor() const { return m_edit; }
    void focusEditor();

    //! Shows or hides the attach and microphone buttons (no media module: neither).
    void setMediaEnabled(bool enabled);
    //! Voice notes are written here until sent (the core copies what it sends).
    void setRecordingDirectory(const QString &directory);
    QToolButton *attachButton() const { return m_attach; }
    RecordButton *recordButton() const { return m_mic; }
    QToolButton *sendButton() const { return m_send; }
    VoiceRecordBar *recordBar() const { return m_bar; }
    VoiceRecorder *recorder() const { return m_recorder; }
    bool isRecording() const;
    bool isRecordingLocked() const { return m_locked; }
    //! The last error shown under the editor (no microphone, recording failed), or empty.
    QString errorText() const;
    void showError(const QString &text);

    // The recording gestures, callable without a pointer (tests, keyboard).
    //! Starts recording; `locked` for hands-free. False (and errorText()) without a microphone.
    bool startRecording(bool locked);
    //! Ends the recording and sends it (voiceNoteRecorded follows when the file is complete).
    void finishRecording();
    void cancelRecording();

    //! Pointer travel that cancels (left) or locks (up) a held recording.
    static constexpr int kCancelDistance = 120;
    static constexpr int kLockDistance = 70;
    //! A press shorter than this is a click: it locks the recording for hands-free.
    static constexpr int kClickMs = 350;

signals:
    void sendRequested(const QString &text);
    //! The text settled for a moment (or the chat is switched away): persist it.
    void draftChanged(const QString &text);
    //! The user is typing (at most one call per throttle interval) or stopped.
    void typingChanged(bool typing);
    void attachRequested();
    void imagePasted(const QImage &image);
    void filesPasted(const QStringList &paths);
    void voiceNoteRecorded(const QString &path, qint64 durationMs, const QByteArray &waveform);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void send();
    void onTextChanged();
    void onHoldStarted();
    void onHoldMoved(QPoint delta);
    void onHoldEnded();
    void showRecording(bool recording);

    ComposerEdit *m_edit;
    QToolButton *m_attach;
    QStackedWidget *m_stack;
    VoiceRecordBar *m_bar;
    RecordButton *m_mic;
    QToolButton *m_send;
    QLabel *m_error;
    VoiceRecorder *m_recorder;
    QTimer m_draftTimer;
    QTimer m_typingStop;
    QTimer m_errorTimer;
    qint64 m_holdStartedMs = 0;
    bool m_silent = false;
    bool m_typing = false;
    bool m_locked = false;
};

} // namespace tidings::ui
