#pragma once
// Shown while the profile's keys are being read from the system keyring and the keyring is
// slow to answer: usually it is asking the user for something in a window of its own (choose a
// password for a new keyring, unlock a locked one). Says what Tidings waits for and why, keeps
// a way out (a passphrase file instead, when the profile is new; quit), and when the keyring
// answers with an error or its window was closed, offers to try again.
#include "protocol/result.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace tidings::ui {

class BusySpinner;

class KeyringWindow : public QWidget {
    Q_OBJECT
public:
    explicit KeyringWindow(QWidget *parent = nullptr);

    //! The keyring has not answered yet. `passphraseAllowed`: the profile is new, so its keys
    //! may as well go to a passphrase file (an existing profile's keys are in the keyring).
    void showWaiting(bool passphraseAllowed);
    //! The keyring answered with `error` (it refused, its window was closed, or none answered).
    void showFailed(const Error &error, bool passphraseAllowed);
    bool isWaiting() const { return m_waiting; }

    //! How often the busy indicator has moved: it animates while the event loop runs.
    int spinnerFrames() const;
    QString titleText() const;
    QString bodyText() const;
    QString detailText() const;
    QPushButton *passphraseButton() const { return m_passphrase; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *quitButton() const { return m_quit; }

signals:
    void passphraseRequested();
    void retryRequested();
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QLabel *m_title;
    QLabel *m_body;
    BusySpinner *m_busy;
    QLabel *m_detail;
    QLabel *m_hint;
    QPushButton *m_quit;
    QPushButton *m_passphrase;
    QPushButton *m_retry;
    bool m_waiting = false;
};

} // namespace tidings::ui
